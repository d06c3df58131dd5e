"""Positions, diagnostics and the exceptions that carry them to the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Literal

import click

from .records import pickle_by_fields

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class SourcePos:
    """A place in a file: 1-based line and column (columns count code points)."""

    path: Path
    line: int | None = None
    col: int | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the site, with where it is and, if known, the offending line."""

    level: Level
    message: str
    pos: SourcePos | None = None
    source_line: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.pos is None:
            return ("", 0, 0, self.message)
        return (str(self.pos.path), self.pos.line or 0, self.pos.col or 0, self.message)

    def location(self, cwd: Path | None = None) -> str:
        """`path:line:col` (as much of it as is known), path relative to cwd when under it."""
        if self.pos is None:
            return "nsnbuild"
        parts = [display_path(self.pos.path, cwd)]
        if self.pos.line is not None:
            parts.append(str(self.pos.line))
            if self.pos.col is not None:
                parts.append(str(self.pos.col))
        return ":".join(parts)

    def format(self, cwd: Path | None = None) -> str:
        """`path:line:col: level: message`, then the source line and a caret, if known."""
        text = f"{self.location(cwd)}: {self.level}: {self.message}"
        if self.source_line is not None and self.pos is not None and self.pos.line is not None:
            line = self.source_line.rstrip("\r\n")
            text += f"\n    {line}"
            if self.pos.col is not None and self.pos.col >= 1:
                prefix = "".join(ch if ch == "\t" else " " for ch in line[: self.pos.col - 1])
                text += f"\n    {prefix}^"
        return text


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path relative to cwd when the file is under it, else absolute.

    Symlinks are not followed: a problem with a link names the link.
    """
    absolute = Path(os.path.abspath(path))
    base = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    for anchor in (base, base.resolve()):
        if absolute.is_relative_to(anchor):
            return str(absolute.relative_to(anchor))
    return str(absolute)


def line_of(text: str, line: int | None) -> str | None:
    """The 1-based line `line` of text, or None. Lines end at "\n" only, as positions count."""
    if line is None or line < 1:
        return None
    lines = text.split("\n")
    if line > len(lines) or (line == len(lines) and not lines[-1]):
        return None
    return lines[line - 1].rstrip("\r")


class NsnError(click.ClickException):
    """A problem the user can fix; click shows it and exits with code 1."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


class SourceError(NsnError):
    """A problem at one place in one file."""

    def __init__(self, message: str, pos: SourcePos, source_line: str | None = None) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic("error", message, pos, source_line)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.diagnostic.format(), file=file, err=file is None)


class BuildFailed(NsnError):
    """Every problem of a run, reported at once."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = sum(1 for d in self.diagnostics if d.level == "error")
        warnings = sum(1 for d in self.diagnostics if d.level == "warning")
        super().__init__(summary_line(errors, warnings))

    def show(self, file: IO[Any] | None = None) -> None:
        for diagnostic in self.diagnostics:
            click.echo(diagnostic.format(), file=file, err=file is None)
        click.echo(self.format_message(), file=file, err=file is None)


class OutputRefused(NsnError):
    """The output folder is one nsnbuild must not write into."""


def plural(n: int, word: str) -> str:
    """'1 brief', '2 briefs'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(errors: int, warnings: int) -> str:
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Each diagnostic once, by file, line and column."""
    return tuple(sorted(dict.fromkeys(diagnostics), key=lambda d: d.sort_key()))


def as_reported(diagnostics: Iterable[Diagnostic], strict: bool) -> tuple[Diagnostic, ...]:
    """The diagnostics as a run reports them: under --strict every warning is an error.

    The one place that decides a problem's level under --strict; every format and count
    reads the result.
    """
    if not strict:
        return tuple(diagnostics)
    return tuple(replace(d, level="error") if d.level == "warning" else d for d in diagnostics)


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """True when a run must fail: an error, or under strict any warning."""
    return any(d.level == "error" for d in as_reported(diagnostics, strict))


pickle_by_fields(__name__)
