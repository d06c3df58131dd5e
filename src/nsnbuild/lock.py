"""One build of a site at a time: an exclusive lock on `.nsnbuild-cache/lock`."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import NsnError

WAIT_SECONDS = 60.0

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


class LockTimeout(NsnError):
    """Another build of the site held the lock for too long."""


def _open_lock(cache_dir: Path) -> int:
    """The lock file, opened; OSError when the cache folder cannot be used."""
    if os.path.lexists(cache_dir) and (cache_dir.is_symlink() or not cache_dir.is_dir()):
        # a link would have the cache, and `clean`, work on a folder that is not nsnbuild's
        raise NotADirectoryError(errno.ENOTDIR, "it is not a folder")
    cache_dir.mkdir(parents=True, exist_ok=True)
    if not os.access(cache_dir, os.R_OK | os.W_OK | os.X_OK):
        # the lock could be taken, but the cache beside it could be neither read nor written
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    # never through a link planted in the cache (ELOOP: an unusable cache, made anew)
    no_follow = getattr(os, "O_NOFOLLOW", 0)
    return os.open(cache_dir / "lock", os.O_RDWR | os.O_CREAT | no_follow, 0o644)


def _remove(cache_dir: Path, why: OSError) -> None:
    """Remove an unusable cache folder (nsnbuild's own, as `nsnbuild clean` would), giving
    its folders back their permissions first; links in it are removed, never followed. A
    file or a link in its place is not nsnbuild's: it is left for its owner to move."""
    if cache_dir.is_symlink():
        raise NsnError(
            f"{cache_dir} is a link; nsnbuild keeps its build cache and lock in a folder of its "
            "own there: replace the link with a folder, or remove it"
        )
    if not cache_dir.is_dir():
        raise NsnError(
            f"{cache_dir} is not a folder; nsnbuild keeps its build cache and lock there: move it away"
        )
    try:
        os.chmod(cache_dir, 0o700)
        for folder, subfolders, _ in os.walk(cache_dir):
            for name in subfolders:
                path = os.path.join(folder, name)
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
        shutil.rmtree(cache_dir)
    except OSError as exc:
        raise NsnError(
            f"cannot use the build cache {cache_dir} ({why.strerror}) nor remove it "
            f"({exc.strerror}); remove it, or give it back its permissions"
        ) from None


@contextlib.contextmanager
def site_lock(
    cache_dir: Path,
    wait: float = WAIT_SECONDS,
    on_wait: Callable[[], None] | None = None,
    on_remade: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the site's build lock; wait up to `wait` seconds for another build to finish.

    `on_wait` is called once, when the lock is taken by someone else. The lock is an
    OS file lock, so a build that is killed releases it at once. A cache folder that cannot
    hold the lock (its permissions taken away) is only an optimisation lost: it is removed
    and a new one made, and `on_remade` is told why.
    """
    if fcntl is None:  # pragma: no cover - without POSIX file locks there is no lock
        yield
        return
    try:
        handle = _open_lock(cache_dir)
    except OSError as exc:
        if not os.path.lexists(cache_dir):
            raise NsnError(f"cannot make the build cache {cache_dir}: {exc.strerror}") from None
        _remove(cache_dir, exc)
        if on_remade is not None:
            on_remade(f"the build cache {cache_dir} could not be used ({exc.strerror}); started a new one")
        try:
            handle = _open_lock(cache_dir)
        except OSError as again:
            raise NsnError(f"cannot make the build cache {cache_dir}: {again.strerror}") from None
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                # a POSIX record lock belongs to this process alone: worker processes forked
                # from it do not hold it, and it goes when this process ends, however it ends
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"another nsnbuild command is still working on this site after {wait:.0f} s "
                        f"(lock: {cache_dir / 'lock'}); try again when it has finished"
                    ) from None
                if not told and on_wait is not None:
                    on_wait()
                    told = True
                time.sleep(0.1)
        yield
    finally:
        os.close(handle)
