"""What the cache stores: its keys, and a prepared brief as plain JSON data and back.

Nothing here touches the database (see cache.py); the same conversions serve the build
state that freshness.py keeps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
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
    TextSpan,
)
from .records import pickle_by_fields

_PHOTO_FIELDS = tuple(f.name for f in dataclasses.fields(Photo))

FORMAT = 14
"""Raised whenever what the cache holds is made differently: its shape, or how a value in
it is worked out (related briefs, say), so no build trusts what an older one made."""


def dumps(value: Any) -> str:
    """Compact JSON text, as the cache stores it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
        "photo": None if photo is None else _photo_to_json(photo),
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


_SPANS = ("src_at", "caption_at", "credit_at")


def _photo_to_json(photo: Photo) -> dict[str, Any]:
    """Every field of the photo, so that none is lost on the way through the cache."""
    data: dict[str, Any] = {name: getattr(photo, name) for name in _PHOTO_FIELDS}
    for name in _SPANS:
        span: TextSpan | None = data[name]
        data[name] = None if span is None else [span.line, span.column, [list(r) for r in span.runs]]
    return data


def _photo_from_json(data: Mapping[str, Any]) -> Photo:
    values = dict(data)
    for name in _SPANS:
        span = values[name]
        if span is not None:
            line, column, runs = span
            values[name] = TextSpan(line, column, tuple((o, r, c) for o, r, c in runs))
    return Photo(**values)


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
        photo=None if photo is None else _photo_from_json(photo),
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


FragmentsRow = tuple[str, str, str | None, str | None, str]
"""Fragments as the cache stores them: the body, Sources, caption and credit HTML as they
are (no JSON to escape and unescape, which cost more than the rest of the fragments
together), and the rest as JSON text."""


def fragments_row(r: RenderedBrief) -> FragmentsRow:
    rest = {
        "citations": [citation_to_json(c) for c in r.citations],
        "links": [[x.target, x.kind, x.line, x.column] for x in r.links],
        "word_count": r.word_count,
        "excerpt": r.excerpt,
    }
    return (r.body_html, r.sources_html, r.caption_html, r.credit_html, dumps(rest))


def fragments_from_row(row: Sequence[Any]) -> RenderedBrief:
    body, sources, caption, credit, text = row
    if not isinstance(body, str) or not isinstance(sources, str):
        raise TypeError("not fragments")
    if not (caption is None or isinstance(caption, str)) or not (credit is None or isinstance(credit, str)):
        raise TypeError("not fragments")
    v = json.loads(text)
    word_count, excerpt = v["word_count"], v["excerpt"]
    if type(word_count) is not int or not isinstance(excerpt, str):
        raise TypeError("not fragments")
    return RenderedBrief(
        body_html=body,
        sources_html=sources,
        caption_html=caption,
        credit_html=credit,
        citations=tuple(citation_from_json(c) for c in v["citations"]),
        links=tuple(LinkRef(a, b, c, d) for a, b, c, d in v["links"]),
        word_count=word_count,
        excerpt=excerpt,
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
    if entry.item is None:
        return None
    return _place_of_json(
        {
            "item": brief_to_json(entry.item),
            "citations": [citation_to_json(c) for c in entry.citations],
            "excerpt": entry.excerpt,
        }
    )


def _place_of_json(data: Mapping[str, Any]) -> str | None:
    """place_of, from the entry's JSON form (or the part of it that place_of reads)."""
    item = data["item"]
    if item is None:
        return None
    shown = {**item, "digest": "", "body_line": 0}
    # a citation row without its places (index 7, as citation_to_json writes it)
    citations = [[*row[:7], [], *row[8:]] for row in data["citations"]]
    text = dumps([shown, citations, data["excerpt"]])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def entry_text(e: CachedEntry, root: Path) -> str:
    """An entry as the JSON text the cache stores."""
    return dumps(entry_to_json(e, root))


def entry_text_and_place(e: CachedEntry, root: Path) -> tuple[str, str | None]:
    """entry_text and place_of at once, from one JSON form of the entry."""
    data = entry_to_json(e, root)
    return dumps(data), _place_of_json(data)


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


pickle_by_fields(__name__)
