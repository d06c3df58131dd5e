"""The build cache in .nsnbuild-cache/: plain JSON data in SQLite, checked before it is trusted.

Each brief's prepared result (metadata, facts, diagnostics, HTML fragments) is stored
under a key made of its bytes, the config values and registry entries it used and the
nsnbuild version. Anything unreadable, truncated or from another version is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .cachedata import (
    CachedEntry,
    FragmentsRow,
    dumps,
    entry_from_json,
    entry_text,
    fragments_from_row,
    fragments_row,
    stamp,
)
from .model import RenderedBrief, Written

T = TypeVar("T")
EntryRow = tuple[str, str, str]
"""An entry as stored: its content key, its key (that of its fragments) and its JSON text."""
Fragments = RenderedBrief | FragmentsRow
"""A brief's fragments, as objects or as the row the cache stores."""
SaveBatch = Callable[[Iterable[tuple[str, Fragments]], Iterable[EntryRow]], None]


class Store:
    """The cache database, `.nsnbuild-cache/cache.sqlite`: text, most of it JSON.

    `entries` holds each prepared brief's metadata, facts and diagnostics, `fragments` its
    HTML (as it is, and the rest of its fragments as JSON), `kv` small values (the output
    manifest, the last build's state, related briefs). A database from another nsnbuild
    version is emptied (its tables made anew); a file that is not a readable database is
    deleted and started afresh. Connections are opened when first used and closed when
    their work is done, and none is open while workers are forked: the fragment writer
    opens on its first batch, which comes from workers already started.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "cache.sqlite"
        self.root = folder.parent
        self._loaded: dict[str, str] = {}
        self._manifests: dict[str, dict[str, tuple[str, Written]]] = {}

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        connection = self._opened()
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def _opened(self) -> sqlite3.Connection:
        """A connection; a file that is not a readable database is deleted and started afresh."""
        try:
            return self._open()
        except sqlite3.DatabaseError:
            self.discard()
            return self._open()

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                connection.execute(statement)
            if _stamp_of(connection) != stamp():
                # made anew in one transaction, the stamp read again inside it: another
                # process may have made it anew a moment ago, and its tables are in use
                connection.execute("BEGIN IMMEDIATE")
                if _stamp_of(connection) != stamp():
                    for statement in (*_DROP, *_SCHEMA):
                        connection.execute(statement)
                    connection.execute("INSERT INTO meta VALUES ('stamp', ?)", (stamp(),))
                connection.execute("COMMIT")
        except BaseException:
            connection.close()  # an open transaction is rolled back
            raise
        return connection

    def discard(self) -> None:
        """Delete the database: it could not be read (a folder in its place goes too)."""
        for suffix in ("", "-wal", "-shm"):
            path = f"{self.path}{suffix}"
            with contextlib.suppress(FileNotFoundError):
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)

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
                row = connection.execute(_READ_FRAGMENTS, (key,)).fetchone()
                return fragments_from_row(row) if row is not None else None
            except (sqlite3.DatabaseError, KeyError, TypeError, ValueError, IndexError, RecursionError):
                return None  # not there, or not what this version stores: prepared again

        try:
            yield read
        finally:
            connection.close()

    @contextlib.contextmanager
    def prepared_writer(self) -> Iterator[SaveBatch]:
        """A function storing a batch of fragments by key (as objects or as the row stored)
        and of entries (content key, entry key, JSON text), one transaction a call, over one
        connection opened on the first call and closed on leaving the context. The entries are
        kept; `save_entries` later drops those the build no longer has."""
        connection: sqlite3.Connection | None = None

        def save(items: Iterable[tuple[str, Fragments]], entries: Iterable[EntryRow]) -> None:
            nonlocal connection
            rows = [(key, *(f if isinstance(f, tuple) else fragments_row(f))) for key, f in items]
            try:
                if connection is None:
                    connection = self._opened()
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany("INSERT OR REPLACE INTO fragments VALUES (?, ?, ?, ?, ?, ?)", rows)
                connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", entries)
                connection.execute("COMMIT")
            except sqlite3.DatabaseError:
                if connection is not None:
                    connection.close()
                    connection = None
                self.discard()

        try:
            yield save
        finally:
            if connection is not None:
                connection.close()

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
        rows = [(key, e.key, entry_text(e, self.root)) for key, e in added.items()]
        gone = [(key,) for key in removed if key not in added]

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", rows)
            connection.executemany("DELETE FROM entries WHERE key = ?", gone)
            connection.execute("DELETE FROM fragments WHERE key NOT IN (SELECT fragments FROM entries)")
            connection.execute("COMMIT")

        self._safely(write, None)

    def save_entries(self, entries: Mapping[str, CachedEntry], stored: Iterable[str] = ()) -> None:
        """Keep exactly these entries (and their fragments): add the new and the changed, drop
        the rest. An entry prepared again (its registry changed) replaces the old one.
        `stored`: content keys of entries this build has already stored."""
        skip = set(stored)
        added = [
            (key, e.key, entry_text(e, self.root))
            for key, e in entries.items()
            if self._loaded.get(key) != e.key and key not in skip
        ]
        gone = [(key,) for key in self._loaded.keys() - entries.keys()]
        if not added and not gone and not skip:
            self._loaded = {key: entry.key for key, entry in entries.items()}
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

    def has_value(self, name: str) -> bool:
        """Whether a value other than None is stored under name (without reading it)."""

        def read(connection: sqlite3.Connection) -> bool:
            row = connection.execute("SELECT data != 'null' FROM kv WHERE name = ?", (name,)).fetchone()
            return bool(row and row[0])

        return self._safely(read, False)

    def save_value(self, name: str, value: Any) -> None:
        data = dumps(value)
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


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, fragments TEXT NOT NULL, data TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS fragments (
        key TEXT PRIMARY KEY, body TEXT NOT NULL, sources TEXT NOT NULL, caption TEXT, credit TEXT,
        data TEXT NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, data TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS written (
        output TEXT NOT NULL, rel TEXT NOT NULL, key TEXT NOT NULL, digest TEXT NOT NULL,
        size INTEGER NOT NULL, mtime INTEGER NOT NULL, PRIMARY KEY (output, rel)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS outline (
        output TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (output, name)
    ) WITHOUT ROWID""",
)
# A database made by another version may hold its tables in another shape: they go.
_DROP = (
    *(f"DROP TABLE IF EXISTS {table}" for table in ("entries", "fragments", "kv", "written", "outline")),
    "DELETE FROM meta",
)
_READ_FRAGMENTS = "SELECT body, sources, caption, credit, data FROM fragments WHERE key = ?"


def output_id(output: Path) -> str:
    """A short name for an output folder, under which what was written there is remembered."""
    return hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()


def _stamp_of(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT value FROM meta WHERE name = 'stamp'").fetchone()
    return str(row[0]) if row is not None else None
