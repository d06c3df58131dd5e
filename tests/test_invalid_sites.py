"""Broken sites fail clearly and write nothing; awkward but valid ones build correctly.

Each folder under sites/invalid/ is a small site with one kind of mistake and an
`expected.txt`: the diagnostics `nsnbuild check` prints for it, run from inside the folder,
one `path:line:col: level: message` line each (the source line and caret left out).
`{outside}` in it stands for the folder outside the site that a test creates.

Each folder under sites/accepted/ is a site that must build; its `expected.txt` holds the
warnings it gets (often none), and the tests below read what it builds with real parsers.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner, Result

from nsnbuild.cli import main
from nsnbuild.errors import line_of
from nsnbuild.output import MARKER

SITES = Path(__file__).resolve().parent / "sites"
INVALID = SITES / "invalid"
ACCEPTED = SITES / "accepted"
CACHE = ".nsnbuild-cache"
SUMMARY_PREFIX = {"check": "error: check failed: ", "build": "error: build failed: "}

KNOWN_BUGS: dict[tuple[str, str], str] = {}


def case_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def cases(folder: Path, command: str | None = None) -> list[object]:
    """The case names as parameters, each known bug marked as a strict xfail."""
    params: list[object] = []
    for name in case_names(folder):
        reason = KNOWN_BUGS.get((command or "", name))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


# ---------------------------------------------------------------- helpers


def copy_case(folder: Path, name: str, tmp_path: Path) -> Path:
    """A working copy of a case, its expected.txt left behind, with what git cannot keep added."""
    site = tmp_path / name
    shutil.copytree(folder / name, site, symlinks=True, ignore=shutil.ignore_patterns("expected.txt"))
    briefs = site / "content" / "briefs"
    if name == "symlink-outside-site":
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "secret.md").write_text("---\ntitle: Not ours\ndate: 2015-04-28\n---\nSecret.\n")
        (briefs / "leaked.md").symlink_to(outside / "secret.md")
    elif name == "file-name-not-utf8":
        try:
            with open(os.fsencode(briefs) + b"/caf\xe9.md", "wb") as file:
                file.write(b"---\ntitle: A\ndate: 2015-04-28\n---\nB\n")
        except OSError:
            pytest.skip("the file system takes only UTF-8 file names")
    return site


def expected_lines(folder: Path, name: str, tmp_path: Path) -> list[str]:
    text = (folder / name / "expected.txt").read_text(encoding="utf-8")
    outside = str((tmp_path / "outside").resolve())
    return [line.replace("{outside}", outside) for line in text.splitlines() if line.strip()]


def run(site: Path, *args: str) -> Result:
    """An nsnbuild command run from inside the site folder, as an author would run it."""
    cwd = os.getcwd()
    os.chdir(site)
    try:
        return CliRunner().invoke(main, list(args), prog_name="nsnbuild")
    finally:
        os.chdir(cwd)


def diagnostic_lines(result: Result) -> list[str]:
    """The `path:line:col: level: message` lines printed, without source lines, carets and summary."""
    return [
        line
        for line in result.stderr.split("\n")  # not splitlines(): a source line may hold U+2028
        if line
        and not line.startswith("    ")
        and not line.startswith(("error: check failed: ", "error: build failed: "))
        and not line.startswith(("Checked ", "Built "))
    ]


def assert_no_traceback(result: Result) -> None:
    printed = result.stdout + result.stderr
    assert "Traceback" not in printed
    assert "internal error" not in printed
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def counts(lines: list[str]) -> str:
    errors = sum(1 for line in lines if ": error: " in line)
    warnings = sum(1 for line in lines if ": warning: " in line)

    def plural(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every folder, file and link under folder, but the build cache: path -> bytes or kind."""
    found: dict[str, bytes | str] = {}
    if not folder.exists():
        return found
    for path in sorted(folder.rglob("*")):
        if CACHE in path.relative_to(folder).parts:
            continue
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "link to " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "folder"
        else:
            found[rel] = path.read_bytes()
    return found


# ---------------------------------------------------------------- the cases themselves


def test_every_case_has_its_expected_messages() -> None:
    for folder in (INVALID, ACCEPTED):
        for name in case_names(folder):
            assert (folder / name / "expected.txt").is_file(), f"{folder.name}/{name} has no expected.txt"
            assert (folder / name / "nsnbuild.toml").is_file(), f"{folder.name}/{name} has no nsnbuild.toml"


