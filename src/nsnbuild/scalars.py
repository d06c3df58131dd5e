"""Where each character of a YAML string stands in its source: escapes, quotes and folded
lines counted, so that a position inside a front-matter value (a photo's caption or credit)
can be shown in the file.

The reading follows PyYAML's scanner, style by style; what it reads is compared with the
value YAML made, and when they differ the positions are not trusted (None).
"""

from __future__ import annotations

from .model import TextSpan

_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_CODES = {"x": 2, "u": 4, "U": 8}

Runs = tuple[tuple[int, int, int], ...]
"""(offset in the value, line, column): from that offset on, the value's characters stand one
after another on that line of the file from that column, up to the next run's offset."""


class _Unreadable(Exception):
    """A scalar this reading does not follow; its positions are left unknown."""


class _Reader:
    """Reads one scalar from `source` at `at`, keeping each character's source index."""

    def __init__(self, source: str, at: int) -> None:
        self.source = source
        self.at = at
        self.chars: list[str] = []
        self.places: list[int] = []

    def peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.source[index] if index < len(self.source) else "\0"

    def take(self) -> None:
        """Keep the next character as it is."""
        self.chars.append(self.peek())
        self.places.append(self.at)
        self.at += 1

    def keep(self, start: int) -> None:
        """Keep the white space from `start` up to here as it is."""
        self.chars.extend(self.source[start : self.at])
        self.places.extend(range(start, self.at))

    def add(self, text: str, place: int) -> None:
        for char in text:
            self.chars.append(char)
            self.places.append(place)

    def line_break(self) -> int:
        """Step over a line break; where it was."""
        if self.peek() != "\n":
            raise _Unreadable  # the file's breaks are all "\n"; any other is a break to YAML only
        self.at += 1
        return self.at - 1

    def column(self) -> int:
        return self.at - (self.source.rfind("\n", 0, self.at) + 1)

    # ------------------------------------------------------------ quoted and plain

    def flow_breaks(self) -> list[int]:
        """Empty lines after a break in a quoted or plain scalar: each is a kept "\\n"."""
        breaks: list[int] = []
        while True:
            while self.peek() in " \t":
                self.at += 1
            if self.peek() not in _BREAKS:
                return breaks
            breaks.append(self.line_break())

    def folded(self, first: int, breaks: list[int]) -> None:
        """A line break and the empty lines after it: one space, or a "\\n" per empty line."""
        if not breaks:
            self.add(" ", first)
        for place in breaks:
            self.add("\n", place)

    def quoted(self) -> None:
        double = self.peek() == '"'
        quote = self.peek()
        self.at += 1
        while True:
            self.non_spaces(double)
            if self.peek() == quote:
                return
            start = self.at
            while self.peek() in " \t":
                self.at += 1
            if self.peek() == "\0":
                raise _Unreadable
            self.fold_or_keep(start)

    def non_spaces(self, double: bool) -> None:
        while True:
            char = self.peek()
            if char in "'\"\\\0 \t" or char in _BREAKS:
                if not double and char == "'" and self.peek(1) == "'":
                    self.add("'", self.at)
                    self.at += 2
                elif (double and char == "'") or (not double and char in '"\\'):
                    self.take()
                elif double and char == "\\":
                    self.escape()
                else:
                    return
            else:
                self.take()

    def escape(self) -> None:
        start = self.at
        self.at += 1
        char = self.peek()
        if char in _ESCAPES:
            self.add(_ESCAPES[char], start)
            self.at += 1
        elif char in _CODES:
            digits = self.source[self.at + 1 : self.at + 1 + _CODES[char]]
            try:
                self.add(chr(int(digits, 16)), start)
            except (ValueError, OverflowError):
                raise _Unreadable from None
            self.at += 1 + len(digits)
        elif char in _BREAKS:
            self.line_break()
            for place in self.flow_breaks():
                self.add("\n", place)
        else:
            raise _Unreadable

    def plain(self, end: int) -> None:
        """A plain scalar, which YAML says ends at `end`."""
        while self.at < end:
            if self.peek() not in " \t" and self.peek() not in _BREAKS:
                self.take()
                continue
            start = self.at
            while self.peek() == " " or self.peek() == "\t":
                self.at += 1
            if self.at >= end:
                return
            self.fold_or_keep(start)

    def fold_or_keep(self, start: int) -> None:
        """After white space from `start` inside a flow or plain scalar: a line break there
        folds (with the breaks after it); else the spaces are part of the text."""
        if self.peek() in _BREAKS:
            first = self.line_break()
            self.folded(first, self.flow_breaks())
        else:
            self.keep(start)

    # ------------------------------------------------------------ literal and folded blocks

    def block(self, parent_indent: int) -> None:
        folded = self.peek() == ">"
        self.at += 1
        chomping: bool | None = None
        increment: int | None = None
        for _ in range(2):
            char = self.peek()
            if char in "+-" and chomping is None:
                chomping = char == "+"
            elif char.isdigit() and char != "0" and increment is None:
                increment = int(char)
            else:
                break
            self.at += 1
        while self.peek() in " \t":
            self.at += 1
        if self.peek() == "#":
            while self.peek() not in _BREAKS and self.peek() != "\0":
                self.at += 1
        if self.peek() == "\0":
            return
        self.line_break()
        min_indent = max(parent_indent + 1, 1)
        if increment is None:
            breaks, max_indent = self.block_indentation()
            indent = max(min_indent, max_indent)
        else:
            indent = min_indent + increment - 1
            breaks = self.block_breaks(indent)
        line_break: int | None = None
        while self.column() == indent and self.peek() != "\0":
            for place in breaks:
                self.add("\n", place)
            leading_non_space = self.peek() not in " \t"
            while self.peek() not in _BREAKS and self.peek() != "\0":
                self.take()
            if self.peek() == "\0":
                line_break = None
                breaks = []
                break
            line_break = self.line_break()
            breaks = self.block_breaks(indent)
            if self.column() == indent and self.peek() != "\0":
                if folded and leading_non_space and self.peek() not in " \t":
                    if not breaks:
                        self.add(" ", line_break)
                else:
                    self.add("\n", line_break)
            else:
                break
        if chomping is not False and line_break is not None:
            self.add("\n", line_break)
        if chomping is True:
            for place in breaks:
                self.add("\n", place)

    def block_indentation(self) -> tuple[list[int], int]:
        breaks: list[int] = []
        max_indent = 0
        while self.peek() == " " or self.peek() in _BREAKS:
            if self.peek() == " ":
                self.at += 1
                max_indent = max(max_indent, self.column())
            else:
                breaks.append(self.line_break())
        return breaks, max_indent

    def block_breaks(self, indent: int) -> list[int]:
        breaks: list[int] = []
        while self.column() < indent and self.peek() == " ":
            self.at += 1
        while self.peek() in _BREAKS:
            breaks.append(self.line_break())
            while self.column() < indent and self.peek() == " ":
                self.at += 1
        return breaks


