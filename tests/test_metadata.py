"""Cite this brief (Chicago, APA, BibTeX), JSON-LD and the meta tags of a brief page."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import lxml.html
import pytest

from nsnbuild.build import build_site
from nsnbuild.config import Overrides
from nsnbuild.metadata import (
    CitedWork,
    apa,
    apa_html,
    bibtex,
    bibtex_key,
    chicago,
    json_ld_script,
    latex_escape,
    split_name,
)
from nsnbuild.model import BuildOptions
from nsnbuild.pool import Pool

BASE = "https://example.org/brief/"
PUBLISHER = "Policy Brief Network"

TWO_AUTHORS = CitedWork(
    title="New Defense Guidelines Give the U.S.-Japan Alliance a Wider Reach",
    authors=("Margaret Ellison", "David Okafor"),
    publisher=PUBLISHER,
    date=dt.date(2015, 4, 28),
    url=f"{BASE}briefs/2015/04/28/us-japan-defense-guidelines/",
    slug="us-japan-defense-guidelines",
)
NO_AUTHOR = CitedWork(
    title="Minsk Talks Produce a New Ceasefire for Eastern Ukraine",
    authors=(),
    publisher=PUBLISHER,
    date=dt.date(2015, 2, 12),
    url=f"{BASE}briefs/2015/02/12/minsk-ii-ceasefire/",
    slug="minsk-ii-ceasefire",
)
SPECIAL = CitedWork(
    title='Tariffs & Trade: Why the "Snapback" Fell 40% Short',
    authors=("Samuel Ortiz",),
    publisher=PUBLISHER,
    date=dt.date(2015, 5, 26),
    url=f"{BASE}briefs/2015/05/26/tariffs-and-trade/",
    slug="tariffs-and-trade",
)


# --------------------------------------------------------------------------- exact strings


def test_chicago_with_two_authors() -> None:
    assert chicago(TWO_AUTHORS) == (
        'Ellison, Margaret, and David Okafor. "New Defense Guidelines Give the U.S.-Japan Alliance'
        ' a Wider Reach." Policy Brief Network, April 28, 2015.'
        " https://example.org/brief/briefs/2015/04/28/us-japan-defense-guidelines/."
    )


def test_apa_with_two_authors() -> None:
    assert apa(TWO_AUTHORS) == (
        "Ellison, M., & Okafor, D. (2015, April 28). New Defense Guidelines Give the U.S.-Japan"
        " Alliance a Wider Reach. Policy Brief Network."
        " https://example.org/brief/briefs/2015/04/28/us-japan-defense-guidelines/"
    )


def test_bibtex_with_two_authors() -> None:
    assert bibtex(TWO_AUTHORS) == (
        "@online{us-japan-defense-guidelines2015,\n"
        "  author       = {Ellison, Margaret and Okafor, David},\n"
        "  title        = {New Defense Guidelines Give the U.S.-Japan Alliance a Wider Reach},\n"
        "  organization = {Policy Brief Network},\n"
        "  date         = {2015-04-28},\n"
        "  year         = {2015},\n"
        "  url          = {https://example.org/brief/briefs/2015/04/28/us-japan-defense-guidelines/}\n"
        "}\n"
    )


def test_without_authors_the_publisher_is_the_author_and_is_not_repeated() -> None:
    assert chicago(NO_AUTHOR) == (
        'Policy Brief Network. "Minsk Talks Produce a New Ceasefire for Eastern Ukraine."'
        " February 12, 2015. https://example.org/brief/briefs/2015/02/12/minsk-ii-ceasefire/."
    )
    assert apa(NO_AUTHOR) == (
        "Policy Brief Network. (2015, February 12). Minsk Talks Produce a New Ceasefire for"
        " Eastern Ukraine. https://example.org/brief/briefs/2015/02/12/minsk-ii-ceasefire/"
    )
    assert bibtex(NO_AUTHOR) == (
        "@online{minsk-ii-ceasefire2015,\n"
        "  author = {{Policy Brief Network}},\n"
        "  title  = {Minsk Talks Produce a New Ceasefire for Eastern Ukraine},\n"
        "  date   = {2015-02-12},\n"
        "  year   = {2015},\n"
        "  url    = {https://example.org/brief/briefs/2015/02/12/minsk-ii-ceasefire/}\n"
        "}\n"
    )


def test_a_title_with_ampersand_percent_and_quotes() -> None:
    assert chicago(SPECIAL) == (
        "Ortiz, Samuel. \"Tariffs & Trade: Why the 'Snapback' Fell 40% Short.\" Policy Brief Network,"
        " May 26, 2015. https://example.org/brief/briefs/2015/05/26/tariffs-and-trade/."
    )
    assert apa(SPECIAL) == (
        'Ortiz, S. (2015, May 26). Tariffs & Trade: Why the "Snapback" Fell 40% Short.'
        " Policy Brief Network. https://example.org/brief/briefs/2015/05/26/tariffs-and-trade/"
    )
    assert bibtex(SPECIAL) == (
        "@online{tariffs-and-trade2015,\n"
        "  author       = {Ortiz, Samuel},\n"
        "  title        = {Tariffs \\& Trade: Why the ``Snapback'' Fell 40\\% Short},\n"
        "  organization = {Policy Brief Network},\n"
        "  date         = {2015-05-26},\n"
        "  year         = {2015},\n"
        "  url          = {https://example.org/brief/briefs/2015/05/26/tariffs-and-trade/}\n"
        "}\n"
    )


def test_apa_html_sets_the_title_in_italics_and_escapes_it() -> None:
    assert str(apa_html(SPECIAL)) == (
        "Ortiz, S. (2015, May 26). <i>Tariffs &amp; Trade: Why the &#34;Snapback&#34; Fell 40% Short</i>."
        " Policy Brief Network. https://example.org/brief/briefs/2015/05/26/tariffs-and-trade/"
    )


def test_a_title_ending_in_a_question_mark_gets_no_extra_period() -> None:
    work = CitedWork(
        "Is the Deal Verifiable?", ("Rachel Nakamura",), PUBLISHER, dt.date(2015, 7, 15), "u", "s"
    )
    expected = 'Nakamura, Rachel. "Is the Deal Verifiable?" Policy Brief Network, July 15, 2015. u.'
    assert chicago(work) == expected
    assert apa(work) == "Nakamura, R. (2015, July 15). Is the Deal Verifiable? Policy Brief Network. u"


def test_three_authors_and_a_suffix() -> None:
    work = CitedWork(
        "T",
        ("Ana Cruz", "Martin Luther King Jr.", "Jean-Paul Sartre"),
        PUBLISHER,
        dt.date(2015, 1, 2),
        "u",
        "s",
    )
    assert chicago(work).startswith(
        'Cruz, Ana, Martin Luther King Jr., and Jean-Paul Sartre. "T." Policy Brief Network, January 2, 2015.'
    )
    assert apa(work).startswith("Cruz, A., King, M. L., Jr., & Sartre, J.-P. (2015, January 2). T.")
    assert "author       = {Cruz, Ana and King, Jr., Martin Luther and Sartre, Jean-Paul}" in bibtex(work)


@pytest.mark.parametrize(
    ("name", "last", "first", "suffix"),
    [
        ("Rachel Nakamura", "Nakamura", "Rachel", ""),
        ("Nakamura, Rachel", "Nakamura", "Rachel", ""),
        ("Ludwig van Beethoven", "Beethoven", "Ludwig van", ""),
        ("van Beethoven, Ludwig", "van Beethoven", "Ludwig", ""),
        ("Martin Luther King, Jr.", "King", "Martin Luther", "Jr."),
        ("King, Martin Luther, Jr.", "King", "Martin Luther", "Jr."),
        ("Xinhua", "Xinhua", "", ""),
        ("  Rachel   Anne  Nakamura ", "Nakamura", "Rachel Anne", ""),
    ],
)
def test_name_splitting(name: str, last: str, first: str, suffix: str) -> None:
    split = split_name(name)
    assert (split.last, split.first, split.suffix) == (last, first, suffix)


def test_latex_specials_are_escaped_with_balanced_braces() -> None:
    assert latex_escape("a & b % c $ d # e _ f { g } h ~ i ^ j \\ k") == (
        "a \\& b \\% c \\$ d \\# e \\_ f \\textbraceleft{} g \\textbraceright{} h \\textasciitilde{}"
        " i \\textasciicircum{} j \\textbackslash{} k"
    )
    assert latex_escape("\u201cquoted\u201d and \u2018single\u2019") == "``quoted'' and `single'"


def test_bibtex_keys_keep_hyphens_and_drop_what_bibtex_cannot_hold() -> None:
    assert bibtex_key("us-japan", 2015) == "us-japan2015"
    assert bibtex_key("ça-va", 2016) == "a-va2016"
    assert bibtex_key("日本", 2016) == "brief2016"


# --------------------------------------------------------------------------- a tiny BibTeX reader


def parse_bibtex(text: str) -> tuple[str, str, dict[str, str]]:
    """(entry type, key, fields) of one entry; raises on anything unbalanced or left over.

    Braces are counted as BibTeX counts them: every `{` and `}`, escaped or not.
    """
    match = re.match(r"\s*@(\w+)\{([^,\s{}]+),", text)
    assert match, "no entry head"
    kind, key = match.group(1), match.group(2)
    pos = match.end()
    fields: dict[str, str] = {}
    while True:
        pos = _skip_space(text, pos)
        if text[pos] == "}":
            pos += 1
            break
        name = re.match(r"([A-Za-z]+)\s*=\s*", text[pos:])
        assert name, f"no field name at {text[pos : pos + 20]!r}"
        pos += name.end()
        assert text[pos] == "{", "field value must be braced"
        depth, start = 0, pos
        while True:
            char = text[pos]
            depth += (char == "{") - (char == "}")
            pos += 1
            if depth == 0:
                break
        assert name.group(1).lower() not in fields, "field given twice"
        fields[name.group(1).lower()] = text[start + 1 : pos - 1]
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos += 1
    assert text[pos:].strip() == "", "text after the entry"
    return kind, key, fields


def _skip_space(text: str, pos: int) -> int:
    while text[pos].isspace():
        pos += 1
    return pos


def test_every_bibtex_entry_parses_even_with_every_special_character() -> None:
    nasty = CitedWork(
        'Budget {draft} $5 #1 under_score ~ ^ \\ "quoted" & 100%',
        ("Ana de la Cruz", "AT&T Research"),
        "R&D {Press}",
        dt.date(2016, 3, 9),
        "https://example.org/a b/{x}",
        "budget",
    )
    for work in (TWO_AUTHORS, NO_AUTHOR, SPECIAL, nasty):
        kind, key, fields = parse_bibtex(bibtex(work))
        assert kind == "online"
        assert key == f"{work.slug}{work.date.year}"
        assert fields["date"] == work.date.isoformat()
        assert fields["year"] == str(work.date.year)
        assert set(fields) >= {"author", "title", "date", "year", "url"}
        assert "urldate" not in fields
    _, _, fields = parse_bibtex(bibtex(nasty))
    assert fields["url"] == "https://example.org/a%20b/%7Bx%7D"
    assert fields["organization"] == "R\\&D \\textbraceleft{}Press\\textbraceright{}"
    assert fields["author"] == "Cruz, Ana de la and Research, AT\\&T"


def test_json_ld_script_text_cannot_close_the_script() -> None:
    data = {"headline": "</script><script>alert(1)</script> & <!-- x -->", "n": "\u2028"}
    text = str(json_ld_script(data))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


# --------------------------------------------------------------------------- a built site

CONFIG = f"""title = "The Test Brief"
base_url = "{BASE}"
author = "Desk Staff"
language = "en-US"