@pytest.mark.parametrize("name", case_names(INVALID))
def test_every_invalid_case_expects_an_error(name: str) -> None:
    assert any(": error: " in line for line in expected_lines(INVALID, name, Path("/"))), name


# ---------------------------------------------------------------- invalid sites


@pytest.mark.parametrize("name", cases(INVALID, "check"))
def test_check_reports_exactly_the_expected_problems(name: str, tmp_path: Path) -> None:
    site = copy_case(INVALID, name, tmp_path)
    result = run(site, "check", "--site", ".")
    assert_no_traceback(result)
    expected = expected_lines(INVALID, name, tmp_path)
    assert diagnostic_lines(result) == expected
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == SUMMARY_PREFIX["check"] + counts(expected)


@pytest.mark.parametrize("name", cases(INVALID, "build"))
def test_build_reports_the_same_problems(name: str, tmp_path: Path) -> None:
    site = copy_case(INVALID, name, tmp_path)
    result = run(site, "build", "--site", ".", "--jobs", "1")
    assert_no_traceback(result)
    expected = expected_lines(INVALID, name, tmp_path)
    assert diagnostic_lines(result) == expected
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == SUMMARY_PREFIX["build"] + counts(expected)


@pytest.mark.parametrize("name", cases(INVALID))
def test_a_failed_build_creates_no_output_folder_and_writes_nothing(name: str, tmp_path: Path) -> None:
    site = copy_case(INVALID, name, tmp_path)
    before = snapshot(tmp_path)
    result = run(site, "build", "--site", ".", "--jobs", "1", "--no-cache")
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert not (site / "output").exists()
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", cases(INVALID))
def test_a_failed_build_leaves_an_existing_output_folder_byte_identical(name: str, tmp_path: Path) -> None:
    site = copy_case(INVALID, name, tmp_path)
    output = site / "output"
    (output / "briefs" / "2015" / "04" / "28" / "alliance").mkdir(parents=True)
    (output / MARKER).write_text("")
    (output / "index.html").write_text("<!DOCTYPE html><title>The previous build</title>\n")
    (output / "briefs" / "2015" / "04" / "28" / "alliance" / "index.html").write_text("<p>Previous.</p>\n")
    (output / "feed.xml").write_bytes(b"<?xml version='1.0'?><rss version='2.0'/>\n")
    before = snapshot(tmp_path)
    result = run(site, "build", "--site", ".", "--jobs", "1")
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", cases(INVALID))
def test_check_writes_nothing_but_the_cache(name: str, tmp_path: Path) -> None:
    site = copy_case(INVALID, name, tmp_path)
    before = snapshot(tmp_path)
    result = run(site, "check", "--site", ".")
    assert_no_traceback(result)
    assert result.exit_code in (0, 1)
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- accepted sites


