"""nsnbuild.toml and sources.toml: every key, its default, and what a mistake in each looks like."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import pytest
from conftest import CONFIG, brief_text, build, build_failure, errors_of, make_site, shown

from nsnbuild.config import Overrides, load_config, parse_config, parse_registry
from nsnbuild.markdown import alias_map
from nsnbuild.model import Publisher


def parse(tmp_path: Path, text: str, overrides: Overrides | None = None) -> tuple[Any, list[str]]:
    """parse_config on text as the site's nsnbuild.toml; diagnostics as printed."""
    config, diagnostics = parse_config(text, tmp_path / "nsnbuild.toml", tmp_path, overrides)
    return config, shown(diagnostics, tmp_path)


# ---------------------------------------------------------------- every key and its default

DEFAULTS = [
    ("title", "Briefs"),
    ("description", ""),
    ("base_url", "http://localhost:8000/"),
    ("base_url_set", False),
    ("language", "en"),
    ("timezone", "UTC"),
    ("author", None),
    ("theme", "default"),
    ("briefs_per_page", 20),
    ("feed_items", 20),
    ("citation_style", "footnotes"),
    ("publisher", Publisher("Briefs")),
    ("allow_html", False),
    ("typographer", False),
    ("icon", None),
]


@pytest.mark.parametrize(("attribute", "default"), DEFAULTS)
def test_an_empty_config_gives_every_default(tmp_path: Path, attribute: str, default: object) -> None:
    config, problems = parse(tmp_path, "")
    assert problems == []
    assert getattr(config, attribute) == default


def test_output_dir_defaults_to_output_in_the_site(tmp_path: Path) -> None:
    config, _ = parse(tmp_path, "")
    assert config.output_dir == tmp_path / "output"


def test_every_key_is_read(tmp_path: Path) -> None:
    (tmp_path / "themes" / "ledger").mkdir(parents=True)
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "favicon.ico").write_bytes(b"icon")
    (tmp_path / "static" / "images" / "logo.png").write_bytes(b"logo")
    text = """
title = "The Daily Brief"
description = "Morning notes on foreign policy."
base_url = "https://example.org/brief/"
language = "en-GB"
timezone = "America/New_York"
author = "Brief Staff"
theme = "ledger"
output_dir = "public"
briefs_per_page = 5
feed_items = 7
citation_style = "inline"
icon = "favicon.ico"

[publisher]
name = "Policy Brief Network"
url = "https://example.org/"
logo = "images/logo.png"

[markdown]
allow_html = true
typographer = true
"""
    config, problems = parse(tmp_path, text)
    assert problems == []
    assert config.title == "The Daily Brief"
    assert config.description == "Morning notes on foreign policy."
    assert config.base_url == "https://example.org/brief/"
    assert config.base_url_set is True
    assert config.language == "en-GB"
    assert config.timezone == "America/New_York"
    assert config.author == "Brief Staff"
    assert config.theme == "ledger"
    assert config.output_dir == tmp_path / "public"
    assert config.briefs_per_page == 5
    assert config.feed_items == 7
    assert config.citation_style == "inline"
    assert config.icon == "favicon.ico"
    assert config.publisher == Publisher("Policy Brief Network", "https://example.org/", "images/logo.png")
    assert config.allow_html is True
    assert config.typographer is True


def test_the_publisher_name_defaults_to_the_title(tmp_path: Path) -> None:
    config, _ = parse(tmp_path, 'title = "The Daily Brief"\n[publisher]\nurl = "https://example.org/"\n')
    assert config.publisher == Publisher("The Daily Brief", "https://example.org/")


# ---------------------------------------------------------------- wrong types and values

