"""markdown-it-py plugin: citation groups become numbered note markers and a Sources list."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
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
from .syntax import Citation, NotCitation, fold_name, parse_group

if TYPE_CHECKING:
    from markdown_it.utils import EnvType

GROUP = "citation_group"
SOURCES = "citation_sources"
ENV_KEY = "citations"

# A bracket that could hold a citation group: no nested bracket, not a footnote reference
# (`[^...]`), and a digit somewhere (every date has one).
_CANDIDATE = re.compile(r"\[(?!\^)([^\[\]\d]*\d[^\[\]]*)\]")

Level = Literal["error", "warning"]
_Marks = tuple[str, list[Token], list[tuple[int, Level, str]]]


@dataclass(slots=True)
class Place:
    """One place that cites an item: where its bracket opens, and which parse call saw it."""

    line: int
    column: int
    k: int
    part: int = 0


@dataclass(slots=True)
class CitedItem:
    """One source item (a source on a date), numbered by first appearance."""

    n: int
    key: tuple[str, datetime.date]
    source: str
    written: str
    date: datetime.date
    places: list[Place]


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

    def citations_core(state: StateCore) -> None:
        cs = citation_state(state.env)
        if cs.marks:
            _number(state, cs, canonical)
            if style == "footnotes":
                for i, _ in _marked_inline_tokens(state.tokens, cs.marks):
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
    candidate = _CANDIDATE.match(src, start, state.posMax)
    if candidate is None:
        return False
    env = state.env
    cs = env.get(ENV_KEY)
    if not isinstance(cs, CitationState):
        cs = citation_state(env)
    if cs.image_depth:
        return False
    raw = candidate[1]
    close = candidate.end() - 1
    result = parse_group(raw, _reference_date(env))
    if isinstance(result, NotCitation):
        if result.level is not None and _stays_text(state, close):
            at = start + 1 + result.offset if result.level == "error" else start
            _marks_of(cs, src)[2].append((at, result.level, result.message or ""))
        return False
    if not _stays_text(state, close):
        return False
    token = state.push(GROUP, "", 0)
    token.meta = {"citations": result.citations, "offset": start, "raw": raw}
    _marks_of(cs, src)[1].append(token)
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


def _number(state: StateCore, cs: CitationState, canonical: Mapping[str, tuple[str, str]]) -> None:
    """Number the groups of this parse call in reading order and place its problems."""
    part = cs.parse_count
    items = cs.items
    index = {item.key: item for item in items}
    lines = state.src.split("\n")
    tokens = state.tokens
    for i, marks in _marked_inline_tokens(tokens, cs.marks):
        anchor = _Anchor.of(tokens, i, lines)
        for group in marks[1]:
            meta = group.meta
            line, column = anchor.position(meta["offset"])
            numbers: list[int] = []
            places: list[int] = []
            citation: Citation
            for citation in meta["citations"]:
                name, folded = citation.source, fold_name(citation.source)
                alias = canonical.get(folded)
                if alias is not None:
                    name, folded = alias
                key = (folded, citation.date)
                item = index.get(key)
                if item is None:
                    item = index[key] = CitedItem(
                        len(items) + 1, key, name, citation.source, citation.date, []
                    )
                    items.append(item)
                if item.n in numbers:  # cited twice in one group: one place
                    k = places[numbers.index(item.n)]
                else:
                    k = len(item.places) + 1
                    item.places.append(Place(line, column, k, part))
                numbers.append(item.n)
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


class _Anchor:
    """Maps offsets in one inline token's content to 0-based lines and columns."""

    __slots__ = ("base", "content", "first_end", "first_line", "lines", "shift")

    def __init__(
        self, lines: list[str], content: str, first_line: int, shift: int = 0, cell: int = -1
    ) -> None:
        self.lines = lines
        self.content = content
        self.first_line = first_line
        self.shift = shift  # where the token's content starts inside `content`
        first_end = content.find("\n")
        self.first_end = first_end if first_end >= 0 else len(content)
        # Column of the content's first character, when known for its whole first line.
        self.base = cell if cell >= 0 else self._suffix_column(first_line, 0, self.first_end)

    @classmethod
    def of(cls, tokens: Sequence[Token], i: int, lines: list[str]) -> _Anchor:
        """The anchor for the inline token `tokens[i]`."""
        token = tokens[i]
        if token.map is None:
            # Inline footnotes (`^[...]`) are moved to the end without a map: use their host.
            needle = "^[" + token.content + "]"
            for host in tokens:
                if host.type == "inline" and host.map is not None:
                    found = host.content.find(needle)
                    if found >= 0:
                        return cls(lines, host.content, host.map[0], shift=found + 2)
            return cls(lines, "", 0)
        if i and tokens[i - 1].type in ("th_open", "td_open"):
            cell = _cell_column(tokens, i, lines)
            return cls(lines, token.content, token.map[0], cell=cell)
        return cls(lines, token.content, token.map[0])

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column of `offset` in the token's content."""
        offset += self.shift
        if offset < self.first_end and self.base >= 0:
            return self.first_line, self.base + offset
        content = self.content
        line_start = content.rfind("\n", 0, offset) + 1
        line = self.first_line + content.count("\n", 0, line_start)
        line_end = content.find("\n", offset)
        if line_end < 0:
            line_end = len(content)
        column = self._suffix_column(line, line_start, line_end)
        if column >= 0:
            return line, column + offset - line_start
        found = self._line(line).rfind(content[offset:line_end])
        return line, found if found >= 0 else offset - line_start

    def _suffix_column(self, line: int, line_start: int, line_end: int) -> int:
        """Column of `content[line_start:line_end]` in source line `line`, or -1.

        A content line is its source line without container markers and indentation in
        front, and without trailing white space or a closing `#` sequence behind: when
        nothing was cut behind, it ends the source line.
        """
        text = self._line(line)
        if text.endswith(self.content[line_start:line_end]):
            return len(text) - (line_end - line_start)
        return -1

    def _line(self, line: int) -> str:
        return self.lines[line] if line < len(self.lines) else ""


def _cell_column(tokens: Sequence[Token], i: int, lines: list[str]) -> int:
    """Column where the content of table cell `tokens[i]` starts, or -1."""
    row_start = i
    while row_start > 0 and tokens[row_start].type != "tr_open":
        row_start -= 1
    map_ = tokens[i].map
    if map_ is None or map_[0] >= len(lines):
        return -1
    text = lines[map_[0]]
    cursor = found = 0
    for cell in tokens[row_start : i + 1]:
        if cell.type == "inline" and cell.content:
            found = text.find(cell.content, cursor)
            if found < 0:
                return -1
            cursor = found + len(cell.content)
    return found if tokens[i].content else -1
