"""RSS 2.0 and Atom (with feedgen) and JSON Feed 1.1: full content, absolute URLs, stable ids.

Nothing here reads the clock: every date comes from the briefs (or the epoch given for a
feed with none), feedgen's own "now" defaults are always overwritten, and entries are
appended in the order given, so the same input always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar
from urllib.parse import quote, urljoin

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from . import __version__
from .cachedata import make_key
from .model import SiteConfig
from .site import Entry, Site
from .views import Shell

MEDIA_NS = "http://search.yahoo.com/mrss/"
GENERATOR_URI = "https://pypi.org/project/nsnbuild/"
UNKNOWN_TYPE = "application/octet-stream"
# attributes holding one URL, a srcset list, an element id, or a list of ids
_URL_ATTRS = frozenset(
    {"href", "src", "poster", "cite", "data", "action", "formaction", "background", "longdesc"}
    | {"usemap", "lowsrc", "dynsrc", "xlink:href", "{http://www.w3.org/1999/xlink}href"}
)
# characters XML 1.0 cannot carry (lxml refuses them)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
_IDREF_ATTRS = frozenset(
    {"aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "aria-details"}
    | {"aria-flowto", "aria-errormessage", "aria-activedescendant", "for", "headers", "list"}
)
# fixed, so the type does not depend on the machine's mime.types
_IMAGE_TYPES = {
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


@dataclass(frozen=True, slots=True)
class FeedJob:
    """The three feeds (RSS, Atom, JSON) of one folder, from its newest briefs."""

    folder: str
    key: str
    spec: FeedSpec
    briefs: tuple[tuple[FeedEntry, str], ...]
    """Each entry with the key of its fragments; content_html is filled in when rendered."""
    links: str = ""
    """A digest of every brief's and page's URL: content links to them."""

    def keyed(self, shell_digest: str) -> FeedJob:
        """The job with its key, made from everything its feeds are made from."""
        return replace(self, key=make_key(shell_digest, self.links, repr(self.spec), repr(self.briefs)))


_Record = TypeVar("_Record", FeedSpec, FeedEntry, FeedImage)


def _xml_safe(record: _Record) -> _Record:
    """The record with the characters XML cannot carry (control characters) left out."""
    changes: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        if isinstance(value, str):
            changes[field.name] = _NOT_XML.sub("", value)
        elif isinstance(value, tuple):
            changes[field.name] = tuple(_NOT_XML.sub("", v) for v in value)
        elif isinstance(value, FeedImage):
            changes[field.name] = _xml_safe(value)
    return replace(record, **changes)


def render_feed_job(job: FeedJob, contents: Sequence[str]) -> list[tuple[str, bytes]]:
    """(path, bytes) of feed.xml, atom.xml and feed.json, given each entry's content HTML.

    Control characters, which XML cannot carry, are left out of all three feeds alike.
    """
    spec = _xml_safe(job.spec)
    entries = [
        _xml_safe(replace(e, content_html=content))
        for (e, _), content in zip(job.briefs, contents, strict=True)
    ]
    return [
        (job.folder + "feed.xml", rss_feed(spec, entries)),
        (job.folder + "atom.xml", atom_feed(spec, entries)),
        (job.folder + "feed.json", json_feed(spec, entries)),
    ]


def entry_content(
    body_html: str,
    sources_html: str,
    image: FeedImage | None,
    image_html: tuple[str | None, str | None],
    permalink: str,
    id_prefix: str,
) -> str:
    """The full brief for a feed: photo (or its credit line), body and Sources, every URL absolute.

    Fragments must already have their site placeholders filled with the absolute base URL.
    """
    caption, credit = image_html
    words = []
    if caption:
        words.append(f'<span class="caption">{caption}</span>')
    if credit:
        words.append(f'<span class="credit">{credit}</span>')
    parts = []
    if image is not None:
        src, alt = html.escape(image.url, quote=True), html.escape(image.alt, quote=True)
        figure = f'<figure class="photo"><img src="{src}" alt="{alt}"'
        if image.width:
            figure += f' width="{image.width}"'
        if image.height:
            figure += f' height="{image.height}"'
        figure += ">"
        if words:
            figure += f"<figcaption>{' '.join(words)}</figcaption>"
        parts.append(figure + "</figure>")
    elif words:
        parts.append(f'<p class="photo-credit">{" ".join(words)}</p>')
    parts.append(body_html)
    parts.append(sources_html)
    return absolutize("\n".join(p for p in parts if p), permalink, id_prefix)


def _feed_image(entry: Entry, base_url: str, static_sizes: Mapping[str, int]) -> FeedImage | None:
    photo = entry.brief.photo
    if photo is None or not photo.src:
        return None
    remote = "://" in photo.src or photo.src.startswith("//")
    if remote:
        url, length = urljoin(base_url, photo.src), None
        path = photo.src.split("#")[0].split("?")[0]
    else:
        path = posixpath.normpath(photo.src.lstrip("/"))
        url, length = base_url + quote(path), static_sizes.get(path)
    kind = _IMAGE_TYPES.get(posixpath.splitext(path)[1].lower())
    alt = photo.alt or ""
    return FeedImage(url, kind, length, photo.width, photo.height, alt, photo.credit, photo.caption)


def _feed_entry(
    entry: Entry, site: Site, shell: Shell, config: SiteConfig, static_sizes: Mapping[str, int]
) -> FeedEntry:
    brief = entry.brief
    permalink = shell.base_url + brief.url
    authors = brief.authors or ((config.author,) if config.author else ())
    # a tag written two ways is one tag, named as on its page
    tags = tuple(dict.fromkeys(site.tag_of[t].name if t in site.tag_of else t for t in brief.tags))
    return FeedEntry(
        id=brief.id or permalink,
        url=permalink,
        title=brief.title,
        summary=brief.summary or entry.facts.excerpt,
        content_html="",
        published=brief.date,
        updated=brief.updated or brief.date,
        authors=authors,
        tags=tags,
        image=_feed_image(entry, shell.base_url, static_sizes),
    )


def plan_feeds(
    site: Site, shell: Shell, config: SiteConfig, static_sizes: Mapping[str, int], epoch: dt.datetime
) -> list[FeedJob]:
    """The site's feeds and each tag's, newest `feed_items` briefs in each.

    Dates: a feed's updated/lastBuildDate is its newest brief's (updated, else date);
    a feed without briefs takes `epoch`.
    """
    lists: list[tuple[str, str, str, str, Sequence[int]]] = [
        ("", config.title, config.description, shell.base_url, range(len(site.briefs)))
    ]
    for term in site.tags:
        lists.append(
            (
                term.url,
                f"{config.title}: {term.name}",
                f"Briefs on {term.name}",
                shell.base_url + term.url,
                term.briefs,
            )
        )
    # content links to other briefs and pages by URL: any URL change re-renders the feeds
    urls = [(e.brief.rel, e.brief.url) for e in site.briefs] + [(p.page.rel, p.page.url) for p in site.pages]
    links = hashlib.blake2b(repr(urls).encode(), digest_size=16).hexdigest()
    made: dict[str, FeedEntry] = {}
    jobs = []
    for folder, title, description, home, indices in lists:
        chosen = [site.briefs[i] for i in list(indices)[: config.feed_items]]
        entries = []
        for e in chosen:
            if e.key not in made:
                made[e.key] = _feed_entry(e, site, shell, config, static_sizes)
            entries.append((made[e.key], e.key))
        newest = max((e.updated for e, _ in entries), default=epoch)
        spec = FeedSpec(
            title=title,
            description=description or title,
            home_url=home,
            folder_url=shell.base_url + folder,
            language=config.language,
            author=config.publisher.name,
            generator_version=__version__,
            updated=newest,
            icon_url=shell.base_url + config.icon if config.icon else None,
            logo_url=shell.base_url + config.publisher.logo if config.publisher.logo else None,
        )
        jobs.append(FeedJob(folder, "", spec, tuple(entries), links).keyed(shell.digest))
    return jobs
