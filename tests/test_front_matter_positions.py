"""Positions inside front-matter values: a photo's src, and citations in its caption and credit,
shown where they stand in the file, whatever YAML style the value is written in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import build, errors_of, make_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsnbuild.cli import main
from nsnbuild.content import load_brief
from nsnbuild.discover import ContentFile, digest_bytes
from nsnbuild.model import TextSpan
from nsnbuild.scalars import scalar_places

CONFIG = 'base_url = "https://example.org/"\n'
HEAD = "---\ntitle: A\ndate: 2015-01-01\n"


def site_with(tmp_path: Path, front: str, static: bool = False) -> Path:
    files: dict[str, str | bytes] = {
        "nsnbuild.toml": CONFIG,
        "content/briefs/a.md": f"{HEAD}{front}---\nBody.\n",
    }
    if static:
        files["static/p.png"] = b"\x89PNG"
    return make_site(tmp_path / "site", files)


def test_a_missing_photo_is_shown_at_its_src_on_warm_and_cold_builds(tmp_path: Path) -> None:
    root = site_with(tmp_path, 'photo:\n  alt: "x"\n  src: p.png\n', static=True)
    build(root)
    (root / "static" / "p.png").unlink()
    expected = ["content/briefs/a.md:6:8: error: photo 'p.png' not found in static/"]
    assert errors_of(root) == expected  # from the cache
    shutil.rmtree(root / ".nsnbuild-cache")
    assert errors_of(root) == expected


def test_a_missing_photo_written_in_a_flow_mapping(tmp_path: Path) -> None:
    root = site_with(tmp_path, "photo: {alt: x, src: 'img/p.png'}\n")
    assert errors_of(root) == ["content/briefs/a.md:4:23: error: photo 'img/p.png' not found in static/"]


INVALID = "error: invalid date '{}' in citation"


@pytest.mark.parametrize(
    ("front", "where"),
    [
        # escapes in a double-quoted string are counted as written
        ('photo:\n  caption: "He said \\"no\\" [Reuters, 2/30/15]"\n', "5:38"),
        ('photo:\n  caption: "Caf\\u00e9 \\x41 [Reuters, 2/30/15]"\n', "5:38"),
        ("photo:\n  caption: 'It''s over [Reuters, 2/30/15]'\n", "5:34"),
        ("photo:\n  caption: Plain [Reuters, 2/30/15]\n", "5:28"),
        # folded and literal blocks
        ("photo:\n  credit: >-\n    Photo by someone\n    [AP, 2/30/15]\n", "7:10"),
        ("photo:\n  credit: |\n    Photo by someone\n      and more [AP, 2/30/15]\n", "7:21"),
        ("photo:\n  credit: |2\n      Photo by someone\n    [AP, 2/30/15]\n", "7:10"),
        # a plain or quoted string over several lines, and a line break escaped
        ("photo:\n  caption: Protest\n    in Tokyo\n\n    [Reuters, 2/30/15]\n", "8:15"),
        ('photo:\n  caption: "Protest in \\\n    Tokyo [Reuters, 2/30/15]"\n', "6:21"),
        # white space in front is cut from the caption, not from the count
        ('photo:\n  caption: "   Protest [Reuters, 2/30/15]"\n', "5:34"),
        ('photo: {caption: "A [Reuters, 2/30/15]"}\n', "4:31"),
    ],
    ids=[
        "escaped-quotes",
        "unicode-escapes",
        "single-quoted",
        "plain",
        "folded",
        "literal",
        "indentation-indicator",
        "plain-lines",
        "escaped-break",
        "leading-space",
        "flow-mapping",
    ],
)
def test_citation_errors_in_the_photo_point_at_the_date(tmp_path: Path, front: str, where: str) -> None:
    root = site_with(tmp_path, front)
    (error,) = errors_of(root)
    assert error.startswith(f"content/briefs/a.md:{where}: error: invalid date '2/30/15'"), error
    assert errors_of(root) == [error]  # the same from the cache


def test_a_tagged_or_anchored_value_is_placed_after_its_properties(tmp_path: Path) -> None:
    root = site_with(tmp_path, "photo:\n  caption: !!str &c 'A [Reuters, 2/30/15]'\n")
    (error,) = errors_of(root)
    assert error.startswith("content/briefs/a.md:5:34: error: invalid date '2/30/15'"), error


def test_a_value_read_otherwise_than_yaml_reads_it_is_not_placed() -> None:
    source = 'caption: "a \\"b\\" c"\n'
    assert scalar_places(source, 9, len(source) - 1, '"', 0, 'a "b" c') == [
        9 + i for i in (1, 2, 3, 5, 6, 8, 9)
    ]
    # what YAML made is not what this reading makes: no character is placed
    assert scalar_places(source, 9, len(source) - 1, '"', 0, "a b c") is None
    assert TextSpan(3, 12).position(5) == (3, 12)  # every character at the start of the value
    assert TextSpan(3, 12, ((0, 3, 13), (4, 4, 3))).position(5) == (4, 4)


def test_citations_json_places_a_caption_citation_at_its_bracket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = site_with(tmp_path, 'photo:\n  caption: "\\"Talks\\" [Reuters, 4/26/14]"\n')
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["citations", "--json"])
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert record["citations"][0]["places"] == [{"line": 5, "column": 23}]


# ---------------------------------------------------------------- any string, any style

STYLES = st.sampled_from([None, '"', "'", "|", ">"])
TEXT = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc", "Zl", "Zp"),
        exclude_characters="\ufeff\ufffe\uffff",
    )
    | st.sampled_from(["\n", " ", "\t", "'", '"', "\\", "[", "#", ":", "é"]),
    max_size=60,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, style=STYLES, width=st.integers(min_value=10, max_value=80))
def test_every_character_of_a_caption_is_placed_on_itself(text: str, style: str | None, width: int) -> None:
    """What YAML writes for any string, in any style, places each character where it stands."""
    dumped = yaml.safe_dump(
        {"photo": {"caption": text}}, default_style=style, width=width, allow_unicode=True
    )
    source = f"---\ntitle: A\ndate: 2015-01-01\n{dumped}---\nBody.\n"
    data = source.encode("utf-8")
    file = ContentFile(
        Path("/site/content/briefs/a.md"), "content/briefs/a.md", "brief", data, digest_bytes(data)
    )
    brief, _ = load_brief(file, "UTC")
    if brief is None or brief.photo is None or not brief.photo.caption:
        return  # a control character, or nothing left once stripped
    caption, span = brief.photo.caption, brief.photo.caption_at
    assert span is not None
    lines = source.split("\n")
    if not span.runs:
        assert style not in (None, "'", "|"), (dumped, caption)  # those are always followed
        return
    for offset, char in enumerate(caption):
        line, column = span.position(offset)
        written = lines[line - 1][column - 1 : column + 1]
        if char.isspace():
            continue  # a folded line break stands at the end of its line
        assert written[:1] == char or written[:1] == "\\", (dumped, offset, char, written)