[publisher]
name = "{PUBLISHER}"
url = "https://example.org/"
logo = "logo.png"
"""
REGISTRY = """["Reuters"]
url = "https://www.reuters.com/"
kind = "wire"

["Wall Street Journal"]
url = "https://www.wsj.com/"
kind = "newspaper"
aliases = ["WSJ"]

["James Schoff"]
url = "https://carnegieendowment.org/people/james-l-schoff"
kind = "analyst"
"""
ALLIANCE = """---
title: "New Defense Guidelines Give the U.S.-Japan Alliance a Wider Reach"
date: 2015-04-28
summary: "Washington and Tokyo rewrote the rules."
tags: [Japan, China]
authors: ["Margaret Ellison", "David Okafor"]
photo:
  src: "images/alliance.png"
  alt: "Two ministers shake hands"
  caption: "Carter and Nakatani [Reuters, 4/27/15]"
  credit: "Photo: Department of Defense"
  width: 1200
  height: 800
sources:
  - name: Reuters
    date: 2015-04-27
    title: "U.S., Japan unveil new defense guidelines"
    url: "https://www.reuters.com/article/us-japan-guidelines"
  - name: WSJ
    date: 2015-04-26
    title: "Alliance Widens"
    url: "https://www.wsj.com/articles/alliance-widens"
    author: "Jane Doe"
