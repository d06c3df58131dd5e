"""The citation plugin in markdown-it-py: fixtures, numbering, places, problems, rendering."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.utils import read_fixture_file
from mdit_py_plugins.footnote import footnote_plugin

from nsnbuild.citations import (
    CitationState,
    Place,
    Problem,
    citation_plugin,
    citation_state,
    sources_list_tokens,
)

FIXTURES = Path(__file__).parent / "fixtures"


def standard() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(footnote_plugin).use(citation_plugin)


def inline_style() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(footnote_plugin).use(citation_plugin, style="inline")


def with_aliases() -> MarkdownIt:
    aliases = {
        "WSJ": "Wall Street Journal",
        "The Wall Street Journal": "Wall Street Journal",
        "USTR": "Office of the U.S. Trade Representative, Press Office",
    }
    return MarkdownIt("commonmark").use(citation_plugin, aliases=aliases, sources_heading="References")


def without_list() -> MarkdownIt:
    return MarkdownIt("commonmark").use(citation_plugin, sources_list=False)


FIXTURE_SETS: list[tuple[str, Callable[[], MarkdownIt]]] = [
    ("citations.md", standard),
    ("citations_inline.md", inline_style),
    ("citations_aliases.md", with_aliases),
    ("citations_no_list.md", without_list),
]
CASES = [
    pytest.param(make, line, text, expected, id=f"{name}:{line + 1}:{title}")
    for name, make in FIXTURE_SETS
    for line, title, text, expected in read_fixture_file(FIXTURES / name)
]


@pytest.mark.parametrize(("make", "line", "text", "expected"), CASES)
def test_fixture(make: Callable[[], MarkdownIt], line: int, text: str, expected: str) -> None:
    assert make().render(text) == expected


def parse(text: str, md: MarkdownIt | None = None, **env: Any) -> tuple[CitationState, str]:
    md = md or standard()
    html = md.render(text, env)
    return citation_state(env), html


def places(state: CitationState) -> list[tuple[int, int, int, int]]:
    """(n, line, column, k) of every place, in item order."""
    return [(i.n, p.line, p.column, p.k) for i in state.items for p in i.places]


# ------------------------------------------------------------------ items and places


def test_items_are_numbered_by_first_appearance_with_every_place() -> None:
    text = "One [Yonhap, 4/2/15].\n\nTwo [CNN, 4/1/15. Yonhap, 4/2/15] and [cnn,\n4/1/15].\n"
    state, _ = parse(text)
    assert [(i.n, i.source, i.written, i.date) for i in state.items] == [
        (1, "Yonhap", "Yonhap", dt.date(2015, 4, 2)),
        (2, "CNN", "CNN", dt.date(2015, 4, 1)),
    ]
    assert places(state) == [(1, 0, 4, 1), (1, 2, 4, 2), (2, 2, 4, 1), (2, 2, 38, 2)]
    assert state.items[1].key == ("cnn", dt.date(2015, 4, 1))
    assert state.problems == []


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("Plain [CNN, 4/1/15]\n", 0, 6),
        ("   Indented [CNN, 4/1/15]\n", 0, 12),
        ("First line\n  second [CNN, 4/1/15]   \n", 1, 9),
        ("> Quoted [CNN, 4/1/15]\n", 0, 9),
        ("> First\n> > nested\n> > more [CNN, 4/1/15]\n", 2, 9),
        ("Lazy\n> quote\ncontinued [CNN, 4/1/15]\n", 2, 10),
        ("- item\n\n  1. deep [CNN, 4/1/15]\n", 2, 10),
        ("## Heading [CNN, 4/1/15] ##\n", 0, 11),
        ("Setext [CNN, 4/1/15]\n---\n", 0, 7),
        ("| a | b |\n|---|---|\n| [CNN, 4/1/15] | x |\n", 2, 2),
        ("| a | b |\n|---|---|\n| [CNN, 4/1/15] | [CNN, 4/1/15] |\n", 2, 2),
        ("| a | b |\n|---|---|\n|x|y [CNN, 4/1/15]|\n", 2, 5),
        ("*Emphasis [CNN, 4/1/15]*\n", 0, 10),
        ("- x\n\n \t[CNN, 4/1/15]\n", 2, 2),
        ("Ünïcödé — “quoted” [CNN, 4/1/15]\n", 0, 19),
    ],
)
def test_a_place_is_the_line_and_column_of_the_opening_bracket(text: str, line: int, column: int) -> None:
    state, _ = parse(text)
    first = state.items[0].places[0]
    assert (first.line, first.column) == (line, column)
    assert text.split("\n")[line][column:].startswith("[CNN,")


def test_table_cells_on_one_row_have_their_own_columns() -> None:
    text = "| a | b |\n|---|---|\n| [CNN, 4/1/15] | [CNN, 4/1/15] |\n"
    state, _ = parse(text)
    assert places(state) == [(1, 2, 2, 1), (1, 2, 18, 2)]


def test_a_citation_in_an_inline_footnote_is_placed_in_its_paragraph() -> None:
    md = MarkdownIt("commonmark").use(footnote_plugin).use(citation_plugin)
    text = "Body [AP, 4/1/15] and a note.^[Noted [CNN, 4/2/15].]\n"
    state, html = parse(text, md)
    assert places(state) == [(1, 0, 5, 1), (2, 0, 37, 1)]
    assert 'id="cite-2-1"' in html


def test_the_photo_credit_and_caption_continue_the_numbering() -> None:
    md = standard()
    env: dict[str, Any] = {}
    md.parse("Body [AP, 4/1/15] text.\n\nMore [CNN, 4/2/15].\n", env)
    caption = md.parseInline("Protest in Tokyo [CNN, 4/2/15]", env)
    credit = md.parseInline("Photo: Reuters [Reuters, 4/3/15; AP, 4/1/15]", env)
    state = citation_state(env)
    assert [i.n for i in state.items] == [1, 2, 3]
    assert [(p.part, p.line, p.column, p.k) for p in state.items[1].places] == [
        (0, 2, 5, 1),
        (1, 0, 17, 2),
    ]
    assert [(p.part, p.column) for p in state.items[2].places] == [(2, 15)]
    assert [p.part for p in state.items[0].places] == [0, 2]
    # inline mode never appends a Sources list
    assert [t.type for t in caption + credit] == ["inline", "inline"]
    assert md.renderer.render(caption, md.options, env) == (
        'Protest in Tokyo<sup class="citation-ref"><a href="#source-2" id="cite-2-2"'
        ' aria-label="Source 2">2</a></sup>'
    )


def test_a_multi_line_parse_inline_keeps_lines() -> None:
    md = standard()
    env: dict[str, Any] = {}
    md.parseInline("A caption\nover two lines [CNN, 4/2/15]", env)
    assert places(citation_state(env)) == [(1, 1, 15, 1)]


def test_sources_list_tokens_render_the_list_later() -> None:
    md = without_list()
    env: dict[str, Any] = {}
    body = md.render("Said [CNN, 4/1/15].\n", env)
    assert "sources" not in body
    tokens = sources_list_tokens(env)
    assert md.renderer.render(tokens, md.options, env) == (
        '<section class="sources" aria-labelledby="sources-heading">\n'
        '<h2 id="sources-heading">Sources</h2>\n'
        '<ol class="sources-list">\n'
        '<li id="source-1"><span class="source-name">CNN</span>,'
        ' <time datetime="2015-04-01">April 1, 2015</time>.'
        ' <a class="citation-backref" href="#cite-1-1" aria-label="Back to citation 1">'
        "↩&#xFE0E;</a></li>\n"
        "</ol>\n</section>\n"
    )


def test_no_items_no_sources_list_tokens() -> None:
    env: dict[str, Any] = {}
    without_list().parse("Nothing [sic].\n", env)
    assert sources_list_tokens(env) == []
    assert sources_list_tokens({}) == []


def test_the_brief_date_picks_the_century() -> None:
    state, _ = parse("Old [AP, 9/3/99] and new [AP, 4/27/15].\n", citation_date=dt.date(2001, 5, 1))
    assert [i.date for i in state.items] == [dt.date(1999, 9, 3), dt.date(2015, 4, 27)]
    state, _ = parse("Then [AP, 1/1/80].\n", citation_date=dt.date(2085, 1, 1))
    assert state.items[0].date == dt.date(2080, 1, 1)


# ------------------------------------------------------------------ problems


def test_problems_are_placed_at_the_date_or_the_bracket() -> None:
    text = (
        "Fine [AP, 4/1/15].\n"
        "Bad [Reuters, 13/45/15] and [Reuters 4/26/15].\n"
        "\n"
        "> Quoted [CNN,\n"
        "> 2/30/15] and [CNN, 4/26/15, p. 3]\n"
    )
    state, html = parse(text)
    assert state.problems == [
        Problem("error", "invalid date '13/45/15' in citation", 1, 14, 0),
        Problem(
            "warning",
            "missing comma before the date '4/26/15' in what looks like a citation",
            1,
            28,
            0,
        ),
        Problem("error", "invalid date '2/30/15' in citation", 4, 2, 0),
        Problem(
            "warning",
            "unexpected text 'p. 3' after the date in what looks like a citation",
            4,
            15,
            0,
        ),
    ]
    assert "[Reuters, 13/45/15]" in html
    assert [i.n for i in state.items] == [1]


def test_brackets_commonmark_takes_have_no_problems() -> None:
    text = (
        "[Reuters 4/26/15](http://x) and [text [CNN, 4/26](http://y)](http://z)\n"
        "and [Reuters, 2/30/15] with a definition and `[AP, 4/26]` and \\[AP, 4/26].\n"
        "![alt [CNN, 4/26]](img.png)\n"
        "\n"
        "[reuters, 2/30/15]: /url\n"
    )
    state, _ = parse(text)
    assert state.problems == []
    assert state.items == []


def test_a_very_long_bracket_is_one_short_warning() -> None:
    text = "Said [" + "Reuters, 4/26/15, " * 3000 + "].\n"
    state, html = parse(text)
    assert [(p.level, p.line, p.column) for p in state.problems] == [("warning", 0, 5)]
    assert len(state.problems[0].message) < 120
    assert html.startswith("<p>Said [Reuters, 4/26/15, Reuters")


def test_problems_in_a_later_parse_call_carry_its_part() -> None:
    md = standard()
    env: dict[str, Any] = {}
    md.parse("Fine.\n", env)
    md.parseInline("Credit [AP, 4/26]", env)
    assert citation_state(env).problems == [Problem("warning", "citation date '4/26' has no year", 0, 7, 1)]


# ------------------------------------------------------------------ rendering


def test_details_add_the_title_and_links() -> None:
    env: dict[str, Any] = {
        "citation_details": {
            1: {
                "title": 'Japan & the "Alliance"',
                "url": "https://example.com/a b",
                "source_url": "/sources/wsj/",
            },
            2: {"title": None, "url": "https://example.com/cnn"},
            3: {"url": "javascript:alert(1)", "source_url": "javascript:alert(2)"},
        }
    }
    _, html = parse("A [WSJ, 4/26/15]. B [CNN, 4/1/15]. C [AP, 4/2/15].\n", **env)
    assert (
        '<li id="source-1"><a class="source-name" href="/sources/wsj/">WSJ</a>, '
        '<a class="source-link" href="https://example.com/a%20b"><cite class="source-title">'
        "“Japan &amp; the &quot;Alliance&quot;”</cite></a>, "
        '<time datetime="2015-04-26">April 26, 2015</time>. '
    ) in html
    assert (
        '<li id="source-2"><span class="source-name">CNN</span>, '
        '<a class="source-link" href="https://example.com/cnn">'
        '<time datetime="2015-04-01">April 1, 2015</time></a>. '
    ) in html
    assert (
        '<li id="source-3"><span class="source-name">AP</span>, '
        '<time datetime="2015-04-02">April 2, 2015</time>. '
    ) in html
    assert "javascript" not in html


def test_a_title_without_a_url_is_shown_unlinked() -> None:
    _, html = parse("A [AP, 4/2/15].\n", citation_details={1: {"title": "Talks"}})
    assert (
        '<span class="source-name">AP</span>, <cite class="source-title">“Talks”</cite>, '
        '<time datetime="2015-04-02">April 2, 2015</time>. '
    ) in html


def test_the_id_prefix_goes_on_every_id_and_fragment() -> None:
    _, html = parse("A [AP, 4/2/15]. B [AP, 4/2/15].\n", citation_id_prefix='b2-"x"')
    p = "b2-&quot;x&quot;"
    assert f'<a href="#{p}source-1" id="{p}cite-1-1" aria-label="Source 1">1</a>' in html
    assert f'id="{p}cite-1-2"' in html
    assert f'<section class="sources" aria-labelledby="{p}sources-heading">' in html
    assert f'<h2 id="{p}sources-heading">' in html
    assert f'<li id="{p}source-1">' in html
    assert f'href="#{p}cite-1-2" aria-label="Back to citation 1, place 2"' in html
    assert html.count("b2-") == 9


def test_inline_style_links_to_the_item_url_when_known() -> None:
    env = {
        "citation_details": {1: {"url": "https://example.com/ap"}, 2: {"url": "javascript:x"}},
        "citation_id_prefix": "p-",
    }
    _, html = parse("A [AP, 4/2/15; CNN, 4/3/15].\n", inline_style(), **env)
    assert (
        '<span class="citation-inline">['
        '<a class="citation-link" href="https://example.com/ap" id="p-cite-1-1">AP, 4/2/15</a>; '
        '<a class="citation-link" href="#p-source-2" id="p-cite-2-1">CNN, 4/3/15</a>]</span>'
    ) in html


def test_the_sources_heading_is_escaped() -> None:
    md = MarkdownIt("commonmark").use(citation_plugin, sources_heading="Sources & <Notes>")
    assert '<h2 id="sources-heading">Sources &amp; &lt;Notes&gt;</h2>' in md.render("[AP, 4/2/15]")


def test_a_group_never_numbered_renders_as_written() -> None:
    md = standard()
    tokens = md.inline.parse("See [AP, 4/2/15].", md, {}, [])
    assert md.renderer.renderInline(tokens, md.options, {}) == "See [AP, 4/2/15]."


def test_the_plugin_leaves_text_without_citations_alone() -> None:
    text = "# Title\n\nA [link](/x), [sic], `[AP, 4/2/15]` and ![img](/i.png).\n"
    plain = MarkdownIt("commonmark").enable("table").use(footnote_plugin)
    env: dict[str, Any] = {}
    assert standard().render(text, env) == plain.render(text)
    state = citation_state(env)
    assert (state.items, state.problems) == ([], [])


# ------------------------------------------------------------------ inputs


def test_an_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown citation style 'margin'"):
        MarkdownIt("commonmark").use(citation_plugin, style="margin")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("citation_date", "2015-04-26", "env['citation_date'] must be a datetime.date"),
        ("citation_id_prefix", 3, "env['citation_id_prefix'] must be a str"),
        ("citation_details", [1], "env['citation_details'] must be a mapping"),
        ("citations", {}, "env['citations'] holds a dict, not a CitationState"),
    ],
)
def test_wrong_env_values_are_refused(key: str, value: object, message: str) -> None:
    with pytest.raises(TypeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        standard().render("A [AP, 4/2/15].\n", {key: value})


def test_place_and_problem_default_to_the_first_parse_call() -> None:
    assert Place(1, 2, 3) == Place(1, 2, 3, 0)
    assert Problem("error", "m", 1, 2) == Problem("error", "m", 1, 2, 0)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.wsj.com/articles/us-japan-1430000000",
        "https://example.org/a%20b?x=1&y=2#frag",
        "nsn-u:sources/wall-street-journal/",
        "mailto:desk@example.org",
        "https://e.org/(parens)_and-~*'",
    ],
)
def test_plain_urls_skip_normalising_only_when_it_would_change_nothing(url: str) -> None:
    from nsnbuild.citations.plugin import _PLAIN_URL

    assert _PLAIN_URL.match(url)
    assert MarkdownIt().normalizeLink(url) == url


@pytest.mark.parametrize(
    "url", ["https://bücher.ch/x", "https://e.org/a b", "https://e.org/%zz", "https://e.org/\\"]
)
def test_other_urls_are_normalised(url: str) -> None:
    from nsnbuild.citations.plugin import _PLAIN_URL

    assert not _PLAIN_URL.match(url)
