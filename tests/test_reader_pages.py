"""The pages readers browse by: sources, authors, topics, related briefs, prev/next, pagination."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import NamedTuple

import lxml.html
import pytest
from conftest import brief_text, build, make_site
from hypothesis import given, settings
from hypothesis import strategies as st

from nsnbuild.build import build_site
from nsnbuild.config import Overrides
from nsnbuild.model import BuildOptions
from nsnbuild.pool import Pool
from nsnbuild.site import RELATED_SOURCE_WINDOW, RELATED_WINDOW, related_briefs

BASE_PATH = "/brief/"
CONFIG = """title = "Reader Test"
base_url = "https://example.org/brief/"
briefs_per_page = 2
"""
REGISTRY = """["Reuters"]
url = "https://www.reuters.com/"
kind = "wire"

["Wall Street Journal"]
url = "https://www.wsj.com/"
kind = "newspaper"
aliases = ["WSJ"]
"""


class Spec(NamedTuple):
    slug: str
    date: dt.date
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    cites: tuple[tuple[str, str], ...]
    """(source as written, M/D/YY)"""


SPECS = (
    Spec("alpha", dt.date(2015, 1, 10), ("Iran", "Sanctions"), ("Ann Lee",), (("Reuters", "1/9/15"),)),
    Spec(
        "bravo",
        dt.date(2015, 2, 10),
        ("Iran",),
        ("Ann Lee", "Bo Chen"),
        (("Reuters", "2/9/15"), ("Wall Street Journal", "2/8/15")),
    ),
    Spec("charlie", dt.date(2015, 3, 10), ("Japan",), ("Bo Chen",), (("WSJ", "3/9/15"),)),
    Spec(
        "delta",
        dt.date(2015, 4, 10),
        ("Iran", "Sanctions"),
        (),
        (("Reuters", "4/9/15"), ("Reuters", "4/8/15")),
    ),
    Spec("echo", dt.date(2015, 5, 10), ("Japan", "China"), (), (("Wall Street Journal", "5/9/15"),)),
    Spec("foxtrot", dt.date(2015, 6, 10), ("Iran",), (), (("Reuters", "6/9/15"),)),
    Spec("golf", dt.date(2015, 6, 20), ("China",), (), (("Wall Street Journal", "6/19/15"),)),
)
NEWEST_FIRST = sorted(SPECS, key=lambda s: s.date, reverse=True)
WORDS = 500


def brief_file(spec: Spec) -> str:
    lines = ["---", f"title: Brief {spec.slug.title()}", f"date: {spec.date.isoformat()}"]
    lines.append("tags: [" + ", ".join(spec.tags) + "]")
    if spec.authors:
        lines.append("authors: [" + ", ".join(spec.authors) + "]")
    lines.append("---")
    body = " ".join(["word"] * (WORDS - 3))
    for source, date in spec.cites:
        body += f"\n\nA claim. [{source}, {date}]"
    return "\n".join(lines) + "\n" + body + "\n"


def build_at(root: Path) -> Path:
    """Build the site under root in this process; return its output folder."""
    options = BuildOptions(now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), jobs=1)
    with Pool(1) as workers:
        build_site(root, Overrides(), options, workers)
    return root / "output"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reader-site")
    files = {"nsnbuild.toml": CONFIG, "sources.toml": REGISTRY}
    for spec in SPECS:
        files[f"content/briefs/{spec.date.isoformat()}-{spec.slug}.md"] = brief_file(spec)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return build_at(root)


def page(out: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((out / rel / "index.html").read_bytes())


def brief_path(spec: Spec) -> str:
    return f"briefs/{spec.date:%Y/%m/%d}/{spec.slug}/"


def card_links(tree: lxml.html.HtmlElement) -> list[str]:
    return [str(h) for h in tree.xpath('//main//article[@class="card"]//*[@class="card-title"]/a/@href')]


def urls(*specs: Spec) -> list[str]:
    return [BASE_PATH + brief_path(s) for s in specs]


def head_rel(tree: lxml.html.HtmlElement, rel: str) -> list[str]:
    return [str(h) for h in tree.xpath(f'//head/link[@rel="{rel}"]/@href')]


def by_slug(*slugs: str) -> list[Spec]:
    index = {s.slug: s for s in SPECS}
    return [index[slug] for slug in slugs]


# --------------------------------------------------------------------------- sources


def test_a_source_page_lists_its_briefs_newest_first_with_the_dates_cited(out: Path) -> None:
    first = page(out, "sources/reuters/")
    assert first.xpath("//h1")[0].text_content() == "Reuters"
    assert card_links(first) == urls(*by_slug("foxtrot", "delta"))
    cited = [c.text_content() for c in first.xpath('//p[@class="cited"]')]
    assert cited == ["Cited: June 9, 2015", "Cited: April 8, 2015, April 9, 2015"]
    second = page(out, "sources/reuters/page/2/")
    assert card_links(second) == urls(*by_slug("bravo", "alpha"))
    assert [c.text_content() for c in second.xpath('//p[@class="cited"]')] == [
        "Cited: February 9, 2015",
        "Cited: January 9, 2015",
    ]


def test_an_alias_is_listed_under_the_canonical_source(out: Path) -> None:
    wsj = page(out, "sources/wall-street-journal/")
    second = page(out, "sources/wall-street-journal/page/2/")
    assert card_links(wsj) + card_links(second) == urls(*by_slug("golf", "echo", "charlie", "bravo"))
    assert not (out / "sources/wsj").exists()


def test_a_source_page_links_the_registry_home_page(out: Path) -> None:
    links = page(out, "sources/reuters/").xpath('//p[@class="list-home"]/a')
    assert [(a.get("href"), a.text_content()) for a in links] == [
        ("https://www.reuters.com/", "www.reuters.com")
    ]


def test_the_sources_index_has_counts(out: Path) -> None:
    tree = page(out, "sources/")
    rows = {
        li.xpath("./a")[0].text_content(): (
            li.xpath("./a/@href")[0],
            li.xpath('.//*[@class="count"]')[0].text_content(),
        )
        for li in tree.xpath('//ul[@class="terms"]/li')
    }
    assert rows == {
        "Reuters": (BASE_PATH + "sources/reuters/", "4 briefs"),
        "Wall Street Journal": (BASE_PATH + "sources/wall-street-journal/", "4 briefs"),
    }


def test_each_sources_entry_links_the_source_page_and_the_item(out: Path) -> None:
    tree = page(out, brief_path(by_slug("bravo")[0]))
    items = tree.xpath('//section[@class="sources"]//li')
    assert [li.xpath('./a[@class="source-name"]/@href')[0] for li in items] == [
        BASE_PATH + "sources/reuters/",
        BASE_PATH + "sources/wall-street-journal/",
    ]
    # no front-matter entry: the registry's home page stands in for the item's link
    assert [li.xpath('./a[@class="source-link"]/@href')[0] for li in items] == [
        "https://www.reuters.com/",
        "https://www.wsj.com/",
    ]


# --------------------------------------------------------------------------- authors and topics


def test_author_pages_list_the_right_briefs(out: Path) -> None:
    assert card_links(page(out, "authors/ann-lee/")) == urls(*by_slug("bravo", "alpha"))
    assert card_links(page(out, "authors/bo-chen/")) == urls(*by_slug("charlie", "bravo"))
    index = page(out, "authors/")
    names = [a.text_content() for a in index.xpath('//ul[@class="terms"]/li/a')]
    counts = [c.text_content() for c in index.xpath('//ul[@class="terms"]//*[@class="count"]')]
    assert list(zip(names, counts, strict=True)) == [("Ann Lee", "2 briefs"), ("Bo Chen", "2 briefs")]


def test_the_author_index_is_linked_from_every_page(out: Path) -> None:
    for rel in ("", "sources/", brief_path(SPECS[0])):
        assert BASE_PATH + "authors/" in page(out, rel).xpath("//footer//a/@href")


def test_the_tag_index_has_counts_and_tag_pages_paginate(out: Path) -> None:
    index = page(out, "tags/")
    rows = {
        li.xpath("./a")[0].text_content(): li.xpath('.//*[@class="count"]')[0].text_content()
        for li in index.xpath('//ul[@class="terms"]/li')
    }
    assert rows == {"China": "2 briefs", "Iran": "4 briefs", "Japan": "2 briefs", "Sanctions": "2 briefs"}
    assert card_links(page(out, "tags/iran/")) == urls(*by_slug("foxtrot", "delta"))
    assert card_links(page(out, "tags/iran/page/2/")) == urls(*by_slug("bravo", "alpha"))


# --------------------------------------------------------------------------- pagination


@pytest.mark.parametrize(
    ("folder", "briefs"),
    [("", 7), ("tags/iran/", 4), ("sources/reuters/", 4), ("sources/wall-street-journal/", 4)],
)
def test_paginated_lists_have_rel_prev_and_next(out: Path, folder: str, briefs: int) -> None:
    total = math.ceil(briefs / 2)
    pages = [folder] + [f"{folder}page/{n}/" for n in range(2, total + 1)]
    absolute = "https://example.org" + BASE_PATH
    for number, rel in enumerate(pages, start=1):
        tree = page(out, rel)
        assert len(card_links(tree)) == min(2, briefs - 2 * (number - 1))
        before = [pages[number - 2]] if number > 1 else []
        after = [pages[number]] if number < total else []
        assert head_rel(tree, "prev") == [absolute + p for p in before]
        assert head_rel(tree, "next") == [absolute + p for p in after]
        nav = tree.xpath('//nav[@class="pagination"]')[0]
        assert nav.xpath('.//a[@rel="prev"]/@href') == [BASE_PATH + p for p in before]
        assert nav.xpath('.//a[@rel="next"]/@href') == [BASE_PATH + p for p in after]
    assert not (out / folder / f"page/{total + 1}").exists()


def test_the_home_pages_cover_every_brief_once_newest_first(out: Path) -> None:
    pages = math.ceil(len(SPECS) / 2)
    listed: list[str] = []
    for number in range(1, pages + 1):
        listed += card_links(page(out, "" if number == 1 else f"page/{number}/"))
    assert listed == urls(*NEWEST_FIRST)


# --------------------------------------------------------------------------- one brief's neighbours


def expected_related(index: int, count: int = 3) -> list[Spec]:
    """Every pair compared: 2 per shared tag + 1 per shared source; ties to the nearer date, then newer."""
    mine = NEWEST_FIRST[index]

    def sources(spec: Spec) -> set[str]:
        return {"Wall Street Journal" if name == "WSJ" else name for name, _ in spec.cites}

    scored = []
    for other in NEWEST_FIRST:
        if other is mine:
            continue
        score = 2 * len(set(mine.tags) & set(other.tags)) + len(sources(mine) & sources(other))
        if score:
            distance = abs((mine.date - other.date).days)
            scored.append((-score, distance, -other.date.toordinal(), other.slug, other))
    return [item[-1] for item in sorted(scored)[:count]]


@pytest.mark.parametrize("index", range(len(SPECS)))
def test_related_briefs_are_the_best_scored_nearest_ones(out: Path, index: int) -> None:
    spec = NEWEST_FIRST[index]
    tree = page(out, brief_path(spec))
    shown = [str(h) for h in tree.xpath('//section[@class="related"]//a/@href')]
    assert shown == urls(*expected_related(index))


def test_related_ties_go_to_the_nearer_date() -> None:
    # foxtrot shares Iran and Reuters with delta, bravo and alpha alike (score 3 each): nearest first
    assert [s.slug for s in expected_related(NEWEST_FIRST.index(by_slug("foxtrot")[0]))] == [
        "delta",
        "bravo",
        "alpha",
    ]
    # golf: echo shares China and the Journal (3); charlie and bravo only the Journal (1), charlie is nearer
    assert [s.slug for s in expected_related(NEWEST_FIRST.index(by_slug("golf")[0]))] == [
        "echo",
        "charlie",
        "bravo",
    ]


_TAGS = st.frozensets(st.sampled_from("abcdef"), max_size=4)
_SOURCES = st.frozensets(st.sampled_from("pqrstuvw"), max_size=5)
_Row = tuple[int, frozenset[str], frozenset[str]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), _TAGS, _SOURCES), max_size=RELATED_SOURCE_WINDOW))
def test_related_briefs_agree_with_comparing_every_pair(rows: list[_Row]) -> None:
    # an archive no larger than the windows: every brief is a candidate of every other
    rows.sort(key=lambda row: -row[0])
    dates = [float(day * 86400) for day, _, _ in rows]
    slugs = [f"brief-{n}" for n in range(len(rows))]
    tags = [row[1] for row in rows]
    sources = [row[2] for row in rows]
    expected = []
    for mine in range(len(rows)):
        scored = []
        for other in range(len(rows)):
            score = 2 * len(tags[mine] & tags[other]) + len(sources[mine] & sources[other])
            if other != mine and score:
                scored.append((-score, abs(dates[mine] - dates[other]), -dates[other], slugs[other], other))
        expected.append(tuple(item[-1] for item in sorted(scored)[:3]))
    assert related_briefs(dates, tags, sources, slugs) == tuple(expected)


def test_related_briefs_look_at_a_bounded_number_of_candidates() -> None:
    # one tag pair and one source shared by the whole archive: no brief is compared with all
    size = 4000
    dates = [float(size - n) for n in range(size)]
    tags = [frozenset({"iran", "oil"})] * size
    sources = [frozenset({"reuters"})] * size

    class Counted(list[float]):
        """The dates, counting how often one is looked up (once or twice per comparison)."""

        lookups = 0

        def __getitem__(self, index: int) -> float:  # type: ignore[override]
            Counted.lookups += 1
            return super().__getitem__(index)

    related = related_briefs(Counted(dates), tags, sources, [str(n) for n in range(size)])
    assert related[0] == (1, 2, 3)
    assert related[size // 2] == (size // 2 - 1, size // 2 + 1, size // 2 - 2)
    assert size * 2 < Counted.lookups < size * 2 * (2 * RELATED_WINDOW + 2) * 2


@pytest.mark.parametrize("index", range(len(SPECS)))
def test_previous_is_older_and_next_is_newer(out: Path, index: int) -> None:
    tree = page(out, brief_path(NEWEST_FIRST[index]))
    older = tree.xpath('//nav[@class="brief-nav"]/a[@rel="prev"]/@href')
    newer = tree.xpath('//nav[@class="brief-nav"]/a[@rel="next"]/@href')
    assert older == (urls(NEWEST_FIRST[index + 1]) if index + 1 < len(SPECS) else [])
    assert newer == (urls(NEWEST_FIRST[index - 1]) if index > 0 else [])


def test_reading_time_and_word_count(out: Path) -> None:
    tree = page(out, brief_path(SPECS[0]))
    words = int(tree.xpath('//*[@class="word-count"]')[0].text_content().split()[0].replace(",", ""))
    # every word of running text: the filler, and "A claim." per citation group
    assert words == WORDS - 3 + 2 * len(SPECS[0].cites)
    assert tree.xpath('//*[@class="reading-time"]')[0].text_content() == f"{math.ceil(words / 230)} min read"


WORD_COUNT_CONFIG = 'base_url = "https://example.org/"\n'


@pytest.mark.parametrize(
    ("body", "shown"), [("Body.", "1 word"), ("Two words.", "2 words"), ("word " * 1234, "1,234 words")]
)
def test_the_word_count_is_singular_for_one_word(tmp_path: Path, body: str, shown: str) -> None:
    brief = brief_text(title="A", body=body + "\n")
    root = make_site(tmp_path, {"nsnbuild.toml": WORD_COUNT_CONFIG, "content/briefs/a.md": brief})
    build(root)
    tree = lxml.html.fromstring((root / "output/briefs/2015/04/28/a/index.html").read_bytes())
    assert [e.text_content() for e in tree.xpath('//*[@class="word-count"]')] == [shown]


def test_the_archive_groups_by_year_and_month(out: Path) -> None:
    tree = page(out, "archive/")
    months = [h.text_content() for h in tree.xpath("//h3")]
    assert months == ["June 2015", "May 2015", "April 2015", "March 2015", "February 2015", "January 2015"]
    listed = [str(h) for h in tree.xpath('//ul[@class="archive-list"]//a/@href')]
    assert listed == urls(*NEWEST_FIRST)
