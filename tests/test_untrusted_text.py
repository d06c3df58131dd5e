"""Text from authors is text: escaped in HTML, XML and JSON, never turned into script or links.

A site whose every front-matter string carries `<script>`, `</script>`, `&` and `"` is built
once; each output is then read back with a real parser (lxml, feedparser, json), which must
give exactly the text that was written and no element the author did not ask for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest
from conftest import BASE_URL, brief_text, build, errors_of, make_site

from nsnbuild.markdown import validate_link
from nsnbuild.texts import is_unsafe_url

PAYLOAD = '<script>alert("x")</script> & "q" </script>'
TITLE = f"Title {PAYLOAD}"
SUMMARY = f"Summary {PAYLOAD}"
TAG = f"Tag {PAYLOAD}"
AUTHOR = f"Author {PAYLOAD}"
ALT = f"Alt {PAYLOAD}"
CAPTION = f"Caption {PAYLOAD}"
CREDIT = f"Credit {PAYLOAD}"
REGISTRY_NAME = f"Registry {PAYLOAD}"
SOURCE_TITLE = f"Source title {PAYLOAD}"
# a name the citation syntax accepts, written as is in the body
CITED_NAME = 'Front & "q" </script>'
SITE_TITLE = f"Site {PAYLOAD}"
BRIEF = "briefs/2015/04/28/nasty/index.html"


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text)


def toml_string(text: str) -> str:
    return json.dumps(text)


NASTY_BRIEF = f"""---
title: {yaml_string(TITLE)}
date: 2015-04-28
summary: {yaml_string(SUMMARY)}
tags: [{yaml_string(TAG)}]
authors: [{yaml_string(AUTHOR)}]
photo:
  src: images/photo.png
  alt: {yaml_string(ALT)}
  caption: {yaml_string(CAPTION)}
  credit: {yaml_string(CREDIT)}
sources:
  - name: {yaml_string(CITED_NAME)}
    date: 2015-04-27
    title: {yaml_string(SOURCE_TITLE)}
    url: https://example.org/statement
---
The talks went on. [Reuters, 4/26/15] [{CITED_NAME}, 4/27/15]
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(
        tmp_path_factory.mktemp("untrusted"),
        {
            "nsnbuild.toml": f"title = {toml_string(SITE_TITLE)}\nbase_url = {toml_string(BASE_URL)}\n",
            "sources.toml": f'[{toml_string(REGISTRY_NAME)}]\nurl = "https://www.reuters.com/"\n'
            'aliases = ["Reuters"]\n',
            "static/images/photo.png": b"\x89PNG\r\n\x1a\n",
            "content/briefs/2015-04-28-nasty.md": NASTY_BRIEF,
        },
    )
    build(root)
    return root / "output"