# Each case is written on line 3 of the file (after a comment and a blank line), or on the
# line after its table header, so the reported line proves the loader found the key.
WRONG = [
    ("title = 1", "'title' must be a string"),
    ("description = []", "'description' must be a string"),
    ("base_url = 42", "'base_url' must be a string"),
    ('base_url = "example.org"', "'base_url' must be an absolute http(s) URL, not 'example.org'"),
    (
        'base_url = "ftp://example.org/"',
        "'base_url' must be an absolute http(s) URL, not 'ftp://example.org/'",
    ),
    ('base_url = "/brief/"', "'base_url' must be an absolute http(s) URL, not '/brief/'"),
    (
        'language = "English"',
        "'language' must be a BCP 47 language tag such as 'en', not 'English'",
    ),
    (
        'timezone = "Mars/Olympus_Mons"',
        "'timezone' must be an IANA time zone such as 'America/New_York', not 'Mars/Olympus_Mons'",
    ),
    ("author = 3", "'author' must be a string"),
    ("theme = true", "'theme' must be a string"),
    ('theme = "../content"', "'theme' must be the name of a folder in themes/, not '../content'"),
    ('theme = "nope"', "unknown theme 'nope': there is no folder themes/nope/"),
    ("output_dir = false", "'output_dir' must be a string"),
    ("briefs_per_page = 0", "'briefs_per_page' must be at least 1"),
    ("briefs_per_page = 2.5", "'briefs_per_page' must be an integer"),
    ("briefs_per_page = true", "'briefs_per_page' must be an integer"),
    ('feed_items = "ten"', "'feed_items' must be an integer"),
    ("feed_items = -1", "'feed_items' must be at least 1"),
    ('citation_style = "endnotes"', "'citation_style' must be \"footnotes\" or \"inline\", not 'endnotes'"),
    ('icon = "../favicon.ico"', "'icon' must be a path under static/, not '../favicon.ico'"),
    ('icon = "/favicon.ico"', "'icon' must be a path under static/, not '/favicon.ico'"),
    ("publisher = 3", "'publisher' must be a table ([publisher])"),
    ("markdown = true", "'markdown' must be a table ([markdown])"),
]


@pytest.mark.parametrize(("line", "message"), WRONG)
def test_a_wrong_value_is_an_error_naming_key_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    _, problems = parse(tmp_path, f"# site settings\n\n{line}\n")
    assert problems == [f"nsnbuild.toml:3:1: error: {message}"]


TABLE_WRONG = [
    ("[publisher]", "name = 2", "'publisher.name' must be a string"),
    (
        "[publisher]",
        'url = "javascript:alert(1)"',
        "'publisher.url' must be an http(s) URL, not 'javascript:alert(1)'",
    ),
    ("[publisher]", 'logo = "/logo.png"', "'publisher.logo' must be a path under static/, not '/logo.png'"),
    ("[markdown]", 'allow_html = "yes"', "'markdown.allow_html' must be true or false"),
    ("[markdown]", "typographer = 1", "'markdown.typographer' must be true or false"),
]


@pytest.mark.parametrize(("header", "line", "message"), TABLE_WRONG)
def test_a_wrong_value_in_a_table_is_reported_at_its_line(
    tmp_path: Path, header: str, line: str, message: str
) -> None:
    _, problems = parse(tmp_path, f'title = "x"\n\n{header}\n{line}\n')
    assert problems == [f"nsnbuild.toml:4:1: error: {message}"]


def test_a_wrong_value_in_an_inline_table_points_at_the_table(tmp_path: Path) -> None:
    _, problems = parse(tmp_path, 'title = "x"\nmarkdown = { allow_html = 2 }\n')
    assert problems == ["nsnbuild.toml:2:1: error: 'markdown.allow_html' must be true or false"]


def test_an_icon_or_logo_missing_from_static_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "logo.png").write_bytes(b"logo")
    text = 'icon = "favicon.ico"\n\n[publisher]\nlogo = "images/logo.png"\n'
    assert parse(tmp_path, text)[1] == [
        "nsnbuild.toml:1:1: error: 'icon' names 'favicon.ico', which is not a file in static/"
    ]
    text = 'icon = "images"\n\n[publisher]\nlogo = "images/logo.svg"\n'
    assert parse(tmp_path, text)[1] == [
        "nsnbuild.toml:1:1: error: 'icon' names 'images', which is not a file in static/",
        "nsnbuild.toml:4:1: error: 'publisher.logo' names 'images/logo.svg', which is not a file in static/",
    ]


