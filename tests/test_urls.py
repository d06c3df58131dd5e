"""Where every page goes, and that every link, feed and sitemap entry points there."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest
from conftest import CONFIG, brief_text, build, build_failure, errors_of, make_site, shown

BASE = "https://example.org/nsn/"


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def page_url(base: str, rel: str) -> str:
    """The public URL of an output file: folders for index.html (pretty URLs)."""
    return base + rel.removesuffix("index.html")


def output_file(output: Path, base: str, url: str) -> Path | None:
    """The output file a URL under base is served from, or None when it is outside the site."""
    if not url.startswith(base):
        return None
    path = unquote(urlsplit(url).path)[len(urlsplit(base).path) :]
    return output / (path + "index.html" if path == "" or path.endswith("/") else path)


def home_links(output: Path) -> list[str]:
    return html(output / "index.html").xpath("//main//h2/a/@href")


# ---------------------------------------------------------------- briefs


def test_a_brief_goes_to_its_date_and_slug_not_its_title(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/2015/2015-04-28-us-japan.md": brief_text(
                title="New Guidelines for an Old Alliance"
            ),
        },
    )
    build(root)
    output = root / "output"
    page = output / "briefs/2015/04/28/us-japan/index.html"
    assert html(page).xpath("//h1/text()") == ["New Guidelines for an Old Alliance"]
    assert home_links(output) == ["/briefs/2015/04/28/us-japan/"]

    (root / "content/briefs/2015/2015-04-28-us-japan.md").write_text(brief_text(title="A Different Headline"))
    build(root)
    assert html(page).xpath("//h1/text()") == ["A Different Headline"]
    assert home_links(output) == ["/briefs/2015/04/28/us-japan/"]


@pytest.mark.parametrize(
    ("timezone", "written", "folder"),
    [
        ("America/New_York", "2015-04-28T02:00:00Z", "briefs/2015/04/27/a/"),
        ("Asia/Tokyo", "2015-04-27T20:00:00+00:00", "briefs/2015/04/28/a/"),
        ("UTC", "2015-04-28T23:30:00-05:00", "briefs/2015/04/29/a/"),
        ("America/New_York", "2015-04-28", "briefs/2015/04/28/a/"),
    ],
)
def test_the_date_in_a_brief_url_is_read_in_the_site_timezone(
    tmp_path: Path, timezone: str, written: str, folder: str
) -> None:
    config = CONFIG + f'timezone = "{timezone}"\n'
    root = make_site(tmp_path, {"nsnbuild.toml": config, "content/briefs/a.md": brief_text(date=written)})
    build(root)
    assert (root / "output" / folder / "index.html").is_file()
    assert home_links(root / "output") == ["/" + folder]


def test_two_briefs_with_one_url_is_an_error_naming_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/2015-04-28-alliance.md": brief_text(title="One"),
            "content/briefs/2015/alliance.md": brief_text(title="Two"),
        },
    )
    monkeypatch.chdir(root)
    errors = errors_of(root)
    assert len(errors) == 1
    assert (
        "error: output path 'briefs/2015/04/28/alliance/index.html' is claimed both by this file and by"
        in (errors[0])
    )
    assert "content/briefs/2015-04-28-alliance.md" in errors[0]
    assert "content/briefs/2015/alliance.md" in errors[0]
    assert not (root / "output").exists()


# ---------------------------------------------------------------- pages


def test_a_page_goes_to_its_slug_and_is_in_the_navigation(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(),
            "content/pages/about.md": "---\ntitle: About\n---\nWho we are.\n",
            "content/pages/contact-form.md": "---\ntitle: Contact\nslug: contact\n---\nWrite to us.\n",
        },
    )
    build(root)
    output = root / "output"
    assert html(output / "about/index.html").xpath("//main//p/text()") == ["Who we are."]
    assert html(output / "contact/index.html").xpath("//main//p/text()") == ["Write to us."]
    assert not (output / "contact-form").exists()
    nav = html(output / "index.html").xpath("//nav[@class='site-nav']//a")
    assert {(a.text, a.get("href")) for a in nav} >= {("About", "/about/"), ("Contact", "/contact/")}


RESERVED = ["page", "briefs", "archive", "tags", "sources", "authors", "assets", "feed"]


def test_a_reserved_page_slug_is_an_error(tmp_path: Path) -> None:
    pages = {
        f"content/pages/mine-{n}.md": f"---\ntitle: Mine\nslug: {slug}\n---\nText.\n"
        for n, slug in enumerate(RESERVED)
    }
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, **pages})
    errors = errors_of(root)
    for n, slug in enumerate(RESERVED):
        message = (
            f"content/pages/mine-{n}.md:1:1: error: page slug '{slug}' is reserved for the site's own pages; "
            "choose another"
        )
        assert message in errors
    assert not (root / "output").exists()


def test_two_pages_with_one_slug_is_an_error_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/pages/about.md": "---\ntitle: About\n---\nText.\n",
            "content/pages/about-us.md": "---\ntitle: About us\nslug: about\n---\nText.\n",
        },
    )
    monkeypatch.chdir(root)
    assert errors_of(root) == [
        "content/pages/about.md:1:1: error: output path 'about/index.html' is claimed both by this file "
        "and by content/pages/about-us.md"
    ]


def test_a_static_file_cannot_take_a_generated_path(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "static/feed.xml": "<rss/>"})
    assert errors_of(root) == [
        "static/feed.xml:1:1: error: "
        "output path 'feed.xml' is claimed both by this file and by a page nsnbuild makes"
    ]


def test_every_clash_of_output_paths_is_reported_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # other files are named from the working folder
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/alliance.md": brief_text(extra="tags: [Iran]\n"),
            "static/feed.xml": "<rss/>",
            "static/tags/iran/index.html": "mine",
            "static/page/2/index.html": "mine",
            "static/briefs/2015/04/28/alliance/index.html": "mine",
            "static/briefs/2015/04/27/other/index.html/x.png": "mine",
        },
    )
    (root / "content/briefs/other.md").write_text(brief_text(date="2015-04-27"))
    (root / "nsnbuild.toml").write_text(CONFIG + "briefs_per_page = 1\n")
    clashes = [
        "content/briefs/other.md:1:1: error: output path 'briefs/2015/04/27/other/index.html' would be "
        "both a file and the folder of 'briefs/2015/04/27/other/index.html/x.png' "
        "(static/briefs/2015/04/27/other/index.html/x.png)",
        "static/briefs/2015/04/28/alliance/index.html:1:1: error: output path "
        "'briefs/2015/04/28/alliance/index.html' is claimed both by this file and by "
        "content/briefs/alliance.md",
        "static/feed.xml:1:1: error: "
        "output path 'feed.xml' is claimed both by this file and by a page nsnbuild makes",
        "static/page/2/index.html:1:1: error: "
        "output path 'page/2/index.html' is claimed both by this file and by a page nsnbuild makes",
        "static/tags/iran/index.html:1:1: error: "
        "output path 'tags/iran/index.html' is claimed both by this file and by a page nsnbuild makes",
    ]
    assert errors_of(root) == clashes
    # and beside the site's other errors, which stop the build before it is planned
    (root / "content/briefs/broken.md").write_text(brief_text(date="2015-02-30"))
    assert errors_of(root) == [
        "content/briefs/broken.md:3:1: error: date '2015-02-30' is not a day in the calendar: "
        "February 2015 has 28 days",
        *clashes,
    ]


# ---------------------------------------------------------------- a site under a path

NSN_CONFIG = f"""title = "The Brief"
base_url = "{BASE}"
timezone = "America/New_York"
briefs_per_page = 1
icon = "favicon.ico"

