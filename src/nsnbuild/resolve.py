"""Parse a brief, number its citations, match them to its sources and the registry."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .citations import citation_state, fold_name
from .errors import Diagnostic, Level, SourcePos
from .model import Brief, LinkRef, Page, Place, RegistrySource, ResolvedCitation, SourceRef, TextSpan
from .records import pickle_by_fields
from .slugs import slugify

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
SITE_URL = "nsn-u:"
CONTENT_URL = "nsn-m:"
"""URL placeholders in rendered HTML attributes: `nsn-u:PATH` is a path under the site root,
`nsn-m:content/briefs/x.md` a content file, replaced by its page URL when pages are written.
They survive markdown-it's link normalisation, so fragments stay independent of base_url."""

BODY, CAPTION, CREDIT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class RegistryIndex:
    """The registry looked up by folded name, and by `spaceless_key` of it. `known` is False
    when sources.toml could not be read: a source's URL or aliases may then be there, unseen."""

    by_key: Mapping[str, RegistrySource]
    by_spaceless: Mapping[str, RegistrySource]
    known: bool = True


def spaceless_key(folded: str) -> str:
    """A folded name without its spaces, marked so that it never equals a folded name (which
    holds no tab)."""
    return "\t" + folded.replace(" ", "")


def index_registry(sources: tuple[RegistrySource, ...], known: bool = True) -> RegistryIndex:
    by_key: dict[str, RegistrySource] = {}
    by_spaceless: dict[str, RegistrySource] = {}
    for source in sources:
        folded = fold_name(source.name)
        by_key.setdefault(folded, source)
        by_spaceless.setdefault(spaceless_key(folded), source)
    return RegistryIndex(by_key, by_spaceless, known)


@dataclass(frozen=True, slots=True)
class ResolvedBrief:
    """A parsed brief: its tokens, the env the citation plugin filled, and what was found."""

    brief: Brief | Page
    tokens: list[Token]
    caption_tokens: list[Token] | None
    credit_tokens: list[Token] | None
    env: dict[str, Any]
    citations: tuple[ResolvedCitation, ...]
    links: tuple[LinkRef, ...]
    registry_used: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]


class _Positions:
    """Maps (part, 0-based line, 0-based column) of a parse to the file's 1-based position."""

    def __init__(self, brief: Brief | Page) -> None:
        self.brief = brief
        self.lines = brief.body.split("\n")
        photo = brief.photo if isinstance(brief, Brief) else None
        self.photo: dict[int, tuple[str, TextSpan | None]] = {}
        if photo is not None:
            self.photo[CAPTION] = (photo.caption or "", photo.caption_at)
            self.photo[CREDIT] = (photo.credit or "", photo.credit_at)

    def place(self, part: int, line: int, column: int) -> Place:
        if part == BODY:
            return Place(self.brief.body_line + line, column + 1)
        text, span = self.photo.get(part, ("", None))
        if span is None:
            return Place(1, 1)
        # the parse saw the text's lines; the span places its characters by offset
        offset = sum(len(row) + 1 for row in text.split("\n")[:line]) + column
        found_line, found_column = span.position(offset)
        return Place(found_line, found_column)

    def source_line(self, place: Place) -> str | None:
        index = place.line - self.brief.body_line
        if 0 <= index < len(self.lines):
            return self.lines[index]
        return None


def _diagnostic(
    brief: Brief | Page, positions: _Positions, level: Level, message: str, place: Place
) -> Diagnostic:
    return Diagnostic(
        level, message, SourcePos(brief.path, place.line, place.column), positions.source_line(place)
    )


def _photo_parts(brief: Brief | Page) -> list[tuple[int, str]]:
    photo = brief.photo if isinstance(brief, Brief) else None
    parts: list[tuple[int, str]] = []
    if photo is not None and photo.caption:
        parts.append((CAPTION, photo.caption))
    if photo is not None and photo.credit:
        parts.append((CREDIT, photo.credit))
    return parts


