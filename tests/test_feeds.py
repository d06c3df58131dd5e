"""The feeds, read back the way readers read them: feedparser, json, lxml."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
from lxml import etree

from nsnbuild.build import build_site
from nsnbuild.config import Overrides
from nsnbuild.feedformats import FeedImage, absolutize
from nsnbuild.feeds import entry_content
from nsnbuild.model import BuildOptions
from nsnbuild.pool import Pool

BASE = "https://example.org/nsn/"
TRICKY = 'Iran, the IAEA & "Snapback" <Analysis>'
TRICKY_SUMMARY = 'Who said "A < B & C"? <b>Not</b> us.'
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
PHOTO_BYTES = b"\xff\xd8\xff\xe0" + b"photo" * 200 + b"\xff\xd9"

CONFIG = """\
title = "Test Briefs"
description = "Briefs for the feed tests"
base_url = "https://example.org/nsn/"
language = "en-GB"
timezone = "America/New_York"
author = "Desk Staff"
feed_items = 4
icon = "icon.png"

[publisher]
name = "Test Network"
logo = "logo.png"
"""

SOURCES = """\
["Reuters"]
url = "https://www.reuters.com/"
"""

# name -> text; the briefs, newest first: snapback, fixed-id, tariffs, (same day) alpha, beta, oldest
BRIEFS = {
    "2015-07-20-snapback.md": f"""\
---
title: {json.dumps(TRICKY)}
date: 2015-07-20
summary: {json.dumps(TRICKY_SUMMARY)}
tags: ["Iran", "Sanctions"]
authors: ["Rachel Nakamura", "Thomas Brennan"]
photo:
  src: "images/kerry.jpg"
  alt: "Kerry & Zarif <in Vienna>"
  caption: "Talks in Vienna"
  credit: "Photo: State Department"
  width: 640
  height: 480
sources:
  - name: "Reuters"
    date: "2015-07-14"
    title: "Iran deal reached"
    url: "https://www.reuters.com/iran-deal"
---