def html_of(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def build_case(name: str, tmp_path: Path, site: Path | None = None) -> Path:
    """Check and build an accepted case; both succeed with exactly the expected warnings."""
    site = site or copy_case(ACCEPTED, name, tmp_path)
    expected = expected_lines(ACCEPTED, name, tmp_path)
    for args in (("check", "--site", "."), ("build", "--site", ".", "--jobs", "1")):
        result = run(site, *args)
        assert_no_traceback(result)
        assert result.exit_code == 0, result.stderr
        assert diagnostic_lines(result) == expected
    return site / "output"


@pytest.mark.parametrize("name", [n for n in case_names(ACCEPTED) if n != "five-megabyte-brief"])
def test_an_accepted_site_builds_with_only_the_expected_warnings(name: str, tmp_path: Path) -> None:
    output = build_case(name, tmp_path)
    for page in output.rglob("*.html"):
        data = page.read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data and "\ufeff".encode() not in data, page
        html_of(page)
    for feed in output.rglob("*.xml"):
        lxml.etree.fromstring(feed.read_bytes())
    for feed in output.rglob("*.json"):
        json.loads(feed.read_bytes())


def test_a_bom_does_not_hide_the_front_matter(tmp_path: Path) -> None:
    output = build_case("utf8-bom", tmp_path)
    brief = html_of(output / "briefs/2015/04/28/cafe-diplomacy/index.html")
    assert brief.xpath("//article//h1/text()") == ["Café diplomacy"]
    assert brief.xpath("//ul[@class='tags']/li/a/text()") == ["Europe"]
    assert brief.xpath("//section[contains(@class, 'sources')]//a[@href='https://www.reuters.com/']")
    assert html_of(output / "about/index.html").xpath("//main//h1/text()") == ["About"]


def test_crlf_line_endings_keep_positions_and_leave_no_carriage_return(tmp_path: Path) -> None:
    site = copy_case(ACCEPTED, "crlf-line-endings", tmp_path)
    assert b"\r\n" in (site / "content/briefs/2015-04-28-crossing-lines.md").read_bytes()
    result = run(site, "check", "--site", ".")
    # the line under the message is the file's line 12, and the caret stands under the '['
    lines = result.stderr.splitlines()
    at = lines.index(
        "content/briefs/2015-04-28-crossing-lines.md:12:29: warning: no URL for 'Kyodo News, 2015-04-27': "
        "add a 'sources' entry with a url, or the source to sources.toml"
    )
    assert lines[at + 1] == "    The talks in Tōkyō went on. [Kyodo News, 4/27/15]"
    assert lines[at + 2] == "    " + " " * 28 + "^"
    output = build_case("crlf-line-endings", tmp_path, site)
    brief = html_of(output / "briefs/2015/04/28/crossing-lines/index.html")
    assert brief.xpath("//meta[@name='description']/@content") == ["A summary folded over two lines."]
    assert brief.xpath("//div[contains(@class, 'prose')]/p[1]/text()") == ["First paragraph."]


def test_front_matter_without_a_body_builds_an_empty_page(tmp_path: Path) -> None:
    output = build_case("front-matter-only", tmp_path)
    for folder, title in [
        ("briefs/2015/04/28/placeholder", "A placeholder"),
        ("briefs/2015/04/29/no-newline", "No final newline"),
        ("contact", "Contact"),
    ]:
        page = html_of(output / folder / "index.html")
        assert page.xpath("//main//h1/text()") == [title]
        assert "".join(page.xpath("//div[contains(@class, 'prose')]//text()")).strip() == ""


def test_a_five_megabyte_brief_builds(tmp_path: Path) -> None:
    site = copy_case(ACCEPTED, "five-megabyte-brief", tmp_path)
    brief = site / "content/briefs/2015-04-28-long.md"
    parts = [brief.read_text(encoding="utf-8")]
    size, number = len(parts[0]), 0
    while size < 5 * 1024 * 1024:
        number += 1
        if number % 500 == 0:
            part = f"\n## Part {number // 500}\n\n- a point\n- another point\n\n"
        elif number % 1000 == 1:
            part = f"\nParagraph {number}, as the wires reported. [Reuters, 4/{number // 1000 % 27 + 1}/15]\n"
        else:
            part = f"\nParagraph {number}: the ministers met again and the talks went on, *slowly*.\n"
        parts.append(part)
        size += len(part)
    parts.append("\nThe last paragraph.\n")
    brief.write_text("".join(parts), encoding="utf-8")
    assert brief.stat().st_size >= 5 * 1024 * 1024
    output = build_case("five-megabyte-brief", tmp_path, site)
    page = html_of(output / "briefs/2015/04/28/long/index.html")
    paragraphs = page.xpath("//div[contains(@class, 'prose')]/p")
    assert paragraphs[-1].text_content() == "The last paragraph."
    assert len(paragraphs) > number * 0.9
    assert len(page.xpath("//section[contains(@class, 'sources')]//li[starts-with(@id, 'source-')]")) > 1
    lxml.etree.fromstring((output / "feed.xml").read_bytes(), lxml.etree.XMLParser(huge_tree=True))


TRICKY_TITLE = 'Guns & Butter: "Allies" <Asia> </script>'
TRICKY_SUMMARY = 'Budgets & "priorities" <2015>'


def texts_and_attributes(document: lxml.html.HtmlElement) -> list[str]:
    found: list[str] = []
    for element in document.iter():
        if isinstance(element.tag, str):
            found.extend(element.attrib.values())
            found.extend(t for t in (element.text, element.tail) if t)
    return found


def test_a_title_with_markup_characters_reads_back_exactly_everywhere(tmp_path: Path) -> None:
    output = build_case("special-characters-in-title", tmp_path)
    own = "briefs/2015/04/28/guns-and-butter/index.html"
    showing_the_title = [
        own,
        "index.html",
        "archive/index.html",
        "tags/asia/index.html",
        "sources/reuters/index.html",
        "briefs/2015/04/29/aftermath/index.html",
    ]
    for page in output.rglob("*.html"):
        rel = page.relative_to(output).as_posix()
        document = html_of(page)
        values = texts_and_attributes(document)
        # escaped once: no entity survives parsing, and no '<Asia>' became an element
        assert not [v for v in values if "&amp;" in v or "&lt;" in v or "&#" in v or "&quot;" in v], rel
        assert not list(document.iter("asia")), rel
        for script in document.iter("script"):
            assert script.get("type") == "application/ld+json", rel
            assert "</script" not in (script.text or "").lower(), rel
        if rel in showing_the_title:
            assert any(TRICKY_TITLE in v for v in values), rel
    brief = html_of(output / own)
    assert brief.xpath("//article//h1/text()") == [TRICKY_TITLE]
    assert brief.xpath("//head/title/text()")[0].startswith(TRICKY_TITLE)
    assert brief.xpath("//meta[@property='og:title']/@content") == [TRICKY_TITLE]
    assert brief.xpath("//meta[@name='description']/@content") == [TRICKY_SUMMARY]
    (ld,) = brief.xpath("//script[@type='application/ld+json']/text()")
    assert json.loads(ld)["headline"] == TRICKY_TITLE
    for folder in ("", "tags/asia/"):
        for name in ("feed.xml", "atom.xml"):
            feed = feedparser.parse((output / folder / name).read_bytes())
            assert not feed.bozo, feed.get("bozo_exception")
            assert TRICKY_TITLE in [entry.title for entry in feed.entries], folder + name
        items = json.loads((output / folder / "feed.json").read_bytes())["items"]
        assert TRICKY_TITLE in [item["title"] for item in items]
    rss = lxml.etree.fromstring((output / "feed.xml").read_bytes())
    assert TRICKY_TITLE in rss.xpath("//item/title/text()")


# ---------------------------------------------------------------- awkward files and lines


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_in_content_is_skipped_not_read(tmp_path: Path) -> None:
    site = copy_case(ACCEPTED, "utf8-bom", tmp_path)
    pipe = site / "content" / "briefs" / "pipe.md"
    os.mkfifo(pipe)
    outcome: list[Result] = []
    command = ("build", "--site", ".", "--jobs", "1")
    worker = threading.Thread(target=lambda: outcome.append(run(site, *command)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():
        with open(pipe, "wb"):  # let the blocked reader go
            pass
        worker.join()
        pytest.fail("the build blocked reading a named pipe")
    (result,) = outcome
    assert result.exit_code == 0, result.stderr
    assert diagnostic_lines(result) == [
        "content/briefs/pipe.md: warning: not a regular file (a pipe, socket or device); skipped"
    ]


LINE_SEPARATOR_BRIEF = (
    "---\ntitle: Separators\ndate: 2015-04-28\n---\n"
    "A pasted line\u2028with a line separator.\n\nThe talks [Reuters, 2/30/15] went on.\n"
)


def test_the_line_under_a_message_is_the_line_it_names(tmp_path: Path) -> None:
    # U+2028 is a line break to str.splitlines, not to Markdown or to positions: they count '\n'
    site = copy_case(ACCEPTED, "utf8-bom", tmp_path)
    (site / "content/briefs/2015-04-29-separator.md").write_text(LINE_SEPARATOR_BRIEF, encoding="utf-8")
    result = run(site, "check", "--site", ".")
    lines = result.stderr.split("\n")
    at = lines.index("content/briefs/2015-04-29-separator.md:7:21: error: invalid date '2/30/15' in citation")
    assert lines[at + 1] == "    The talks [Reuters, 2/30/15] went on."


def test_a_line_separator_in_front_matter_is_named_when_yaml_stumbles_on_it(tmp_path: Path) -> None:
    # YAML 1.1 breaks lines at U+2028 outside quotes: a plain title holding one is a puzzling error
    site = copy_case(ACCEPTED, "utf8-bom", tmp_path)
    briefs = site / "content/briefs"
    (briefs / "2015-04-29-plain.md").write_text(
        "---\ntitle: A\u2028B\ndate: 2015-04-28\n---\nText.\n", encoding="utf-8"
    )
    (briefs / "2015-04-30-quoted.md").write_text(
        "---\ntitle: 'A\u2028B'\ndate: 2015-04-28\n---\nText.\n", encoding="utf-8"
    )
    result = run(site, "check", "--site", ".")
    assert diagnostic_lines(result) == [
        "content/briefs/2015-04-29-plain.md:3:1: error: invalid YAML in front matter: could not find "
        "expected ':' (while scanning a simple key that starts on line 2); the line separator U+2028 "
        "on line 2, which YAML reads as a line break outside quotes, may be the cause"
    ]


def test_errors_line_of_counts_lines_as_positions_do() -> None:
    assert line_of("one\u2028still one\ntwo\n", 2) == "two"
