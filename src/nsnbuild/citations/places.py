"""Where a citation stands in the text of a brief: lines and columns worked out on demand.

A parse only records which inline token a group was found in and its offset there; the
line and column are worked out the first time a diagnostic or a report asks for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token


class Place:
    """One place that cites an item: where its bracket opens, and which parse call saw it.

    `line` and `column` (0-based, in the text given to that parse call) are worked out when
    first asked for: rendering never needs them, diagnostics and reports do.
    """

    __slots__ = ("_anchor", "_at", "_column", "_line", "k", "part")

    def __init__(self, line: int, column: int, k: int, part: int = 0) -> None:
        self._anchor: Anchor | None = None
        self._at = 0
        self._line, self._column, self.k, self.part = line, column, k, part

    def _resolve(self) -> None:
        if self._anchor is not None:
            self._line, self._column = self._anchor.position(self._at)
            self._anchor = None

    @property
    def line(self) -> int:
        self._resolve()
        return self._line

    @property
    def column(self) -> int:
        self._resolve()
        return self._column

    def _fields(self) -> tuple[int, int, int, int]:
        return (self.line, self.column, self.k, self.part)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Place):
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        return f"Place(line={self.line}, column={self.column}, k={self.k}, part={self.part})"


def place_at(anchor: Anchor, offset: int, k: int, part: int) -> Place:
    """A place whose line and column are worked out from `anchor` when first asked for."""
    place = Place.__new__(Place)
    place._anchor, place._at, place.k, place.part = anchor, offset, k, part
    return place


class Lines:
    """The lines of one parse call's source, split when first needed."""

    __slots__ = ("_lines", "src")

    def __init__(self, src: str) -> None:
        self.src = src
        self._lines: list[str] | None = None

    def get(self) -> list[str]:
        if self._lines is None:
            self._lines = self.src.split("\n")
        return self._lines


class Anchor:
    """Maps offsets in one inline token's content to 0-based lines and columns."""

    __slots__ = ("_base", "content", "first_line", "lines", "shift")

    def __init__(
        self, lines: Lines, content: str, first_line: int, shift: int = 0, cell: int | None = None
    ) -> None:
        self.lines = lines
        self.content = content
        self.first_line = first_line
        self.shift = shift  # where the token's content starts inside `content`
        # Column of the content's first character, when known for its whole first line
        # (-1 if not); None until first needed.
        self._base = cell if cell is not None and cell >= 0 else None

    @classmethod
    def of(cls, tokens: Sequence[Token], i: int, lines: Lines) -> Anchor:
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
            cell = cell_column(tokens, i, lines.get())
            return cls(lines, token.content, token.map[0], cell=cell)
        return cls(lines, token.content, token.map[0])

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column of `offset` in the token's content."""
        offset += self.shift
        content = self.content
        first_end = content.find("\n")
        if first_end < 0:
            first_end = len(content)
        if offset < first_end:
            if self._base is None:
                self._base = self._suffix_column(self.first_line, 0, first_end)
            if self._base >= 0:
                return self.first_line, self._base + offset
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
        lines = self.lines.get()
        return lines[line] if line < len(lines) else ""


def cell_column(tokens: Sequence[Token], i: int, lines: list[str]) -> int:
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