def page(out: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((out / rel).read_bytes())


def texts(document: lxml.html.HtmlElement) -> set[str]:
    """Every text node and attribute value of a document, whitespace-trimmed."""
    found: set[str] = set()
    for element in document.iter():
        if isinstance(element.tag, str):
            found.update(v.strip() for v in element.attrib.values())
            found.update(t.strip() for t in (element.text, element.tail) if t)
    return found


def html_pages(out: Path) -> Iterator[tuple[str, lxml.html.HtmlElement]]:
    for path in sorted(out.rglob("*.html")):
        yield path.relative_to(out).as_posix(), lxml.html.fromstring(path.read_bytes())


# ---------------------------------------------------------------- HTML


def test_no_script_element_comes_from_content(out: Path) -> None:
    for rel, document in html_pages(out):
        for script in document.iter("script"):
            assert script.get("type") == "application/ld+json", rel
            json.loads(script.text or "")
        # the payload's own <script> never became an element: it is all text
        assert not document.xpath("//body//script"), rel


def test_front_matter_text_reads_back_exactly_on_the_brief_page(out: Path) -> None:
    brief = page(out, BRIEF)
    assert brief.xpath("//article//h1/text()") == [TITLE]
    assert brief.xpath("//head/title/text()") == [f"{TITLE} · {SITE_TITLE}"]
    assert brief.xpath("//meta[@name='description']/@content") == [SUMMARY]
    assert brief.xpath("//meta[@property='og:title']/@content") == [TITLE]
    assert brief.xpath("//p[contains(@class, 'dek')]/text()") == [SUMMARY]
    assert brief.xpath("//ul[@class='tags']/li/a/text()") == [TAG]
    assert brief.xpath("//p[@class='byline']/a/text()") == [AUTHOR]
    assert brief.xpath("//figure//img/@alt") == [ALT]
    assert [e.text_content() for e in brief.xpath("//figcaption/span[@class='caption']")] == [CAPTION]
    assert [e.text_content() for e in brief.xpath("//figcaption/span[@class='credit']")] == [CREDIT]
    names = [e.text_content() for e in brief.xpath("//section[@class='sources']//a[@class='source-name']")]
    assert names == [REGISTRY_NAME, CITED_NAME]
    cited = [e.text_content() for e in brief.xpath("//section[@class='sources']//cite")]
    assert cited == [f"“{SOURCE_TITLE}”"]


@pytest.mark.parametrize(
    ("rel", "wanted"),
    [
        ("index.html", [TITLE, SUMMARY, TAG, AUTHOR, SITE_TITLE]),
        ("archive/index.html", [TITLE]),
        ("tags/index.html", [TAG]),
        ("sources/index.html", [REGISTRY_NAME, CITED_NAME]),
        ("authors/index.html", [AUTHOR]),
    ],
)
def test_front_matter_text_reads_back_exactly_on_list_pages(out: Path, rel: str, wanted: list[str]) -> None:
    found = texts(page(out, rel))
    for text in wanted:
        assert text in found, (rel, text)


def test_term_pages_show_their_names_exactly(out: Path) -> None:
    headings = {rel: d.xpath("//main//h1/text()") for rel, d in html_pages(out) if rel.count("/") == 2}
    assert [TAG] in headings.values()
    assert [REGISTRY_NAME] in headings.values()
    assert [CITED_NAME] in headings.values()
    assert [AUTHOR] in headings.values()


def test_nothing_is_escaped_twice(out: Path) -> None:
    for rel, document in html_pages(out):
        twice = [t for t in texts(document) if re.search(r"&(?:amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", t, re.I)]
        assert twice == [], rel


# ---------------------------------------------------------------- JSON inside <script>


def test_json_ld_reads_back_exactly(out: Path) -> None:
    (ld,) = page(out, BRIEF).xpath("//script[@type='application/ld+json']/text()")
    data = json.loads(ld)
    assert data["headline"] == TITLE
    assert data["description"] == SUMMARY
    assert data["keywords"] == [TAG]
    assert [a["name"] for a in data["author"]] == [AUTHOR]
    assert {c["name"] for c in data.get("citation", [])} >= {REGISTRY_NAME, SOURCE_TITLE}


def test_json_in_a_script_element_escapes_lt_gt_and_amp(out: Path) -> None:
    for path in sorted(out.rglob("*.html")):
        raw = path.read_text(encoding="utf-8")
        for body in re.findall(r"<script[^>]*>(.*?)</script>", raw, flags=re.S | re.I):
            assert not set(body) & set("<>&"), path
            json.loads(body)


# ---------------------------------------------------------------- feeds


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_feeds_read_back_the_exact_text(out: Path, name: str) -> None:
    feed = feedparser.parse((out / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == SITE_TITLE
    (entry,) = feed.entries
    assert entry.title == TITLE
    assert [t.term for t in entry.tags] == [TAG]
    assert entry.author == AUTHOR
    # RSS <description> is HTML (escaped text), Atom's <summary> plain text
    if name == "feed.xml":
        assert lxml.html.fragment_fromstring(entry.summary, create_parent="div").text_content() == SUMMARY
    else:
        assert (entry.summary_detail.type, entry.summary) == ("text/plain", SUMMARY)
    content = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
    assert not list(content.iter("script"))
    assert content.xpath("//figure/img/@alt") == [ALT]
    assert CAPTION in texts(content) and CREDIT in texts(content)


def test_rss_elements_hold_the_exact_text(out: Path) -> None:
    rss = lxml.etree.fromstring((out / "feed.xml").read_bytes())
    namespaces = {"media": "http://search.yahoo.com/mrss/", "dc": "http://purl.org/dc/elements/1.1/"}
    item = rss.find("channel/item")
    assert item is not None
    assert item.findtext("title") == TITLE
    assert item.findtext("category") == TAG
    assert item.findtext("dc:creator", namespaces=namespaces) == AUTHOR
    assert item.findtext("media:content/media:credit", namespaces=namespaces) == CREDIT
    assert item.findtext("media:content/media:description", namespaces=namespaces) == CAPTION


def test_the_json_feed_reads_back_the_exact_text(out: Path) -> None:
    feed = json.loads((out / "feed.json").read_bytes())
    assert feed["title"] == SITE_TITLE
    (item,) = feed["items"]
    assert (item["title"], item["summary"], item["tags"]) == (TITLE, SUMMARY, [TAG])
    assert [a["name"] for a in item["authors"]] == [AUTHOR]


# ---------------------------------------------------------------- raw HTML in Markdown

RAW_BODY = """\
A paragraph with <script>alert(1)</script> and <img src=x onerror=alert(2)> inline.

<aside class="raw-html">A block of <b>raw</b> HTML.</aside>

<iframe src="https://example.org/"></iframe>
"""


def prose_of(tmp_path: Path, allow_html: bool) -> lxml.html.HtmlElement:
    config = f'title = "Raw"\nbase_url = "{BASE_URL}"\n'
    if allow_html:
        config += "\n[markdown]\nallow_html = true\n"
    root = make_site(
        tmp_path, {"nsnbuild.toml": config, "content/briefs/2015-04-28-raw.md": brief_text(body=RAW_BODY)}
    )
    build(root)
    (prose,) = page(root / "output", "briefs/2015/04/28/raw/index.html").xpath(
        "//div[contains(@class, 'prose')]"
    )
    return prose


def test_raw_html_in_markdown_is_text_by_default(tmp_path: Path) -> None:
    prose = prose_of(tmp_path, allow_html=False)
    for tag in ("script", "img", "aside", "b", "iframe"):
        assert not list(prose.iter(tag)), tag
    text = prose.text_content()
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(2)>" in text
    assert '<aside class="raw-html">A block of <b>raw</b> HTML.</aside>' in text


def test_raw_html_in_markdown_is_kept_when_the_site_allows_it(tmp_path: Path) -> None:
    prose = prose_of(tmp_path, allow_html=True)
    assert [a.text_content() for a in prose.xpath(".//aside[@class='raw-html']")] == ["A block of raw HTML."]
    assert prose.xpath(".//iframe/@src") == ["https://example.org/"]


# ---------------------------------------------------------------- links with unsafe schemes

UNSAFE_LINKS = """\
[plain](javascript:alert(1)) [mixed](JaVaScRiPt:alert(2)) [spaced](   javascript:alert(3))
[angle](<javascript:alert(4)>) [entity](&#106;avascript:alert(5)) [hex](&#x6A;avascript&#x3A;alert(6))
[colon](javascript&colon;alert(7)) [vb](vbscript:msgbox(8)) [VB](VBScript:msgbox(9))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=) [file](file:///etc/passwd)
![img](javascript:alert(11)) ![png](data:image/png;base64,iVBORw0KGgo=)
![svg](DATA:image/svg+xml,<svg/onload=alert(12)>)
<javascript:alert(13)> <vbscript:msgbox(14)> [ref] [ref2]

[ref]: javascript:alert(15)
[ref2]: <data:text/html,<script>alert(16)</script>>

And [a safe link](https://example.org/safe) to show that links still work.
"""
LINK_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "poster", "data", "cite")


def scheme_of(url: str) -> str:
    """The scheme a browser would read: leading controls and spaces dropped, tabs and newlines ignored."""
    cleaned = re.sub(r"[\t\n\r]", "", url.lstrip("".join(map(chr, range(0x21)))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


def unsafe_links(document: lxml.html.HtmlElement) -> list[str]:
    found = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].split(":")[-1]
            if local in LINK_ATTRIBUTES and scheme_of(value) in ("javascript", "vbscript", "data", "file"):
                found.append(f"<{element.tag} {name}={value!r}>")
    return found


@pytest.mark.parametrize("allow_html", [False, True], ids=["html-off", "html-on"])
def test_links_with_unsafe_schemes_are_never_emitted(tmp_path: Path, allow_html: bool) -> None:
    config = f'title = "Links"\nbase_url = "{BASE_URL}"\n'
    if allow_html:
        config += "\n[markdown]\nallow_html = true\n"
    caption = "A caption with [a bad link](javascript:alert(17)) and [a good one](https://example.org/c)"
    extra = f"photo:\n  caption: {yaml_string(caption)}\n  credit: '[Credit](vbscript:msgbox(18))'\n"
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": config,
            "content/briefs/2015-04-28-links.md": brief_text(body=UNSAFE_LINKS, extra=extra),
        },
    )
    build(root)
    output = root / "output"
    brief = page(output, "briefs/2015/04/28/links/index.html")
    # the check is not vacuous: the safe links are there
    assert brief.xpath("//div[contains(@class, 'prose')]//a/@href") == ["https://example.org/safe"]
    assert brief.xpath("//span[@class='caption']//a/@href") == ["https://example.org/c"]
    assert "[plain](javascript:alert(1))" in brief.text_content()
    for rel, document in html_pages(output):
        assert unsafe_links(document) == [], rel
    for name in ("feed.xml", "atom.xml"):
        (entry,) = feedparser.parse((output / name).read_bytes()).entries
        content = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
        assert unsafe_links(content) == [], name
    (item,) = json.loads((output / "feed.json").read_bytes())["items"]
    content = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
    assert unsafe_links(content) == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "\x01\x02 javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6a;avascript&colon;alert(1)",
        "jav&#x09;ascript:alert(1)",
        "vbscript:msgbox(1)",
        "VbScRiPt:msgbox(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html,x",
        "file:///etc/passwd",
    ],
)
def test_unsafe_urls_are_recognised(url: str) -> None:
    assert is_unsafe_url(url)
    assert not validate_link(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/",
        "http://example.org/a?b=c",
        "/static/x.png",
        "images/x.png",
        "#source-1",
        "mailto:press@example.org",
        "//cdn.example.org/x.png",
        "javascript-guide.html",
        "?q=data:x",
    ],
)
def test_ordinary_urls_are_not_unsafe(url: str) -> None:
    assert not is_unsafe_url(url)
    assert validate_link(url)