def resolve_brief(
    brief: Brief | Page,
    md: MarkdownIt,
    registry: RegistryIndex,
    aliases: Mapping[str, str],
) -> ResolvedBrief:
    """Parse body, caption and credit with one numbering; resolve every cited item."""
    env: dict[str, Any] = {}
    if isinstance(brief, Brief):
        env["citation_date"] = brief.date.date()
    tokens = md.parse(brief.body, env)
    inline: dict[int, list[Token]] = {}
    for part, text in _photo_parts(brief):
        # the footnote plugin appends the body's notes again in inline mode: keep the inline token
        inline[part] = [t for t in md.parseInline(text, env) if t.type == "inline"]
    # parse calls are numbered in order: 0 body, then caption and credit when present
    part_of_call = [BODY] + [part for part, _ in _photo_parts(brief)]
    positions = _Positions(brief)
    state = citation_state(env)
    diagnostics: list[Diagnostic] = []
    for problem in state.problems:
        place = positions.place(part_of_call[problem.part], problem.line, problem.column)
        diagnostics.append(_diagnostic(brief, positions, problem.level, problem.message, place))

    refs = brief.sources if isinstance(brief, Brief) else ()
    folded_aliases = {fold_name(alias): name for alias, name in aliases.items()}

    def canonical_key(name: str) -> str:
        key = fold_name(name)
        return fold_name(folded_aliases.get(key, name))

    by_item: dict[tuple[str, dt.date], SourceRef] = {}
    for ref in refs:
        by_item.setdefault((canonical_key(ref.name), ref.date), ref)
    used_refs: set[tuple[str, dt.date]] = set()
    citations: list[ResolvedCitation] = []
    registry_used: list[str] = []
    for item in state.items:
        places = tuple(positions.place(part_of_call[p.part], p.line, p.column) for p in item.places)
        key = (fold_name(item.source), item.date)
        found = by_item.get(key)
        if found is not None:
            used_refs.add(key)
        entry = registry.by_key.get(key[0])
        registry_used.append(key[0])
        url = found.url if found and found.url else (entry.url if entry else None)
        first = places[0]
        label = f"'{item.written}, {item.date.isoformat()}'"
        # with sources.toml unread, its error is the one to fix: a URL or an alias may be there
        if url is None and registry.known:
            message = f"no URL for {label}: add a 'sources' entry with a url, or the source to sources.toml"
            diagnostics.append(_diagnostic(brief, positions, "warning", message, first))
        if isinstance(brief, Brief) and item.date > brief.date.date():
            own = brief.date.date().isoformat()
            message = f"cited date {item.date.isoformat()} is after the brief's date {own}"
            diagnostics.append(_diagnostic(brief, positions, "warning", message, first))
        near = entry
        if entry is None:
            # 'WallStreet Journal' for 'Wall Street Journal' is a different source, but
            # surely not meant as one: the result depends on the entry it nearly names
            spaceless = spaceless_key(key[0])
            near = registry.by_spaceless.get(spaceless)
            registry_used.append(spaceless)
        spellings = [(item.written, item.places[0])]
        if item.variants:
            spellings += item.variants.items()
        for written, cited in spellings:
            # (a spelling that is an alias folds otherwise, and is fine)
            if near is not None and written != near.name and fold_name(written) == key[0]:
                message = (
                    f"source '{written}' differs from the registry name '{near.name}' only in case or spacing"
                )
                at = positions.place(part_of_call[cited.part], cited.line, cited.column)
                diagnostics.append(_diagnostic(brief, positions, "warning", message, at))
        citations.append(
            ResolvedCitation(
                n=item.n,
                source=entry.name if entry else item.source,
                date=item.date,
                title=found.title if found else None,
                url=url,
                source_slug=slugify(entry.name if entry else item.source),
                kind=entry.kind if entry else None,
                places=places,
                home=entry.url if entry else None,
                author=found.author if found else None,
                publisher=found.publisher if found else None,
            )
        )
    for ref in refs:
        if registry.known and (canonical_key(ref.name), ref.date) not in used_refs:
            message = (
                f"source '{ref.name}' ({ref.date.isoformat()}) is listed in front matter but never cited"
            )
            pos = SourcePos(brief.path, ref.line, 1 if ref.line else None)
            diagnostics.append(Diagnostic("warning", message, pos))

    links = _rewrite_links(brief, tokens, positions, BODY)
    for part, part_tokens in inline.items():
        links.extend(_rewrite_links(brief, part_tokens, positions, part))
    return ResolvedBrief(
        brief=brief,
        tokens=tokens,
        caption_tokens=inline.get(CAPTION),
        credit_tokens=inline.get(CREDIT),
        env=env,
        citations=tuple(citations),
        links=tuple(links),
        registry_used=tuple(dict.fromkeys(registry_used)),
        diagnostics=tuple(diagnostics),
    )