[publisher]
logo = "images/logo.png"
"""

IRAN = """---
title: Iran Framework
date: 2015-04-02
tags: [Iran, Nuclear]
authors: [Margaret Ellison]
sources:
  - name: Reuters
    date: 2015-04-02
    url: https://www.reuters.com/iran
---
Negotiators agreed a framework in Lausanne. [Reuters, 4/2/15]
"""

JAPAN = """---
title: US-Japan Guidelines
date: 2015-04-28
tags: [Japan]
authors: [David Okafor]
photo:
  src: images/map.png
  alt: A map
  credit: "Map: staff [Reuters, 4/27/15]"
---
The guidelines follow [the Iran framework](../2015-04-02-iran.md#talks), as
[our about page](../../pages/about.md) explains; see also [the archive](/archive/)
and [the tags](/tags/).

![A map of the region](images/map.png)

Officials met on Monday. [Reuters, 4/27/15. WSJ, 4/27/15]
"""

ABOUT = """---
title: About
---
We write [briefs](../briefs/2015/2015-04-28-us-japan.md). Every source is listed
on [the sources page](../sources/).
"""

REGISTRY = """["Reuters"]
url = "https://www.reuters.com/"

["Wall Street Journal"]
url = "https://www.wsj.com/"
aliases = ["WSJ"]
"""


@pytest.fixture(scope="module")
def nsn_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site published under https://example.org/nsn/, built once for the tests below."""
    root = make_site(
        tmp_path_factory.mktemp("nsn"),
        {
            "nsnbuild.toml": NSN_CONFIG,
            "sources.toml": REGISTRY,
            "static/favicon.ico": b"\x00\x00\x01\x00",
            "static/images/logo.png": b"\x89PNG logo",
            "static/images/map.png": b"\x89PNG map",
            "content/briefs/2015-04-02-iran.md": IRAN,
            "content/briefs/2015/2015-04-28-us-japan.md": JAPAN,
            "content/pages/about.md": ABOUT,
        },
    )
    result = build(root)
    assert shown(result.diagnostics, root) == []
    return root / "output"


def html_files(output: Path) -> list[str]:
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))


