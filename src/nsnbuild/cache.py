"""The build cache in .nsnbuild-cache/: plain JSON data in SQLite, checked before it is trusted.

Each brief's prepared result (metadata, facts, diagnostics, HTML fragments) is stored
under a key made of its bytes, the config values and registry entries it used and the
nsnbuild version. Anything unreadable, truncated or from another version is ignored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .errors import Diagnostic, SourcePos
from .model import (
    Brief,
    LinkRef,
    Page,
    Photo,
    Place,
    RenderedBrief,
    ResolvedCitation,
    SourceRef,
    Written,
)

FORMAT = 6
T = TypeVar("T")


def stamp() -> str:
    """What every cache file must carry to be trusted: format and nsnbuild version."""
    return f"nsnbuild-cache/{FORMAT}/{__version__}"


def make_key(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(stamp().encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part.encode())
    return digest.hexdigest()


# ---------------------------------------------------------------- to and from JSON


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


def brief_to_json(item: Brief | Page) -> dict[str, Any]:
    common = {
        "rel": item.rel,
        "title": item.title,
        "slug": item.slug,
        "body_line": item.body_line,
        "digest": item.digest,
        "summary": item.summary,
        "draft": item.draft,
    }
    if isinstance(item, Page):
        return {"type": "page", **common}
    photo = item.photo
    return {
        "type": "brief",
        **common,
        "date": item.date.isoformat(),
        "updated": _when(item.updated),
        "tags": list(item.tags),
        "authors": list(item.authors),
        "id": item.id,
        "photo": None
        if photo is None
        else {
            "src": photo.src,
            "alt": photo.alt,
            "caption": photo.caption,
            "credit": photo.credit,
            "width": photo.width,
            "height": photo.height,
            "caption_line": photo.caption_line,
            "caption_column": photo.caption_column,
            "credit_line": photo.credit_line,
            "credit_column": photo.credit_column,
        },
        "sources": [
            {
                "name": s.name,
                "date": s.date.isoformat(),
                "title": s.title,
                "url": s.url,
                "author": s.author,
                "publisher": s.publisher,
                "line": s.line,
            }
            for s in item.sources
        ],
    }


def brief_from_json(data: Mapping[str, Any], root: Path) -> Brief | Page:
    """A brief read back from the cache, its path under the site's root (wherever that is now)."""
    path = root / data["rel"]
    if data["type"] == "page":
        return Page(
            path,
            data["rel"],
            data["title"],
            data["slug"],
            "",
            data["body_line"],
            data["digest"],
            data["summary"],
            data["draft"],
        )
    photo = data["photo"]
    return Brief(
        path=path,
        rel=data["rel"],
        title=data["title"],
        date=dt.datetime.fromisoformat(data["date"]),
        slug=data["slug"],
        body="",
        body_line=data["body_line"],
        digest=data["digest"],
        updated=_parse_when(data["updated"]),
        summary=data["summary"],
        tags=tuple(data["tags"]),
        authors=tuple(data["authors"]),
        draft=data["draft"],
        id=data["id"],
        photo=None if photo is None else Photo(**photo),
        sources=tuple(
            SourceRef(
                s["name"],
                dt.date.fromisoformat(s["date"]),
                s["title"],
                s["url"],
                s["author"],
                s["publisher"],
                s["line"],
            )
            for s in data["sources"]
        ),
    )


def citation_to_json(c: ResolvedCitation) -> list[Any]:
    return [
        c.n,
        c.source,
        c.date.isoformat(),
        c.title,
        c.url,
        c.source_slug,
        c.kind,
        [[p.line, p.column] for p in c.places],
        c.home,
        c.author,
        c.publisher,
    ]


def citation_from_json(v: list[Any]) -> ResolvedCitation:
    places = tuple(itertools.starmap(Place, v[7]))
    return ResolvedCitation(v[0], v[1], dt.date.fromisoformat(v[2]), v[3], v[4], v[5], v[6], places, *v[8:11])


def diagnostic_to_json(d: Diagnostic, root: Path) -> list[Any]:
    """A diagnostic as JSON, its path relative to the site's root when it is under it."""
    pos = d.pos
    path = None
    if pos is not None:
        path = pos.path.relative_to(root).as_posix() if pos.path.is_relative_to(root) else str(pos.path)
    return [
        d.level,
        d.message,
        path,
        pos.line if pos else None,
        pos.col if pos else None,
        d.source_line,
    ]


def diagnostic_from_json(v: list[Any], root: Path) -> Diagnostic:
    pos = SourcePos(root / v[2], v[3], v[4]) if v[2] is not None else None
    return Diagnostic(v[0], v[1], pos, v[5])


