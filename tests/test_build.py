"""Whole builds: what is published, what is copied, what is rewritten, and the command line."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner
from conftest import (
    CONFIG,
    NOW,
    brief_text,
    build,
    build_failure,
    errors_of,
    make_site,
    options,
    shown,
    stamps,
    tree,
)

import nsnbuild
import nsnbuild.build
import nsnbuild.workers
from nsnbuild.build import build_site
from nsnbuild.cli import main
from nsnbuild.config import Overrides
from nsnbuild.errors import BuildFailed, OutputRefused
from nsnbuild.output import MARKER, TEMP_PREFIX, check_output_dir
from nsnbuild.pool import SERIAL_BELOW, Pool
from nsnbuild.theme import default_theme_dir

ALLIANCE = brief_text(
    title="Alliance",
    date="2015-04-28",
    extra="tags: [Japan]\n",
    body="The guidelines were signed.\n\nA second paragraph.\n",
)
IRAN = brief_text(title="Iran", date="2015-04-02", extra="tags: [Iran]\n", body="A framework.\n")
PNG = bytes(range(256)) * 4


def site_files(extra: Mapping[str, str | bytes] | None = None) -> dict[str, str | bytes]:
    """A small site: config, two briefs, a page and two static files, with `extra` added or replacing."""
    files: dict[str, str | bytes] = {
        "nsnbuild.toml": CONFIG,
        "content/briefs/2015-04-28-alliance.md": ALLIANCE,
        "content/briefs/2015-04-02-iran.md": IRAN,
        "content/pages/about.md": "---\ntitle: About\n---\nWho we are.\n",
        "static/CNAME": "briefs.example.org\n",
        "static/images/map.png": PNG,
    }
    files.update(extra or {})
    return files


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def listed(output: Path) -> list[str]:
    """The brief links of the home page, in order."""
    return html(output / "index.html").xpath("//main//h2/a/@href")


def feed_titles(output: Path) -> list[str]:
    return [entry.title for entry in feedparser.parse((output / "feed.xml").read_bytes()).entries]


def sitemap(output: Path) -> list[str]:
    document = lxml.etree.fromstring((output / "sitemap.xml").read_bytes())
    return document.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})


# ---------------------------------------------------------------- what is published


def test_drafts_are_left_out_unless_asked_for(tmp_path: Path) -> None:
    draft = brief_text(title="Draft", date="2015-04-20", extra="draft: true\n")
    root = make_site(
        tmp_path,
        site_files(
            {
                "content/briefs/2015-04-20-draft.md": draft,
                "content/pages/team.md": "---\ntitle: Team\ndraft: true\n---\nNames.\n",
            }
        ),
    )
    result = build(root)
    output = root / "output"
    assert result.briefs == 2
    assert not (output / "briefs/2015/04/20").exists()
    assert not (output / "team").exists()
    assert listed(output) == ["/briefs/2015/04/28/alliance/", "/briefs/2015/04/02/iran/"]
    assert feed_titles(output) == ["Alliance", "Iran"]
    assert "https://example.org/briefs/2015/04/20/draft/" not in sitemap(output)
    assert shown(result.diagnostics, root, ["info"]) == [
        "content/briefs/2015-04-20-draft.md: info: draft: left out (build with --drafts to include it)",
        "content/pages/team.md: info: draft: left out (build with --drafts to include it)",
    ]

    result = build(root, drafts=True)
    assert result.briefs == 3
    assert html(output / "briefs/2015/04/20/draft/index.html").xpath("//h1/text()") == ["Draft"]
    assert (output / "team/index.html").is_file()
    assert feed_titles(output) == ["Alliance", "Draft", "Iran"]

    build(root)
    assert not (output / "briefs/2015/04/20").exists()


def test_future_briefs_wait_for_their_date(tmp_path: Path) -> None:
    scheduled = brief_text(title="Scheduled", date="2015-06-01")
    root = make_site(tmp_path, site_files({"content/briefs/scheduled.md": scheduled}))
    output = root / "output"
    may = dt.datetime(2015, 5, 1, tzinfo=dt.UTC)

    result = build(root, now=may)
    assert not (output / "briefs/2015/06").exists()
    assert feed_titles(output) == ["Alliance", "Iran"]
    assert shown(result.diagnostics, root, ["info"]) == [
        "content/briefs/scheduled.md: info: scheduled for 2015-06-01T00:00:00+00:00: left out until then "
        "(build with --future to include it)"
    ]

    build(root, now=may, future=True)
    assert (output / "briefs/2015/06/01/scheduled/index.html").is_file()

    build(root, now=dt.datetime(2015, 6, 1, 0, 0, 1, tzinfo=dt.UTC))
    assert listed(output)[0] == "/briefs/2015/06/01/scheduled/"


def test_source_date_epoch_decides_what_is_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, site_files({"content/briefs/later.md": brief_text(date="2015-06-01")}))
    runner = CliRunner()
    may_first = str(int(dt.datetime(2015, 5, 1, tzinfo=dt.UTC).timestamp()))
    june_second = str(int(dt.datetime(2015, 6, 2, tzinfo=dt.UTC).timestamp()))

    monkeypatch.setenv("SOURCE_DATE_EPOCH", may_first)
    assert (
        runner.invoke(main, ["build", "--site", str(root), "--jobs", "1"], prog_name="nsnbuild").exit_code
        == 0
    )
    assert not (root / "output/briefs/2015/06").exists()

    monkeypatch.setenv("SOURCE_DATE_EPOCH", june_second)
    assert (
        runner.invoke(main, ["build", "--site", str(root), "--jobs", "1"], prog_name="nsnbuild").exit_code
        == 0
    )
    assert (root / "output/briefs/2015/06/01/later/index.html").is_file()


# ---------------------------------------------------------------- static files and themes


def test_static_files_are_copied_unchanged(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files({"static/downloads/report 2015.pdf": b"%PDF-1.4\r\n\x00\xff"}))
    build(root)
    output = root / "output"
    assert (output / "CNAME").read_bytes() == b"briefs.example.org\n"
    assert (output / "images/map.png").read_bytes() == PNG
    assert (output / "downloads/report 2015.pdf").read_bytes() == b"%PDF-1.4\r\n\x00\xff"

    (root / "static/CNAME").write_text("news.example.org\n")
    build(root)
    assert (output / "CNAME").read_bytes() == b"news.example.org\n"


def test_a_file_and_a_folder_may_trade_places_between_builds(tmp_path: Path) -> None:
    # a page's folder where a static file stood, then a static file where that folder stood
    root = make_site(tmp_path, site_files({"static/briefing": "plain text\n"}))
    output = root / "output"
    build(root)
    assert (output / "briefing").read_text() == "plain text\n"

    (root / "static/briefing").unlink()
    (root / "content/pages/briefing.md").write_text("---\ntitle: Briefing\n---\nEvery morning.\n")
    build(root)
    assert "Every morning." in (output / "briefing/index.html").read_text()

    (root / "content/pages/briefing.md").unlink()
    (root / "static/briefing").write_text("plain text again\n")
    build(root)
    assert (output / "briefing").read_text() == "plain text again\n"
    assert not any(p.name.startswith(TEMP_PREFIX) for p in output.rglob("*"))


@pytest.mark.parametrize("windows", [False, True], ids=["posix", "as-on-windows"])
def test_a_stale_file_several_folders_up_gives_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: bool
) -> None:
    # a static file `briefs` stood where the briefs' folders now go, four levels above a page
    files = site_files()
    briefs = {rel: text for rel, text in files.items() if rel.startswith("content/briefs/")}
    root = make_site(tmp_path, {rel: text for rel, text in files.items() if rel not in briefs})
    (root / "static").mkdir(exist_ok=True)
    (root / "static/briefs").write_text("a file, not a folder\n")
    build(root)
    assert (root / "output/briefs").is_file()
    (root / "static/briefs").unlink()
    for rel, text in briefs.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    if windows:
        # Windows reports a file further up a path to be made as a folder not found
        makedirs = os.makedirs

        def as_on_windows(name: Any, mode: int = 0o777, exist_ok: bool = False) -> None:
            try:
                makedirs(name, mode, exist_ok)
            except NotADirectoryError as error:
                raise FileNotFoundError(str(error)) from None

        monkeypatch.setattr(os, "makedirs", as_on_windows)
    build(root)
    monkeypatch.undo()
    pages = list((root / "output/briefs").rglob("index.html"))
    assert len(pages) == len(briefs)
    assert not any(p.name.startswith(TEMP_PREFIX) for p in (root / "output").rglob("*"))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlinks_in_static_are_followed_inside_the_site(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site", site_files({"media/maps/pacific.svg": "<svg/>", "media/logo.png": PNG})
    )
    (root / "static/maps").symlink_to("../media/maps")
    (root / "static/logo.png").symlink_to("../media/logo.png")
    build(root)
    assert (root / "output/maps/pacific.svg").read_bytes() == b"<svg/>"
    assert (root / "output/logo.png").read_bytes() == PNG


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlinks_in_static_that_go_nowhere_or_outside_or_round_are_errors(tmp_path: Path) -> None:
    outside = make_site(tmp_path / "elsewhere", {"secret.txt": "not for the web"})
    root = make_site(tmp_path / "site", site_files({"static/docs/readme.txt": "docs"}))
    (root / "static/secret.txt").symlink_to(outside / "secret.txt")
    (root / "static/gone.txt").symlink_to("no-such-file.txt")
    (root / "static/docs/again").symlink_to("..")
    messages = sorted(d.message for d in build_failure(root))
    assert messages == [
        "broken symlink",
        "symlink leads back to a folder that holds it; refusing to follow it",
        f"symlink points outside the site (to {(outside / 'secret.txt').resolve()}); refusing to copy it",
    ]
    assert not (root / "output").exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_diagnostic_about_a_symlink_names_the_link(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files())
    (root / "static/gone.txt").symlink_to("no-such-file.txt")
    assert errors_of(root) == ["static/gone.txt: error: broken symlink"]


THEME_BASE = """<!DOCTYPE html>
<html lang="{{ site.language }}">
<head><title>{{ page.title }}</title><link rel="stylesheet" href="{{ site.css_url }}"></head>
<body class="ledger">{% block main %}{% endblock %}</body>
</html>
"""


def test_a_site_theme_overrides_only_the_files_it_has(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        site_files(
            {
                "nsnbuild.toml": CONFIG + 'theme = "ledger"\n',
                "themes/ledger/templates/base.html": THEME_BASE,
                "themes/ledger/assets/style.css": "body { color: navy; }\n",
            }
        ),
    )
    build(root)
    output = root / "output"
    brief = html(output / "briefs/2015/04/28/alliance/index.html")
    assert brief.xpath("//body/@class") == ["ledger"]
    assert brief.xpath("//head/title/text()") == ["Alliance"]
    # brief.html still comes from the default theme
    assert brief.xpath("//article[contains(@class, 'brief')]//h1/text()") == ["Alliance"]
    assert (output / "assets/style.css").read_bytes() == b"body { color: navy; }\n"
    default_assets = default_theme_dir() / "assets"
    assert (output / "assets/print.css").read_bytes() == (default_assets / "print.css").read_bytes()


def test_an_unknown_theme_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files({"nsnbuild.toml": CONFIG + 'theme = "ledger"\n'}))
    assert errors_of(root) == [
        "nsnbuild.toml:3:1: error: unknown theme 'ledger': there is no folder themes/ledger/"
    ]
    assert not (root / "output").exists()


def test_a_template_syntax_error_is_reported_at_its_line(tmp_path: Path) -> None:
    broken = "<html>\n<body>{% if %}</body>\n</html>\n"
    root = make_site(
        tmp_path,
        site_files(
            {"nsnbuild.toml": CONFIG + 'theme = "ledger"\n', "themes/ledger/templates/base.html": broken}
        ),
    )
    errors = errors_of(root)
    assert len(errors) == 1
    assert errors[0].startswith("themes/ledger/templates/base.html:2:1: error: template syntax error: ")


# ---------------------------------------------------------------- determinism and rewriting


def test_two_builds_in_two_folders_are_byte_identical(tmp_path: Path) -> None:
    first = make_site(tmp_path / "first", site_files())
    second = make_site(tmp_path / "elsewhere" / "second", site_files())
    build(first)
    build(second, now=NOW + dt.timedelta(days=400), use_cache=False)
    assert tree(first / "output") == tree(second / "output")


def _many_briefs() -> dict[str, str | bytes]:
    """Enough briefs for a build to share them out between workers."""
    return {
        f"content/briefs/b{n:02d}.md": brief_text(
            title=f"Brief {n}",
            date=f"2015-04-{n % 28 + 1:02d}",
            extra=f"tags: [Topic {n % 4}]\n",
            body=f"Paragraph {n}. [Reuters, 3/{n % 28 + 1}/15]\n",
        )
        for n in range(SERIAL_BELOW + 2)
    }


def test_a_parallel_build_gives_the_same_bytes_as_a_serial_one(tmp_path: Path) -> None:
    briefs = _many_briefs()
    serial = make_site(tmp_path / "serial", site_files(briefs))
    parallel = make_site(tmp_path / "parallel", site_files(briefs))
    build(serial)
    with Pool(2) as workers:
        nsnbuild.build.build_site(parallel, Overrides(), options(jobs=2), workers)
    assert tree(serial / "output") == tree(parallel / "output")


def test_a_parallel_build_leaves_a_cache_the_next_build_takes_every_brief_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the workers make what the cache stores of each brief; a full build after a change of
    # title (which changes every page but no brief's own HTML) prepares no brief again
    root = make_site(tmp_path / "site", site_files(_many_briefs()))
    with Pool(2) as workers:
        nsnbuild.build.build_site(root, Overrides(), options(jobs=2), workers)
    changed = CONFIG.replace("Test Briefs", "Renamed Briefs")
    (root / "nsnbuild.toml").write_text(changed)
    prepared: list[str] = []
    prepare = nsnbuild.workers.Runner.prepare

    def counted(self: nsnbuild.workers.Runner, settings: Any, file: Any) -> Any:
        prepared.append(file.rel)
        return prepare(self, settings, file)

    monkeypatch.setattr(nsnbuild.workers.Runner, "prepare", counted)
    result = build(root)
    assert prepared == []
    assert result.written > 0
    clean = make_site(tmp_path / "clean", site_files({**_many_briefs(), "nsnbuild.toml": changed}))
    build(clean, use_cache=False)
    assert tree(root / "output") == tree(clean / "output")


def test_two_builds_of_a_site_with_its_own_theme_are_byte_identical(tmp_path: Path) -> None:
    files = site_files(
        {"nsnbuild.toml": CONFIG + 'theme = "ledger"\n', "themes/ledger/templates/base.html": THEME_BASE}
    )
    first = make_site(tmp_path / "first", files)
    second = make_site(tmp_path / "second", files)
    build(first)
    build(second)
    assert tree(first / "output") == tree(second / "output")


@pytest.mark.parametrize("use_cache", [True, False], ids=["cache", "no-cache"])
def test_a_second_build_without_changes_writes_nothing(tmp_path: Path, use_cache: bool) -> None:
    root = make_site(tmp_path, site_files())
    first = build(root, use_cache=use_cache)
    before = stamps(root / "output")
    second = build(root, use_cache=use_cache)
    assert stamps(root / "output") == before
    assert (second.written, second.removed, second.unchanged) == (0, 0, first.files)


def test_output_files_changed_or_deleted_by_hand_are_restored(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files())
    build(root)
    output = root / "output"
    before = tree(output)
    home = output / "index.html"
    home.write_bytes(home.read_bytes().replace(b"Test Briefs", b"Edited by hand"))
    (output / "robots.txt").unlink()
    result = build(root)
    assert tree(output) == before
    assert result.written == 2


def test_a_change_to_one_brief_leaves_other_pages_alone(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files())
    build(root)
    before = stamps(root / "output")
    changed = ALLIANCE.replace("A second paragraph.", "A rewritten second paragraph.")
    (root / "content/briefs/2015-04-28-alliance.md").write_text(changed)
    result = build(root)
    after = stamps(root / "output")
    rewritten = sorted(rel for rel in after if after[rel] != before[rel])
    assert "briefs/2015/04/28/alliance/index.html" in rewritten
    assert "briefs/2015/04/02/iran/index.html" not in rewritten
    assert "images/map.png" not in rewritten
    assert result.written == len(rewritten)


def test_a_failed_build_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files())
    build(root)
    before_bytes, before_stamps = tree(root / "output"), stamps(root / "output")

    (root / "content/briefs/2015-04-02-iran.md").write_text(brief_text(date="2015-02-30"))
    (root / "content/briefs/new.md").write_text(brief_text(title="New", date="2015-05-01"))
    (root / "static/CNAME").write_text("changed.example.org\n")
    assert errors_of(root) == [
        "content/briefs/2015-04-02-iran.md:3:1: error: date '2015-02-30' is not a day in the calendar: "
        "February 2015 has 28 days"
    ]
    assert tree(root / "output") == before_bytes
    assert stamps(root / "output") == before_stamps


def test_a_template_error_while_rendering_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files())
    build(root)
    before = tree(root / "output")
    theme = {"nsnbuild.toml": CONFIG + 'theme = "ledger"\n'}
    theme["themes/ledger/templates/brief.html"] = (
        '{% extends "base.html" %}{% block main %}{{ brief.no_such_field }}{% endblock %}\n'
    )
    make_site(root, theme)
    errors = errors_of(root)
    assert errors == [
        "themes/ledger/templates/brief.html:1:1: error: template error: "
        "'nsnbuild.views.BriefView object' has no attribute 'no_such_field'"
    ]
    assert tree(root / "output") == before
    assert not [p for p in (root / "output").rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_files_the_build_no_longer_makes_are_removed(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files())
    build(root)
    output = root / "output"
    (output / "left-over.html").write_text("old")
    (root / "content/briefs/2015-04-02-iran.md").unlink()
    (root / "static/images/map.png").unlink()
    result = build(root)
    assert not (output / "briefs/2015/04/02").exists()
    assert not (output / "tags/iran").exists()
    assert not (output / "images").exists()
    assert not (output / "left-over.html").exists()
    assert (output / "briefs/2015/04/28/alliance/index.html").is_file()
    assert (output / MARKER).is_file()
    assert result.removed >= 6


def test_a_build_with_errors_writes_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files({"content/briefs/bad.md": brief_text(date="someday")}))
    build_failure(root)
    assert not (root / "output").exists()


# ---------------------------------------------------------------- the output folder


def refusal(output: Path, root: Path, force: bool = False) -> str:
    with pytest.raises(OutputRefused) as refused:
        check_output_dir(output, root, force)
    return refused.value.format_message()


@pytest.mark.parametrize(
    ("where", "why"),
    [
        (".", "it is the site folder itself"),
        ("..", "it contains the site"),
        ("content", "it is inside content/"),
        ("content/public", "it is inside content/"),
        ("static", "it is inside static/"),
        ("static/site", "it is inside static/"),
        ("themes/ledger/out", "it is inside themes/"),
        (".nsnbuild-cache/out", "it is inside the cache folder"),
    ],
)
def test_the_output_folder_may_not_be_part_of_the_site(tmp_path: Path, where: str, why: str) -> None:
    root = make_site(tmp_path / "site", site_files())
    output = (root / where).resolve()
    assert refusal(output, root) == f"refusing to write the site into {output}: {why}"


def test_the_output_folder_may_not_be_the_file_system_root_or_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", site_files())
    assert refusal(Path("/"), root) == "refusing to write the site into /: it is the file system root"
    home = tmp_path.resolve() / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert refusal(home, root) == f"refusing to write the site into {home}: it is your home folder"


def test_the_output_may_not_be_a_file(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", site_files())
    target = make_site(tmp_path, {"public": "a file"}).resolve() / "public"
    assert refusal(target, root) == f"refusing to write the site into {target}: it is a file"


def test_a_folder_nsnbuild_did_not_make_needs_force(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", site_files())
    public = make_site(tmp_path / "public", {"notes.txt": "mine"}).resolve()
    assert refusal(public, root) == (
        f"refusing to write the site into {public}: the folder is not empty and was not made by nsnbuild "
        "(use --force to write into it anyway)"
    )
    check_output_dir(public, root, force=True)
    check_output_dir(tmp_path / "empty-or-missing", root, force=False)


@pytest.mark.parametrize(
    ("folder", "why"),
    [
        ("content/public", "it is inside content/"),
        ("static", "it is inside static/"),
        (".", "it is the site folder itself"),
        ("..", "it contains the site"),
        (".nsnbuild-cache/out", "it is inside the cache folder"),
    ],
)
def test_an_output_dir_in_the_sites_own_folders_is_a_config_error(
    tmp_path: Path, folder: str, why: str
) -> None:
    config = CONFIG + f'output_dir = "{folder}"\n'
    root = make_site(tmp_path / "site", site_files({"nsnbuild.toml": config}))
    line = config.count("\n")
    expected = [f"nsnbuild.toml:{line}:1: error: 'output_dir' must not be '{folder}': {why}"]
    before = tree(root)
    # check finds what the build would refuse, and the build names the key and its line
    assert shown(check_problems(root), root) == expected
    assert shown(build_failure(root), root) == expected
    assert not (root / "output").exists()
    assert {rel: data for rel, data in tree(root).items() if not rel.startswith(".nsnbuild-cache")} == before


def test_a_build_refuses_an_output_folder_inside_content_given_on_the_command_line(
    tmp_path: Path,
) -> None:
    root = make_site(tmp_path, site_files())
    with pytest.raises(OutputRefused, match="it is inside content/"):
        build(root, output=root / "content/public")
    assert not (root / "content/public").exists()


def test_an_output_folder_outside_the_site_is_fine(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", site_files({"nsnbuild.toml": CONFIG + 'output_dir = "../public"\n'}))
    build(root)
    assert (tmp_path / "public/briefs/2015/04/28/alliance/index.html").is_file()
    assert not (root / "output").exists()


def check_problems(root: Path) -> list[Any]:
    """What `nsnbuild check` reports of a site that must fail it (a build that writes nothing)."""
    checking = replace(options(), write=False)
    with pytest.raises(BuildFailed) as failed:
        build_site(root, Overrides(), checking, Pool(1))
    return list(failed.value.diagnostics)


# ---------------------------------------------------------------- the command line


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="nsnbuild")
    return result.exit_code, result.stdout, result.stderr


def test_build_succeeds_with_exit_code_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, site_files())
    monkeypatch.chdir(root)
    code, _, err = run("build", "--site", str(root), "--jobs", "1")
    assert code == 0
    assert re.fullmatch(
        r"Built 2 briefs, 1 page and \d+ feeds into output: \d+ files written, 0 unchanged, 0 removed; "
        r"0 warnings \(\d+\.\d\d s\)\n",
        err,
    )
    assert html(root / "output/about/index.html").xpath("//h1/text()") == ["About"]


def test_build_reports_problems_as_path_line_col_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", site_files({"content/briefs/bad.md": brief_text(date="someday")}))
    monkeypatch.chdir(tmp_path)
    code, out, err = run("build", "--site", "site", "--jobs", "1")
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "site/content/briefs/bad.md:3:1: error: date 'someday' is not a date (use YYYY-MM-DD)",
        "    date: someday",
        "    ^",
        "error: build failed: 1 error, 0 warnings",
    ]
    assert not (root / "output").exists()


def test_paths_outside_the_current_folder_are_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", site_files({"content/briefs/bad.md": brief_text(date="someday")}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _, _, err = run("build", "--site", str(root), "--jobs", "1")
    bad = (root / "content/briefs/bad.md").resolve()
    assert err.splitlines()[0] == f"{bad}:3:1: error: date 'someday' is not a date (use YYYY-MM-DD)"


def test_a_refused_output_folder_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path, site_files())
    monkeypatch.chdir(root)
    code, _, err = run("build", "--site", ".", "--jobs", "1", "--output", "static/site")
    assert code == 1
    target = (root / "static/site").resolve()
    assert err == f"error: refusing to write the site into {target}: it is inside static/\n"
    assert not (root / "static/site").exists()


def test_an_invalid_base_url_option_fails_without_writing(tmp_path: Path) -> None:
    root = make_site(tmp_path, site_files())
    code, _, err = run("build", "--site", str(root), "--jobs", "1", "--base-url", "briefs.example.org")
    assert code == 2  # a usage error, reported by click before anything is read
    assert "Invalid value for '--base-url': 'briefs.example.org' is not an absolute http(s) URL" in err
    assert "Traceback" not in err
    assert not (root / "output").exists()


def test_strict_turns_warnings_into_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, site_files({"nsnbuild.toml": CONFIG + 'colour = "red"\n'}))
    monkeypatch.chdir(root)
    code, _, err = run("build", "--site", ".", "--jobs", "1", "--strict")
    assert code == 1
    assert err.splitlines()[0] == "nsnbuild.toml:3:1: error: unknown key 'colour' in nsnbuild.toml"
    assert err.splitlines()[-1] == "error: build failed: 1 error, 0 warnings (--strict)"
    assert not (root / "output").exists()
    code, _, err = run("build", "--site", ".", "--jobs", "1")
    assert code == 0
    assert "0 removed; 1 warning (" in err


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--jobs", "0"],
        ["build", "--no-such-option"],
        ["no-such-command"],
        ["build", "--site", "nsnbuild.toml"],
    ],
    ids=["bad-value", "unknown-option", "unknown-command", "site-is-a-file"],
)
def test_usage_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    make_site(tmp_path, site_files())
    monkeypatch.chdir(tmp_path)
    code, _, err = run(*args)
    assert code == 2
    assert "Usage: nsnbuild" in err
    assert "Traceback" not in err
    assert not (tmp_path / "output").exists()


def test_a_malformed_source_date_epoch_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path, site_files())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code, _, err = run("build", "--site", str(root), "--jobs", "1")
    assert code == 2
    assert "SOURCE_DATE_EPOCH must be a number of seconds, not 'yesterday'" in err


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out == f"nsnbuild, version {nsnbuild.__version__}\n"


def test_help_lists_every_command() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert out.startswith("Usage: nsnbuild [OPTIONS] COMMAND [ARGS]...")
    for name in main.commands:
        assert re.search(rf"^  {re.escape(name)}\b", out, re.MULTILINE), name


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert out.startswith(f"Usage: nsnbuild {command} ")
    assert "--help" in out


def test_an_internal_error_is_a_short_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path, site_files())

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the press jammed")

    monkeypatch.setattr(nsnbuild.build, "build_site", broken)
    code, _, err = run("build", "--site", str(root), "--jobs", "1")
    assert code == 70  # EX_SOFTWARE: neither a problem in the site (1) nor a usage error (2)
    assert "internal error: RuntimeError: the press jammed" in err
    assert "This is a bug in nsnbuild, not in your site." in err
    assert "Traceback" not in err


def test_clean_removes_the_output_and_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, site_files())
    build(root)
    assert (root / ".nsnbuild-cache").is_dir()
    monkeypatch.chdir(root)
    code, _, err = run("clean", "--site", ".")
    assert code == 0
    assert err == "Removed output, .nsnbuild-cache\n"
    assert not (root / "output").exists()
    assert not (root / ".nsnbuild-cache").exists()
    assert (root / "content/briefs/2015-04-28-alliance.md").is_file()


def test_clean_refuses_a_folder_nsnbuild_did_not_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path, site_files({"output/precious.txt": "keep me"}))
    monkeypatch.chdir(root)
    code, _, err = run("clean", "--site", ".")
    assert code == 1
    assert err == "error: not removing output: nsnbuild did not make it\n"
    assert (root / "output/precious.txt").read_text() == "keep me"
    shutil.rmtree(root / "output")


# ---------------------------------------------------------------- citation warnings

REGISTRY = '["Wall Street Journal"]\nurl = "https://www.wsj.com/"\naliases = ["WSJ"]\n'


def test_every_spelling_that_differs_from_the_registry_only_in_case_or_spacing_is_warned(
    tmp_path: Path,
) -> None:
    body = (
        "Fine. [Wall Street Journal, 4/26/15]\n"
        "Case. [wall street journal, 4/26/15]\n"
        "Alias. [WSJ, 4/26/15]\n"
        "Spaces are read as one. [Wall  Street Journal, 4/26/15] [wall street journal, 4/26/15]\n"
        "Joined. [WallStreet Journal, 4/25/15]\n"
    )
    root = make_site(
        tmp_path,
        {"nsnbuild.toml": CONFIG, "sources.toml": REGISTRY, "content/briefs/a.md": brief_text(body=body)},
    )
    warnings = shown(build(root).diagnostics, root, ("warning",))
    near = "differs from the registry name 'Wall Street Journal' only in case or spacing"
    assert [w for w in warnings if "registry name" in w] == [
        f"content/briefs/a.md:6:7: warning: source 'wall street journal' {near}",
        f"content/briefs/a.md:9:9: warning: source 'WallStreet Journal' {near}",
    ]
    # the same after a build from the cache, and after the registry's entry changes
    assert shown(build(root).diagnostics, root, ("warning",)) == warnings
    (root / "sources.toml").write_text(REGISTRY.replace("Wall Street Journal", "Financial Times"))
    assert not [w for w in shown(build(root).diagnostics, root) if "registry name" in w]
    (root / "sources.toml").write_text(REGISTRY)
    assert shown(build(root).diagnostics, root, ("warning",)) == warnings


def test_errors_in_the_body_are_reported_with_those_of_the_front_matter(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(
                date="2015-01-01",
                extra='tags: Japan\nphoto:\n  caption: "A [Reuters, 2/31/15]"\n',
                body="\nClaim [Reuters, 2/30/15]. Warned later [Reuters, 1/1/16].\n",
            ),
            "content/briefs/b.md": brief_text(date="2015-02-30", body="\nClaim [AP, 13/45/15].\n"),
            "content/pages/about.md": "---\ntitle: [About]\n---\n\nSee [AP, 2/30/15].\n",
        },
    )
    expected = [
        "content/briefs/a.md:4:1: error: 'tags' must be a list of strings",
        "content/briefs/a.md:6:25: error: invalid date '2/31/15' in citation",
        "content/briefs/a.md:9:17: error: invalid date '2/30/15' in citation",
        "content/briefs/b.md:3:1: error: date '2015-02-30' is not a day in the calendar: "
        "February 2015 has 28 days",
        "content/briefs/b.md:6:12: error: invalid date '13/45/15' in citation",
        "content/pages/about.md:2:1: error: 'title' must be a string",
        "content/pages/about.md:5:10: error: invalid date '2/30/15' in citation",
    ]
    assert shown(build_failure(root), root) == expected
    # the same from the cache
    assert shown(build_failure(root), root) == expected