def test_pretty_urls_every_page_is_a_folder_with_index_html(nsn_site: Path) -> None:
    pages = html_files(nsn_site)
    assert "about/index.html" in pages
    assert "briefs/2015/04/28/us-japan/index.html" in pages
    assert "page/2/index.html" in pages
    assert [p for p in pages if not p.endswith("/index.html") and p != "index.html"] == ["404.html"]


def test_every_link_in_every_page_stays_under_the_base_path_and_finds_its_page(nsn_site: Path) -> None:
    outside: list[str] = []
    broken: list[str] = []
    checked = 0
    for rel in html_files(nsn_site):
        here = page_url(BASE, rel)
        document = html(nsn_site / rel)
        for element, attribute, link, _ in document.iterlinks():
            if attribute not in ("href", "src") or link.startswith("mailto:"):
                continue
            target = urljoin(here, link)
            if urlsplit(target).netloc != "example.org":
                continue
            checked += 1
            if (link.startswith("/") and not link.startswith("/nsn/")) or not target.startswith(BASE):
                outside.append(f"{rel}: <{element.tag} {attribute}={link!r}>")
                continue
            found = output_file(nsn_site, BASE, target.split("#")[0].split("?")[0])
            if found is None or not found.is_file():
                broken.append(f"{rel}: <{element.tag} {attribute}={link!r}>")
    assert outside == []
    assert broken == []
    assert checked > 100


def test_root_relative_links_carry_the_base_path(nsn_site: Path) -> None:
    hrefs = []
    for rel in html_files(nsn_site):
        hrefs += [h for h in html(nsn_site / rel).xpath("//@href | //@src") if h.startswith("/")]
    assert hrefs
    assert [h for h in hrefs if not h.startswith("/nsn/")] == []
    # pretty URLs: links name the folder, never its index.html
    assert [h for h in hrefs if h.split("#")[0].endswith("index.html")] == []


def test_canonical_links_are_absolute_under_base_url(nsn_site: Path) -> None:
    for rel in html_files(nsn_site):
        if rel == "404.html":
            continue
        document = html(nsn_site / rel)
        assert document.xpath("//link[@rel='canonical']/@href") == [page_url(BASE, rel)], rel
        assert document.xpath("//meta[@property='og:url']/@content") == [page_url(BASE, rel)], rel
        absolute = [c for c in document.xpath("//meta/@content") if "://" in c]
        assert [c for c in absolute if not c.startswith(BASE)] == [], rel