---
The guidelines were signed in New York. [Reuters, 4/27/15. WSJ, 4/26/15]

Analysts were cautious. [James Schoff, 4/21/15]
"""
SCRIPT = """---
title: 'Closing </script><script>alert("x")</script> & "Quotes" at 40%'
date: 2015-05-02
tags: [Trade]
---
Nothing to cite here but a wire. [Reuters, 5/1/15]
"""


def build_at(root: Path) -> Path:
    """Build the site under root in this process; return its output folder."""
    options = BuildOptions(now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), jobs=1)
    with Pool(1) as workers:
        build_site(root, Overrides(), options, workers)
    return root / "output"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("metadata-site")
    files = {
        "nsnbuild.toml": CONFIG,
        "sources.toml": REGISTRY,
        "content/briefs/2015-04-28-alliance.md": ALLIANCE,
        "content/briefs/2015-05-02-script.md": SCRIPT,
        "static/logo.png": b"\x89PNG\r\n\x1a\n",
        "static/images/alliance.png": b"\x89PNG\r\n\x1a\n",
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return build_at(root)


ALLIANCE_PAGE = "briefs/2015/04/28/alliance/"
SCRIPT_PAGE = "briefs/2015/05/02/script/"


def page(output: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((output / rel / "index.html").read_bytes())


def json_ld(output: Path, rel: str) -> dict[str, object]:
    scripts = page(output, rel).xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    data: dict[str, object] = json.loads(scripts[0].text)
    return data


def test_json_ld_describes_the_brief(built: Path) -> None:
    data = json_ld(built, ALLIANCE_PAGE)
    url = BASE + ALLIANCE_PAGE
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "New Defense Guidelines Give the U.S.-Japan Alliance a Wider Reach"
    assert data["description"] == "Washington and Tokyo rewrote the rules."
    assert data["datePublished"] == "2015-04-28T00:00:00+00:00"
    assert data["dateModified"] == "2015-04-28T00:00:00+00:00"
    assert data["url"] == url
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["author"] == [
        {"@type": "Person", "name": "Margaret Ellison", "url": f"{BASE}authors/margaret-ellison/"},
        {"@type": "Person", "name": "David Okafor", "url": f"{BASE}authors/david-okafor/"},
    ]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": PUBLISHER,
        "url": "https://example.org/",
        "logo": {"@type": "ImageObject", "url": f"{BASE}logo.png"},
    }
    assert data["image"] == {
        "@type": "ImageObject",
        "url": f"{BASE}images/alliance.png",
        "width": 1200,
        "height": 800,
    }
    assert data["keywords"] == ["Japan", "China"]
    assert data["inLanguage"] == "en-US"
    assert isinstance(data["wordCount"], int) and data["wordCount"] > 5


def test_json_ld_lists_every_cited_source_in_note_order(built: Path) -> None:
    citations = json_ld(built, ALLIANCE_PAGE)["citation"]
    reuters = {"@type": "Organization", "name": "Reuters", "url": "https://www.reuters.com/"}
    wsj = {"@type": "Organization", "name": "Wall Street Journal", "url": "https://www.wsj.com/"}
    assert citations == [
        {
            "@type": "CreativeWork",
            "name": "U.S., Japan unveil new defense guidelines",
            "author": reuters,
            "publisher": reuters,
            "datePublished": "2015-04-27",
            "url": "https://www.reuters.com/article/us-japan-guidelines",
        },
        {
            "@type": "CreativeWork",
            "name": "Alliance Widens",
            "author": {"@type": "Person", "name": "Jane Doe"},
            "publisher": wsj,
            "datePublished": "2015-04-26",
            "url": "https://www.wsj.com/articles/alliance-widens",
        },
        {
            # no front-matter entry: the registry's home page is the analyst's, not the item's URL
            "@type": "CreativeWork",
            "name": "James Schoff",
            "author": {"@type": "Person", "name": "James Schoff"},
            "datePublished": "2015-04-21",
        },
        # the caption's citation is the same item as note 1, so it adds nothing
    ]


def test_a_brief_without_authors_names_the_publisher_as_author(built: Path) -> None:
    data = json_ld(built, SCRIPT_PAGE)
    assert data["author"] == data["publisher"]
    assert data["author"] == {
        "@type": "Organization",
        "name": PUBLISHER,
        "url": "https://example.org/",
        "logo": {"@type": "ImageObject", "url": f"{BASE}logo.png"},
    }
    assert "image" not in data


def test_a_title_with_a_script_end_tag_cannot_break_out(built: Path) -> None:
    raw = (built / SCRIPT_PAGE / "index.html").read_text(encoding="utf-8")
    head = raw[: raw.index("</head>")]
    assert head.count("<script") == 1
    assert head.count("</script>") == 1
    data = json_ld(built, SCRIPT_PAGE)
    assert data["headline"] == 'Closing </script><script>alert("x")</script> & "Quotes" at 40%'
    tree = page(built, SCRIPT_PAGE)
    assert tree.xpath("//h1")[0].text_content() == data["headline"]
    assert len(tree.xpath("//script")) == 1


def meta(tree: lxml.html.HtmlElement, attribute: str, name: str) -> str:
    values = tree.xpath(f'//head/meta[@{attribute}="{name}"]/@content')
    assert len(values) == 1, f"{name}: {values}"
    return str(values[0])


def test_canonical_opengraph_and_twitter_tags(built: Path) -> None:
    tree = page(built, ALLIANCE_PAGE)
    url = BASE + ALLIANCE_PAGE
    assert tree.xpath('//head/link[@rel="canonical"]/@href') == [url]
    assert meta(tree, "property", "og:url") == url
    assert meta(tree, "property", "og:type") == "article"
    assert (
        meta(tree, "property", "og:title")
        == "New Defense Guidelines Give the U.S.-Japan Alliance a Wider Reach"
    )
    assert meta(tree, "property", "og:description") == "Washington and Tokyo rewrote the rules."
    assert meta(tree, "property", "og:image") == f"{BASE}images/alliance.png"
    assert meta(tree, "property", "og:site_name") == "The Test Brief"
    assert meta(tree, "property", "article:published_time") == "2015-04-28T00:00:00+00:00"
    assert meta(tree, "name", "twitter:card") == "summary_large_image"
    assert meta(tree, "name", "twitter:title") == meta(tree, "property", "og:title")
    assert meta(tree, "name", "twitter:description") == "Washington and Tokyo rewrote the rules."
    assert meta(tree, "name", "twitter:image") == f"{BASE}images/alliance.png"
    # without a photo: a small card and no image
    other = page(built, SCRIPT_PAGE)
    assert meta(other, "name", "twitter:card") == "summary"
    assert not other.xpath('//meta[@property="og:image"]')


def test_the_cite_block_shows_all_three_formats(built: Path) -> None:
    tree = page(built, ALLIANCE_PAGE)
    block = tree.xpath('//section[@class="cite-this"]')[0]
    url = BASE + ALLIANCE_PAGE
    assert block.xpath('.//*[@class="cite-chicago"]')[0].text_content() == (
        'Ellison, Margaret, and David Okafor. "New Defense Guidelines Give the U.S.-Japan Alliance'
        f' a Wider Reach." {PUBLISHER}, April 28, 2015. {url}.'
    )
    apa_text = block.xpath('.//*[@class="cite-apa"]')[0]
    assert apa_text.text_content() == (
        "Ellison, M., & Okafor, D. (2015, April 28). New Defense Guidelines Give the U.S.-Japan"
        f" Alliance a Wider Reach. {PUBLISHER}. {url}"
    )
    assert [i.text_content() for i in apa_text.xpath(".//i")] == [
        "New Defense Guidelines Give the U.S.-Japan Alliance a Wider Reach"
    ]
    assert block.xpath(".//a[@download]/@href") == ["/brief/" + ALLIANCE_PAGE + "cite.bib"]


def test_cite_bib_sits_beside_the_page_and_matches_the_block(built: Path) -> None:
    for rel in (ALLIANCE_PAGE, SCRIPT_PAGE):
        bib = (built / rel / "cite.bib").read_bytes().decode("utf-8")
        shown = page(built, rel).xpath('//pre[@class="cite-bibtex"]')[0].text_content()
        assert bib == shown
        kind, key, fields = parse_bibtex(bib)
        assert kind == "online"
        assert fields["url"] == BASE + rel
    _, key, fields = parse_bibtex((built / SCRIPT_PAGE / "cite.bib").read_text(encoding="utf-8"))
    assert key == "script2015"
    # no authors in front matter: the publisher, not the site's display byline
    assert fields["author"] == "{Policy Brief Network}"
    assert "organization" not in fields
    assert fields["title"] == "Closing </script><script>alert(``x'')</script> \\& ``Quotes'' at 40\\%"