def test_key_lines_inside_a_multiline_string_are_not_keys(tmp_path: Path) -> None:
    text = (
        'description = """\nNotes:\ntitle = not a key\n"""\ntitle = 5\n'
        "[publisher]\nname = '''\nurl = x\n'''\nurl = 3\n"
    )
    _, problems = parse(tmp_path, text)
    assert problems == [
        "nsnbuild.toml:5:1: error: 'title' must be a string",
        "nsnbuild.toml:10:1: error: 'publisher.url' must be a string",
    ]


def test_an_error_shows_the_offending_line(tmp_path: Path) -> None:
    _, diagnostics = parse_config('title = "x"\nfeed_items = 0\n', tmp_path / "nsnbuild.toml", tmp_path)
    assert [d.format(tmp_path) for d in diagnostics] == [
        "nsnbuild.toml:2:1: error: 'feed_items' must be at least 1\n    feed_items = 0\n    ^"
    ]


@pytest.mark.parametrize("tag", ["en", "fr", "en-US", "pt-BR", "zh-Hant-TW", "es-419"])
def test_language_accepts_bcp47_tags(tmp_path: Path, tag: str) -> None:
    config, problems = parse(tmp_path, f'language = "{tag}"\n')
    assert problems == []
    assert config.language == tag


# ---------------------------------------------------------------- unknown keys, all at once


def test_unknown_keys_are_warnings_at_their_line(tmp_path: Path) -> None:
    text = (
        'title = "x"\ncolour = "red"\n\n[publisher]\nname = "P"\nslogan = "y"\n\n[markdown]\nsmart = true\n'
    )
    config, problems = parse(tmp_path, text)
    assert problems == [
        "nsnbuild.toml:2:1: warning: unknown key 'colour' in nsnbuild.toml",
        "nsnbuild.toml:6:1: warning: unknown key 'publisher.slogan' in nsnbuild.toml",
        "nsnbuild.toml:9:1: warning: unknown key 'markdown.smart' in nsnbuild.toml",
    ]
    assert config.title == "x"
    assert config.publisher.name == "P"


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    config = 'base_url = "https://example.org/"\ntitle = 5\nfeed_items = 0\ncolour = "red"\n'
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": config,
            "sources.toml": '["Reuters"]\nurl = "gopher://reuters"\n',
            "content/briefs/a.md": brief_text(date="someday"),
        },
    )
    diagnostics = shown(build_failure(root), root)
    assert diagnostics == [
        "content/briefs/a.md:3:1: error: date 'someday' is not a date (use YYYY-MM-DD)",
        "nsnbuild.toml:2:1: error: 'title' must be a string",
        "nsnbuild.toml:3:1: error: 'feed_items' must be at least 1",
        "nsnbuild.toml:4:1: warning: unknown key 'colour' in nsnbuild.toml",
        "sources.toml:2:1: error: 'url' of source 'Reuters' must be an http(s) URL",
    ]
    assert not (root / "output").exists()


# ---------------------------------------------------------------- base_url