def fragments_to_json(r: RenderedBrief) -> dict[str, Any]:
    return {
        "body_html": r.body_html,
        "sources_html": r.sources_html,
        "caption_html": r.caption_html,
        "credit_html": r.credit_html,
        "citations": [citation_to_json(c) for c in r.citations],
        "links": [[x.target, x.kind, x.line, x.column] for x in r.links],
        "word_count": r.word_count,
        "excerpt": r.excerpt,
    }


def fragments_text(fragments: RenderedBrief) -> str:
    """Fragments as the JSON text the cache stores."""
    return _dumps(fragments_to_json(fragments))


def fragments_from_json(v: Mapping[str, Any]) -> RenderedBrief:
    return RenderedBrief(
        body_html=v["body_html"],
        sources_html=v["sources_html"],
        caption_html=v["caption_html"],
        credit_html=v["credit_html"],
        citations=tuple(citation_from_json(c) for c in v["citations"]),
        links=tuple(LinkRef(a, b, c, d) for a, b, c, d in v["links"]),
        word_count=v["word_count"],
        excerpt=v["excerpt"],
    )


# ---------------------------------------------------------------- the store


@dataclass(frozen=True, slots=True)
class CachedEntry:
    """A brief's prepared result as the cache holds it (its HTML fragments apart).

    It is found by the key of the file's bytes and settings; `key` also covers the registry
    entries the brief used, and names its fragments: pages made from it are keyed by it.
    """

    item: Brief | Page | None
    citations: tuple[ResolvedCitation, ...]
    links: tuple[LinkRef, ...]
    word_count: int
    excerpt: str
    diagnostics: tuple[Diagnostic, ...]
    registry_deps: Mapping[str, str]
    key: str = ""


def place_of(entry: CachedEntry) -> str | None:
    """A digest of what pages other than a brief's own show of it (None: it did not load).

    Its front matter (but where the body starts) and its citations (but where they stand);
    the excerpt stands in for a missing summary on cards and in feeds.
    """
    item = entry.item
    if item is None:
        return None
    shown: Brief | Page = dataclasses.replace(item, digest="", body_line=0)
    citations = [dataclasses.replace(c, places=()) for c in entry.citations]
    text = repr((shown, citations, entry.excerpt))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def entry_to_json(e: CachedEntry, root: Path) -> dict[str, Any]:
    return {
        "item": brief_to_json(e.item) if e.item is not None else None,
        "citations": [citation_to_json(c) for c in e.citations],
        "links": [[x.target, x.kind, x.line, x.column] for x in e.links],
        "word_count": e.word_count,
        "excerpt": e.excerpt,
        "diagnostics": [diagnostic_to_json(d, root) for d in e.diagnostics],
        "registry_deps": dict(e.registry_deps),
        "key": e.key,
    }


def entry_from_json(v: Mapping[str, Any], root: Path) -> CachedEntry:
    deps = v["registry_deps"]
    if not isinstance(deps, dict) or not isinstance(v["key"], str):
        raise TypeError("not an entry")
    return CachedEntry(
        item=brief_from_json(v["item"], root) if v["item"] is not None else None,
        citations=tuple(citation_from_json(c) for c in v["citations"]),
        links=tuple(LinkRef(a, b, c, d) for a, b, c, d in v["links"]),
        word_count=v["word_count"],
        excerpt=v["excerpt"],
        diagnostics=tuple(diagnostic_from_json(d, root) for d in v["diagnostics"]),
        registry_deps=deps,
        key=v["key"],
    )


