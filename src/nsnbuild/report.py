"""Diagnostics and citations as text, JSON or GitHub Actions workflow commands."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from .errors import Diagnostic, display_path
from .model import ResolvedCitation

Format = Literal["text", "json", "github"]

_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def as_text(diagnostics: Iterable[Diagnostic], cwd: Path | None = None) -> str:
    """One `path:line:col: level: message` block per diagnostic, with its source line."""
    return "".join(d.format(cwd) + "\n" for d in diagnostics)


def diagnostic_record(diagnostic: Diagnostic, cwd: Path | None = None) -> dict[str, Any]:
    """`{file, line, column, level, message}`; unknown parts are null."""
    pos = diagnostic.pos
    return {
        "file": display_path(pos.path, cwd) if pos is not None else None,
        "line": pos.line if pos is not None else None,
        "column": pos.col if pos is not None and pos.line is not None else None,
        "level": diagnostic.level,
        "message": diagnostic.message,
    }


def as_json(diagnostics: Iterable[Diagnostic], cwd: Path | None = None) -> str:
    """A JSON list of `{file, line, column, level, message}`."""
    return json.dumps([diagnostic_record(d, cwd) for d in diagnostics], ensure_ascii=False, indent=2) + "\n"


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as the runner expects."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, escaped as the runner expects."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_root(environ: Mapping[str, str] | None = None) -> Path:
    """Where `github` paths are relative to: $GITHUB_WORKSPACE when set, else the current folder."""
    environ = os.environ if environ is None else environ
    workspace = environ.get("GITHUB_WORKSPACE", "").strip()
    return Path(workspace) if workspace else Path(os.getcwd())


def github_command(diagnostic: Diagnostic, root: Path) -> str:
    """`::error file=PATH,line=L,col=C,title=nsnbuild::message` (or ::warning, ::notice).

    A diagnostic about a whole file is put on its first line, so that every annotation
    with a file has a line to stand on; one with no file at all has no position.
    """
    properties: list[tuple[str, str]] = []
    pos = diagnostic.pos
    if pos is not None:
        path = display_path(pos.path, root).replace(os.sep, "/")
        properties.append(("file", path))
        properties.append(("line", str(pos.line or 1)))
        properties.append(("col", str(pos.col or 1) if pos.line else "1"))
    properties.append(("title", "nsnbuild"))
    head = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_GITHUB_COMMAND[diagnostic.level]} {head}::{escape_data(diagnostic.message)}"


def as_github(diagnostics: Iterable[Diagnostic], root: Path | None = None) -> str:
    """One workflow command per diagnostic, paths relative to the repository."""
    base = root if root is not None else github_root()
    return "".join(github_command(d, base) + "\n" for d in diagnostics)


def render(diagnostics: Sequence[Diagnostic], fmt: Format) -> str:
    """The diagnostics in one of FORMATS."""
    if fmt == "json":
        return as_json(diagnostics)
    if fmt == "github":
        return as_github(diagnostics)
    return as_text(diagnostics)


# ---------------------------------------------------------------- citations


def citation_record(citation: ResolvedCitation) -> dict[str, Any]:
    """One citation as CITATIONS.md's machine-readable view has it."""
    return {
        "n": citation.n,
        "source": citation.source,
        "date": citation.date.isoformat(),
        "title": citation.title,
        "url": citation.url,
        "places": [{"line": p.line, "column": p.column} for p in citation.places],
    }


def problem_record(diagnostic: Diagnostic) -> dict[str, Any]:
    pos = diagnostic.pos
    return {
        "level": diagnostic.level,
        "line": pos.line if pos is not None else None,
        "column": pos.col if pos is not None and pos.line is not None else None,
        "message": diagnostic.message,
    }


def brief_record(
    rel: str, citations: Sequence[ResolvedCitation], problems: Sequence[Diagnostic]
) -> dict[str, Any]:
    """`{file, citations, problems}` for one brief."""
    return {
        "file": rel,
        "citations": [citation_record(c) for c in sorted(citations, key=lambda c: c.n)],
        "problems": [problem_record(d) for d in problems],
    }


def citations_json(records: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(records), ensure_ascii=False, indent=2) + "\n"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _places(citation: ResolvedCitation) -> str:
    return " ".join(f"{p.line}:{p.column}" for p in citation.places)


def citations_table(
    records: Sequence[Mapping[str, Any]], citations: Sequence[Sequence[ResolvedCitation]]
) -> str:
    """A readable table per brief: number, date, source, title, where cited, link; then its problems."""
    blocks: list[str] = []
    for record, cited in zip(records, citations, strict=True):
        problems = record["problems"]
        count = len(cited)
        head = f"{record['file']}: {count} {'source' if count == 1 else 'sources'}"
        lines = [head]
        if cited:
            rows = [("#", "date", "source", "title", "cited at", "link")]
            for c in sorted(cited, key=lambda c: c.n):
                rows.append(
                    (
                        str(c.n),
                        c.date.isoformat(),
                        _clip(c.source, 40),
                        _clip(c.title or "-", 48),
                        _places(c),
                        c.url or "(no URL)",
                    )
                )
            widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
            for row in rows:
                cells = [row[0].rjust(widths[0])]
                cells += [cell.ljust(width) for cell, width in zip(row[1:-1], widths[1:], strict=True)]
                lines.append(("  " + "  ".join(cells) + "  " + row[-1]).rstrip())
        for problem in problems:
            where = [str(problem[key]) for key in ("line", "column") if problem[key] is not None]
            prefix = ":".join(where) + ": " if where else ""
            lines.append(f"  {prefix}{problem['level']}: {problem['message']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