def site_url(path: str) -> str:
    """A placeholder for a URL under the site root, filled in when pages are written."""
    return f"{SITE_URL}{path}"


def content_url(rel: str) -> str:
    """A placeholder for the page URL of a content file."""
    return f"{CONTENT_URL}{rel}"


def _rewrite(brief: Brief | Page, url: str, image: bool) -> tuple[str, LinkRef | None, str]:
    """(new url, what to check, kind) for one link or image URL of a body.

    Root-relative URLs are put under the base path; links to `.md` files become page
    URLs; relative image paths are under static/. Other relative links stay as written.
    """
    if not url or url.startswith(("#", "//", "?")) or _SCHEME.match(url):
        return url, None, ""
    path, hash_, fragment = url.partition("#")
    path, _, query = path.partition("?")
    suffix = (f"?{query}" if query else "") + (f"#{fragment}" if hash_ else "")
    if path.startswith("/"):
        return site_url(path.lstrip("/")) + suffix, None, ""
    if unquote(path).endswith(".md"):
        folder = posixpath.dirname(brief.rel)
        target = posixpath.normpath(posixpath.join(folder, unquote(path)))
        return content_url(target) + suffix, LinkRef(target, "page", 0, 0), "page"
    if not image:
        return url, None, ""
    target = posixpath.normpath(path)
    return site_url(target) + suffix, LinkRef(unquote(target), "image", 0, 0), "image"


_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)


def _locate(positions: _Positions, part: int, token: Token, raw: str, nth: int) -> tuple[int, int]:
    """Where the `nth` (from 0) link or image `raw` (as markdown-it normalised it) of a block
    is written: as a link target (`](url`, `](<url`; not in a code span) in the block's
    text, else as a reference definition (`[label]: url`) anywhere in the body, else at the
    block's first line; in a caption or credit, at its place in the front matter."""
    url = "(" + "|".join(re.escape(u) for u in dict.fromkeys((raw, unquote(raw)))) + ")"
    end_of_url = r"(?=[\s)>\"']|$)"
    target = re.compile(r"\]\(\s*<?" + url + end_of_url)
    if part != BODY:
        text, span = positions.photo.get(part, ("", None))
        matches = list(target.finditer(_without_code(text)))
        offset = matches[min(nth, len(matches) - 1)].start(1) if matches else 0
        return span.position(offset) if span is not None else (1, 1)
    start, end = token.map or (0, 0)
    lines = positions.lines
    text = "\n".join(lines[start:end])
    matches = list(target.finditer(_without_code(text)))
    if matches:
        at = matches[min(nth, len(matches) - 1)].start(1)
        line_start = text.rfind("\n", 0, at) + 1
        return positions.brief.body_line + start + text.count("\n", 0, at), at - line_start + 1
    definition = re.compile(r"^ {0,3}(?:>\s*)*\[[^\]]+\]:\s*<?" + url + end_of_url)
    for index, line in enumerate(lines):
        defined = definition.search(line)
        if defined:
            return positions.brief.body_line + index, defined.start(1) + 1
    return positions.brief.body_line + start, 1


def _without_code(text: str) -> str:
    """The text with its code spans blanked out (same length, so offsets hold)."""
    if "`" not in text:
        return text
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _rewrite_links(
    brief: Brief | Page, tokens: list[Token], positions: _Positions, part: int
) -> list[LinkRef]:
    found: list[LinkRef] = []
    # how often each target has been linked so far in the lines of a block (the cells of a
    # table row are blocks of their own on one line)
    seen: dict[tuple[int, int, str], int] = {}
    for block in tokens:
        lines = (block.map[0], block.map[1]) if block.map else (0, 0)
        for token in [block, *(block.children or [])]:
            if token.type == "link_open":
                attr = "href"
            elif token.type == "image":
                attr = "src"
                token.attrSet("loading", "lazy")
            else:
                continue
            raw = str(token.attrGet(attr) or "")
            new, ref, kind = _rewrite(brief, raw, attr == "src")
            if new != raw:
                token.attrSet(attr, new)
            if ref is not None:
                nth = seen[(*lines, raw)] = seen.get((*lines, raw), -1) + 1
                line, column = _locate(positions, part, block, raw, nth)
                found.append(LinkRef(ref.target, "page" if kind == "page" else "image", line, column))
    return found


pickle_by_fields(__name__)
