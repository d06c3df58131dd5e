"""A content file's text: decoded, its front matter split off and read as YAML, and the
lines its keys stand on found, for diagnostics that point at them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from .errors import Diagnostic, SourcePos
from .model import TextSpan
from .scalars import runs_of, scalar_places
from .texts import INVALID_CHARACTER, describe_character, source_line, undecodable
from .yamlload import FrontMatterLoader, RepeatedKeys

# line breaks to YAML 1.1 (and str.splitlines) but not to Markdown or to positions; U+0085, the
# third one, is a control character
_YAML_ONLY_BREAK = re.compile("[\u2028\u2029]")
_HANDLER = YAMLHandler()  # for its boundary pattern


_BOUNDARY: re.Pattern[str] = _HANDLER.FM_BOUNDARY or re.compile(r"^-{3,}\s*$", re.MULTILINE)
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_SUB_KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_][\w-]*)\s*:\s*")
_ITEM = re.compile(r"^(\s*)-(\s|$)")


@dataclass(slots=True)
class Lines:
    """Where the keys of a front-matter block are, by a light scan of its lines."""

    top: dict[str, int] = field(default_factory=dict)
    photo: dict[str, tuple[int, int]] = field(default_factory=dict)
    items: list[int] = field(default_factory=list)
    item_keys: list[dict[str, int]] = field(default_factory=list)


def scan_lines(fm: str, first_line: int) -> Lines:
    found = Lines()
    section: str | None = None
    item_indent: int | None = None
    for number, line in enumerate(fm.split("\n"), start=first_line):
        top = _TOP_KEY.match(line)
        if top:
            section = top.group(1)
            found.top.setdefault(section, number)
            item_indent = None
            continue
        if section == "sources":
            item = _ITEM.match(line)
            if item and (item_indent is None or len(item.group(1)) == item_indent):
                item_indent = len(item.group(1))
                found.items.append(number)
                found.item_keys.append({})
            sub = _SUB_KEY.match(line)
            if sub and found.item_keys:
                found.item_keys[-1].setdefault(sub.group(2), number)
        elif section == "photo":
            sub = _SUB_KEY.match(line)
            if sub:
                column = sub.end() + 1
                rest = line[sub.end() :]
                if rest[:1] in ("'", '"'):
                    column += 1
                found.photo.setdefault(sub.group(2), (number, column))
    return found


@dataclass(frozen=True, slots=True)
class Split:
    """A file's front matter, read, and its body, with the lines where they start and the
    line of the closing `---`."""

    meta: dict[str, Any]
    body: str
    body_line: int
    fm_text: str
    fm_line: int
    close_line: int
    photo_spans: dict[str, TextSpan] = field(default_factory=dict)
    """Where the photo's src, caption and credit stand, by key."""


def decode(data: bytes, path: Path) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text with a BOM dropped and line endings made '\\n'.

    Bytes that are not UTF-8 text (a NUL byte, as in images; UTF-16; invalid sequences),
    control characters and noncharacters are errors: nothing past them is read.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = "file is UTF-16 text; save it as UTF-8"
        return None, [Diagnostic("error", message, SourcePos(path))]
    offset = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    nul = data.find(b"\x00")
    if nul >= 0:
        message = f"file is binary, not Markdown text (a NUL byte at byte offset {nul})"
        return None, [Diagnostic("error", message, SourcePos(path))]
    try:
        text = data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column, message = undecodable(data[offset:], exc.start)
        return None, [Diagnostic("error", message, SourcePos(path, line, column))]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return (None, problems) if (problems := _control_problems(text, path)) else (text, [])


def _control_problems(text: str, path: Path) -> list[Diagnostic]:
    """The first control character or noncharacter of the text, with a count of the others.

    Tabs and line breaks are fine: the file's line breaks are all '\\n' once it is read.
    """
    match = INVALID_CHARACTER.search(text)
    if match is None:
        return []
    line_start = text.rfind("\n", 0, match.start()) + 1
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - line_start + 1
    message = f"{describe_character(match.group())} in the file; remove it"
    others = len(INVALID_CHARACTER.findall(text, match.end()))
    if others:
        message += f" (and {others} more after it)"
    return [Diagnostic("error", message, SourcePos(path, line, column), source_line(text, line))]