def test_a_site_without_nsnbuild_toml_builds_with_a_warning(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/briefs/a.md": brief_text()})
    result = build(root)
    assert shown(result.diagnostics, root) == [
        "nsnbuild: warning: base_url is not set; links and feeds use http://localhost:8000/"
    ]
    page = lxml.html.parse(str(root / "output" / "index.html")).getroot()
    assert page.xpath("//link[@rel='canonical']/@href") == ["http://localhost:8000/"]


@pytest.mark.parametrize("value", ["42", '""', '"ftp://example.org/"'])
def test_a_wrong_base_url_is_an_error_and_not_also_unset(tmp_path: Path, value: str) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": f'title = "x"\nbase_url = {value}\n'})
    _, _, diagnostics = load_config(root)
    assert [(d.level, d.pos.line if d.pos else None) for d in diagnostics] == [("error", 2)]
    assert "base_url" in diagnostics[0].message


def test_a_config_without_base_url_warns_at_the_file(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": 'title = "x"\n'})
    _, _, diagnostics = load_config(root)
    assert shown(diagnostics, root) == [
        "nsnbuild.toml: warning: base_url is not set; links and feeds use http://localhost:8000/"
    ]


@pytest.mark.parametrize(
    ("written", "base_url", "base_path"),
    [
        ("https://example.org", "https://example.org/", "/"),
        ("https://example.org/", "https://example.org/", "/"),
        ("https://example.org/nsn", "https://example.org/nsn/", "/nsn/"),
        ("https://example.org/nsn/", "https://example.org/nsn/", "/nsn/"),
        ("http://example.org:8080/a/b/", "http://example.org:8080/a/b/", "/a/b/"),
    ],
)
def test_base_url_may_have_a_path(tmp_path: Path, written: str, base_url: str, base_path: str) -> None:
    config, problems = parse(tmp_path, f'base_url = "{written}"\n')
    assert problems == []
    assert (config.base_url, config.base_path, config.base_url_set) == (base_url, base_path, True)


def test_base_url_on_the_command_line_wins(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": 'base_url = "https://example.org/"\n'})
    config, _, diagnostics = load_config(root, Overrides(base_url="https://staging.example.org/nsn"))
    assert diagnostics == []
    assert config.base_url == "https://staging.example.org/nsn/"


def test_an_invalid_base_url_on_the_command_line_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    assert errors_of(root, base_url="example.org/nsn") == [
        "nsnbuild: error: --base-url must be an absolute http(s) URL, not 'example.org/nsn'"
    ]
    assert not (root / "output").exists()


# ---------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('title = "x"\n[publisher\n', "nsnbuild.toml:2:11: error: invalid TOML: "),
        ('title = "a"\ntitle = "b"\n', "nsnbuild.toml:2:12: error: invalid TOML: "),
        ('title = "a"\ndescription = "unterminated\n', "nsnbuild.toml:2:28: error: invalid TOML: "),
        ("title = \n", "nsnbuild.toml:1:9: error: invalid TOML: "),
    ],
)
def test_malformed_toml_is_reported_with_line_and_column(tmp_path: Path, text: str, where: str) -> None:
    _, problems = parse(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(where)
    assert len(problems[0]) > len(where) + 5


def test_malformed_toml_at_the_end_of_the_file_names_its_last_line(tmp_path: Path) -> None:
    _, problems = parse(tmp_path, 'title = "x"\nfeeds = [1,\n')
    assert len(problems) == 1
    assert problems[0].startswith("nsnbuild.toml:2: error: invalid TOML: ")
    assert problems[0].endswith("(at end of file)")


def test_a_bom_and_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    text = '\ufefftitle = "The Brief"\r\nbase_url = "https://example.org/"\r\nfeed_items = 0\r\n'
    root = make_site(tmp_path, {"nsnbuild.toml": text})
    config, _, diagnostics = load_config(root)
    assert config.title == "The Brief"
    assert shown(diagnostics, root) == ["nsnbuild.toml:3:1: error: 'feed_items' must be at least 1"]


# ---------------------------------------------------------------- sources.toml

REGISTRY = """# outlets
["Wall Street Journal"]
url = "https://www.wsj.com/"
kind = "newspaper"
aliases = ["WSJ", "The Wall Street Journal"]

["James Schoff"]
kind = "analyst"
"""


def test_sources_toml_is_parsed(tmp_path: Path) -> None:
    registry, problems = parse_registry(REGISTRY, tmp_path / "sources.toml")
    assert problems == []
    assert [(s.name, s.url, s.kind, s.aliases, s.line) for s in registry.sources] == [
        ("Wall Street Journal", "https://www.wsj.com/", "newspaper", ("WSJ", "The Wall Street Journal"), 2),
        ("James Schoff", None, "analyst", (), 7),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('url = "ftp://wsj.com/"', "sources.toml:3:1: error: 'url' of source 'WSJ' must be an http(s) URL"),
        ("kind = 4", "sources.toml:3:1: error: 'kind' of source 'WSJ' must be a string"),
        (
            'aliases = "Journal"',
            "sources.toml:3:1: error: 'aliases' of source 'WSJ' must be a list of strings",
        ),
        (
            'aliases = ["J", 2]',
            "sources.toml:3:1: error: 'aliases' of source 'WSJ' must be a list of strings",
        ),
        ('founded = "1889"', "sources.toml:3:1: warning: unknown key 'founded' for source 'WSJ'"),
    ],
)
def test_a_wrong_registry_entry_is_reported_at_its_line(tmp_path: Path, entry: str, message: str) -> None:
    _, diagnostics = parse_registry(f'\n["WSJ"]\n{entry}\n', tmp_path / "sources.toml")
    assert shown(diagnostics, tmp_path) == [message]


def test_a_registry_entry_must_be_a_table(tmp_path: Path) -> None:
    _, diagnostics = parse_registry('Reuters = "https://www.reuters.com/"\n', tmp_path / "sources.toml")
    assert shown(diagnostics, tmp_path) == [
        "sources.toml:1:1: error: source 'Reuters' must be a table ([\"Reuters\"])"
    ]


def test_malformed_sources_toml_is_reported_with_its_position(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "sources.toml": '["Reuters"\nurl = "x"\n'})
    _, _, diagnostics = load_config(root)
    problems = shown(diagnostics, root)
    assert len(problems) == 1
    assert problems[0].startswith("sources.toml:1:11: error: invalid TOML: ")