def test_relative_links_to_markdown_files_become_page_urls(nsn_site: Path) -> None:
    brief = html(nsn_site / "briefs/2015/04/28/us-japan/index.html")
    links = {a.text_content(): a.get("href") for a in brief.xpath("//div[contains(@class, 'prose')]//a")}
    assert links["the Iran framework"] == "/nsn/briefs/2015/04/02/iran/#talks"
    assert links["our about page"] == "/nsn/about/"
    assert links["the archive"] == "/nsn/archive/"
    assert links["the tags"] == "/nsn/tags/"
    assert brief.xpath("//div[contains(@class, 'prose')]//img/@src") == ["/nsn/images/map.png"]
    about = html(nsn_site / "about/index.html")
    about_links = {a.text_content(): a.get("href") for a in about.xpath("//main//a")}
    assert about_links["briefs"] == "/nsn/briefs/2015/04/28/us-japan/"
    assert about_links["the sources page"] == "../sources/"


def test_feeds_use_absolute_urls_under_base_url(nsn_site: Path) -> None:
    for name in ("feed.xml", "atom.xml", "tags/iran/feed.xml", "tags/iran/atom.xml"):
        feed = feedparser.parse((nsn_site / name).read_bytes())
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert feed.entries, name
        for entry in feed.entries:
            assert entry.link.startswith(BASE + "briefs/2015/"), name
            assert output_file(nsn_site, BASE, entry.link).is_file()
            assert entry.id.startswith(BASE), name
            body = lxml.html.fromstring(entry.content[0].value)
            for _, attribute, link, _ in body.iterlinks():
                if attribute in ("href", "src") and "example.org" in link:
                    assert link.startswith(BASE), (name, link)
        self_links = [link.href for link in feed.feed.links if link.rel == "self"]
        assert self_links == [BASE + name]


def test_the_json_feed_uses_absolute_urls_under_base_url(nsn_site: Path) -> None:
    feed = json.loads((nsn_site / "feed.json").read_text(encoding="utf-8"))
    assert feed["home_page_url"] == BASE
    assert feed["feed_url"] == BASE + "feed.json"
    assert [item["url"] for item in feed["items"]] == [
        BASE + "briefs/2015/04/28/us-japan/",
        BASE + "briefs/2015/04/02/iran/",
    ]
    assert feed["items"][0]["image"] == BASE + "images/map.png"


def test_feeds_link_to_the_home_page(nsn_site: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((nsn_site / name).read_bytes())
        assert feed.feed.link == BASE, name


def test_the_sitemap_lists_every_page_under_base_url(nsn_site: Path) -> None:
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    sitemap = lxml.etree.fromstring((nsn_site / "sitemap.xml").read_bytes())
    locations = sitemap.xpath("//s:url/s:loc/text()", namespaces=namespace)
    expected = sorted(page_url(BASE, rel) for rel in html_files(nsn_site) if rel != "404.html")
    assert sorted(locations) == expected
    robots = (nsn_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE}sitemap.xml" in robots.splitlines()


# ---------------------------------------------------------------- links between content files


def test_a_link_to_a_missing_markdown_file_is_an_error_at_its_position(tmp_path: Path) -> None:
    body = "Intro.\n\nAs we wrote [before](2015-01-01-old.md) and [here](../pages/gone.md#top).\n"
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text(body=body)})
    failure = [d.format(root) for d in build_failure(root) if d.level == "error"]
    line = "As we wrote [before](2015-01-01-old.md) and [here](../pages/gone.md#top)."
    first, second = line.index("2015-01-01-old.md") + 1, line.index("../pages/gone.md") + 1
    assert failure == [
        f"content/briefs/a.md:7:{first}: error: "
        "link to 'content/briefs/2015-01-01-old.md', which does not exist\n"
        f"    {line}\n    {' ' * (first - 1)}^",
        f"content/briefs/a.md:7:{second}: error: link to 'content/pages/gone.md', which does not exist\n"
        f"    {line}\n    {' ' * (second - 1)}^",
    ]
    assert (first, second) == (22, 52)
    assert not (root / "output").exists()


