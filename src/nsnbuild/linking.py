"""Checks across the whole site: static files, output paths claimed twice, links that point nowhere."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .discover import link_problem
from .errors import Diagnostic, SourcePos, display_path
from .model import Brief, LinkRef, Page, SiteConfig
from .records import pickle_by_fields
from .site import Entry, PageEntry
from .texts import source_line


class ThemeAssets(Protocol):
    """What collect_static needs of a theme (theme.Theme has it): (path under assets/, file)."""

    @property
    def assets(self) -> tuple[tuple[str, Path], ...]: ...


@dataclass(frozen=True, slots=True)
class StaticFile:
    """A file copied unchanged to the output: from static/ or the theme's assets/."""

    rel: str
    source: Path


def collect_static(config: SiteConfig, theme: ThemeAssets) -> tuple[list[StaticFile], list[Diagnostic]]:
    """Files of static/ (at the output root) and of the theme's assets (under assets/).

    Symlinks are followed while they stay inside the site; one that leads outside it, nowhere,
    round in a loop or back into a folder that holds it is an error, and so is a file or
    folder that cannot be read: never a file silently left out.
    """
    found: list[StaticFile] = []
    problems: list[Diagnostic] = []
    root = config.root.resolve()
    static = config.static_dir

    def unreadable(exc: OSError) -> None:
        message = f"cannot read folder: {exc.strerror}"
        problems.append(Diagnostic("error", message, SourcePos(Path(exc.filename))))

    if static.is_dir():
        # for each folder to visit, the real folders on the way to it: a symlink back to one is a loop
        chains: dict[str, frozenset[Path]] = {os.fspath(static): frozenset({static.resolve()})}
        for dirpath, dirnames, filenames in os.walk(static, onerror=unreadable, followlinks=True):
            chain = chains.pop(dirpath)
            kept = []
            for name in sorted(dirnames):
                path = Path(dirpath, name)
                problem = link_problem(path, root, "copy") if path.is_symlink() else None
                if problem is not None:
                    problems.append(Diagnostic("error", problem, SourcePos(path)))
                    continue
                target = path.resolve()
                if target in chain:
                    message = "symlink leads back to a folder that holds it; refusing to follow it"
                    problems.append(Diagnostic("error", message, SourcePos(path)))
                else:
                    chains[os.path.join(dirpath, name)] = chain | {target}
                    kept.append(name)
            dirnames[:] = kept
            for name in sorted(filenames):
                path = Path(dirpath, name)
                problem = link_problem(path, root, "copy") if path.is_symlink() else None
                if problem is None and path.is_file():
                    problem = _unreadable(path)
                if problem is not None:
                    problems.append(Diagnostic("error", problem, SourcePos(path)))
                elif path.is_file():
                    found.append(StaticFile(path.relative_to(static).as_posix(), path))
    # the theme's files first: a static file on one of their paths is the one reported
    theme_files = [StaticFile(f"assets/{rel}", path) for rel, path in theme.assets]
    return theme_files + found, problems


def _unreadable(path: Path) -> str | None:
    """Why the file cannot be read (it is opened to find out), or None."""
    try:
        with open(path, "rb"):
            return None
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"


def find_collisions(entries: Sequence[Entry], pages: Sequence[PageEntry]) -> list[Diagnostic]:
    """Two content files with one output path, or two briefs with one feed id: an error
    naming both. (A static file against a page or anything else is found with every other
    clash of output paths once the site is planned: `output_conflicts`.)"""
    owners: dict[str, Path] = {}
    problems: list[Diagnostic] = []

    def claim(rel: str, source: Path) -> None:
        first = owners.setdefault(rel, source)
        if first != source:
            message = f"output path '{rel}' is claimed both by this file and by {display_path(first)}"
            problems.append(Diagnostic("error", message, *_key_position(source, "slug")))

    for entry in entries:
        claim(entry.brief.url + "index.html", entry.brief.path)
    for page in pages:
        claim(page.page.url + "index.html", page.page.path)
    ids: dict[str, Path] = {}
    for entry in entries:
        brief = entry.brief
        if brief.id is None:
            continue
        first_path = ids.setdefault(brief.id, brief.path)
        if first_path != brief.path:
            message = f"id '{brief.id}' is used both by this file and by {display_path(first_path)}"
            problems.append(Diagnostic("error", message, *_key_position(brief.path, "id")))
    return problems