BRIEF_CITING = brief_text(
    extra="sources:\n  - name: NYT\n    date: 2015-04-27\n",
    body="Talks. [New York Times, 4/27/15] More. [Reuters, 4/26/15]\n",
)
REGISTRY_WITH_ALIAS = '["New York Times"]\nurl = "https://www.nytimes.com/"\naliases = ["NYT"]\n'


def _break_syntax(root: Path) -> None:
    (root / "sources.toml").write_text('["New York Times"\nurl = "https://www.nytimes.com/"\n')


def _break_encoding(root: Path) -> None:
    (root / "sources.toml").write_bytes(b'["New York \xff Times"]\nurl = "https://www.nytimes.com/"\n')


def _make_unreadable(root: Path) -> None:
    (root / "sources.toml").unlink()
    (root / "sources.toml").mkdir()  # reading it fails, whoever runs the tests


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_break_syntax, "sources.toml:1:18: error: invalid TOML: "),
        (
            _break_encoding,
            "sources.toml:1:12: error: file is not valid UTF-8 (byte 0xff here); save it as UTF-8",
        ),
        (_make_unreadable, "sources.toml: error: cannot read file: "),
    ],
    ids=["toml-syntax", "not-utf8", "unreadable"],
)
def test_an_unread_registry_is_its_one_problem(tmp_path: Path, damage: Any, message: str) -> None:
    """Not also a warning for each citation it might have given a URL or an alias."""
    files = {
        "nsnbuild.toml": CONFIG,
        "sources.toml": REGISTRY_WITH_ALIAS,
        "content/briefs/a.md": BRIEF_CITING,
    }
    root = make_site(tmp_path, files)
    # read, the registry gives every URL but Reuters', and says NYT is the New York Times
    assert shown(build(root).diagnostics, root) == [
        "content/briefs/a.md:8:40: warning: no URL for 'Reuters, 2015-04-26': add a 'sources' entry "
        "with a url, or the source to sources.toml"
    ]
    damage(root)
    for strict in (False, True):
        (problem,) = shown(build_failure(root, strict=strict), root)
        assert problem.startswith(message), problem
    # mended, the warning the registry leaves is back, and only it
    if (root / "sources.toml").is_dir():
        (root / "sources.toml").rmdir()
    (root / "sources.toml").write_text(REGISTRY_WITH_ALIAS)
    assert len(shown(build(root).diagnostics, root)) == 1