def scalar_places(
    source: str, start: int, end: int, style: str | None, parent_indent: int, value: str
) -> list[int] | None:
    """For each character of `value`, the index in `source` it was read from; None if unsure.

    `start` and `end`: where YAML says the scalar stands; `style` is YAML's (`"`, `'`, `|`,
    `>` or None for plain); `parent_indent`: the column of the mapping that holds it.
    A character YAML made of several (an escape, a folded line break) stands at the first.
    """
    reader = _Reader(source, start)
    try:
        if style in ('"', "'"):
            reader.quoted()
        elif style in ("|", ">"):
            reader.block(parent_indent)
        elif not style:
            reader.plain(end)
        else:
            return None
    except _Unreadable:
        return None
    if "".join(reader.chars) != value:
        return None
    return reader.places


def runs_of(places: list[int], source: str, first_line: int) -> Runs:
    """Source indexes as runs of file lines and columns (the source starts on `first_line`)."""
    runs: list[tuple[int, int, int]] = []
    line = first_line
    line_start = 0
    scanned = 0
    previous = -2
    for offset, place in enumerate(places):
        if place < scanned:  # an empty line kept from before: lines are counted afresh
            line, line_start, scanned = first_line, 0, 0
        while True:
            found = source.find("\n", scanned, place)
            if found < 0:
                break
            line += 1
            line_start = found + 1
            scanned = found + 1
        if place != previous + 1 or source[previous] == "\n":
            runs.append((offset, line, place - line_start + 1))
        previous = place
    return tuple(runs)


def stripped_span(span: TextSpan, value: str) -> TextSpan:
    """The span of `value.strip()`: its runs moved past the white space cut in front."""
    cut = len(value) - len(value.lstrip())
    if not cut or not span.runs:
        return span
    runs = [(offset - cut, line, column) for offset, line, column in span.runs if offset > cut]
    inside = [run for run in span.runs if run[0] <= cut]
    if inside:
        offset, line, column = inside[-1]
        runs.insert(0, (0, line, column + cut - offset))
    return TextSpan(span.line, span.column, tuple(runs))
