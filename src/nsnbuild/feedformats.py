"""RSS 2.0 and Atom (with feedgen) and JSON Feed 1.1 of a feed's spec and entries:
full content, absolute URLs, stable ids.

Nothing here reads the clock: every date comes from the briefs (or the epoch given for a
feed with none), feedgen's own "now" defaults are always overwritten, and entries are
appended in the order given, so the same input always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from .records import pickle_by_fields

MEDIA_NS = "http://search.yahoo.com/mrss/"
GENERATOR_URI = "https://pypi.org/project/nsnbuild/"
UNKNOWN_TYPE = "application/octet-stream"
# attributes holding one URL, a srcset list, an element id, or a list of ids
_URL_ATTRS = frozenset(
    {"href", "src", "poster", "cite", "data", "action", "formaction", "background", "longdesc"}
    | {"usemap", "lowsrc", "dynsrc", "xlink:href", "{http://www.w3.org/1999/xlink}href"}
)
# characters XML 1.0 cannot carry (lxml refuses them)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
_IDREF_ATTRS = frozenset(
    {"aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "aria-details"}
    | {"aria-flowto", "aria-errormessage", "aria-activedescendant", "for", "headers", "list"}
)
# fixed, so the type does not depend on the machine's mime.types
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".bmp": "image/bmp",
    ".ico": "image/vnd.microsoft.icon",
    ".heic": "image/heic",
}


@dataclass(frozen=True, slots=True)
class FeedImage:
    url: str
    type: str | None
    length: int | None
    width: int | None
    height: int | None
    alt: str
    credit: str | None
    caption: str | None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: dt.datetime
    updated: dt.datetime
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    image: FeedImage | None


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed: its metadata; `folder_url` is where feed.xml, atom.xml and feed.json live."""

    title: str
    description: str
    home_url: str
    folder_url: str
    language: str
    author: str
    generator_version: str
    updated: dt.datetime
    icon_url: str | None = None
    logo_url: str | None = None


def _srcset(base: str, value: str) -> str:
    """Each URL of a srcset made absolute; descriptors kept."""
    out = []
    for candidate in value.split(","):
        words = candidate.split()
        if words:
            out.append(" ".join([urljoin(base, words[0]), *words[1:]]))
    return ", ".join(out)


def absolutize(fragment: str, page_url: str, id_prefix: str) -> str:
    """Every URL made absolute against the page URL; ids prefixed so entries never clash.

    The fragment is parsed as HTML, so raw HTML (single quotes, srcset, poster ...) is
    covered as well as what the Markdown renderer writes. Fragment links (`#source-1`)
    point at the page, whose ids are not prefixed.
    """
    if not fragment.strip():
        return fragment
    document = etree.fromstring(f"<html><body>{fragment}</body></html>", etree.HTMLParser())
    body = document.find("body")
    for element in body.iter(etree.Element):
        for name, value in element.attrib.items():
            key = name.lower()
            if key in _URL_ATTRS:
                if not value.startswith(("https://", "http://")):
                    element.set(name, urljoin(page_url, value.strip()))
            elif key in _SRCSET_ATTRS:
                element.set(name, _srcset(page_url, value))
            elif id_prefix and key == "id":
                element.set(name, id_prefix + value)
            elif id_prefix and key in _IDREF_ATTRS:
                element.set(name, " ".join(id_prefix + ref for ref in value.split()))
    body.attrib.clear()
    text: str = etree.tostring(body, encoding="unicode", method="html", with_tail=False)
    return text[len("<body>") : -len("</body>")]


def _stable(when: dt.datetime) -> dt.datetime:
    """A date both RFC 822 and RFC 3339 can write: aware, with a whole-minute offset."""
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    offset = when.utcoffset()
    if offset is not None and offset % dt.timedelta(minutes=1):
        return when.astimezone(dt.UTC)
    return when


class _MediaFeed(BaseExtension):  # type: ignore[misc]
    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS}


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """media:content with media:credit and media:description, which feedgen's own lacks,
    and Atom entry links (feedgen 1.0 drops their rel, type and length attributes)."""

    def __init__(self) -> None:
        self.image: FeedImage | None = None
        self.atom_links: list[dict[str, str]] = []

    def extend_rss(self, item: Any) -> Any:
        image = self.image
        if image is None:
            return item
        content = etree.SubElement(item, f"{{{MEDIA_NS}}}content", url=image.url, medium="image")
        if image.type:
            content.set("type", image.type)
        if image.length:
            content.set("fileSize", str(image.length))
        if image.width:
            content.set("width", str(image.width))
        if image.height:
            content.set("height", str(image.height))
        if image.credit:
            etree.SubElement(content, f"{{{MEDIA_NS}}}credit").text = image.credit
        description = image.caption or image.alt
        if description:
            etree.SubElement(content, f"{{{MEDIA_NS}}}description", type="plain").text = description
        return item

    def extend_atom(self, entry: Any) -> Any:
        # feedgen builds Atom elements without a namespace under a literal xmlns attribute
        for link in self.atom_links:
            etree.SubElement(entry, "link", link)
        return self.extend_rss(entry)


