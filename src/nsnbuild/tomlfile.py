"""A TOML file of the site (nsnbuild.toml, sources.toml): its text read, its syntax
errors placed, and the line of every key found, so that a problem with a value can be
reported where the value is written."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from .errors import Diagnostic, Level, SourcePos
from .texts import source_line, undecodable

_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_EOF = re.compile(r"\s*\(at end of document\)\s*$")
_KEY_PART = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


class Reporter:
    """Collects diagnostics for one TOML file, placing each at the key it is about."""

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._places = _locate_keys(text)

    def line_of(self, table: tuple[str, ...], key: str | None = None) -> int | None:
        place = self._places.get((table, key))
        return place[0] if place else None

    def add(self, level: Level, message: str, table: tuple[str, ...], key: str | None) -> None:
        place = self._places.get((table, key))
        if place is None and key is not None:
            place = self._places.get((table, None))
        if place is None and table:
            # an inline table (`markdown = { allow_html = 1 }`): the key that holds it
            place = self._places.get((table[:-1], table[-1]))
        line, col = place if place is not None else (None, None)
        pos = SourcePos(self.path, line, col)
        self.diagnostics.append(Diagnostic(level, message, pos, source_line(self.text, line)))


def _locate_keys(text: str) -> dict[tuple[tuple[str, ...], str | None], tuple[int, int]]:
    """Map (table path, key) to the 1-based line and column where it is written."""
    found: dict[tuple[tuple[str, ...], str | None], tuple[int, int]] = {}
    table: tuple[str, ...] = ()
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        at = (number, len(line) - len(line.lstrip()) + 1)
        if open_quote is not None:
            # inside a multi-line string: `key = x` here is text, not a key
            if line.count(open_quote) % 2 == 1:
                open_quote = None
            continue
        if not stripped.startswith("#"):
            open_quote = next((q for q in ('"""', "'''") if line.count(q) % 2 == 1), None)
        if stripped.startswith("["):
            header = stripped.lstrip("[").split("]")[0]
            try:
                parsed = tomllib.loads(f"{header} = 0")
            except tomllib.TOMLDecodeError:
                continue
            table = _key_path(parsed)
            found.setdefault((table, None), at)
            continue
        match = _KEY.match(line)
        if match:
            try:
                # a dotted key (`publisher.name = ...`) names a key of a table, and the table
                *within, key = _key_path(tomllib.loads(f"{match.group(1)} = 0"))
            except (tomllib.TOMLDecodeError, ValueError):
                continue
            for depth in range(len(within)):
                found.setdefault(((*table, *within[:depth]), within[depth]), at)
                found.setdefault(((*table, *within[: depth + 1]), None), at)
            found.setdefault(((*table, *within), key), at)
    return found


def _key_path(parsed: Any) -> tuple[str, ...]:
    """The names down to the one value of `tomllib.loads("a.b.c = 0")`: ('a', 'b', 'c')."""
    path: list[str] = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        name = next(iter(parsed))
        path.append(name)
        parsed = parsed[name]
    return tuple(path)


def parse_toml(text: str, path: Path) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """tomllib with its error turned into a positioned diagnostic."""
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line: int | None = None
        col: int | None = None
        match = _TOML_POS.search(message)
        if match:
            line, col = int(match.group(1)), int(match.group(2))
            message = message[: match.start()]
        elif _TOML_EOF.search(message):
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
            message = _TOML_EOF.sub("", message) + " (at end of file)"
        message = f"invalid TOML: {message[:1].lower()}{message[1:]}"
        pos = SourcePos(path, line, col)
        return None, [Diagnostic("error", message, pos, source_line(text, line))]


def read_text(path: Path) -> tuple[str | None, list[Diagnostic]]:
    """A config file's text; a missing file is None, undecodable bytes an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [Diagnostic("error", f"cannot read file: {exc.strerror}", SourcePos(path))]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8").replace("\r\n", "\n"), []
    except UnicodeDecodeError as exc:
        line, column, message = undecodable(data, exc.start)
        return None, [Diagnostic("error", message, SourcePos(path, line, column))]