# ---------------------------------------------------------------- unsafe URLs in front matter

FRONT_MATTER_URLS = [
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("JaVaScRiPt:alert(1)", "JaVaScRiPt:alert(1)"),
    ('"java\\tscript:alert(1)"', "java\tscript:alert(1)"),
    ("'&#106;avascript:alert(1)'", "&#106;avascript:alert(1)"),
    ("vbscript:msgbox(1)", "vbscript:msgbox(1)"),
    ("'data:image/png;base64,iVBORw0KGgo='", "data:image/png;base64,iVBORw0KGgo="),
    ("'data:text/html,<script>alert(1)</script>'", "data:text/html,<script>alert(1)</script>"),
]


@pytest.mark.parametrize(("written", "value"), FRONT_MATTER_URLS)
def test_an_unsafe_photo_src_is_an_error(tmp_path: Path, written: str, value: str) -> None:
    extra = f"photo:\n  src: {written}\n  alt: A photo\n"
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": f'title = "T"\nbase_url = "{BASE_URL}"\n',
            "content/briefs/a.md": brief_text(extra=extra),
        },
    )
    # at the value's first character, inside the quotes when it is quoted
    column = 9 if written[0] in "'\"" else 8
    assert errors_of(root) == [
        f"content/briefs/a.md:5:{column}: error: 'photo.src' must be a path under static/ or an http(s) URL, "
        f"not '{value}'"
    ]
    assert not (root / "output").exists()


@pytest.mark.parametrize(("written", "value"), FRONT_MATTER_URLS)
def test_an_unsafe_source_url_is_an_error(tmp_path: Path, written: str, value: str) -> None:
    extra = f"sources:\n  - name: Reuters\n    date: 2015-04-27\n    url: {written}\n"
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": f'title = "T"\nbase_url = "{BASE_URL}"\n',
            "content/briefs/a.md": brief_text(extra=extra, body="Talks. [Reuters, 4/27/15]\n"),
        },
    )
    shown = " ".join(value.split())
    assert errors_of(root) == [
        f"content/briefs/a.md:7:1: error: 'url' of sources entry 1 must be an http(s) URL, not '{shown}'"
    ]
    assert not (root / "output").exists()