def split_front_matter(text: str, path: Path) -> tuple[Split | None, list[Diagnostic]]:
    """Front matter and body, with the file line where each starts."""
    if not text.strip():
        return None, [
            Diagnostic(
                "error", "empty file: expected front matter with a title and a date", SourcePos(path, 1, 1)
            )
        ]
    start = _BOUNDARY.match(text)
    if start is None:
        message = "no front matter: the file must start with a '---' line"
        return None, [Diagnostic("error", message, SourcePos(path, 1, 1), source_line(text, 1))]
    end = _BOUNDARY.search(text, start.end())
    if end is None:
        message = "front matter is not closed: no second '---' line"
        return None, [Diagnostic("error", message, SourcePos(path, 1, 1), source_line(text, 1))]
    fm_text = text[start.end() : end.start()]
    fm_line = text.count("\n", 0, start.end()) + 1
    body_line = text.count("\n", 0, end.end()) + 1
    try:
        node, meta = _load(fm_text) if fm_text.strip() else (None, {})
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark_position(fm_text, fm_line, mark)
        problem = exc.problem or exc.context or "syntax error"
        message = f"invalid YAML in front matter: {problem}"
        if exc.problem and exc.context and exc.context_mark is not None:
            started, _ = _mark_position(fm_text, fm_line, exc.context_mark)
            if started != line:
                message += f" ({exc.context} that starts on line {started})"
        separator = _YAML_ONLY_BREAK.search(fm_text)
        if separator is not None:
            # fine in a quoted string, a line break to YAML anywhere else
            at, _ = _index_position(fm_text, fm_line, separator.start())
            name = "line" if separator.group() == "\u2028" else "paragraph"
            message += (
                f"; the {name} separator U+{ord(separator.group()):04X} on line {at}, "
                "which YAML reads as a line break outside quotes, may be the cause"
            )
        return None, [Diagnostic("error", message, SourcePos(path, line, col), source_line(text, line))]
    except RepeatedKeys as exc:
        problems = []
        for first, again in exc.repeats:
            line, col = _mark_position(fm_text, fm_line, again.start_mark)
            started, _ = _mark_position(fm_text, fm_line, first.start_mark)
            was = "" if first.value == again.value else f" as '{first.value}'"
            message = f"key '{again.value}' is given twice (first{was} on line {started}); remove one of them"
            problems.append(Diagnostic("error", message, SourcePos(path, line, col), source_line(text, line)))
        return None, problems
    except (yaml.YAMLError, ValueError, TypeError, LookupError, AttributeError, RecursionError) as exc:
        # a value YAML cannot build (`!!int ten`, `!!int` alone, `!!bool maybe`) has no position:
        # PyYAML's constructors raise whatever their conversion raises
        known = isinstance(exc, yaml.YAMLError | ValueError)
        detail = " ".join(str(exc).split()) if known else "a value cannot be made of the type its tag names"
        message = f"invalid YAML in front matter: {detail}"
        return None, [Diagnostic("error", message, SourcePos(path, fm_line, 1), source_line(text, fm_line))]
    if not isinstance(meta, dict):
        kind = "a list" if isinstance(meta, list) else "a single value"
        message = f"front matter must be a mapping of keys to values, not {kind}"
        return None, [
            Diagnostic("error", message, SourcePos(path, fm_line + 1, 1), source_line(text, fm_line + 1))
        ]
    close_line = text.count("\n", 0, end.start()) + 1
    spans = _photo_spans(node, fm_text, fm_line)
    return Split(meta, text[end.end() :], body_line, fm_text, fm_line, close_line, spans), []


def _load(fm_text: str) -> tuple[yaml.Node | None, Any]:
    """The front matter's YAML node tree, and the value made of it."""
    loader = FrontMatterLoader(fm_text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


_PHOTO_SPANS = ("src", "caption", "credit")
_PROPERTY = re.compile(r"[!&][^ \t\n]*[ \t]+")


def _photo_spans(node: yaml.Node | None, fm_text: str, fm_line: int) -> dict[str, TextSpan]:
    """Where the photo's src, caption and credit stand, from the nodes YAML read them from."""
    photo = _value_node(node, "photo")
    if not isinstance(photo, yaml.MappingNode):
        return {}
    spans: dict[str, TextSpan] = {}
    for key in _PHOTO_SPANS:
        value = _value_node(photo, key)
        if isinstance(value, yaml.ScalarNode):
            spans[key] = _span(value, fm_text, fm_line, photo.start_mark.column)
    return spans


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The node of a mapping's key, the last one written as YAML keeps the last."""
    found = None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found = value_node
    return found


def _span(node: yaml.ScalarNode, fm_text: str, fm_line: int, parent_indent: int) -> TextSpan:
    start, end = node.start_mark.index, node.end_mark.index
    while fm_text[start : start + 1] in ("!", "&"):  # a tag or an anchor before the value
        stop = _PROPERTY.match(fm_text, start)
        if stop is None or stop.end() >= end:
            break
        start = stop.end()
    line, column = _index_position(fm_text, fm_line, start)
    style = node.style or None
    quote = 1 if style in ('"', "'") else 0
    written = fm_text[start + quote : end - quote]
    if style in (None, '"', "'") and written == node.value and "\n" not in written:
        # as written on one line, the usual case: no escapes, quotes doubled or folding
        return TextSpan(line, column, ((0, line, column + quote),))
    places = scalar_places(fm_text, start, end, style, parent_indent, node.value)
    if places is None:
        return TextSpan(line, column)
    return TextSpan(line, column, runs_of(places, fm_text, fm_line))


def _mark_position(fm_text: str, fm_line: int, mark: yaml.Mark | None) -> tuple[int, int]:
    """A YAML mark as a line and column of the file.

    From the mark's character index, not its line: YAML also breaks lines at U+2028 and
    U+0085, which are no line breaks to Markdown or to the file's other diagnostics.
    """
    if mark is None:
        return fm_line, 1
    return _index_position(fm_text, fm_line, mark.index)


def _index_position(fm_text: str, fm_line: int, index: int) -> tuple[int, int]:
    """The line and column of the file at a character index of the front matter."""
    index = min(max(index, 0), len(fm_text))
    line_start = fm_text.rfind("\n", 0, index) + 1
    return fm_line + fm_text.count("\n", 0, index), index - line_start + 1
