"""Write the site: new bytes staged beside their destination, then renamed into place at once.

A file whose bytes did not change is never rewritten; files the build no longer makes are
removed; a build that fails removes what it staged and leaves the output as it was.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import output_dir_problem
from .errors import OutputRefused
from .model import Written
from .records import pickle_by_fields

MARKER = ".nsnbuild-output"
TEMP_PREFIX = ".nsnbuild-tmp-"


def digest_data(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Staged:
    """New bytes for `rel`, waiting under a temporary name in the same folder."""

    rel: str
    temp: str
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


@dataclass(slots=True)
class OutputState:
    """The output folder as found before writing: its files and folders."""

    files: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    temps: list[str] = field(default_factory=list)
    existed: bool = False


def check_output_dir(output: Path, root: Path, force: bool) -> None:
    """Refuse an output folder that would overwrite the site or someone else's files."""
    output = output.resolve()
    refused = output_dir_problem(output, root)
    if refused is not None:
        raise OutputRefused(f"refusing to write the site into {output}: {refused}")
    if output.exists() and not output.is_dir():
        raise OutputRefused(f"refusing to write the site into {output}: it is a file")
    for parent in output.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputRefused(f"refusing to write the site into {output}: {parent} is a file")
            break
    try:
        if output.is_dir() and not os.access(output, os.R_OK | os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        foreign = not force and output.is_dir() and not (output / MARKER).exists() and any(output.iterdir())
    except OSError as exc:
        raise OutputRefused(f"cannot write the site into {output}: {exc.strerror}") from None
    if foreign:
        raise OutputRefused(
            f"refusing to write the site into {output}: the folder is not empty and was not made "
            "by nsnbuild (use --force to write into it anyway)"
        )


def scan_output(output: Path) -> OutputState:
    """Every file and folder under output (relative, '/'-separated), and stray temporary files."""
    state = OutputState(existed=output.is_dir())
    if not state.existed:
        return state
    base = len(str(output)) + 1

    def unreadable(exc: OSError) -> None:
        raise OutputRefused(
            f"cannot write the site into {output}: cannot read {exc.filename}: {exc.strerror}"
        )

    for dirpath, _, filenames in os.walk(output, onerror=unreadable):
        rel_dir = dirpath[base:].replace(os.sep, "/")
        if rel_dir:
            state.dirs.add(rel_dir)
        prefix = f"{rel_dir}/" if rel_dir else ""
        for name in filenames:
            if name.startswith(TEMP_PREFIX):
                state.temps.append(prefix + name)
            else:
                state.files.add(prefix + name)
    return state


def still_as_written(output: Path, rel: str, written: Written) -> bool:
    """Whether output/rel is still the file a build wrote there (its size and mtime)."""
    try:
        stat = os.stat(os.path.join(output, rel))
    except OSError:
        return False
    return stat.st_size == written.size and stat.st_mtime_ns == written.mtime_ns


def all_still_as_written(output: Path, manifest: Mapping[str, tuple[str, Written]]) -> bool:
    """Whether every file of a manifest (rel -> (key, what was written)) is still as written."""
    return all(still_as_written(output, rel, written) for rel, (_, written) in manifest.items())


def unchanged(output: Path, rel: str, data: bytes, digest: str, known: Written | None) -> bool:
    """True when output/rel already holds exactly these bytes."""
    path = _file_path(output, rel)
    try:
        stat = os.stat(path)
    except OSError:
        return False
    if stat.st_size != len(data):
        return False
    if known is not None and known.size == stat.st_size and known.mtime_ns == stat.st_mtime_ns:
        return known.digest == digest
    try:
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def stage_file(output: Path, rel: str, data: bytes, known: Written | None) -> tuple[str, Staged | None]:
    """Write data beside output/rel under a temporary name, unless it is already there.

    Returns the digest of data and what was staged (None: the file already holds data).
    """
    digest = digest_data(data)
    if unchanged(output, rel, data, digest, known):
        return digest, None
    # plain strings rather than Path objects: a build stages every one of its pages
    folder, name = os.path.split(_file_path(output, rel))
    if not os.path.isdir(folder):
        try:
            os.makedirs(folder, exist_ok=True)
        except (FileExistsError, NotADirectoryError, FileNotFoundError):
            # a file the last build made stands where this file's folder (or one above it)
            # goes: it is stale, and goes when the build is committed; until then the new bytes
            # wait at the top (Windows says FileNotFoundError when the file is further up)
            folder = os.fspath(output)
            os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f"{TEMP_PREFIX}{secrets.token_hex(6)}-{name}")
    with open(temp, "wb") as handle:
        handle.write(data)
    return digest, Staged(rel, temp, digest, len(data))


def _file_path(output: Path, rel: str) -> str:
    """output/rel as a string, in the platform's own separators."""
    return os.path.join(output, rel if os.sep == "/" else rel.replace("/", os.sep))


def commit(
    output: Path,
    staged: Iterable[Staged],
    keep: set[str],
    before: OutputState,
) -> tuple[WriteReport, dict[str, Written]]:
    """Rename staged files into place, remove stale files and stray temporaries.

    A file that takes the place of a stale folder (or needs a folder where a stale file
    was) is put in place once the stale files are gone.
    """
    written: dict[str, Written] = {}
    blocked: list[Staged] = []
    for item in staged:
        target = _file_path(output, item.rel)
        if os.path.dirname(item.temp) != os.path.dirname(target):
            blocked.append(item)
            continue
        try:
            os.replace(item.temp, target)
        except OSError:
            if not os.path.isdir(target):
                raise
            blocked.append(item)  # a stale folder stands where the file goes
            continue
        written[item.rel] = Written(item.digest, item.size, os.stat(target).st_mtime_ns)
    for temp in before.temps:
        _unlink(output / temp)
    removed = 0
    stale = sorted(before.files - keep - {MARKER})
    for rel in stale:
        if _unlink(output / rel):
            removed += 1
    for item in blocked:
        final = output / item.rel
        if final.is_dir():
            # every file in it is stale: the new outputs cannot be both this file and inside it
            shutil.rmtree(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(item.temp, final)
        written[item.rel] = Written(item.digest, item.size, final.stat().st_mtime_ns)
    count = len(written)
    if stale:
        # folders left empty go; a folder that still holds a file refuses to be removed
        needed = {p for rel in {str(Path(rel).parent.as_posix()) for rel in keep} for p in _parents(rel)}
        for rel in sorted(before.dirs - needed, key=len, reverse=True):
            _rmdir(output / rel)
    marker = output / MARKER
    if not marker.exists():
        output.mkdir(parents=True, exist_ok=True)
        marker.write_text("This folder is written by nsnbuild; it may replace anything in it.\n")
    unchanged_count = len(keep) - count
    return WriteReport(count, unchanged_count, removed), written


def rollback(output: Path, staged: Iterable[Staged], before: OutputState) -> None:
    """Remove staged files and any folder the failed build created."""
    for item in staged:
        _unlink(Path(item.temp))
    if not output.is_dir():
        return
    after = scan_output(output)
    for temp in after.temps:
        _unlink(output / temp)
    for rel in sorted(after.dirs - before.dirs, key=len, reverse=True):
        _rmdir(output / rel)
    if not before.existed:
        _rmdir(output)


def _parents(rel: str) -> list[str]:
    parts = [] if rel in ("", ".") else rel.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def _rmdir(path: Path) -> None:
    """Remove a folder if it is empty; a folder with files in it stays."""
    with contextlib.suppress(OSError):
        path.rmdir()


pickle_by_fields(__name__)