def test_a_link_to_a_draft_fails_unless_drafts_are_built(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(body="See [the draft](b.md).\n"),
            "content/briefs/b.md": brief_text(title="Draft", date="2015-04-27", extra="draft: true\n"),
        },
    )
    assert errors_of(root) == [
        "content/briefs/a.md:5:17: error: link to 'content/briefs/b.md', a draft left out of this build"
    ]
    build(root, drafts=True)
    brief = html(root / "output/briefs/2015/04/28/a/index.html")
    assert brief.xpath("//a[text()='the draft']/@href") == ["/briefs/2015/04/27/b/"]


def test_a_link_to_a_brief_with_errors_adds_nothing_to_its_errors(tmp_path: Path) -> None:
    """The linked file is there; its own error is what to fix, not the link to it."""
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(body="See [b](2015-01-02-b.md) and [c](c.md).\n"),
            "content/briefs/2015-01-02-b.md": brief_text(title="B", date="2015-02-30"),
        },
    )
    assert shown(build_failure(root), root) == [
        "content/briefs/2015-01-02-b.md:3:1: error: date '2015-02-30' is not a day in the calendar: "
        "February 2015 has 28 days",
        "content/briefs/a.md:5:34: error: link to 'content/briefs/c.md', which does not exist",
    ]
    # mended, the link works
    (root / "content/briefs/2015-01-02-b.md").write_text(brief_text(title="B", date="2015-01-02"))
    (root / "content/briefs/c.md").write_text(brief_text(title="C", date="2015-01-03"))
    build(root)
    brief = html(root / "output/briefs/2015/04/28/a/index.html")
    assert brief.xpath("//a[text()='b']/@href") == ["/briefs/2015/01/02/b/"]


# ---------------------------------------------------------------- tags, sources and authors


def test_tags_that_slugify_alike_are_one_tag_with_the_most_frequent_spelling(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(extra="tags: [South Korea]\n"),
            "content/briefs/b.md": brief_text(date="2015-04-27", extra="tags: [South Korea]\n"),
            "content/briefs/c.md": brief_text(date="2015-04-26", extra="tags: [south-korea]\n"),
        },
    )
    build(root)
    output = root / "output"
    assert sorted(p.name for p in (output / "tags").iterdir() if p.is_dir()) == ["south-korea"]
    tag_page = html(output / "tags/south-korea/index.html")
    assert tag_page.xpath("//h1/text()") == ["South Korea"]
    assert tag_page.xpath("//main//h2/a/@href") == [
        "/briefs/2015/04/28/a/",
        "/briefs/2015/04/27/b/",
        "/briefs/2015/04/26/c/",
    ]


def test_authors_that_slugify_alike_are_one_author_with_the_most_frequent_spelling(
    tmp_path: Path,
) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(extra="authors: [ann lee]\n"),
            "content/briefs/b.md": brief_text(date="2015-04-27", extra="authors: [Ann Lee]\n"),
            "content/briefs/c.md": brief_text(date="2015-04-26", extra="authors: [Ann Lee, ann  lee]\n"),
        },
    )
    build(root)
    output = root / "output"
    assert sorted(p.name for p in (output / "authors").iterdir() if p.is_dir()) == ["ann-lee"]
    for day in ("28/a", "27/b", "26/c"):
        page = html(output / f"briefs/2015/04/{day}/index.html")
        assert page.xpath("//p[@class='byline']//a/text()") == ["Ann Lee"]
    items = json.loads((output / "feed.json").read_text())["items"]
    assert [item["authors"] for item in items] == [[{"name": "Ann Lee"}]] * 3
    atom = feedparser.parse((output / "atom.xml").read_bytes())
    assert [[a["name"] for a in e.authors] for e in atom.entries] == [["Ann Lee"]] * 3


