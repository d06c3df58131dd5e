"""Front matter of briefs and pages: what authors may write, and where a mistake is reported."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from conftest import CONFIG, brief_text, build, build_failure, errors_of, make_site, shown
from hypothesis import given
from hypothesis import strategies as st

from nsnbuild.content import load_brief, load_page
from nsnbuild.discover import ContentFile, digest_bytes, discover_content
from nsnbuild.model import Brief, Page, Photo, SourceRef
from nsnbuild.slugs import slugify

SITE = Path("/site")


def content_file(text: str | bytes, rel: str, kind: str) -> ContentFile:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return ContentFile(SITE / rel, rel, kind, data, digest_bytes(data))  # type: ignore[arg-type]


def load(
    text: str | bytes, rel: str = "content/briefs/x.md", timezone: str = "UTC"
) -> tuple[Brief | None, list[str]]:
    """A brief from text, with its diagnostics as printed (paths relative to the site)."""
    brief, diagnostics = load_brief(content_file(text, rel, "brief"), timezone)
    return brief, shown(diagnostics, SITE)


def load_ok(text: str | bytes, rel: str = "content/briefs/x.md", timezone: str = "UTC") -> Brief:
    brief, problems = load(text, rel, timezone)
    assert problems == []
    assert brief is not None
    return brief


def page(text: str, rel: str = "content/pages/about.md") -> tuple[Page | None, list[str]]:
    loaded, diagnostics = load_page(content_file(text, rel, "page"))
    return loaded, shown(diagnostics, SITE)


# ---------------------------------------------------------------- a complete brief

FULL = """---
title: "Minsk II: A Ceasefire on Paper"
date: 2015-02-12
updated: 2015-02-14T09:30:00-05:00
summary: Leaders agree on a ceasefire in eastern Ukraine.
tags: [Ukraine, Russia]
authors:
  - Margaret Ellison
slug: minsk-ii
draft: true
id: tag:example.org,2015:minsk
photo:
  src: images/minsk.jpg
  alt: Leaders in Minsk
  caption: The four leaders
  credit: "Photo: Kremlin.ru"
  width: 1200
  height: 800
sources:
  - name: Reuters
    date: 2015-02-12
    title: Ceasefire agreed
    url: https://www.reuters.com/minsk
    author: A. Reporter
    publisher: Thomson Reuters
