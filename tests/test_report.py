"""Diagnostics as text, JSON and GitHub workflow commands; the citations table."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from nsnbuild.errors import Diagnostic, SourcePos
from nsnbuild.model import Place, ResolvedCitation
from nsnbuild.report import (
    as_github,
    as_json,
    as_text,
    brief_record,
    citations_json,
    citations_table,
    escape_data,
    escape_property,
    github_command,
    github_root,
)

COMMAND = re.compile(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+(,title=[^:]*)?::.*$")


def unescape(text: str) -> str:
    """What the Actions runner does to an escaped value."""
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = re.fullmatch(r"::(\w+) ([^:]*)::(.*)", line)
    assert match, line
    properties = dict(item.split("=", 1) for item in match.group(2).split(","))
    return match.group(1), {k: unescape(v) for k, v in properties.items()}, unescape(match.group(3))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "site" / "content" / "briefs").mkdir(parents=True)
    return tmp_path


def brief_path(workspace: Path, name: str = "2015-04-27-x.md") -> Path:
    return workspace / "site" / "content" / "briefs" / name


def test_escaping_follows_the_workflow_command_rules() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"
    # % first, so an escape sequence in the text is not taken for one
    assert escape_data("%0A") == "%250A"
    assert unescape(escape_property("%3A,:%")) == "%3A,:%"


@pytest.mark.parametrize(
    ("level", "command"), [("error", "error"), ("warning", "warning"), ("info", "notice")]
)
def test_each_level_is_a_workflow_command(workspace: Path, level: str, command: str) -> None:
    diagnostic = Diagnostic(level, "a problem", SourcePos(brief_path(workspace), 14, 22))  # type: ignore[arg-type]
    line = github_command(diagnostic, workspace)
    assert COMMAND.match(line), line
    assert (
        line
        == f"::{command} file=site/content/briefs/2015-04-27-x.md,line=14,col=22,title=nsnbuild::a problem"
    )


def test_message_and_properties_are_escaped(workspace: Path) -> None:
    path = brief_path(workspace, "a,b:c%d.md")
    message = "invalid date '13/45/15' in citation: 100%\nsecond line, still"
    line = github_command(Diagnostic("error", message, SourcePos(path, 3, 1)), workspace)
    assert "\n" not in line
    assert COMMAND.match(line), line
    kind, properties, text = parse_command(line)
    assert kind == "error"
    assert properties == {
        "file": "site/content/briefs/a,b:c%d.md",
        "line": "3",
        "col": "1",
        "title": "nsnbuild",
    }
    assert text == message


def test_a_diagnostic_about_a_whole_file_stands_on_its_first_line(workspace: Path) -> None:
    line = github_command(Diagnostic("warning", "skipped", SourcePos(brief_path(workspace))), workspace)
    assert COMMAND.match(line)
    assert ",line=1,col=1," in line
    line = github_command(Diagnostic("warning", "no column", SourcePos(brief_path(workspace), 7)), workspace)
    assert ",line=7,col=1," in line


def test_a_diagnostic_with_no_file_has_no_position() -> None:
    line = github_command(Diagnostic("warning", "base_url is not set"), Path("/"))
    assert line == "::warning title=nsnbuild::base_url is not set"


def test_paths_are_relative_to_github_workspace(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    diagnostic = Diagnostic("error", "x", SourcePos(brief_path(workspace), 1, 1))
    monkeypatch.chdir(workspace / "site")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
    assert github_root() == workspace
    assert "file=site/content/briefs/" in as_github([diagnostic])
    monkeypatch.delenv("GITHUB_WORKSPACE")
    assert "file=content/briefs/" in as_github([diagnostic])


def test_json_is_a_list_of_records(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace)
    diagnostics = [
        Diagnostic("error", "bad", SourcePos(brief_path(workspace), 2, 5), "line text"),
        Diagnostic("warning", "whole file", SourcePos(brief_path(workspace))),
        Diagnostic("info", "nowhere"),
    ]
    records = json.loads(as_json(diagnostics))
    assert records == [
        {
            "file": "site/content/briefs/2015-04-27-x.md",
            "line": 2,
            "column": 5,
            "level": "error",
            "message": "bad",
        },
        {
            "file": "site/content/briefs/2015-04-27-x.md",
            "line": None,
            "column": None,
            "level": "warning",
            "message": "whole file",
        },
        {"file": None, "line": None, "column": None, "level": "info", "message": "nowhere"},
    ]


def test_text_is_the_diagnostics_own_format(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace)
    diagnostic = Diagnostic("error", "bad", SourcePos(brief_path(workspace), 2, 5), "abcdefg")
    assert as_text([diagnostic]) == diagnostic.format() + "\n"
    assert as_text([diagnostic]).startswith(
        "site/content/briefs/2015-04-27-x.md:2:5: error: bad\n    abcdefg"
    )


def _citation(n: int, source: str, url: str | None, title: str | None = None) -> ResolvedCitation:
    return ResolvedCitation(
        n, source, dt.date(2015, 4, 26), title, url, source.lower(), None, (Place(9, 41), Place(11, 3))
    )


def test_citation_records_and_table() -> None:
    cited = (
        _citation(2, "Wall Street Journal", None),
        _citation(1, "James Schoff", "https://example.org/a", "What to Watch"),
    )
    problems = [Diagnostic("error", "invalid date '13/45/15' in citation", SourcePos(Path("/x.md"), 14, 3))]
    record = brief_record("content/briefs/x.md", cited, problems)
    assert json.loads(citations_json([record])) == [
        {
            "file": "content/briefs/x.md",
            "citations": [
                {
                    "n": 1,
                    "source": "James Schoff",
                    "date": "2015-04-26",
                    "title": "What to Watch",
                    "url": "https://example.org/a",
                    "places": [{"line": 9, "column": 41}, {"line": 11, "column": 3}],
                },
                {
                    "n": 2,
                    "source": "Wall Street Journal",
                    "date": "2015-04-26",
                    "title": None,
                    "url": None,
                    "places": [{"line": 9, "column": 41}, {"line": 11, "column": 3}],
                },
            ],
            "problems": [
                {"level": "error", "line": 14, "column": 3, "message": "invalid date '13/45/15' in citation"}
            ],
        }
    ]
    table = citations_table([record], [cited])
    lines = table.splitlines()
    assert lines[0] == "content/briefs/x.md: 2 sources"
    assert lines[1].split() == ["#", "date", "source", "title", "cited", "at", "link"]
    assert lines[2].split()[:4] == ["1", "2015-04-26", "James", "Schoff"]
    assert lines[2].endswith("9:41 11:3  https://example.org/a")
    assert lines[3].endswith("(no URL)")
    assert lines[4] == "  14:3: error: invalid date '13/45/15' in citation"
    assert citations_table([], []) == ""
