"""Properties of the citation syntax and plugin over generated text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from nsnbuild.citations import (
    CitationGroup,
    citation_plugin,
    citation_state,
    fold_name,
    parse_group,
)
from nsnbuild.citations.syntax import _parse_group, read_bracket

SETTINGS = settings(max_examples=200, deadline=None)

PLAIN = MarkdownIt("commonmark").enable("table").use(footnote_plugin)
CITED = MarkdownIt("commonmark").enable("table").use(footnote_plugin).use(citation_plugin)

SOURCES = ["Reuters", "reuters", "Wall Street Journal", "Office of the U.S. Trade Rep., Press", "AP"]
DATES = ["4/26/15", "04/26/2015", "2015-04-26", "Apr. 26, 2015", "4/27/15", "13/45/15", "4/26"]
# Pieces that make citations, near misses, links, footnotes, code and every kind of bracket.
PIECES = [
    *(f"[{s}, {d}]" for s in SOURCES for d in DATES),
    "[Reuters, 4/26/15. AP, 4/27/15]",
    "[Reuters, 4/26/15; AP,\n4/27/15.]",
    "[Reuters 4/26/15]",
    "[Reuters, 4/26/15, p. 3]",
    "[Reuters, 4/26/15](http://x)",
    "[reuters, 4/26/15]: /url\n",
    "[^1]",
    "[^1]: note\n",
    "^[inline [AP, 4/27/15]]",
    "![alt [AP, 4/27/15]](i.png)",
    "`[AP, 4/27/15]`",
    "\\[AP, 4/27/15]",
    "<a href='x'>",
    "</a>",
    "[sic]",
    "[1]",
    "[",
    "]",
    "(",
    ")",
    "*",
    "_",
    "!",
    "\\",
    "`",
    "<",
    ">",
    "&amp;",
    "# ",
    "- ",
    "> ",
    "| a | b |\n|---|---|\n",
    "|",
    "    ",
    "\t",
    " ",
    "\u00a0",
    "\n",
    "\n\n",
    "word",
    "4/26/15",
    ",",
    ".",
    ";",
]
markdownish = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
anything = st.one_of(st.text(max_size=200), markdownish)


def groups_in(tokens: list[Any]) -> list[Any]:
    return [
        child
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type == "citation_group"
    ]


@SETTINGS
@given(anything)
def test_the_plugin_never_raises(text: str) -> None:
    env: dict[str, Any] = {}
    CITED.render(text, env)
    CITED.parseInline(text, env)


@SETTINGS
@given(anything)
def test_text_without_citation_groups_renders_as_commonmark(text: str) -> None:
    tokens = CITED.parse(text, {})
    if not groups_in(tokens):
        assert CITED.render(text) == PLAIN.render(text)


@SETTINGS
@given(st.lists(st.sampled_from([p for p in PIECES if "[" not in p and "]" not in p]), max_size=30))
def test_text_without_brackets_always_renders_as_commonmark(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert CITED.render(text) == PLAIN.render(text)


@SETTINGS
@given(markdownish)
def test_numbers_run_from_one_in_order_of_first_use(text: str) -> None:
    env: dict[str, Any] = {}
    tokens = CITED.parse(text, env)
    items = citation_state(env).items
    assert [item.n for item in items] == list(range(1, len(items) + 1))
    seen: list[int] = []
    for group in groups_in(tokens):
        for n in group.meta["n"]:
            if n not in seen:
                seen.append(n)
    assert seen == list(range(1, len(seen) + 1))
    assert len(seen) <= len(items)
    for item in items:
        assert [place.k for place in item.places] == list(range(1, len(item.places) + 1))
        assert item.key == (fold_name(item.source), item.date)


@SETTINGS
@given(anything)
def test_the_quick_path_agrees_with_the_full_parser(text: str) -> None:
    assert parse_group(text) == _parse_group(text, None)


@SETTINGS
@given(anything, st.sampled_from(["", "x ", "[", "]", "^"]), st.sampled_from(["", "] tail", "]", " [b]"]))
def test_reading_a_bracket_in_place_agrees_with_parsing_its_text(text: str, before: str, after: str) -> None:
    src = f"{before}[{text}{after}"
    start = len(before)
    found = read_bracket(src, start, len(src))
    close = src.find("]", start + 1)
    inner = src[start + 1 : close]
    if close < 0 or "[" in inner or inner.startswith("^") or not any(c.isdecimal() for c in inner):
        assert found is None
    else:
        assert found == (parse_group(inner), close)


names = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="[]`<\\*_&,\n\r", exclude_categories=("Cs", "Cc")
    ),
    min_size=1,
    max_size=30,
).filter(lambda name: any(c.isalpha() for c in name) and name.strip() == name)
dates = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))
MONTHS = "January February March April May June July August September October November December"
ABBREVIATED = ["Jan.", "Feb.", "Mar", "Apr.", "May", "Jun", "Jul.", "Aug.", "Sept.", "Oct", "Nov.", "Dec."]
date_forms = st.sampled_from(
    [
        lambda d: f"{d.month}/{d.day}/{d.year}",
        lambda d: f"{d.month:02}/{d.day:02}/{d.year}",
        lambda d: d.isoformat(),
        lambda d: f"{MONTHS.split()[d.month - 1]} {d.day}, {d.year}",
        lambda d: f"{ABBREVIATED[d.month - 1]} {d.day}, {d.year}",
    ]
)


@SETTINGS
@given(
    st.lists(st.tuples(names, dates, date_forms), min_size=1, max_size=4),
    st.sampled_from([". ", "; "]),
    st.sampled_from(["", ".", ";"]),
)
def test_written_citations_read_back(
    citations: list[tuple[str, dt.date, Any]], separator: str, ending: str
) -> None:
    written = [f"{name}, {form(date)}" for name, date, form in citations]
    text = separator.join(written) + ending
    result = parse_group(text)
    if any(" ".join(name.split()) != name for name, _, _ in citations):
        return  # names with unusual spacing are normalised; covered by the unit tests
    assert isinstance(result, CitationGroup), (text, result)
    assert [(c.source, c.date) for c in result.citations] == [(n, d) for n, d, _ in citations]
    assert [c.text for c in result.citations] == written
    assert [text[c.start : c.end] for c in result.citations] == written