---
Leaders met in Minsk. [Reuters, 2/12/15]
"""


def test_every_front_matter_key_is_read() -> None:
    brief = load_ok(FULL, "content/briefs/2015/2015-02-12-whatever.md", timezone="Europe/Berlin")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    assert brief.title == "Minsk II: A Ceasefire on Paper"
    assert brief.date == dt.datetime(2015, 2, 12, tzinfo=berlin)
    assert brief.updated == dt.datetime(2015, 2, 14, 14, 30, tzinfo=dt.UTC)
    assert brief.summary == "Leaders agree on a ceasefire in eastern Ukraine."
    assert brief.tags == ("Ukraine", "Russia")
    assert brief.authors == ("Margaret Ellison",)
    assert brief.slug == "minsk-ii"
    assert brief.draft is True
    assert brief.id == "tag:example.org,2015:minsk"
    photo = brief.photo
    assert isinstance(photo, Photo)
    assert (photo.src, photo.alt, photo.caption, photo.credit, photo.width, photo.height) == (
        "images/minsk.jpg",
        "Leaders in Minsk",
        "The four leaders",
        "Photo: Kremlin.ru",
        1200,
        800,
    )
    assert brief.sources == (
        SourceRef(
            name="Reuters",
            date=dt.date(2015, 2, 12),
            title="Ceasefire agreed",
            url="https://www.reuters.com/minsk",
            author="A. Reporter",
            publisher="Thomson Reuters",
            line=20,
        ),
    )
    assert brief.body == "\nLeaders met in Minsk. [Reuters, 2/12/15]\n"
    assert brief.body_line == 26


# ---------------------------------------------------------------- required keys and their types


def test_title_and_date_are_required() -> None:
    brief, problems = load("---\nsummary: Nothing else.\n---\nText.\n")
    assert brief is None
    assert problems == [
        "content/briefs/x.md:1:1: error: missing 'title' in front matter",
        "content/briefs/x.md:1:1: error: missing 'date' in front matter",
    ]


def test_an_empty_title_is_an_error_at_its_line() -> None:
    brief, problems = load(brief_text(title='""'))
    assert brief is None
    assert problems == ["content/briefs/x.md:2:1: error: 'title' must not be empty"]


NOT_A_DATE = "is not a date (use YYYY-MM-DD)"


@pytest.mark.parametrize(
    ("written", "shown_as", "why"),
    [
        ("13/45/15", "13/45/15", NOT_A_DATE),
        ("April 28", "April 28", NOT_A_DATE),
        # written as asked, but not a day: the message says what is wrong with it
        ("2015-02-30", "2015-02-30", "is not a day in the calendar: February 2015 has 28 days"),
        ("2016-02-30", "2016-02-30", "is not a day in the calendar: February 2016 has 29 days"),
        ("2015-13-45", "2015-13-45", "is not a day in the calendar: there is no month 13"),
        ('"2015-04-31"', "2015-04-31", "is not a day in the calendar: April 2015 has 30 days"),
        ("2015-04-00", "2015-04-00", "is not a day in the calendar: there is no day 0"),
        (
            "2015-04-28T25:00",
            "2015-04-28T25:00",
            "is not a date and time (use YYYY-MM-DD or YYYY-MM-DD HH:MM)",
        ),
        ("[2015]", "[2015]", NOT_A_DATE),
    ],
)
def test_an_unparseable_date_is_an_error_at_its_line(written: str, shown_as: str, why: str) -> None:
    brief, problems = load(f"---\ntitle: A\nsummary: S\ndate: {written}\n---\nText.\n")
    assert brief is None
    assert problems == [f"content/briefs/x.md:4:1: error: date '{shown_as}' {why}"]


def test_an_unparseable_updated_date_is_an_error_at_its_line() -> None:
    brief, problems = load(brief_text(extra="updated: soon\n"))
    assert brief is None
    assert problems == ["content/briefs/x.md:4:1: error: updated 'soon' is not a date (use YYYY-MM-DD)"]


def test_an_updated_date_before_the_brief_is_a_warning_at_its_line() -> None:
    brief, problems = load(brief_text(extra="updated: 2015-04-01\n"))
    assert brief is not None and brief.updated is not None
    assert problems == [
        "content/briefs/x.md:4:1: warning: 'updated' (2015-04-01) is before the brief's date (2015-04-28);"
        " feeds would show it updated before it was published"
    ]
    assert load(brief_text(extra="updated: 2015-04-28\n"))[1] == []


@pytest.mark.parametrize("value", ["Japan", "[Japan, 3]", "{a: b}", "[Japan, '']"])
@pytest.mark.parametrize("key", ["tags", "authors"])
def test_tags_and_authors_must_be_lists_of_strings(key: str, value: str) -> None:
    brief, problems = load(brief_text(extra=f"summary: S\n{key}: {value}\n"))
    assert brief is None
    assert problems == [f"content/briefs/x.md:5:1: error: '{key}' must be a list of strings"]


def test_draft_must_be_true_or_false() -> None:
    brief, problems = load(brief_text(extra="draft: maybe\n"))
    assert brief is None
    assert problems == ["content/briefs/x.md:4:1: error: 'draft' must be true or false"]


SOURCES_WRONG = """---
title: A
date: 2015-04-28
sources:
  - title: No name here
    date: 2015-04-27
  - name: Reuters
    url: https://www.reuters.com/
  - name: AP
    date: 2015-04-27
    url: "javascript:alert(1)"
  - Just a string
