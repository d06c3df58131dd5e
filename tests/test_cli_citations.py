"""`nsnbuild citations`: each brief's resolved citations, as JSON or a table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nsnbuild.cli import main

REGISTRY = """\
["Wall Street Journal"]
url = "https://www.wsj.com/"
aliases = ["WSJ", "The Wall Street Journal"]
kind = "newspaper"

["James Schoff"]
kind = "analyst"
"""
ALLIANCE = """\
---
title: "Alliance"
date: 2015-04-27
sources:
  - name: "James Schoff"
    date: 2015-04-21
    title: "What to Watch"
    url: "https://carnegieendowment.org/watch"
---

Support of each other. [James Schoff, 4/21/15]

Limit its military role. [James Schoff, 4/21/15. WSJ, April 26, 2015]

Trade issue [sic] at the summit. [Reuters, 2015-04-25]
"""
DRAFT = """\
---
title: "Draft"
date: 2015-05-01
draft: true
---

Bad date. [Reuters, 2/30/15]
"""
FUTURE = """\
---
title: "Later"
date: 2030-01-01
---

Scheduled. [Wall Street Journal, 12/31/29]
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")
    root = tmp_path / "site"
    briefs = root / "content" / "briefs"
    (briefs / "2015").mkdir(parents=True)
    (root / "content" / "pages").mkdir()
    (root / "nsnbuild.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n')
    (root / "sources.toml").write_text(REGISTRY)
    (briefs / "2015" / "2015-04-27-alliance.md").write_text(ALLIANCE)
    (briefs / "2015-05-01-draft.md").write_text(DRAFT)
    (briefs / "2030-01-01-later.md").write_text(FUTURE)
    (root / "content" / "pages" / "about.md").write_text(
        '---\ntitle: "About"\n---\n\nAbout. [WSJ, 4/26/15]\n'
    )
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def citations_json(*args: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, _ = run("citations", "--site", "site", "--json", *args)
    return code, json.loads(out)


def test_every_brief_ordered_by_path_drafts_and_future_included(site: Path) -> None:
    code, briefs = citations_json()
    assert code == 1  # the draft's date does not exist
    assert [b["file"] for b in briefs] == [
        "content/briefs/2015-05-01-draft.md",
        "content/briefs/2015/2015-04-27-alliance.md",
        "content/briefs/2030-01-01-later.md",
    ]
    assert all(set(b) == {"file", "citations", "problems"} for b in briefs)


def test_the_shape_of_citations_md(site: Path) -> None:
    _, briefs = citations_json()
    alliance = briefs[1]
    assert alliance["citations"] == [
        {
            "n": 1,
            "source": "James Schoff",
            "date": "2015-04-21",
            "title": "What to Watch",
            "url": "https://carnegieendowment.org/watch",
            "places": [{"line": 11, "column": 24}, {"line": 13, "column": 26}],
        },
        {
            "n": 2,
            "source": "Wall Street Journal",
            "date": "2015-04-26",
            "title": None,
            "url": "https://www.wsj.com/",
            "places": [{"line": 13, "column": 26}],
        },
        {
            "n": 3,
            "source": "Reuters",
            "date": "2015-04-25",
            "title": None,
            "url": None,
            "places": [{"line": 15, "column": 34}],
        },
    ]
    assert alliance["problems"] == [
        {
            "level": "warning",
            "line": 15,
            "column": 34,
            "message": "no URL for 'Reuters, 2015-04-25': add a 'sources' entry with a url, "
            "or the source to sources.toml",
        }
    ]


def test_places_point_at_the_opening_bracket(site: Path) -> None:
    _, briefs = citations_json()
    for brief in briefs:
        lines = (site / brief["file"]).read_text().splitlines()
        for citation in brief["citations"]:
            for place in citation["places"]:
                assert lines[place["line"] - 1][place["column"] - 1] == "["


def test_an_error_is_a_problem_and_fails(site: Path) -> None:
    code, briefs = citations_json()
    assert code == 1
    draft = briefs[0]
    assert draft["citations"] == []
    assert [(p["level"], p["line"]) for p in draft["problems"]] == [("error", 7)]
    assert "2/30/15" in draft["problems"][0]["message"]
    # a future brief is resolved too; its date is after now, not after its own date
    later = briefs[2]
    assert later["citations"][0]["date"] == "2029-12-31"
    assert later["problems"] == []


def test_named_briefs_only(site: Path) -> None:
    code, briefs = citations_json("site/content/briefs/2015/2015-04-27-alliance.md")
    assert code == 0
    assert [b["file"] for b in briefs] == ["content/briefs/2015/2015-04-27-alliance.md"]
    # a folder names every brief under it; a page may be named
    code, briefs = citations_json("site/content/briefs/2015", "site/content/pages/about.md")
    assert code == 0
    assert [b["file"] for b in briefs] == [
        "content/briefs/2015/2015-04-27-alliance.md",
        "content/pages/about.md",
    ]
    assert briefs[1]["citations"][0]["source"] == "Wall Street Journal"


def test_a_path_that_is_not_a_brief_is_a_usage_error(site: Path) -> None:
    code, _, err = run("citations", "--site", "site", "site/content/briefs/nope.md")
    assert code == 2
    assert "no such file or folder" in err
    code, _, err = run("citations", "--site", "site", "site/nsnbuild.toml")
    assert code == 2
    assert "not a brief or page of the site" in err


def test_the_table(site: Path) -> None:
    code, out, err = run("citations", "--site", "site")
    assert code == 1
    blocks = out.split("\n\n")
    assert len(blocks) == 3
    head, columns, *rows = blocks[1].splitlines()
    assert head == "content/briefs/2015/2015-04-27-alliance.md: 3 sources"
    assert columns.split() == ["#", "date", "source", "title", "cited", "at", "link"]
    assert rows[0].split() == [
        "1",
        "2015-04-21",
        "James",
        "Schoff",
        "What",
        "to",
        "Watch",
        "11:24",
        "13:26",
        "https://carnegieendowment.org/watch",
    ]
    assert rows[2].split()[:3] == ["3", "2015-04-25", "Reuters"]
    assert rows[2].endswith("(no URL)")
    assert rows[3].startswith("  15:34: warning: no URL for 'Reuters, 2015-04-25'")
    assert blocks[0].splitlines()[1].startswith("  7:")
    assert "error" in err


def test_a_broken_registry_fails(site: Path) -> None:
    (site / "sources.toml").write_text('["Wall Street Journal"\nurl = 1\n')
    code, out, err = run("citations", "--site", "site", "--json", "site/content/briefs/2015")
    assert code == 1
    assert "site/sources.toml:1:" in err
    assert json.loads(out)[0]["citations"][1]["url"] is None