def _key_position(path: Path, key: str) -> tuple[SourcePos, str | None]:
    """Where the front matter of a content file sets `key`, and that line (its first line,
    if it does not: a slug then comes from the file's name). Read again only for a file
    with a problem."""
    text = _file_text(path)
    if text is None:
        return SourcePos(path, 1, 1), None
    lines = text.split("\n")  # as every position counts lines (not at U+2028 as well, say)
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() == "---":
            break
        if line.startswith(f"{key}:"):
            return SourcePos(path, number, 1), line
    return SourcePos(path, 1, 1), lines[0]


def output_conflicts(claims: Iterable[tuple[str, Path | None]]) -> list[Diagnostic]:
    """Output paths claimed twice, or claimed both as a file and as a folder of other files.

    `claims` are (path under the output, the file it comes from or None for a generated page).
    """
    owners: dict[str, Path | None] = {}
    problems: list[Diagnostic] = []

    def report(rel: str, other: str, source: Path | None, first: Path | None) -> None:
        if source is None and first is None:
            return
        mine, theirs = (source, first) if source is not None else (first, source)
        assert mine is not None
        what = display_path(theirs) if theirs is not None else "a page nsnbuild makes"
        if rel == other:
            message = f"output path '{rel}' is claimed both by this file and by {what}"
        else:
            message = f"output path '{rel}' would be both a file and the folder of '{other}' ({what})"
        problems.append(Diagnostic("error", message, SourcePos(mine, 1, 1)))

    for rel, source in claims:
        if rel in owners:
            report(rel, rel, source, owners[rel])
            continue
        owners[rel] = source
    folders: dict[str, str] = {}
    for rel in owners:
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            folders.setdefault("/".join(parts[:depth]), rel)
    for rel, source in owners.items():
        inside = folders.get(rel)
        if inside is not None:
            report(rel, inside, source, owners[inside])
    return problems


def check_links(
    links: Mapping[str, tuple[Brief | Page, Sequence[LinkRef]]],
    published: Mapping[str, str],
    known: Mapping[str, Brief | Page],
    statics: Iterable[StaticFile],
    unread: Iterable[str] = (),
) -> list[Diagnostic]:
    """Links to .md files that are not published, and images missing from static/.

    `unread`: content files that are there but could not be read; their own errors say why.
    """
    static_rels = {s.rel for s in statics}
    held = dict.fromkeys(unread, "unread")
    held |= {
        rel: "draft" if item.draft else "scheduled" for rel, item in known.items() if rel not in published
    }
    problems: list[Diagnostic] = []
    for item in known.values():
        refs = links[item.rel][1] if item.rel in links else ()
        problems += item_link_problems(item, refs, published, held, static_rels)
    return problems


def item_link_problems(
    item: Brief | Page,
    refs: Sequence[LinkRef],
    published: Mapping[str, str],
    held: Mapping[str, str],
    static_rels: set[str],
) -> list[Diagnostic]:
    """One content file's links and images that point nowhere.

    `published` maps the content files of this build to their URLs; `held` says of the
    others whether each is a "draft", "scheduled" or "unread" (there, but with errors of
    its own that fail the build: a link to it is not one more).
    """
    problems: list[Diagnostic] = []
    for ref in refs:
        pos = SourcePos(item.path, ref.line, ref.column)
        if ref.kind == "page":
            if ref.target in published:
                continue
            state = held.get(ref.target)
            if state == "unread":
                continue
            if state is None:
                message = f"link to '{ref.target}', which does not exist"
            elif state == "draft":
                message = f"link to '{ref.target}', a draft left out of this build"
            else:
                message = f"link to '{ref.target}', which is scheduled and left out of this build"
        elif ref.target not in static_rels:
            message = f"image '{ref.target}' not found in static/"
        else:
            continue
        problems.append(Diagnostic("error", message, pos, _source_line(item.path, ref.line)))
    photo = item.photo if isinstance(item, Brief) else None
    if (
        photo is not None
        and photo.src is not None
        and "://" not in photo.src
        and not photo.src.startswith("//")
    ):
        rel = posixpath.normpath(photo.src.lstrip("/"))
        if rel not in static_rels:
            line, column = photo.src_at.position(0) if photo.src_at is not None else (None, None)
            pos = SourcePos(item.path, line, column)
            shown = _source_line(item.path, line) if line is not None else None
            problems.append(Diagnostic("error", f"photo '{photo.src}' not found in static/", pos, shown))
    return problems


def _source_line(path: Path, line: int) -> str | None:
    """Line `line` of a content file, to show under a diagnostic (None if it cannot be read)."""
    text = _file_text(path)
    return source_line(text, line) if text is not None else None


def _file_text(path: Path) -> str | None:
    """A content file's text with its line breaks made '\\n', or None if it cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


pickle_by_fields(__name__)
