"""The build cache in .nsnbuild-cache/: plain JSON data, checked before it is trusted.

Each brief's prepared result (metadata, facts, diagnostics, HTML fragments) is stored
under a key made of its bytes, the config values and registry entries it used and the
nsnbuild version. Anything unreadable, truncated or from another version is ignored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

FORMAT = 1


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


def _write_json(path: Path, value: Any) -> None:
    """Atomically replace path with value as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".tmp-{secrets.token_hex(6)}-{path.name}")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, separators=(",", ":"))
    os.replace(temp, path)


def _read_json(path: Path) -> Any:
    """The JSON in path if it is complete and stamped with this version, else None."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict) or value.get("stamp") != stamp():
        return None
    return value


# ---------------------------------------------------------------- to and from JSON


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


def brief_to_json(item: Brief | Page) -> dict[str, Any]:
    common = {
        "path": str(item.path),
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


def brief_from_json(data: Mapping[str, Any]) -> Brief | Page:
    if data["type"] == "page":
        return Page(
            Path(data["path"]),
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
        path=Path(data["path"]),
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
    ]


def citation_from_json(v: list[Any]) -> ResolvedCitation:
    return ResolvedCitation(
        v[0], v[1], dt.date.fromisoformat(v[2]), v[3], v[4], v[5], v[6], tuple(Place(a, b) for a, b in v[7])
    )


def diagnostic_to_json(d: Diagnostic) -> list[Any]:
    pos = d.pos
    return [
        d.level,
        d.message,
        str(pos.path) if pos else None,
        pos.line if pos else None,
        pos.col if pos else None,
        d.source_line,
    ]


def diagnostic_from_json(v: list[Any]) -> Diagnostic:
    pos = SourcePos(Path(v[2]), v[3], v[4]) if v[2] is not None else None
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
    """A brief's prepared result as the index holds it (fragments live in their own file)."""

    item: Brief | Page | None
    citations: tuple[ResolvedCitation, ...]
    links: tuple[LinkRef, ...]
    word_count: int
    excerpt: str
    diagnostics: tuple[Diagnostic, ...]
    registry_deps: Mapping[str, str]


def entry_to_json(e: CachedEntry) -> dict[str, Any]:
    return {
        "item": brief_to_json(e.item) if e.item is not None else None,
        "citations": [citation_to_json(c) for c in e.citations],
        "links": [[x.target, x.kind, x.line, x.column] for x in e.links],
        "word_count": e.word_count,
        "excerpt": e.excerpt,
        "diagnostics": [diagnostic_to_json(d) for d in e.diagnostics],
        "registry_deps": dict(e.registry_deps),
    }


def entry_from_json(v: Mapping[str, Any]) -> CachedEntry:
    return CachedEntry(
        item=brief_from_json(v["item"]) if v["item"] is not None else None,
        citations=tuple(citation_from_json(c) for c in v["citations"]),
        links=tuple(LinkRef(a, b, c, d) for a, b, c, d in v["links"]),
        word_count=v["word_count"],
        excerpt=v["excerpt"],
        diagnostics=tuple(diagnostic_from_json(d) for d in v["diagnostics"]),
        registry_deps=v["registry_deps"],
    )


class Store:
    """Reads and writes cache files under one folder. Never trusts what it cannot verify."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _fragments_path(self, key: str) -> Path:
        return self.folder / "fragments" / key[:2] / f"{key}.json"

    def has_fragments(self, key: str) -> bool:
        return self._fragments_path(key).is_file()

    def load_fragments(self, key: str) -> RenderedBrief | None:
        value = _read_json(self._fragments_path(key))
        if value is None or value.get("key") != key:
            return None
        try:
            return fragments_from_json(value["fragments"])
        except (KeyError, TypeError, ValueError):
            return None

    def save_fragments(self, key: str, fragments: RenderedBrief) -> None:
        _write_json(
            self._fragments_path(key),
            {"stamp": stamp(), "key": key, "fragments": fragments_to_json(fragments)},
        )

    def load_index(self, name: str) -> dict[str, CachedEntry]:
        """key -> entry for every entry that parses; a damaged index is an empty one."""
        value = _read_json(self.folder / f"{name}.json")
        entries: dict[str, CachedEntry] = {}
        if value is None or not isinstance(value.get("entries"), dict):
            return entries
        for key, raw in value["entries"].items():
            try:
                entries[key] = entry_from_json(raw)
            except (KeyError, TypeError, ValueError, IndexError):
                continue
        return entries

    def save_index(self, name: str, entries: Mapping[str, CachedEntry]) -> None:
        _write_json(
            self.folder / f"{name}.json",
            {"stamp": stamp(), "entries": {k: entry_to_json(e) for k, e in entries.items()}},
        )

    def load_value(self, name: str) -> Any:
        value = _read_json(self.folder / f"{name}.json")
        return None if value is None else value.get("value")

    def save_value(self, name: str, value: Any) -> None:
        _write_json(self.folder / f"{name}.json", {"stamp": stamp(), "value": value})

    def load_manifest(self, output: Path) -> dict[str, tuple[str, Written]]:
        """rel -> (page key, what was written) for the output folder."""
        raw = self.load_value(_manifest_name(output))
        found: dict[str, tuple[str, Written]] = {}
        if not isinstance(raw, dict):
            return found
        for rel, item in raw.items():
            try:
                key, digest, size, mtime = item
                found[rel] = (str(key), Written(str(digest), int(size), int(mtime)))
            except (TypeError, ValueError):
                continue
        return found

    def save_manifest(self, output: Path, manifest: Mapping[str, tuple[str, Written]]) -> None:
        value = {rel: [key, w.digest, w.size, w.mtime_ns] for rel, (key, w) in sorted(manifest.items())}
        self.save_value(_manifest_name(output), value)

    def prune_fragments(self, live: Iterable[str]) -> None:
        """Remove fragment files no current brief uses."""
        keep = set(live)
        root = self.folder / "fragments"
        if not root.is_dir():
            return
        for folder in root.iterdir():
            for path in folder.glob("*.json"):
                if path.stem not in keep:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()


def _manifest_name(output: Path) -> str:
    return "manifest-" + hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
