"""markdown-it-py plugin: citation groups become numbered note markers and a Sources list."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.link import link as link_rule
from markdown_it.rules_inline.text import text as text_rule
from markdown_it.token import Token

from . import render
from .places import Anchor, Lines, Place, place_at
from .syntax import NotCitation, fold_name, read_bracket

if TYPE_CHECKING:
    from markdown_it.utils import EnvType

GROUP = "citation_group"
SOURCES = "citation_sources"
ENV_KEY = "citations"


Level = Literal["error", "warning"]
_NAME_CACHE_SIZE = 4096
_Marks = tuple[str, list[Token], list[tuple[int, Level, str]]]


@dataclass(slots=True)
class CitedItem:
    """One source item (a source on a date), numbered by first appearance."""

    n: int
    key: tuple[str, datetime.date]
    source: str
    written: str
    date: datetime.date
    places: list[Place]
    variants: dict[str, Place] | None = None
    """Other spellings the item was cited under (folding the same), each at its first place."""


@dataclass(slots=True)
class Problem:
    """A bracket that is nearly, or wrongly, a citation group."""

    level: Level
    message: str
    line: int
    column: int
    part: int = 0


@dataclass(slots=True)
class CitationState:
    """What the plugin knows about one document; lives in `env["citations"]`."""

    items: list[CitedItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    parse_count: int = field(default=0, repr=False)
    """How many parse calls on this env have finished."""
    marks: dict[int, _Marks] = field(default_factory=dict, repr=False)
    """Groups and problems found by the inline rule in the current parse call, keyed by the
    identity of the inline content they were found in (the content, its group tokens, its
    problems as (offset, level, message))."""
    image_depth: int = field(default=0, repr=False)
    """Above zero while an image description is being parsed."""


_PLAIN_URL = re.compile(
    r"[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)*\Z"
)
"""ASCII URLs that markdown-it's normalizeLink returns unchanged (checked against it in tests)."""


def citation_state(env: EnvType) -> CitationState:
    """The plugin's state for the document parsed with `env`, created on first use."""
    state = env.get(ENV_KEY)
    if state is None:
        state = env[ENV_KEY] = CitationState()
    elif not isinstance(state, CitationState):
        raise TypeError(f"env[{ENV_KEY!r}] holds a {type(state).__name__}, not a CitationState")
    return state


def sources_list_tokens(env: EnvType) -> list[Token]:
    """The Sources list (one block token) for the items cited so far; empty if there are none."""
    if not citation_state(env).items:
        return []
    token = Token(SOURCES, "section", 0)
    token.block = True
    return [token]


def citation_plugin(
    md: MarkdownIt,
    *,
    aliases: Mapping[str, str] | None = None,
    style: Literal["footnotes", "inline"] = "footnotes",
    sources_list: bool = True,
    sources_heading: str = "Sources",
) -> None:
    """Turn bracketed `[Source, date]` groups into note markers and a Sources list."""
    if style not in ("footnotes", "inline"):
        raise ValueError(f"unknown citation style {style!r} (use 'footnotes' or 'inline')")
    canonical: dict[str, tuple[str, str]] = {}
    for target in (aliases or {}).values():
        canonical[fold_name(target)] = (target, fold_name(target))
    for alias, target in (aliases or {}).items():
        canonical[fold_name(alias)] = (target, fold_name(target))

    # Source names as written -> (canonical name, its identity key). Archives cite the same
    # few hundred sources again and again, so each spelling is folded once.
    names: dict[str, tuple[str, str]] = {}

    def name_of(written: str) -> tuple[str, str]:
        if len(names) >= _NAME_CACHE_SIZE:
            names.clear()
        folded = fold_name(written)
        found = names[written] = canonical.get(folded) or (written, folded)
        return found

    def citations_core(state: StateCore) -> None:
        cs = citation_state(state.env)
        if cs.marks:
            marked = _marked_inline_tokens(state.tokens, cs.marks)
            _number(state, cs, marked, names, name_of)
            if style == "footnotes":
                for i, _ in marked:
                    _hug_markers(state.tokens[i].children or [])
            cs.marks.clear()
        cs.parse_count += 1
        if sources_list and not state.inlineMode:
            state.tokens.extend(sources_list_tokens(state.env))

    def link_check(url: str) -> str | None:
        # a URL made only of characters that normalisation keeps needs no normalising
        normalised = url if _PLAIN_URL.match(url) else md.normalizeLink(url)
        return normalised if md.validateLink(normalised) else None

    md.inline.ruler.before("link", "citation", _citation_rule)
    _keep_citations_out_of_images(md)
    md.core.ruler.push("citations", citations_core)
    if style == "footnotes":
        md.add_render_rule(GROUP, render.footnote_markers)
    else:
        md.add_render_rule(GROUP, render.inline_citations_rule(link_check))
    md.add_render_rule(SOURCES, render.sources_rule(_items, sources_heading, link_check))