---
Text.
"""


def test_a_sources_entry_needs_a_name_and_a_date() -> None:
    brief, problems = load(SOURCES_WRONG)
    assert brief is None
    assert problems == [
        "content/briefs/x.md:5:1: error: sources entry 1 has no 'name'",
        "content/briefs/x.md:7:1: error: sources entry 2 has no 'date'",
        "content/briefs/x.md:11:1: error: "
        "'url' of sources entry 3 must be an http(s) URL, not 'javascript:alert(1)'",
        "content/briefs/x.md:12:1: error: sources entry 4 must be a mapping with 'name' and 'date'",
    ]


def test_sources_must_be_a_list() -> None:
    brief, problems = load(brief_text(extra="sources: Reuters\n"))
    assert brief is None
    assert problems == [
        "content/briefs/x.md:4:1: error: 'sources' must be a list of entries with a name and a date"
    ]


def test_an_impossible_date_in_a_sources_entry_is_an_error_at_its_line() -> None:
    extra = "sources:\n  - name: Reuters\n    date: 2015-02-30\n"
    brief, problems = load(brief_text(extra=extra))
    assert brief is None
    assert problems == [
        "content/briefs/x.md:6:1: error: date of sources entry 1 '2015-02-30' is not a day in the calendar: "
        "February 2015 has 28 days"
    ]


def test_a_yaml_value_that_cannot_be_built_is_an_error_not_a_crash() -> None:
    brief, problems = load(brief_text(extra="photo:\n  width: !!int wide\n"))
    assert brief is None
    assert len(problems) == 1
    assert problems[0].startswith("content/briefs/x.md:1:1: error: invalid YAML in front matter: ")


def test_unknown_keys_are_warnings_at_their_line() -> None:
    extra = (
        "category: Europe\n"
        "photo:\n  credit: Photo by us\n  colour: red\n"
        "sources:\n  - name: Reuters\n    date: 2015-04-27\n    page: 3\n"
    )
    brief, problems = load(brief_text(extra=extra))
    assert problems == [
        "content/briefs/x.md:4:1: warning: unknown front matter key 'category'",
        "content/briefs/x.md:7:1: warning: unknown key 'photo.colour'",
        "content/briefs/x.md:11:1: warning: unknown key 'page' in sources entry 1",
    ]
    assert brief is not None
    assert brief.title == "A brief"


def test_a_diagnostic_shows_the_offending_line() -> None:
    _, diagnostics = load_brief(
        content_file(brief_text(extra="draft: maybe\n"), "content/briefs/x.md", "brief"), "UTC"
    )
    assert [d.format(SITE) for d in diagnostics] == [
        "content/briefs/x.md:4:1: error: 'draft' must be true or false\n    draft: maybe\n    ^"
    ]


# ---------------------------------------------------------------- the file itself


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "content/briefs/x.md:1:1: error: empty file: expected front matter with a title and a date"),
        (
            "Just text.\n",
            "content/briefs/x.md:1:1: error: no front matter: the file must start with a '---' line",
        ),
        (
            "---\ntitle: A\n",
            "content/briefs/x.md:1:1: error: front matter is not closed: no second '---' line",
        ),
        (
            "---\n- title\n- date\n---\nText.\n",
            "content/briefs/x.md:2:1: error: front matter must be a mapping of keys to values, not a list",
        ),
    ],
)
def test_a_file_without_usable_front_matter(text: str, problem: str) -> None:
    brief, problems = load(text)
    assert brief is None
    assert problems == [problem]


def test_invalid_yaml_is_reported_at_its_place_in_the_file() -> None:
    brief, problems = load("---\ntitle: [A\ndate: 2015-04-28\n---\nText.\n")
    assert brief is None
    assert len(problems) == 1
    # the wording is the YAML library's; the position counts the front matter's lines in the file
    assert problems[0].startswith("content/briefs/x.md:3:5: error: invalid YAML in front matter: ")
    assert "']'" in problems[0]


def test_a_file_that_is_not_utf8_is_an_error() -> None:
    brief, problems = load(b"---\ntitle: Caf\xe9\ndate: 2015-04-28\n---\n")
    assert brief is None
    assert problems == [
        "content/briefs/x.md:2:11: error: file is not valid UTF-8 (byte 0xe9 here); save it as UTF-8"
    ]


def test_a_bom_and_crlf_line_endings_are_accepted() -> None:
    text = (
        "\ufeff---\r\ntitle: Café\r\ndate: 2015-04-28\r\ntags:\r\n  - Europe\r\n---\r\n"
        "First line.\r\nSecond.\r\n"
    )
    brief = load_ok(text.encode("utf-8"))
    assert brief.title == "Café"
    assert brief.tags == ("Europe",)
    assert "\r" not in brief.body
    assert brief.body.splitlines() == ["", "First line.", "Second."]
    assert brief.body_line == 6


def test_a_brief_without_a_body_is_a_warning() -> None:
    brief, problems = load(brief_text(body=""))
    assert brief is not None
    assert problems == ["content/briefs/x.md:4:1: warning: brief has no body"]


# ---------------------------------------------------------------- dates and time zones


@pytest.mark.parametrize("written", ["2015-04-28", "'2015-04-28'"])
def test_a_bare_date_is_midnight_in_the_site_timezone(written: str) -> None:
    brief = load_ok(brief_text(date=written), timezone="America/New_York")
    assert brief.date == dt.datetime(2015, 4, 28, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert brief.date.utcoffset() == dt.timedelta(hours=-4)
    assert brief.date.isoformat() == "2015-04-28T00:00:00-04:00"


@pytest.mark.parametrize(
    "written", ["2015-04-28T10:00:00+02:00", "'2015-04-28T10:00:00+02:00'", "2015-04-28 08:00:00Z"]
)
def test_a_datetime_with_an_offset_keeps_its_moment(written: str) -> None:
    brief = load_ok(brief_text(date=written), timezone="UTC")
    assert brief.date == dt.datetime(2015, 4, 28, 10, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    # read in the site's time zone, which decides its URL and the date shown with it
    assert brief.date.isoformat() == "2015-04-28T08:00:00+00:00"


def test_a_datetime_without_an_offset_is_in_the_site_timezone() -> None:
    brief = load_ok(brief_text(date="2015-04-28 10:00:00"), timezone="Asia/Tokyo")
    assert brief.date.isoformat() == "2015-04-28T10:00:00+09:00"


def test_an_offset_that_crosses_midnight_moves_the_brief_to_the_sites_day() -> None:
    brief = load_ok(brief_text(date="2015-04-28T02:00:00+00:00"), timezone="America/New_York")
    assert brief.date.date() == dt.date(2015, 4, 27)
    assert brief.url == "briefs/2015/04/27/x/"


# ---------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("content/briefs/2015-04-28-us-japan-guidelines.md", "us-japan-guidelines"),
        ("content/briefs/Café_Diplomacy.md", "cafe-diplomacy"),
        ("content/briefs/2015/2015-04-28-Café_Diplomacy.md", "cafe-diplomacy"),
        ("content/briefs/2015-04-28 Straße nach Kyiv.md", "strasse-nach-kyiv"),
        ("content/briefs/Łódź  Talks!.md", "lodz-talks"),
        ("content/briefs/US & Japan.md", "us-japan"),
        ("content/briefs/R&D Policy.md", "r-d-policy"),
        ("content/briefs/G-20 (2015).md", "g-20-2015"),
    ],
)
def test_the_slug_comes_from_the_file_name(name: str, slug: str) -> None:
    assert load_ok(brief_text(), rel=name).slug == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Ðakovo Talks", "dakovo-talks"), ("ØRESUND", "oresund"), ("STRAẞE", "strasse"), ("Æther", "aether")],
)
def test_capital_letters_are_transliterated_like_small_ones(text: str, slug: str) -> None:
    assert slugify(text) == slugify(text.lower()) == slug


@given(st.text(max_size=40))
def test_any_text_gives_a_slug_that_is_safe_in_a_url_path(text: str) -> None:
    slug = slugify(text)
    assert slug == slug.strip("-")
    assert not re.search(r"[\s/\\?#%]|--", slug)
    assert slug not in (".", "..")
    assert slugify(slug) == slug
    if re.search(r"[A-Za-z0-9]", text):
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)


def test_a_slug_in_front_matter_wins_over_the_file_name() -> None:
    brief = load_ok(brief_text(extra="slug: alliance-2015\n"), rel="content/briefs/2015-04-28-other.md")
    assert brief.slug == "alliance-2015"


@pytest.mark.parametrize("slug", ["../x", "US-Japan", "us_japan", "us japan", "'café'", "''", "a/b", "42x!"])
def test_a_front_matter_slug_must_be_lowercase_letters_digits_and_hyphens(slug: str) -> None:
    brief, problems = load(brief_text(extra=f"slug: {slug}\n"))
    assert brief is None
    value = slug.strip("'")
    assert problems == [
        f"content/briefs/x.md:4:1: error: "
        f"slug '{value}' must contain only a-z, 0-9 and single '-' between them"
    ]


def test_a_file_name_without_latin_letters_needs_a_slug() -> None:
    brief, problems = load(brief_text(), rel="content/briefs/日本.md")
    assert brief is None
    assert problems == [
        "content/briefs/日本.md: error: cannot make a slug from the file name '日本'; set 'slug'"
    ]
    assert load_ok(brief_text(extra="slug: japan\n"), rel="content/briefs/日本.md").slug == "japan"


# ---------------------------------------------------------------- pages


def test_a_page_takes_title_slug_summary_and_draft() -> None:
    loaded, problems = page(
        "---\ntitle: About us\nslug: about\nsummary: Who we are.\ndraft: false\n---\nText.\n"
    )
    assert problems == []
    assert loaded is not None
    assert (loaded.title, loaded.slug, loaded.summary, loaded.draft, loaded.url) == (
        "About us",
        "about",
        "Who we are.",
        False,
        "about/",
    )


def test_a_page_slug_comes_from_its_file_name() -> None:
    loaded, _ = page("---\ntitle: Contact\n---\nText.\n", rel="content/pages/Contact Us.md")
    assert loaded is not None
    assert loaded.slug == "contact-us"


def test_a_page_needs_a_title_and_warns_about_brief_keys() -> None:
    loaded, problems = page("---\ndate: 2015-04-28\n---\nText.\n")
    assert loaded is None
    assert problems == [
        "content/pages/about.md:2:1: warning: unknown front matter key 'date'",
        "content/pages/about.md:1:1: error: missing 'title' in front matter",
    ]


# ---------------------------------------------------------------- positions in the body


def test_a_body_diagnostic_points_at_the_file_line(tmp_path: Path) -> None:
    text = (
        "---\ntitle: A\ndate: 2015-04-28\nsummary: >\n  A folded\n  summary.\n---\n"
        "\nFirst paragraph.\n\nSecond paragraph, wrongly cited. [Reuters, 13/45/15]\n"
    )
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": text})
    assert errors_of(root) == ["content/briefs/a.md:11:44: error: invalid date '13/45/15' in citation"]


def test_a_body_diagnostic_points_at_the_file_line_with_bom_and_crlf(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: A\r\ndate: 2015-04-28\r\n---\r\nCafé — text. [Reuters, 2/30/15]\r\n"
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": text.encode("utf-8")})
    failure = build_failure_lines(root)
    assert failure[0] == "content/briefs/a.md:5:24: error: invalid date '2/30/15' in citation"
    assert failure[1] == "    Café — text. [Reuters, 2/30/15]"


def build_failure_lines(root: Path) -> list[str]:
    return [line for d in build_failure(root) for line in d.format(root).splitlines()]


def test_a_missing_link_target_in_the_body_points_at_the_file_line(tmp_path: Path) -> None:
    body = "\nOne.\n\nTwo, see [the earlier brief](2015-01-01-gone.md).\n"
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text(body=body)})
    assert errors_of(root) == [
        "content/briefs/a.md:8:30: error: link to 'content/briefs/2015-01-01-gone.md', which does not exist"
    ]


# ---------------------------------------------------------------- what counts as content


def test_files_that_are_not_briefs_or_pages_are_skipped_with_a_warning(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/briefs/2015/a.md": brief_text(),
            "content/briefs/notes.txt": "notes",
            "content/pages/about.md": "---\ntitle: About\n---\nText.\n",
            "content/pages/team/alice.md": "---\ntitle: Alice\n---\nText.\n",
            "content/drafts/b.md": brief_text(),
            "content/.hidden.md": brief_text(),
        },
    )
    files, diagnostics = discover_content(root)
    assert [(f.rel, f.kind) for f in files] == [
        ("content/briefs/2015/a.md", "brief"),
        ("content/pages/about.md", "page"),
    ]
    skipped = "warning: not a brief (content/briefs/**/*.md) or a page (content/pages/*.md); skipped"
    assert shown(diagnostics, root) == [
        f"content/briefs/notes.txt: {skipped}",
        f"content/drafts/b.md: {skipped}",
        f"content/pages/team/alice.md: {skipped}",
    ]


def test_a_build_reports_skipped_files_and_still_succeeds(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text(), "content/README": "about this folder"},
    )
    result = build(root)
    assert shown(result.diagnostics, root) == [
        "content/README: warning: "
        "not a brief (content/briefs/**/*.md) or a page (content/pages/*.md); skipped"
    ]
    assert (root / "output" / "briefs" / "2015" / "04" / "28" / "a" / "index.html").is_file()
