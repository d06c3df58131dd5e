"""Find the briefs and pages under content/, and the digests of their bytes."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import Diagnostic, SourcePos

Kind = Literal["brief", "page"]


@dataclass(frozen=True, slots=True)
class ContentFile:
    """A file under content/ that is a brief or a page.

    `data` is None when the file's digest was taken from the previous build (its size and
    modification time unchanged); `read_content` fetches the bytes when they are needed.
    """

    path: Path
    rel: str
    kind: Kind
    data: bytes | None
    digest: str
    size: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0


Known = Mapping[str, tuple[int, int, int, str]]
"""rel -> (size, mtime_ns, ctime_ns, digest) of content files as the previous build saw them."""


def read_content(file: ContentFile) -> ContentFile:
    """The file with its bytes, and the digest of exactly those bytes."""
    if file.data is not None:
        return file
    data = file.path.read_bytes()
    return ContentFile(
        file.path, file.rel, file.kind, data, digest_bytes(data), file.size, file.mtime_ns, file.ctime_ns
    )


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def link_problem(path: Path, root: Path | None, verb: str) -> str | None:
    """What is wrong with the symlink at path, or None: it leads outside root (when a root
    is given; the link is then refused, `verb` saying what was not done), nowhere, or round
    in a loop of links that never reaches a file."""
    loop = "symlink loop: the link leads back to itself, never to a file"
    try:
        target = path.resolve()
    except RuntimeError:  # Python before 3.13 raises this for a loop
        return loop
    if root is not None and not target.is_relative_to(root):
        return f"symlink points outside the site (to {target}); refusing to {verb} it"
    try:
        os.stat(path)
    except FileNotFoundError:
        return "broken symlink"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return loop
    return None


def _walk(folder: Path, root: Path, diagnostics: list[Diagnostic]) -> Iterator[Path]:
    """Files under folder, sorted; symlinks followed only while they stay inside the site."""
    seen: set[Path] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        real = current.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            diagnostics.append(Diagnostic("error", f"cannot read folder: {exc.strerror}", SourcePos(current)))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            try:
                entry.name.encode("utf-8")
            except UnicodeEncodeError:
                name = os.fsencode(entry.name).decode("utf-8", "backslashreplace")
                message = f"the name '{name}' is not valid UTF-8; rename it"
                diagnostics.append(Diagnostic("error", message, SourcePos(current)))
                continue
            if entry.is_symlink():
                problem = link_problem(path, root, "read")
                if problem is not None:
                    diagnostics.append(Diagnostic("error", problem, SourcePos(path)))
                    continue
            if entry.is_dir():
                stack.append(path)
            elif entry.is_file():
                yield path
            else:
                message = "not a regular file (a pipe, socket or device); skipped"
                diagnostics.append(Diagnostic("warning", message, SourcePos(path)))


Stats = Mapping[str, tuple[int, int, int]]
"""rel under content/ -> (size, mtime_ns, ctime_ns), as a scan at the start of the build found them."""


def discover_content(
    root: Path, known: Known | None = None, stats: Stats | None = None
) -> tuple[list[ContentFile], list[Diagnostic]]:
    """Every brief (content/briefs/**/*.md) and page (content/pages/*.md), sorted by path.

    A file whose size and modification time are as `known` records (the previous build's
    view, for files whose mtime it could trust) keeps its recorded digest and is not read;
    every other file is read and hashed. A file's size and times are taken from `stats`
    where it has them (the build records those as what it saw), else from the file.
    """
    stats = stats or {}
    known = known or {}
    diagnostics: list[Diagnostic] = []
    files: list[ContentFile] = []
    content = root / "content"
    if not content.is_dir():
        return files, diagnostics
    start = os.path.join(os.fspath(content), "")
    for path in sorted(_walk(content, root, diagnostics)):
        text = os.fspath(path)
        # every path found is under content/: its parts after it, without making new paths
        rel_parts = (
            tuple(text[len(start) :].split(os.sep))
            if text.startswith(start)
            else path.relative_to(content).parts
        )
        kind: Kind | None = None
        if path.suffix == ".md" and rel_parts[0] == "briefs":
            kind = "brief"
        elif path.suffix == ".md" and rel_parts[0] == "pages" and len(rel_parts) == 2:
            kind = "page"
        if kind is None:
            message = "not a brief (content/briefs/**/*.md) or a page (content/pages/*.md); skipped"
            diagnostics.append(Diagnostic("warning", message, SourcePos(path)))
            continue
        rel = "/".join(("content", *rel_parts))
        try:
            times = stats.get("/".join(rel_parts))
            if times is None:
                stat = path.stat()
                times = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
            seen = known.get(rel)
            if seen and seen[:3] == times:
                files.append(ContentFile(path, rel, kind, None, seen[3], *times))
                continue
            data = path.read_bytes()
        except OSError as exc:
            diagnostics.append(Diagnostic("error", f"cannot read file: {exc.strerror}", SourcePos(path)))
            continue
        # the bytes are read again where the file is prepared: holding every file's bytes here
        # until then would cost the memory of the whole archive
        files.append(ContentFile(path, rel, kind, None, digest_bytes(data), *times))
    return files, diagnostics
