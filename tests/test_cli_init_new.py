"""`nsnbuild init` makes a site that builds cleanly; `nsnbuild new` starts a brief."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml
from click.testing import CliRunner

from nsnbuild import __version__
from nsnbuild.cli import main

EPOCH = "1430179200"  # 2015-04-28T00:00:00Z
SITE_FILES = {
    "nsnbuild.toml",
    "sources.toml",
    "content/briefs/2015-04-28-a-first-brief.md",
    "content/pages/about.md",
    ".gitignore",
    "requirements.txt",
    ".github/workflows/site.yml",
}


@pytest.fixture(autouse=True)
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    block = text[4 : text.index("\n---\n", 4)]
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------- init


def test_init_writes_a_whole_site(here: Path) -> None:
    code, _, err = run("init", "blog")
    assert code == 0, err
    site = here / "blog"
    assert files_under(site) == SITE_FILES
    for rel in SITE_FILES:
        assert f"created blog/{rel}" in err


def test_init_defaults_to_the_current_folder(here: Path) -> None:
    assert run("init")[0] == 0
    assert files_under(here) == SITE_FILES


def test_the_config_names_every_key(here: Path) -> None:
    run("init", "blog")
    text = (here / "blog" / "nsnbuild.toml").read_text()
    config = tomllib.loads(text)
    assert set(config) == {
        "title",
        "description",
        "base_url",
        "language",
        "timezone",
        "author",
        "theme",
        "output_dir",
        "briefs_per_page",
        "feed_items",
        "citation_style",
        "publisher",
        "markdown",
    }
    assert set(config["markdown"]) == {"allow_html", "typographer"}
    assert "name" in config["publisher"]
    # keys that need a file under static/ are there, commented out
    for key in ("# icon = ", "# url = ", "# logo = "):
        assert key in text
    registry = tomllib.loads((here / "blog" / "sources.toml").read_text())
    (outlet,) = registry.values()
    assert outlet["aliases"] and outlet["url"].startswith("https://")


def test_gitignore_and_requirements(here: Path) -> None:
    run("init", "blog")
    ignored = (here / "blog" / ".gitignore").read_text().splitlines()
    assert "output/" in ignored and ".nsnbuild-cache/" in ignored
    lines = [
        line
        for line in (here / "blog" / "requirements.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert lines == [f"nsnbuild=={__version__}"]


def test_the_workflow_checks_builds_and_deploys(here: Path) -> None:
    run("init", "blog")
    workflow = yaml.safe_load((here / "blog" / ".github" / "workflows" / "site.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert "push" in triggers and "pull_request" in triggers
    build = workflow["jobs"]["build"]
    steps = build["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = [s["run"] for s in steps if "run" in s]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.11"
    assert runs == ["pip install -r requirements.txt", "nsnbuild check --format github", "nsnbuild build"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"].rstrip("/") == "output"
    assert uses.index(upload["uses"]) > uses.index(python["uses"])
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])


def test_the_new_site_checks_clean_and_builds(here: Path) -> None:
    run("init", "blog")
    code, out, err = run("check", "--site", "blog", "--strict", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == []
    code, _, err = run("build", "--site", "blog", "--strict")
    assert code == 0, err
    assert "warning:" not in err
    page = here / "blog" / "output" / "briefs" / "2015" / "04" / "28" / "a-first-brief" / "index.html"
    tree = lxml.html.parse(str(page))
    sources = tree.xpath('//section[contains(@class, "sources")]//li[starts-with(@id, "source-")]')
    assert len(sources) == 2
    refs = tree.xpath('//sup[contains(@class, "citation-ref")]')
    assert len(refs) == 2
    # the editorial bracket stays text
    assert "[sic]" in tree.getroot().text_content()
    assert (here / "blog" / "output" / "about" / "index.html").is_file()


def test_the_sample_brief_shows_alias_and_numbering(here: Path) -> None:
    run("init", "blog")
    code, out, _ = run("citations", "--site", "blog", "--json")
    assert code == 0
    (brief,) = json.loads(out)
    assert [(c["n"], c["source"], c["date"]) for c in brief["citations"]] == [
        (1, "Example Herald", "2015-04-28"),
        (2, "Example Herald", "2015-04-27"),
    ]
    assert len(brief["citations"][0]["places"]) == 2
    assert brief["problems"] == []


def test_init_refuses_to_overwrite_and_writes_nothing(here: Path) -> None:
    site = here / "blog"
    (site / "content" / "pages").mkdir(parents=True)
    (site / "sources.toml").write_text("# mine\n")
    (site / "content" / "pages" / "about.md").write_text("mine\n")
    (site / "notes.txt").write_text("unrelated\n")
    code, _, err = run("init", "blog")
    assert code == 1
    assert "already exist" in err
    assert "blog/sources.toml" in err and "blog/content/pages/about.md" in err
    assert files_under(site) == {"sources.toml", "content/pages/about.md", "notes.txt"}
    assert (site / "sources.toml").read_text() == "# mine\n"


def test_init_into_a_folder_with_other_files(here: Path) -> None:
    (here / "README.md").write_text("hello\n")
    assert run("init", ".")[0] == 0
    assert files_under(here) == SITE_FILES | {"README.md"}


# ---------------------------------------------------------------- new


@pytest.fixture
def site(here: Path) -> Path:
    run("init", "blog")
    return here / "blog"


def test_new_writes_a_brief_and_prints_its_path(site: Path) -> None:
    code, out, err = run("new", "Abe Visits Washington", "--site", "blog", "--tags", "Japan, Trade,,")
    assert code == 0, err
    assert out == "blog/content/briefs/2015-04-28-abe-visits-washington.md\n"
    path = site / "content" / "briefs" / "2015-04-28-abe-visits-washington.md"
    meta = front_matter(path)
    assert meta["title"] == "Abe Visits Washington"
    assert str(meta["date"]) == "2015-04-28"
    assert meta["tags"] == ["Japan", "Trade"]
    assert meta["authors"] == ["The Editors"]
    assert meta["summary"] == ""
    assert "sources" not in meta
    text = path.read_text()
    assert "# sources:" in text and "#   - name: " in text
    assert "[Wall Street Journal, 4/28/15]" in text
    code, _, err = run("check", "--site", "blog", "--strict")
    assert code == 0, err
    assert "Checked 2 briefs" in err


def test_the_date_defaults_to_today_in_the_site_time_zone(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = site / "nsnbuild.toml"
    config.write_text(config.read_text().replace('timezone = "UTC"', 'timezone = "America/New_York"'))
    # 2015-04-28T03:00Z is still April 27 in New York
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 3 * 3600))
    code, out, _ = run("new", "Late Night", "--site", "blog")
    assert code == 0
    assert out.strip().endswith("2015-04-27-late-night.md")


@pytest.mark.parametrize(
    "title",
    [
        'He said: "No" -- #1 [sic]',
        "- a dash first, then: a colon",
        "Back\\slash and 'single' quotes",
        "Café Diplomacy — Ünïcödé ✓",
        "yes",
        "2015-04-28",
        "{curly} & *stars* | pipes % >",
    ],
)
def test_titles_are_quoted_safely(site: Path, title: str) -> None:
    code, out, err = run("new", "--site", "blog", "--date", "2015-04-20", "--tags", "a: b,c # d", "--", title)
    assert code == 0, err
    meta = front_matter(Path(out.strip()))
    assert meta["title"] == title
    assert meta["tags"] == ["a: b", "c # d"]


def test_the_site_author_is_left_out_when_unset(site: Path) -> None:
    config = site / "nsnbuild.toml"
    config.write_text(config.read_text().replace('author = "The Editors"\n', ""))
    code, out, _ = run("new", "No Byline", "--site", "blog", "--date", "2015-04-20")
    assert code == 0
    assert "authors" not in front_matter(Path(out.strip()))


def test_new_refuses_to_overwrite(site: Path) -> None:
    assert run("new", "Twice", "--site", "blog", "--date", "2015-04-20")[0] == 0
    path = site / "content" / "briefs" / "2015-04-20-twice.md"
    path.write_text("edited\n")
    code, out, err = run("new", "Twice", "--site", "blog", "--date", "2015-04-20")
    assert code == 1
    assert out == ""
    assert "blog/content/briefs/2015-04-20-twice.md already exists" in err
    assert path.read_text() == "edited\n"


def test_new_rejects_bad_input(site: Path) -> None:
    code, _, err = run("new", "Bad Date", "--site", "blog", "--date", "2015-02-30")
    assert code == 2
    assert "--date" in err and "'2015-02-30' is not a day in the calendar" in err
    code, _, err = run("new", "Bad Date", "--site", "blog", "--date", "April 3")
    assert code == 2
    assert "'April 3' is not a date written YYYY-MM-DD" in err
    assert not (site / "content" / "briefs" / "2015-02-30-bad-date.md").exists()
    code, _, err = run("new", "?!", "--site", "blog")
    assert code == 1
    assert "cannot make a file name" in err
    code, _, _ = run("new", "   ", "--site", "blog")
    assert code == 1