def test_an_ampersand_in_a_tag_is_not_spelled_out_in_its_slug(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(extra="tags: [AT&T, R & D]\n"),
        },
    )
    build(root)
    tags = root / "output/tags"
    assert sorted(p.name for p in tags.iterdir() if p.is_dir()) == ["at-t", "r-d"]
    assert html(tags / "at-t/index.html").xpath("//h1/text()") == ["AT&T"]


def test_a_missing_link_is_reported_where_its_target_is_written(tmp_path: Path) -> None:
    body = "\nText [a](<gone 3.md>) and [one][r1].\n\n> Quote [b](quoted.md)\n\n[r1]: gone2.md\n"
    extra = 'photo:\n  caption: "See [gone](gone1.md) now"\n'
    root = make_site(
        tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text(extra=extra, body=body)}
    )
    assert errors_of(root) == [
        "content/briefs/a.md:5:24: error: link to 'content/briefs/gone1.md', which does not exist",
        "content/briefs/a.md:8:11: error: link to 'content/briefs/gone 3.md', which does not exist",
        "content/briefs/a.md:10:13: error: link to 'content/briefs/quoted.md', which does not exist",
        "content/briefs/a.md:12:7: error: link to 'content/briefs/gone2.md', which does not exist",
    ]


def test_a_slug_that_clashes_is_reported_at_its_slug_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(),
            "content/briefs/b.md": brief_text(extra="summary: S\nslug: a\n"),
        },
    )
    failure = build_failure(root)
    assert shown(failure, root) == [
        "content/briefs/b.md:5:1: error: output path 'briefs/2015/04/28/a/index.html' is claimed "
        "both by this file and by content/briefs/a.md"
    ]
    assert failure[0].source_line == "slug: a"


def test_a_missing_link_is_found_as_a_link_target_not_as_text(tmp_path: Path) -> None:
    body = (
        "\nSee data.md here, and [two](data.md) [three](a.md) [again](a.md).\n"
        "\nAnd [one][r].\n\n[r]: data.md\n"
    )
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/x.md": brief_text(body=body)})
    assert errors_of(root) == [
        "content/briefs/x.md:6:29: error: link to 'content/briefs/data.md', which does not exist",
        "content/briefs/x.md:6:46: error: link to 'content/briefs/a.md', which does not exist",
        "content/briefs/x.md:6:60: error: link to 'content/briefs/a.md', which does not exist",
        "content/briefs/x.md:10:6: error: link to 'content/briefs/data.md', which does not exist",
    ]


def test_a_static_file_on_a_theme_files_path_is_reported_at_the_static_file(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "static/assets/style.css": "body {}"})
    errors = errors_of(root)
    assert len(errors) == 1
    assert errors[0].startswith(
        "static/assets/style.css:1:1: error: output path 'assets/style.css' is claimed both by this file"
    )


def test_missing_links_are_told_apart_by_where_their_targets_end(tmp_path: Path) -> None:
    body = (
        "\nSee [x](m1.md#sec) and [y](m1.md).\n"
        "\nOne `[code](m2.md)` then [b](m2.mdx) (not a brief) then [c](m2.md).\n"
        "\n| a | b |\n|---|---|\n| [x](m3.md) | [y](m3.md) |\n"
        "\nA [wrapped](\nm4.md) link.\n"
    )
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/x.md": brief_text(body=body)})
    missing = "which does not exist"
    assert errors_of(root) == [
        f"content/briefs/x.md:6:9: error: link to 'content/briefs/m1.md', {missing}",
        f"content/briefs/x.md:6:28: error: link to 'content/briefs/m1.md', {missing}",
        f"content/briefs/x.md:8:61: error: link to 'content/briefs/m2.md', {missing}",
        f"content/briefs/x.md:12:7: error: link to 'content/briefs/m3.md', {missing}",
        f"content/briefs/x.md:12:20: error: link to 'content/briefs/m3.md', {missing}",
        f"content/briefs/x.md:15:1: error: link to 'content/briefs/m4.md', {missing}",
    ]