def _items(env: EnvType) -> list[CitedItem]:
    return citation_state(env).items


def _citation_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: a bracket whose whole text is a citation group becomes one token."""
    src = state.src
    start = state.pos
    # Lookahead (link labels) sees a citation as plain text, as CommonMark would.
    if src[start] != "[" or silent or state.linkLevel:
        return False
    env = state.env
    cs = env.get(ENV_KEY)
    if cs.__class__ is not CitationState:
        cs = citation_state(env)
    if cs.image_depth:
        return False
    reference = env.get("citation_date")
    if reference is not None and reference.__class__ is not datetime.date:
        reference = _reference_date(env)
    found = read_bracket(src, start, state.posMax, reference)
    if found is None:
        return False
    result, close = found
    if isinstance(result, NotCitation):
        if result.level is not None and _stays_text(state, close):
            at = start + 1 + result.offset if result.level == "error" else start
            _marks_of(cs, src)[2].append((at, result.level, result.message or ""))
        return False
    if not _stays_text(state, close):
        return False
    token = state.push(GROUP, "", 0)
    token.meta = {"citations": result.citations, "offset": start, "raw": src[start + 1 : close]}
    marks = cs.marks.get(id(src)) or _marks_of(cs, src)
    marks[1].append(token)
    state.pos = close + 1
    return True


def _reference_date(env: EnvType) -> datetime.date | None:
    """`env["citation_date"]`, the brief's date that two-digit years are read against."""
    value = env.get("citation_date")
    if value is None or isinstance(value, datetime.date):
        return value
    raise TypeError(f"env['citation_date'] must be a datetime.date, not {type(value).__name__}")


def _marks_of(cs: CitationState, content: str) -> _Marks:
    marks = cs.marks.get(id(content))
    if marks is None:
        marks = cs.marks[id(content)] = (content, [], [])
    return marks


def _stays_text(state: StateInline, close: int) -> bool:
    """Whether CommonMark leaves the bracket at `state.pos`, closed at `close`, as text."""
    start, src, inline = state.pos, state.src, state.md.inline
    if close + 1 < state.posMax and src[close + 1] in "([":
        pos_max = state.posMax
        try:
            is_link: bool = link_rule(state, True)
        finally:
            state.pos, state.posMax = start, pos_max
        if is_link:
            return False
    else:
        # All the link rule could match here is a shortcut reference: look it up directly.
        references = state.env.get("references")
        if references and normalizeReference(src[start + 1 : close]) in references:
            return False
    # When the text rule comes first and nothing in the bracket could start another rule,
    # the text rule runs to `close`, and so would `parseLinkLabel`.
    if (
        inline.terminator_re.search(src, start + 1, close) is None
        and inline.ruler.getRules("")[0] is text_rule
    ):
        return True
    label_end: int = state.md.helpers.parseLinkLabel(state, start, False)
    return label_end == close