class Store:
    """The cache database, `.nsnbuild-cache/cache.sqlite`: JSON text in four tables.

    `entries` holds each prepared brief's metadata, facts and diagnostics, `fragments` its
    HTML, `kv` small values (the output manifest, the last build's state, related briefs).
    A database from another nsnbuild version is emptied; a file that is not a readable
    database is deleted and started afresh. Connections are short-lived, so no process
    ever carries an open connection into a forked worker.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "cache.sqlite"
        self.root = folder.parent
        self._loaded: dict[str, str] = {}
        self._manifests: dict[str, dict[str, tuple[str, Written]]] = {}

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = self._open()
        except sqlite3.DatabaseError:
            self.discard()
            connection = self._open()
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
            row = connection.execute("SELECT value FROM meta WHERE name = 'stamp'").fetchone()
            if row is None or row[0] != stamp():
                connection.executescript(_EMPTY)
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp(),))
        except BaseException:
            connection.close()
            raise
        return connection

    def discard(self) -> None:
        """Delete the database: it could not be read."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")

    def _safely(self, action: Callable[[sqlite3.Connection], T], default: T) -> T:
        """Run action on the database; a damaged database gives default (and is discarded)."""
        try:
            with self._db() as connection:
                return action(connection)
        except sqlite3.DatabaseError:
            self.discard()
            return default

    @contextlib.contextmanager
    def fragment_reader(self) -> Iterator[Callable[[str], RenderedBrief | None]]:
        """A function reading fragments by key over one connection (None: not there)."""
        try:
            connection = self._open()
        except sqlite3.DatabaseError:
            yield lambda key: None
            return

        def read(key: str) -> RenderedBrief | None:
            try:
                row = connection.execute("SELECT data FROM fragments WHERE key = ?", (key,)).fetchone()
                return fragments_from_json(json.loads(row[0])) if row is not None else None
            except (sqlite3.DatabaseError, KeyError, TypeError, ValueError, IndexError):
                return None

        try:
            yield read
        finally:
            connection.close()

    def save_fragments(self, items: Iterable[tuple[str, RenderedBrief | str]]) -> None:
        """Store fragments by key (given as objects, or as their JSON text)."""
        rows = [(key, f if isinstance(f, str) else fragments_text(f)) for key, f in items]

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO fragments VALUES (?, ?)", rows)
            connection.execute("COMMIT")

        self._safely(write, None)

    def load_entries(self) -> dict[str, CachedEntry]:
        """Content key -> entry, for every entry that reads back."""

        def read(connection: sqlite3.Connection) -> dict[str, CachedEntry]:
            entries: dict[str, CachedEntry] = {}
            for key, data in connection.execute("SELECT key, data FROM entries"):
                try:
                    entries[key] = entry_from_json(json.loads(data), self.root)
                except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                    continue
            return entries

        empty: dict[str, CachedEntry] = {}
        entries = self._safely(read, empty)
        self._loaded = {key: entry.key for key, entry in entries.items()}
        return entries

    def load_entries_for(self, lookups: Iterable[str]) -> dict[str, CachedEntry]:
        """The entries under these content keys (those that read back)."""

        def read(connection: sqlite3.Connection) -> dict[str, CachedEntry]:
            found: dict[str, CachedEntry] = {}
            for key in lookups:
                row = connection.execute("SELECT data FROM entries WHERE key = ?", (key,)).fetchone()
                if row is None:
                    continue
                try:
                    found[key] = entry_from_json(json.loads(row[0]), self.root)
                except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                    continue
            return found

        empty: dict[str, CachedEntry] = {}
        return self._safely(read, empty)

    def replace_entries(self, added: Mapping[str, CachedEntry], removed: Iterable[str]) -> None:
        """Add entries and drop others (and their fragments), leaving the rest as they are."""
        rows = [(key, e.key, _dumps(entry_to_json(e, self.root))) for key, e in added.items()]
        gone = [(key,) for key in removed if key not in added]

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", rows)
            connection.executemany("DELETE FROM entries WHERE key = ?", gone)
            connection.execute("DELETE FROM fragments WHERE key NOT IN (SELECT fragments FROM entries)")
            connection.execute("COMMIT")

        self._safely(write, None)

    def save_entries(self, entries: Mapping[str, CachedEntry]) -> None:
        """Keep exactly these entries (and their fragments): add the new and the changed, drop
        the rest. An entry prepared again (its registry changed) replaces the old one."""
        added = [
            (key, e.key, _dumps(entry_to_json(e, self.root)))
            for key, e in entries.items()
            if self._loaded.get(key) != e.key
        ]
        gone = [(key,) for key in self._loaded.keys() - entries.keys()]
        if not added and not gone:
            return

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", added)
            connection.executemany("DELETE FROM entries WHERE key = ?", gone)
            connection.execute("DELETE FROM fragments WHERE key NOT IN (SELECT fragments FROM entries)")
            connection.execute("COMMIT")

        self._safely(write, None)
        self._loaded = {key: entry.key for key, entry in entries.items()}

    def load_value(self, name: str) -> Any:
        def read(connection: sqlite3.Connection) -> Any:
            row = connection.execute("SELECT data FROM kv WHERE name = ?", (name,)).fetchone()
            return json.loads(row[0]) if row is not None else None

        try:
            return self._safely(read, None)
        except ValueError:
            return None

    def save_value(self, name: str, value: Any) -> None:
        data = _dumps(value)
        self._safely(lambda c: c.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (name, data)), None)

    def load_outline(self, output: Path, names: Sequence[str] | None, prefix: str = "") -> dict[str, str]:
        """Rows of an output's outline (see incremental.py): these names, or all with a prefix."""
        name = output_id(output)

        def read(connection: sqlite3.Connection) -> dict[str, str]:
            if names is None:
                rows = connection.execute(
                    "SELECT name, data FROM outline WHERE output = ? AND name LIKE ? ESCAPE '\\'",
                    (name, prefix.replace("%", "\\%").replace("_", "\\_") + "%"),
                )
                return dict(rows)
            found: dict[str, str] = {}
            for row_name in names:
                row = connection.execute(
                    "SELECT data FROM outline WHERE output = ? AND name = ?", (name, row_name)
                ).fetchone()
                if row is not None:
                    found[row_name] = row[0]
            return found

        empty: dict[str, str] = {}
        return self._safely(read, empty)

    def save_outline(self, output: Path, rows: Iterable[tuple[str, str]], complete: bool) -> None:
        """Write rows of an output's outline; `complete`: these are all of them (drop the rest).

        Only rows whose text changed are written. Rows are taken as they come and written in
        batches, so they need not all be in memory at once."""
        name = output_id(output)

        def write(connection: sqlite3.Connection) -> None:
            old = dict(connection.execute("SELECT name, digest FROM outline WHERE output = ?", (name,)))
            seen: set[str] = set()
            connection.execute("BEGIN IMMEDIATE")
            batch: list[tuple[str, str, str, str]] = []
            for key, text in rows:
                seen.add(key)
                digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
                if old.get(key) != digest:
                    batch.append((name, key, digest, text))
                if len(batch) >= 256:
                    connection.executemany("INSERT OR REPLACE INTO outline VALUES (?, ?, ?, ?)", batch)
                    batch.clear()
            connection.executemany("INSERT OR REPLACE INTO outline VALUES (?, ?, ?, ?)", batch)
            if complete:
                gone = [(name, key) for key in old.keys() - seen]
                connection.executemany("DELETE FROM outline WHERE output = ? AND name = ?", gone)
            connection.execute("COMMIT")

        self._safely(write, None)

    def forget_outline(self, output: Path) -> None:
        """Make the outline unusable until a build has finished writing (its site row goes)."""
        name = output_id(output)
        self._safely(
            lambda c: c.execute("DELETE FROM outline WHERE output = ? AND name = 'site'", (name,)), None
        )

    def forget_output(self, output: Path) -> None:
        """Drop what is remembered about an output folder that is gone (a preview's)."""
        names = (f"manifest-{output_id(output)}", f"state-{output_id(output)}")
        if self.path.exists():
            self._safely(
                lambda c: c.executemany("DELETE FROM kv WHERE name = ?", [(n,) for n in names]), None
            )

    def load_manifest(self, output: Path) -> dict[str, tuple[str, Written]]:
        """rel -> (page key, what was written) for the output folder."""
        name = output_id(output)

        def read(connection: sqlite3.Connection) -> dict[str, tuple[str, Written]]:
            rows = connection.execute(
                "SELECT rel, key, digest, size, mtime FROM written WHERE output = ?", (name,)
            )
            return {rel: (key, Written(digest, size, mtime)) for rel, key, digest, size, mtime in rows}

        empty: dict[str, tuple[str, Written]] = {}
        found = self._safely(read, empty)
        self._manifests[name] = found
        return dict(found)

    def save_manifest(self, output: Path, manifest: Mapping[str, tuple[str, Written]]) -> None:
        """Record what is in the output folder now: only the rows that changed are written."""
        name = output_id(output)
        before = self._manifests.get(name)
        if before is None:
            before = self.load_manifest(output)
        changed = [
            (name, rel, key, w.digest, w.size, w.mtime_ns)
            for rel, (key, w) in manifest.items()
            if before.get(rel) != (key, w)
        ]
        gone = [(name, rel) for rel in before.keys() - manifest.keys()]
        if not changed and not gone:
            return

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO written VALUES (?, ?, ?, ?, ?, ?)", changed)
            connection.executemany("DELETE FROM written WHERE output = ? AND rel = ?", gone)
            connection.execute("COMMIT")

        self._safely(write, None)
        self._manifests[name] = dict(manifest)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, fragments TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fragments (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS written (
    output TEXT NOT NULL, rel TEXT NOT NULL, key TEXT NOT NULL, digest TEXT NOT NULL,
    size INTEGER NOT NULL, mtime INTEGER NOT NULL, PRIMARY KEY (output, rel)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outline (
    output TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (output, name)
) WITHOUT ROWID;
"""
_EMPTY = (
    "DELETE FROM entries; DELETE FROM fragments; DELETE FROM kv; DELETE FROM written; "
    "DELETE FROM outline; DELETE FROM meta;"
)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def output_id(output: Path) -> str:
    """A short name for an output folder, under which what was written there is remembered."""
    return hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
