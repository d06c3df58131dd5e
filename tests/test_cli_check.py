"""`nsnbuild check`: every problem a build would report, in three formats, writing nothing."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsnbuild import terminal
from nsnbuild.cli import main

COMMAND = re.compile(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+(,title=[^:]*)?::.*$")
EPOCH = "1500000000"  # 2017-07-14

GOOD = """\
---
title: "Alliance Talks"
date: 2015-04-27
---

Talks went on. [Reuters, 4/26/15]
"""
BROKEN = """\
---
title: "Broken"
date: 2015-04-28
mood: happy
---

Talks went on. [Reuters, 13/45/15]

See [the other](2015-01-01-missing.md) and ![map](img/map.png).
"""
DRAFT = """\
---
title: "Draft"
date: 2015-04-29
draft: true
---

Not yet. [Reuters, 4/26/15]
"""
FUTURE = """\
---
title: "Later"
date: 2030-01-01
---

Scheduled. [Reuters, 4/26/15]
"""


def make_site(root: Path, briefs: dict[str, str]) -> Path:
    (root / "content" / "briefs").mkdir(parents=True)
    (root / "nsnbuild.toml").write_text('title = "Test"\nbase_url = "https://example.org/"\n')
    (root / "sources.toml").write_text('["Reuters"]\nurl = "https://www.reuters.com/"\n')
    for name, text in briefs.items():
        (root / "content" / "briefs" / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return make_site(tmp_path / "site", {"2015-04-27-alliance.md": GOOD})


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def add(site: Path, name: str, text: str) -> None:
    (site / "content" / "briefs" / name).write_text(text, encoding="utf-8")


def test_a_clean_site_passes(site: Path) -> None:
    code, out, err = run("check", "--site", "site")
    assert code == 0, err
    assert out == ""
    assert "Checked 1 brief and 0 pages: 0 errors, 0 warnings" in err


def test_check_writes_nothing_but_the_cache(site: Path) -> None:
    before = {p.relative_to(site) for p in site.rglob("*")}
    assert run("check", "--site", "site")[0] == 0
    after = {p.relative_to(site) for p in site.rglob("*")}
    assert {p.parts[0] for p in after - before} <= {".nsnbuild-cache"}
    assert not (site / "output").exists()


def test_every_problem_is_reported_at_once(site: Path) -> None:
    add(site, "2015-04-28-broken.md", BROKEN)
    code, _, err = run("check", "--site", "site")
    assert code == 1
    lines = [line for line in err.splitlines() if not line.startswith(" ")]
    assert lines == [
        "site/content/briefs/2015-04-28-broken.md:4:1: warning: unknown front matter key 'mood'",
        "site/content/briefs/2015-04-28-broken.md:7:26: error: invalid date '13/45/15' in citation",
        "site/content/briefs/2015-04-28-broken.md:9:17: error: link to "
        "'content/briefs/2015-01-01-missing.md', which does not exist",
        "site/content/briefs/2015-04-28-broken.md:9:51: error: image 'img/map.png' not found in static/",
        "error: check failed: 3 errors, 1 warning",
    ]
    # the offending line follows each message
    assert "\n    Talks went on. [Reuters, 13/45/15]\n" in err


def test_warnings_pass_unless_strict(site: Path) -> None:
    add(site, "2015-04-28-warned.md", GOOD.replace("title:", "mood: happy\ntitle:"))
    code, _, err = run("check", "--site", "site")
    assert code == 0
    assert "warning: unknown front matter key 'mood'" in err
    code, _, err = run("check", "--site", "site", "--strict")
    assert code == 1
    assert "site/content/briefs/2015-04-28-warned.md:2:1: error: unknown front matter key 'mood'" in err
    assert "warning:" not in err
    assert "check failed: 1 error, 0 warnings (--strict)" in err
    # --quiet hides warnings, not what --strict made errors
    code, _, err = run("check", "--site", "site", "--strict", "--quiet")
    assert code == 1
    assert "error: unknown front matter key 'mood'" in err


def test_strict_reports_warnings_as_errors_in_every_format(site: Path) -> None:
    add(site, "2015-04-28-warned.md", GOOD.replace("title:", "mood: happy\ntitle:"))
    code, out, _ = run("check", "--site", "site", "--strict", "--format", "json")
    assert code == 1
    assert [(r["line"], r["level"]) for r in json.loads(out)] == [(2, "error")]
    code, out, _ = run("check", "--site", "site", "--strict", "--format", "github")
    assert code == 1
    (line,) = out.splitlines()
    assert line.startswith("::error file=site/content/briefs/2015-04-28-warned.md,line=2,col=1,")
    code, out, _ = run("check", "--site", "site", "--format", "github")
    assert code == 0
    assert out.startswith("::warning ")


def test_quiet_shows_errors_only(site: Path) -> None:
    add(site, "2015-04-28-broken.md", BROKEN)
    code, _, err = run("check", "--site", "site", "--quiet")
    assert code == 1
    assert "warning:" not in err
    assert "error: invalid date" in err


def test_drafts_and_scheduled_briefs_are_information(site: Path) -> None:
    add(site, "2015-04-29-draft.md", DRAFT)
    add(site, "2030-01-01-later.md", FUTURE)
    code, _, err = run("check", "--site", "site")
    assert code == 0
    assert "info:" not in err
    code, _, err = run("check", "--site", "site", "--verbose")
    assert code == 0
    assert "site/content/briefs/2015-04-29-draft.md: info: draft: left out" in err
    assert "site/content/briefs/2030-01-01-later.md: info: scheduled for 2030-01-01" in err
    code, _, err = run("check", "--site", "site", "--verbose", "--drafts", "--future")
    assert "info:" not in err
    assert "Checked 3 briefs" in err


def test_a_draft_with_an_error_is_still_checked(site: Path) -> None:
    add(site, "2015-04-29-draft.md", DRAFT.replace("4/26/15", "2/30/15"))
    code, _, err = run("check", "--site", "site")
    assert code == 1
    assert "2015-04-29-draft.md:7:" in err


def test_json_format(site: Path) -> None:
    add(site, "2015-04-28-broken.md", BROKEN)
    add(site, "2015-04-29-draft.md", DRAFT)
    code, out, err = run("check", "--site", "site", "--format", "json")
    assert code == 1
    records = json.loads(out)
    assert all(set(r) == {"file", "line", "column", "level", "message"} for r in records)
    assert {
        "file": "site/content/briefs/2015-04-28-broken.md",
        "line": 7,
        "column": 26,
        "level": "error",
        "message": "invalid date '13/45/15' in citation",
    } in records
    assert [r["level"] for r in records].count("error") == 3
    assert {
        "file": "site/content/briefs/2015-04-29-draft.md",
        "line": None,
        "column": None,
        "level": "info",
        "message": "draft: left out (build with --drafts to include it)",
    } in records
    assert "check failed" in err
    code, out, _ = run("check", "--site", "site", "--format", "json", "--quiet")
    assert {r["level"] for r in json.loads(out)} == {"error"}


def test_json_of_a_clean_site_is_an_empty_list(site: Path) -> None:
    code, out, _ = run("check", "--site", "site", "--format", "json")
    assert code == 0
    assert json.loads(out) == []


def test_github_format(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add(site, "2015-04-28-broken.md", BROKEN)
    add(site, "2015-04-29-draft.md", DRAFT)
    code, out, _ = run("check", "--site", "site", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 5
    for line in lines:
        assert COMMAND.match(line), line
    assert (
        "::error file=site/content/briefs/2015-04-28-broken.md,line=7,col=26,title=nsnbuild::"
        "invalid date '13/45/15' in citation"
    ) in lines
    assert any(
        line.startswith("::warning file=site/content/briefs/2015-04-28-broken.md,line=4,") for line in lines
    )
    assert any(
        line.startswith("::notice file=site/content/briefs/2015-04-29-draft.md,line=1,col=1,")
        for line in lines
    )
    # relative to the repository when GitHub says where it is
    monkeypatch.chdir(site / "content")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(site))
    _, out, _ = run("check", "--site", "..", "--format", "github")
    assert "::error file=content/briefs/2015-04-28-broken.md,line=7,col=26," in out


def test_github_format_escapes_messages(site: Path) -> None:
    # a YAML error message spans lines and holds colons
    add(site, "2015-04-28-yaml.md", "---\ntitle: [broken\ndate: 2015-04-28\n---\n\nText.\n")
    code, out, _ = run("check", "--site", "site", "--format", "github")
    assert code == 1
    (line,) = out.splitlines()
    assert COMMAND.match(line), line
    assert line.startswith("::error file=site/content/briefs/2015-04-28-yaml.md,line=")
    message = line.split("::", 2)[2]
    assert "\n" not in message and "\r" not in message
    assert "invalid YAML in front matter" in message


def test_config_problems_are_reported(site: Path) -> None:
    (site / "nsnbuild.toml").write_text('title = "Test"\nbase_url = "https://example.org/"\nfeed_items = 0\n')
    code, _, err = run("check", "--site", "site")
    assert code == 1
    assert "site/nsnbuild.toml:3:1: error: 'feed_items' must be at least 1" in err


def test_a_bad_option_is_a_usage_error(site: Path) -> None:
    code, _, err = run("check", "--site", "site", "--format", "xml")
    assert code == 2
    assert "Invalid value for '--format'" in err


def test_no_colour_off_a_terminal_or_with_no_color(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add(site, "2015-04-28-broken.md", BROKEN)
    _, _, err = run("check", "--site", "site")
    assert "\x1b[" not in err

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.use_colour()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.use_colour()


@pytest.mark.parametrize("command", ["build", "check", "citations", "clean", "serve", "new"])
def test_a_site_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "no-such-site"
    args = [command, "--site", str(missing)] + (["A title"] if command == "new" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output
    assert not missing.exists()