def test_a_site_without_sources_toml_has_an_empty_registry(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG})
    _, registry, diagnostics = load_config(root)
    assert registry.sources == ()
    assert diagnostics == []


def test_an_alias_claimed_by_two_sources_is_an_error(tmp_path: Path) -> None:
    text = REGISTRY + '\n["Washington Street Journal"]\naliases = ["wsj"]\n'
    registry, _ = parse_registry(text, tmp_path / "sources.toml")
    aliases, diagnostics = alias_map(registry)
    assert shown(diagnostics, tmp_path) == [
        "sources.toml:10:1: error: alias 'wsj' of source 'Washington Street Journal' "
        "is already used by source 'Wall Street Journal'"
    ]
    assert aliases == {"WSJ": "Wall Street Journal", "The Wall Street Journal": "Wall Street Journal"}


def test_an_alias_clash_is_reported_beside_a_wrong_alias_in_the_same_list(tmp_path: Path) -> None:
    text = REGISTRY + '\n["Other Paper"]\naliases = ["WSJ", 3]\n'
    registry, problems = parse_registry(text, tmp_path / "sources.toml")
    _, clashes = alias_map(registry)
    assert shown([*problems, *clashes], tmp_path) == [
        "sources.toml:11:1: error: 'aliases' of source 'Other Paper' must be a list of strings",
        "sources.toml:10:1: error: alias 'WSJ' of source 'Other Paper' "
        "is already used by source 'Wall Street Journal'",
    ]


def test_a_name_that_is_another_sources_alias_fails_the_build(tmp_path: Path) -> None:
    registry = REGISTRY + '\n["The  wall street JOURNAL"]\nurl = "https://example.com/"\n'
    root = make_site(
        tmp_path,
        {"nsnbuild.toml": CONFIG, "sources.toml": registry, "content/briefs/a.md": brief_text()},
    )
    assert errors_of(root) == [
        "sources.toml:10:1: error: name 'The  wall street JOURNAL' of source 'The  wall street JOURNAL' "
        "is already used by source 'Wall Street Journal'"
    ]


def test_a_config_that_is_not_utf8_is_an_error_at_the_byte(tmp_path: Path) -> None:
    (tmp_path / "nsnbuild.toml").write_bytes(b'title = "T"\nauthor = "Caf\xe9"\n')
    (tmp_path / "sources.toml").write_bytes(b'["Le Monde"]\r\nkind = "\xe9"\r\n')
    _, _, problems = load_config(tmp_path)
    assert shown(problems, tmp_path) == [
        "nsnbuild.toml:2:14: error: file is not valid UTF-8 (byte 0xe9 here); save it as UTF-8",
        "sources.toml:2:9: error: file is not valid UTF-8 (byte 0xe9 here); save it as UTF-8",
    ]


def test_a_wrong_value_under_a_dotted_key_is_reported_at_its_line(tmp_path: Path) -> None:
    text = 'title = "T"\npublisher.name = 5\n"markdown" . allow_html = "yes"\n'
    assert parse(tmp_path, text)[1] == [
        "nsnbuild.toml:2:1: error: 'publisher.name' must be a string",
        "nsnbuild.toml:3:1: error: 'markdown.allow_html' must be true or false",
    ]


def test_an_indented_key_is_reported_at_its_column(tmp_path: Path) -> None:
    text = 'title = "T"\n  briefs_per_page = "x"\n[publisher]\n    logo = 5\n'
    assert parse(tmp_path, text)[1] == [
        "nsnbuild.toml:2:3: error: 'briefs_per_page' must be an integer",
        "nsnbuild.toml:4:5: error: 'publisher.logo' must be a string",
    ]