def _generator(spec: FeedSpec, rss: bool) -> FeedGenerator:
    fg = FeedGenerator()
    fg.register_extension("media", _MediaFeed, _EntryExtras)
    fg.load_extension("dc")
    fg.id(spec.home_url)
    fg.title(spec.title)
    fg.description(spec.description or spec.title)
    # RSS's channel <link> is feedgen's last link: the self link goes first
    if rss:
        fg.link(href=spec.folder_url + "feed.xml", rel="self", type="application/rss+xml")
    else:
        fg.link(href=spec.folder_url + "atom.xml", rel="self", type="application/atom+xml")
    fg.link(href=spec.home_url, rel="alternate", type="text/html")
    fg.language(spec.language)
    fg.author({"name": spec.author})
    if rss:
        fg.generator(f"nsnbuild {spec.generator_version}")
    else:
        fg.generator("nsnbuild", spec.generator_version, GENERATOR_URI)
    fg.updated(_stable(spec.updated))  # also lastBuildDate; feedgen's default is the clock
    if spec.icon_url:
        fg.icon(spec.icon_url)
    if spec.logo_url:
        fg.logo(spec.logo_url)
        if rss:
            fg.image(spec.logo_url, title=spec.title, link=spec.home_url)
    return fg


def _add_entries(fg: FeedGenerator, entries: Sequence[FeedEntry], rss: bool) -> None:
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.guid(entry.id, permalink=entry.id == entry.url)  # also the Atom id
        fe.title(entry.title)
        extras: _EntryExtras = fe.media
        if rss:
            fe.link(href=entry.url, rel="alternate")
        else:
            extras.atom_links.append({"href": entry.url, "rel": "alternate", "type": "text/html"})
        fe.published(_stable(entry.published))
        fe.updated(_stable(entry.updated))  # feedgen's default is the clock
        if rss:
            # RSS readers take description as HTML: the plain-text summary is escaped for it
            fe.description(html.escape(entry.summary or entry.title, quote=False))
            fe.content(entry.content_html)
            for name in entry.authors:
                fe.dc.dc_creator(name)
        else:
            if entry.summary:
                fe.summary(entry.summary)  # type="text": plain text, exactly as written
            fe.content(entry.content_html, type="html")
            for name in entry.authors:
                fe.author({"name": name})
        for tag in entry.tags:
            fe.category(term=tag)
        image = entry.image
        if image is not None:
            extras.image = image
            kind = image.type or UNKNOWN_TYPE
            if rss:
                fe.enclosure(image.url, str(image.length or 0), kind)
            else:
                link = {"href": image.url, "rel": "enclosure", "type": kind}
                if image.length:
                    link["length"] = str(image.length)
                extras.atom_links.append(link)


def rss_feed(spec: FeedSpec, entries: Sequence[FeedEntry]) -> bytes:
    fg = _generator(spec, rss=True)
    _add_entries(fg, entries, rss=True)
    return bytes(fg.rss_str(pretty=True))


def atom_feed(spec: FeedSpec, entries: Sequence[FeedEntry]) -> bytes:
    fg = _generator(spec, rss=False)
    _add_entries(fg, entries, rss=False)
    return bytes(fg.atom_str(pretty=True))


def _rfc3339(when: dt.datetime) -> str:
    return _stable(when).isoformat()


def json_feed(spec: FeedSpec, entries: Sequence[FeedEntry]) -> bytes:
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": spec.folder_url + "feed.json",
        "description": spec.description or spec.title,
        "language": spec.language,
        "authors": [{"name": spec.author}],
    }
    if spec.logo_url:
        feed["icon"] = spec.logo_url
    if spec.icon_url:
        feed["favicon"] = spec.icon_url
    items = []
    for entry in entries:
        item: dict[str, Any] = {
            "id": entry.id,
            "url": entry.url,
            "title": entry.title,
            "content_html": entry.content_html,
        }
        if entry.summary:
            item["summary"] = entry.summary
        if entry.image is not None:
            item["image"] = entry.image.url
        item["date_published"] = _rfc3339(entry.published)
        item["date_modified"] = _rfc3339(entry.updated)
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        if entry.tags:
            item["tags"] = list(entry.tags)
        items.append(item)
    feed["items"] = items
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


pickle_by_fields(__name__)
