"""One build of a site at a time: an exclusive lock on `.nsnbuild-cache/lock`."""

from __future__ import annotations

import contextlib
import os
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


@contextlib.contextmanager
def site_lock(
    cache_dir: Path,
    wait: float = WAIT_SECONDS,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold the site's build lock; wait up to `wait` seconds for another build to finish.

    `on_wait` is called once, when the lock is taken by someone else. The lock is an
    OS file lock, so a build that is killed releases it at once.
    """
    if fcntl is None:  # pragma: no cover - without POSIX file locks there is no lock
        yield
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(cache_dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
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