def _keep_citations_out_of_images(md: MarkdownIt) -> None:
    """Wrap the image rule so that image descriptions (alt text) stay plain text."""
    ruler = md.inline.ruler
    index = ruler.__find__("image")
    if index < 0:
        return
    image = ruler.__rules__[index].fn
    alt = list(ruler.__rules__[index].alt)

    def image_without_citations(state: StateInline, silent: bool) -> bool:
        if silent or state.src[state.pos] != "!":
            return image(state, silent)
        cs = citation_state(state.env)
        cs.image_depth += 1
        try:
            return image(state, silent)
        finally:
            cs.image_depth -= 1

    ruler.at("image", image_without_citations, {"alt": alt})


def _number(
    state: StateCore,
    cs: CitationState,
    marked: list[tuple[int, _Marks]],
    names: Mapping[str, tuple[str, str]],
    name_of: Callable[[str], tuple[str, str]],
) -> None:
    """Number the groups of this parse call in reading order and place its problems.

    `names` maps a source name as written to its canonical name and identity key, as far as
    known; `name_of` works out (and remembers) one that is not there yet.
    """
    part = cs.parse_count
    items = cs.items
    index = {item.key: item for item in items}
    lines = Lines(state.src)
    tokens = state.tokens
    for i, marks in marked:
        anchor = Anchor.of(tokens, i, lines)
        for group in marks[1]:
            meta = group.meta
            offset = meta["offset"]
            numbers: list[int] = []
            places: list[int] = []
            for citation in meta["citations"]:
                written, date = citation.source, citation.date
                name, folded = names.get(written) or name_of(written)
                key = (folded, date)
                item = index.get(key)
                if item is None:
                    place = place_at(anchor, offset, 1, part)
                    item = index[key] = CitedItem(len(items) + 1, key, name, written, date, [place])
                    items.append(item)
                    numbers.append(item.n)
                    places.append(1)
                    continue
                n = item.n
                if n in numbers:  # cited twice in one group: one place
                    k = places[numbers.index(n)]
                else:
                    k = len(item.places) + 1
                    item.places.append(place_at(anchor, offset, k, part))
                if written != item.written:
                    variants = item.variants
                    if variants is None:
                        variants = item.variants = {}
                    variants.setdefault(written, item.places[k - 1])
                numbers.append(n)
                places.append(k)
            meta["n"] = numbers
            meta["k"] = places
        for at, level, message in marks[2]:
            line, column = anchor.position(at)
            cs.problems.append(Problem(level, message, line, column, part))


def _hug_markers(children: list[Token]) -> None:
    """Note markers follow the word or punctuation before them with no space between (and
    so never start a line of their own): the space before a group is dropped."""
    for j in range(len(children) - 1, 0, -1):
        if children[j].type != GROUP or "n" not in children[j].meta:
            continue
        before = children[j - 1]
        if before.type == "softbreak" and j >= 2 and children[j - 2].type == "text":
            del children[j - 1]
            before = children[j - 2]
        if before.type == "text":
            before.content = before.content.rstrip(" \t\u00a0")


def _marked_inline_tokens(
    tokens: Sequence[Token], marks_by_content: Mapping[int, _Marks]
) -> list[tuple[int, _Marks]]:
    """Index and marks of each inline token the inline rule marked, in reading order."""
    # The marks hold their content, so no other live string can share its id.
    where = {id(t.content): i for i, t in enumerate(tokens) if t.type == "inline"}
    found = [(where[key], marks) for key, marks in marks_by_content.items() if key in where]
    if len(found) < len(marks_by_content):
        # Inline footnotes were parsed from a copy of their text: match the rest by value.
        # What stays unmatched was dropped (an unused footnote definition, say).
        matched = {i for i, _ in found}
        rest = [marks for key, marks in marks_by_content.items() if key not in where]
        for i, token in enumerate(tokens):
            if token.type == "inline" and i not in matched:
                for j, marks in enumerate(rest):
                    if marks[0] == token.content:
                        found.append((i, rest.pop(j)))
                        break
    found.sort(key=lambda pair: pair[0])
    return found