**Agreement** reached, see [the framework](2015-04-02-framework.md)
and [the first source](#source-1). [Reuters, 7/14/15]

![A map](images/map.png)

## Notes

Tom & Jerry said <this> is "fine".[^1]

[^1]: A footnote with [a link](/about/).
""",
    "2015-07-15-fixed-id.md": """\
---
title: "A Brief With a Permanent Id"
date: 2015-07-15T09:30:00+02:00
updated: 2015-08-01T12:00:00Z
id: "tag:example.org,2015:fixed-id"
tags: ["iran", "Congress"]
photo:
  src: "https://images.example.com/remote.png?size=large"
  credit: "Photo: Somebody"
---

Body of the permanent-id brief.
""",
    "2015-05-26-tariffs.md": """\
---
title: "Tariffs"
date: 2015-05-26
tags: ["Trade"]
authors: ["David Okafor"]
---

Trade text.
""",
    "2015-04-02-alpha.md": """\
---
title: "Alpha"
date: 2015-04-02
tags: ["Trade"]
---

Alpha text.
""",
    "2015-04-02-framework.md": """\
---
title: "Framework"
date: 2015-04-02
tags: ["Iran"]
summary: "The framework."
photo:
  credit: "Photo: Credit Only"
---

Framework text.
""",
    "2015-01-05-oldest.md": """\
---
title: "Oldest"
date: 2015-01-05
tags: ["Iran"]
---

Oldest text.
""",
    "2015-06-01-draft.md": """\
---
title: "A Draft"
date: 2015-06-01
draft: true
tags: ["Iran"]
---

Not published.
""",
}

ORDER = ["snapback", "fixed-id", "tariffs", "alpha", "framework", "oldest"]
URL = {
    "snapback": BASE + "briefs/2015/07/20/snapback/",
    "fixed-id": BASE + "briefs/2015/07/15/fixed-id/",
    "tariffs": BASE + "briefs/2015/05/26/tariffs/",
    "alpha": BASE + "briefs/2015/04/02/alpha/",
    "framework": BASE + "briefs/2015/04/02/framework/",
    "oldest": BASE + "briefs/2015/01/05/oldest/",
}
ID = {**URL, "fixed-id": "tag:example.org,2015:fixed-id"}


def make_site(root: Path, briefs: dict[str, str] | None = None, config: str = CONFIG) -> Path:
    (root / "content" / "briefs").mkdir(parents=True)
    (root / "content" / "pages").mkdir()
    (root / "static" / "images").mkdir(parents=True)
    (root / "nsnbuild.toml").write_text(config)
    (root / "sources.toml").write_text(SOURCES)
    (root / "static" / "images" / "kerry.jpg").write_bytes(PHOTO_BYTES)
    (root / "static" / "images" / "map.png").write_bytes(b"png")
    (root / "static" / "icon.png").write_bytes(b"icon")
    (root / "static" / "logo.png").write_bytes(b"logo")
    (root / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\n\nAbout us.\n")
    for name, text in (BRIEFS if briefs is None else briefs).items():
        (root / "content" / "briefs" / name).write_text(text)
    return root


def build(root: Path, output: Path | None = None, use_cache: bool = True, jobs: int = 1) -> Path:
    out = output or root / "output"
    options = BuildOptions(now=NOW, use_cache=use_cache, jobs=jobs)
    with Pool(jobs) as workers:
        build_site(root, Overrides(output_dir=out), options, workers)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("site"))
    return build(root)


def rss(out: Path, folder: str = "") -> Any:
    parsed = feedparser.parse((out / folder / "feed.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    return parsed


def atom(out: Path, folder: str = "") -> Any:
    parsed = feedparser.parse((out / folder / "atom.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def jsonfeed(out: Path, folder: str = "") -> Any:
    feed = json.loads((out / folder / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    return feed


def xml(out: Path, name: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(str(out / name), parser).getroot()


def content_urls(fragment: str) -> Iterator[tuple[str, str]]:
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in root.iter(etree.Element):
        for name in ("href", "src", "srcset", "poster"):
            value = element.get(name)
            if value is not None:
                yield name, value


# --- entries, order, ids -------------------------------------------------------------


def test_site_feeds_list_the_newest_briefs_newest_first(site: Path) -> None:
    wanted = ORDER[:4]  # feed_items = 4; the draft is left out
    assert [e.link for e in rss(site).entries] == [URL[s] for s in wanted]
    assert [e.link for e in atom(site).entries] == [URL[s] for s in wanted]
    assert [i["url"] for i in jsonfeed(site)["items"]] == [URL[s] for s in wanted]


def test_ids_are_permalinks_or_the_front_matter_id(site: Path) -> None:
    wanted = [ID[s] for s in ORDER[:4]]
    assert [e.id for e in rss(site).entries] == wanted
    assert [e.id for e in atom(site).entries] == wanted
    assert [i["id"] for i in jsonfeed(site)["items"]] == wanted
    guids = xml(site, "feed.xml").findall("channel/item/guid")
    assert [(g.text, g.get("isPermaLink")) for g in guids] == [
        (ID[s], "false" if s == "fixed-id" else "true") for s in ORDER[:4]
    ]


# --- escaping ------------------------------------------------------------------------


def test_tricky_title_comes_out_exactly_as_written(site: Path) -> None:
    assert rss(site).entries[0].title == TRICKY
    assert atom(site).entries[0].title == TRICKY
    assert jsonfeed(site)["items"][0]["title"] == TRICKY
    assert xml(site, "feed.xml").find("channel/item/title").text == TRICKY
    assert xml(site, "atom.xml").find(f"{ATOM}entry/{ATOM}title").text == TRICKY
    page = lxml.html.parse(str(site / "briefs/2015/07/20/snapback/index.html")).getroot()
    assert page.find(".//h1").text_content() == TRICKY
    assert page.find(".//title").text_content().startswith(TRICKY)


def test_summary_is_plain_text_everywhere(site: Path) -> None:
    # RSS description is HTML to readers: the summary is escaped once more for it
    description = rss(site).entries[0].summary
    assert lxml.html.fragment_fromstring(description, create_parent="div").text_content() == TRICKY_SUMMARY
    assert html.unescape(description) == TRICKY_SUMMARY
    entry = atom(site).entries[0]
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == TRICKY_SUMMARY
    assert jsonfeed(site)["items"][0]["summary"] == TRICKY_SUMMARY


# --- content -------------------------------------------------------------------------


def test_summary_and_full_content_are_where_readers_look(site: Path) -> None:
    item = xml(site, "feed.xml").find("channel/item")
    assert "Agreement" not in item.find("description").text
    full = item.find(f"{CONTENT}encoded").text
    assert "<strong>Agreement</strong>" in full
    assert "Iran deal reached" in full  # the Sources list
    entry = xml(site, "atom.xml").find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}content").get("type") == "html"
    assert entry.find(f"{ATOM}content").text == full
    assert entry.find(f"{ATOM}summary").text == TRICKY_SUMMARY
    assert jsonfeed(site)["items"][0]["content_html"] == full
    # the text of the body is kept exactly, escaping included
    text = lxml.html.fragment_fromstring(full, create_parent="div").text_content()
    assert 'Tom & Jerry said <this> is "fine".' in text


def test_every_url_in_content_is_absolute(site: Path) -> None:
    checked = 0
    for folder in ("", "tags/iran/", "tags/trade/"):
        # as written (feedparser's sanitizer would hide some attributes) and as read
        contents = [e.text for e in xml(site, folder + "feed.xml").iter(f"{CONTENT}encoded")]
        contents += [e.text for e in xml(site, folder + "atom.xml").iter(f"{ATOM}content")]
        contents += [i["content_html"] for i in jsonfeed(site, folder)["items"]]
        contents += [e.content[0].value for e in rss(site, folder).entries]
        contents += [e.content[0].value for e in atom(site, folder).entries]
        for fragment in contents:
            for _, url in content_urls(fragment):
                parts = urlsplit(url)
                assert parts.scheme in ("http", "https") and parts.netloc, url
                checked += 1
    assert checked > 20


def test_links_in_content_point_at_the_right_pages(site: Path) -> None:
    full = jsonfeed(site)["items"][0]["content_html"]
    urls = dict.fromkeys(url for _, url in content_urls(full))
    permalink = URL["snapback"]
    assert URL["framework"] in urls  # a link to another brief's .md file
    assert permalink + "#source-1" in urls  # a fragment points at the brief's page
    assert permalink + "#fn1" in urls  # the footnote marker
    assert BASE + "images/map.png" in urls
    assert BASE + "images/kerry.jpg" in urls
    assert BASE + "about/" in urls
    assert BASE + "sources/reuters/" in urls
    assert any(u.startswith(permalink + "#source-") for u in urls)  # citation markers
    assert all("nsn-" not in u for u in urls)
    # ids inside the content are prefixed, so entries of one feed never share one
    root = lxml.html.fragment_fromstring(full, create_parent="div")
    ids = [e.get("id") for e in root.iter(etree.Element) if e.get("id")]
    # prefixed with the brief's date and slug, so two briefs' notes never share an id
    assert ids and all(i.startswith("20150720-snapback-") for i in ids)


def test_photo_is_media_content_and_enclosure(site: Path) -> None:
    image = BASE + "images/kerry.jpg"
    item = xml(site, "feed.xml").find("channel/item")
    enclosure = item.find("enclosure")
    assert enclosure.attrib == {"url": image, "length": str(len(PHOTO_BYTES)), "type": "image/jpeg"}
    media = item.find(f"{MEDIA}content")
    assert media.get("url") == image
    assert media.get("medium") == "image"
    assert media.get("fileSize") == str(len(PHOTO_BYTES))
    assert media.get("width") == "640"
    assert media.find(f"{MEDIA}credit").text == "Photo: State Department"
    entry = atom(site).entries[0]
    links = [link for link in entry.links if link.rel == "enclosure"]
    assert [(link.href, link.type, link.length) for link in links] == [
        (image, "image/jpeg", str(len(PHOTO_BYTES)))
    ]
    assert xml(site, "atom.xml").find(f"{ATOM}entry/{MEDIA}content/{MEDIA}credit") is not None
    assert jsonfeed(site)["items"][0]["image"] == image
    parsed = rss(site).entries[0]
    assert parsed.enclosures[0].href == image
    assert parsed.media_content[0]["url"] == image
    # in the content: the photo, its caption and credit, escaped alt
    full = jsonfeed(site)["items"][0]["content_html"]
    img = lxml.html.fragment_fromstring(full, create_parent="div").find(".//figure/img")
    assert img.get("alt") == "Kerry & Zarif <in Vienna>"
    assert "Photo: State Department" in full


def test_remote_photo_and_credit_only_photo(site: Path) -> None:
    items = xml(site, "feed.xml").findall("channel/item")
    remote = "https://images.example.com/remote.png?size=large"
    enclosure = items[1].find("enclosure")
    assert enclosure.attrib == {"url": remote, "length": "0", "type": "image/png"}
    assert items[1].find(f"{MEDIA}content").get("fileSize") is None
    assert items[1].find(f"{MEDIA}content/{MEDIA}credit").text == "Photo: Somebody"
    # a credit without a photo is no enclosure, but the credit line is in the content
    framework = jsonfeed(site, "tags/iran/")["items"][2]
    assert framework["url"] == URL["framework"]
    assert "image" not in framework
    assert "Photo: Credit Only" in framework["content_html"]
    assert xml(site, "tags/iran/feed.xml").findall("channel/item")[2].find("enclosure") is None


# --- metadata ------------------------------------------------------------------------


def test_feed_metadata(site: Path) -> None:
    feed = rss(site).feed
    assert feed.title == "Test Briefs"
    assert feed.subtitle == "Briefs for the feed tests"
    assert feed.link == BASE
    assert feed.language == "en-GB"
    assert feed.generator.startswith("nsnbuild")
    channel = xml(site, "feed.xml").find("channel")
    assert channel.find("link").text == BASE
    assert channel.find(f"{ATOM}link").attrib == {
        "href": BASE + "feed.xml",
        "rel": "self",
        "type": "application/rss+xml",
    }
    assert channel.find("image/url").text == BASE + "logo.png"
    assert channel.find("image/link").text == BASE
    afeed = atom(site).feed
    assert afeed.title == "Test Briefs"
    assert afeed.id == BASE
    links = {(link.rel, link.href) for link in afeed.links}
    assert links == {("alternate", BASE), ("self", BASE + "atom.xml")}
    assert afeed.icon == BASE + "icon.png"
    assert afeed.logo == BASE + "logo.png"
    assert afeed.author_detail.name == "Test Network"
    root = xml(site, "atom.xml")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    assert root.find(f"{ATOM}generator").text == "nsnbuild"
    jfeed = jsonfeed(site)
    assert jfeed["title"] == "Test Briefs"
    assert jfeed["home_page_url"] == BASE
    assert jfeed["feed_url"] == BASE + "feed.json"
    assert jfeed["language"] == "en-GB"
    assert jfeed["favicon"] == BASE + "icon.png"
    assert jfeed["icon"] == BASE + "logo.png"
    assert jfeed["authors"] == [{"name": "Test Network"}]


def test_authors_by_name_never_fake_emails(site: Path) -> None:
    items = xml(site, "feed.xml").findall("channel/item")
    creators = [[c.text for c in item.findall(f"{DC}creator")] for item in items]
    assert creators == [
        ["Rachel Nakamura", "Thomas Brennan"],
        ["Desk Staff"],
        ["David Okafor"],
        ["Desk Staff"],
    ]
    assert all(item.find("author") is None for item in items)
    assert "@" not in (site / "feed.xml").read_text()
    entries = atom(site).entries
    assert [a.name for a in entries[0].authors] == ["Rachel Nakamura", "Thomas Brennan"]
    assert [a.name for a in entries[1].authors] == ["Desk Staff"]
    assert all("email" not in a for e in entries for a in e.authors)
    items_json = jsonfeed(site)["items"]
    assert items_json[0]["authors"] == [{"name": "Rachel Nakamura"}, {"name": "Thomas Brennan"}]


def test_categories_from_tags(site: Path) -> None:
    assert [t.term for t in rss(site).entries[0].tags] == ["Iran", "Sanctions"]
    assert [t.term for t in atom(site).entries[0].tags] == ["Iran", "Sanctions"]
    assert jsonfeed(site)["items"][0]["tags"] == ["Iran", "Sanctions"]
    # "iran" is the same tag as "Iran": named as on the tag page
    assert [t.term for t in atom(site).entries[1].tags] == ["Iran", "Congress"]


# --- dates ---------------------------------------------------------------------------


def test_dates_rfc822_rfc3339_and_from_front_matter(site: Path) -> None:
    new_york = dt.timezone(dt.timedelta(hours=-4))
    published = dt.datetime(2015, 7, 20, tzinfo=new_york)
    item = xml(site, "feed.xml").find("channel/item")
    assert email.utils.parsedate_to_datetime(item.find("pubDate").text) == published
    assert item.find("pubDate").text == "Mon, 20 Jul 2015 00:00:00 -0400"
    lastbuild = xml(site, "feed.xml").find("channel/lastBuildDate").text
    assert email.utils.parsedate_to_datetime(lastbuild) == dt.datetime(2015, 8, 1, 12, tzinfo=dt.UTC)
    root = xml(site, "atom.xml")
    entries = root.findall(f"{ATOM}entry")
    assert entries[0].find(f"{ATOM}published").text == "2015-07-20T00:00:00-04:00"
    assert entries[0].find(f"{ATOM}updated").text == "2015-07-20T00:00:00-04:00"
    assert entries[1].find(f"{ATOM}published").text == "2015-07-15T03:30:00-04:00"
    assert entries[1].find(f"{ATOM}updated").text == "2015-08-01T08:00:00-04:00"
    # the feed's updated is its newest brief's, here an update, never the clock
    assert root.find(f"{ATOM}updated").text == "2015-08-01T08:00:00-04:00"
    rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
    for element in root.iter(f"{ATOM}updated", f"{ATOM}published"):
        assert rfc3339.match(element.text), element.text
    items = jsonfeed(site)["items"]
    assert items[1]["date_published"] == "2015-07-15T03:30:00-04:00"
    assert items[1]["date_modified"] == "2015-08-01T08:00:00-04:00"
    for element in xml(site, "tags/trade/feed.xml").iter("pubDate", "lastBuildDate"):
        assert email.utils.parsedate_to_datetime(element.text) is not None


def test_no_clock_time_anywhere(site: Path) -> None:
    this_year = str(dt.datetime.now(dt.UTC).year)
    for path in site.rglob("*"):
        if path.name in ("feed.xml", "atom.xml", "feed.json"):
            assert this_year not in path.read_text(), path


# --- per tag -------------------------------------------------------------------------


def test_tag_feeds_hold_only_their_tag(site: Path) -> None:
    # Iran: snapback, fixed-id ("iran"), framework, oldest; never the draft
    wanted = [URL[s] for s in ("snapback", "fixed-id", "framework", "oldest")]
    assert [e.link for e in rss(site, "tags/iran/").entries] == wanted
    assert [e.link for e in atom(site, "tags/iran/").entries] == wanted
    assert [i["url"] for i in jsonfeed(site, "tags/iran/")["items"]] == wanted
    assert [e.link for e in rss(site, "tags/trade/").entries] == [URL["tariffs"], URL["alpha"]]
    assert [e.link for e in rss(site, "tags/sanctions/").entries] == [URL["snapback"]]
    feed = rss(site, "tags/trade/").feed
    assert feed.link == BASE + "tags/trade/"
    assert "Trade" in feed.title
    channel = xml(site, "tags/trade/feed.xml").find("channel")
    assert channel.find(f"{ATOM}link").get("href") == BASE + "tags/trade/feed.xml"
    assert {(link.rel, link.href) for link in atom(site, "tags/trade/").feed.links} == {
        ("alternate", BASE + "tags/trade/"),
        ("self", BASE + "tags/trade/atom.xml"),
    }
    assert jsonfeed(site, "tags/trade/")["feed_url"] == BASE + "tags/trade/feed.json"
    # a tag feed's date is its own newest brief's
    updated = xml(site, "tags/trade/atom.xml").find(f"{ATOM}updated").text
    assert updated == "2015-05-26T00:00:00-04:00"


def test_pages_link_the_feeds(site: Path) -> None:
    def alternates(rel: str) -> set[str]:
        page = lxml.html.parse(str(site / rel)).getroot()
        return {link.get("href") for link in page.iter("link") if link.get("rel") == "alternate"}

    site_feeds = {BASE + "feed.xml", BASE + "atom.xml", BASE + "feed.json"}
    assert alternates("index.html") == site_feeds
    assert alternates("briefs/2015/07/20/snapback/index.html") == site_feeds
    tag = BASE + "tags/trade/"
    assert alternates("tags/trade/index.html") == site_feeds | {
        tag + "feed.xml",
        tag + "atom.xml",
        tag + "feed.json",
    }


# --- determinism, empty site -----------------------------------------------------------


def feed_bytes(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.name in ("feed.xml", "atom.xml", "feed.json")
    }


def test_rebuilds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    root = site.parent
    first = feed_bytes(site)
    assert len(first) == 3 * (1 + 4)  # the site and its four tags
    time.sleep(1.1)  # a clock-stamped date would differ now
    again = build(root, tmp_path / "again", use_cache=False)
    assert feed_bytes(again) == first
    parallel = build(root, tmp_path / "parallel", use_cache=False, jobs=2)
    assert feed_bytes(parallel) == first


def test_a_site_without_briefs_writes_valid_feeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1420070400")
    out = build(make_site(tmp_path / "empty", briefs={}))
    assert rss(out).entries == []
    assert atom(out).entries == []
    assert jsonfeed(out)["items"] == []
    assert xml(out, "atom.xml").find(f"{ATOM}updated").text == "2015-01-01T00:00:00+00:00"
    assert xml(out, "feed.xml").find("channel/lastBuildDate").text == "Thu, 01 Jan 2015 00:00:00 +0000"
    assert not (out / "tags" / "iran").exists()


# --- the content helpers -------------------------------------------------------------


def test_absolutize_covers_raw_html() -> None:
    page = "https://example.org/nsn/briefs/2015/07/20/x/"
    fragment = (
        "<p><a href='../y/'>y</a> <a href=\"#fn1\" aria-describedby='fn-label'>1</a>"
        '<img src="/img/a.png" srcset="a.png 1x, /b.png 2x" alt="x &amp; y">'
        '<video poster="p.jpg" src="v.mp4"></video> <a href="mailto:a@example.org">m</a></p>'
        '<p id="fn1">Tom &amp; Jerry &lt;3 "quotes"</p>'
        '<span id="fn-label">label</span>'
    )
    out = absolutize(fragment, page, "x-")
    root = lxml.html.fragment_fromstring(out, create_parent="div")
    anchors = root.findall(".//a")
    assert anchors[0].get("href") == "https://example.org/nsn/briefs/2015/07/20/y/"
    assert anchors[1].get("href") == page + "#fn1"
    assert anchors[1].get("aria-describedby") == "x-fn-label"
    assert anchors[2].get("href") == "mailto:a@example.org"
    img = root.find(".//img")
    assert img.get("src") == "https://example.org/img/a.png"
    assert img.get("srcset") == page + "a.png 1x, https://example.org/b.png 2x"
    assert img.get("alt") == "x & y"
    video = root.find(".//video")
    assert (video.get("poster"), video.get("src")) == (page + "p.jpg", page + "v.mp4")
    assert [e.get("id") for e in root.iter(etree.Element) if e.get("id")] == ["x-fn1", "x-fn-label"]
    assert root.findall(".//p")[1].text == 'Tom & Jerry <3 "quotes"'
    assert absolutize("", page, "x-") == ""


def test_entry_content_photo_figure() -> None:
    image = FeedImage("https://example.org/a.jpg", "image/jpeg", 10, 640, None, 'a "b"', "c", "d")
    out = entry_content("<p>body</p>", "<ol><li>s</li></ol>", image, ("cap", "cred"), "https://e.org/p/", "")
    root = lxml.html.fragment_fromstring(out, create_parent="div")
    img = root.find("figure/img")
    assert (img.get("src"), img.get("alt"), img.get("width"), img.get("height")) == (
        "https://example.org/a.jpg",
        'a "b"',
        "640",
        None,
    )
    assert root.find("figure/figcaption").text_content() == "cap cred"
    assert [child.tag for child in root] == ["figure", "p", "ol"]
    credit_only = entry_content("<p>body</p>", "", None, (None, "cred"), "https://e.org/p/", "")
    assert credit_only.startswith('<p class="photo-credit"><span class="credit">cred</span></p>')


def test_feed_writers_keep_to_what_xml_and_the_date_formats_allow() -> None:
    from zoneinfo import ZoneInfo

    from nsnbuild.feedformats import FeedEntry, FeedSpec
    from nsnbuild.feeds import FeedJob, render_feed_job

    # 1850 in New York is local mean time, -4:56:02: no RFC 822 or RFC 3339 offset has seconds
    old = dt.datetime(1850, 3, 1, tzinfo=ZoneInfo("America/New_York"))
    spec = FeedSpec("Bell\x07 feed", "", BASE, BASE, "en", "P", "1", old)
    entry = FeedEntry(BASE + "a/", BASE + "a/", "Tab\tand\x0bvt", "s\x0c", "", old, old, ("A\x01",), (), None)
    files = dict(render_feed_job(FeedJob("", "k", spec, ((entry, "k"),)), ["<p>x\x08y</p>"]))
    parsed = feedparser.parse(files["feed.xml"])
    assert parsed.bozo == 0
    assert parsed.feed.title == "Bell feed"
    assert parsed.entries[0].title == "Tab\tandvt"
    assert parsed.entries[0].published == "Fri, 01 Mar 1850 04:56:02 +0000"
    assert feedparser.parse(files["atom.xml"]).entries[0].updated == "1850-03-01T04:56:02+00:00"
    item = json.loads(files["feed.json"])["items"][0]
    assert item["content_html"] == "<p>xy</p>"
    assert item["date_published"] == "1850-03-01T04:56:02+00:00"
    assert item["authors"] == [{"name": "A"}]
    atom_entry = etree.fromstring(files["atom.xml"]).find(f"{ATOM}entry")
    assert [link.attrib for link in atom_entry.findall(f"{ATOM}link")] == [
        {"href": BASE + "a/", "rel": "alternate", "type": "text/html"}
    ]


def test_raw_html_urls_are_made_absolute_too(tmp_path: Path) -> None:
    raw = """\
---
title: "Raw"
date: 2015-03-01
---

<p class='raw'><a href='../../../../../about/'>about</a>
<img src='images/map.png' srcset='images/map.png 1x, /nsn/images/map.png 2x' alt=''></p>

<video poster="images/map.png" src="clip.mp4"></video>
"""
    config = CONFIG + "\n[markdown]\nallow_html = true\n"
    out = build(make_site(tmp_path, briefs={"2015-03-01-raw.md": raw}, config=config))
    permalink = BASE + "briefs/2015/03/01/raw/"
    for fragment in (  # raw, since feedparser's sanitizer drops srcset
        xml(out, "feed.xml").find(f"channel/item/{CONTENT}encoded").text,
        xml(out, "atom.xml").find(f"{ATOM}entry/{ATOM}content").text,
        jsonfeed(out)["items"][0]["content_html"],
    ):
        urls = [
            part.split()[0] if name == "srcset" else part
            for name, value in content_urls(fragment)
            for part in (value.split(",") if name == "srcset" else [value])
        ]
        assert all(urlsplit(u).scheme == "https" for u in urls), urls
        assert BASE + "about/" in urls
        assert BASE + "images/map.png" in urls
        assert permalink + "images/map.png" in urls
        assert permalink + "clip.mp4" in urls
