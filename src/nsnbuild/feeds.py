"""RSS 2.0 and Atom (with feedgen) and JSON Feed 1.1: full content, absolute URLs, stable ids.

Nothing here reads the clock: every date comes from the briefs, entries are appended in
the order given, so the same input always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import mimetypes
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from . import __version__
from .cache import make_key
from .model import SiteConfig
from .site import Entry, Site
from .views import Shell

MEDIA_NS = "http://search.yahoo.com/mrss/"
GENERATOR_URI = "https://pypi.org/project/nsnbuild/"
_URL_ATTR = re.compile(r'\b(href|src|poster)="([^"]*)"')
_ID_ATTR = re.compile(r'\b(id|aria-labelledby)="([^"]*)"')


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


def absolutize(fragment: str, page_url: str, id_prefix: str) -> str:
    """Every URL made absolute against the page URL; ids prefixed so entries never clash."""

    def url(match: re.Match[str]) -> str:
        value = html.unescape(match.group(2))
        return f'{match.group(1)}="{html.escape(urljoin(page_url, value), quote=True)}"'

    def ident(match: re.Match[str]) -> str:
        return f'{match.group(1)}="{id_prefix}{match.group(2)}"'

    return _ID_ATTR.sub(ident, _URL_ATTR.sub(url, fragment))


class _MediaFeed(BaseExtension):  # type: ignore[misc]
    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS}


class _MediaEntry(BaseEntryExtension):  # type: ignore[misc]
    """media:content with media:credit and media:description, which feedgen's own lacks."""

    def __init__(self) -> None:
        self.image: FeedImage | None = None

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
            etree.SubElement(content, f"{{{MEDIA_NS}}}description").text = description
        return item

    def extend_atom(self, entry: Any) -> Any:
        return self.extend_rss(entry)


def _generator(spec: FeedSpec, self_url: str, self_type: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.register_extension("media", _MediaFeed, _MediaEntry)
    fg.load_extension("dc")
    fg.id(spec.home_url)
    fg.title(spec.title)
    fg.description(spec.description or spec.title)
    fg.link(href=spec.home_url, rel="alternate", type="text/html")
    fg.link(href=self_url, rel="self", type=self_type)
    fg.language(spec.language)
    fg.author({"name": spec.author})
    fg.generator("nsnbuild", spec.generator_version, GENERATOR_URI)
    fg.lastBuildDate(spec.updated)
    fg.updated(spec.updated)
    if spec.icon_url:
        fg.icon(spec.icon_url)
    if spec.logo_url:
        fg.logo(spec.logo_url)
        fg.image(spec.logo_url, title=spec.title, link=spec.home_url)
    return fg


def _add_entries(fg: FeedGenerator, entries: Sequence[FeedEntry], rss: bool) -> None:
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.guid(entry.id, permalink=entry.id == entry.url)
        fe.title(entry.title)
        fe.link(href=entry.url, rel="alternate", type="text/html")
        fe.published(entry.published)
        fe.updated(entry.updated)
        if rss:
            fe.description(entry.summary or entry.title)
            fe.content(entry.content_html)
        else:
            if entry.summary:
                fe.summary(entry.summary)
            fe.content(entry.content_html, type="html")
        for name in entry.authors:
            if rss:
                fe.dc.dc_creator(name)
            else:
                fe.author({"name": name})
        for tag in entry.tags:
            fe.category(term=tag, label=tag)
        if entry.image is not None:
            fe.media.image = entry.image
            if rss:
                fe.enclosure(entry.image.url, str(entry.image.length or 0), entry.image.type or "image/jpeg")


def rss_feed(spec: FeedSpec, entries: Sequence[FeedEntry]) -> bytes:
    fg = _generator(spec, spec.folder_url + "feed.xml", "application/rss+xml")
    _add_entries(fg, entries, rss=True)
    return bytes(fg.rss_str(pretty=True))


def atom_feed(spec: FeedSpec, entries: Sequence[FeedEntry]) -> bytes:
    fg = _generator(spec, spec.folder_url + "atom.xml", "application/atom+xml")
    _add_entries(fg, entries, rss=False)
    return bytes(fg.atom_str(pretty=True))


def json_feed(spec: FeedSpec, entries: Sequence[FeedEntry]) -> bytes:
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": spec.folder_url + "feed.json",
        "description": spec.description,
        "language": spec.language,
        "authors": [{"name": spec.author}],
    }
    if spec.icon_url:
        feed["favicon"] = spec.icon_url
    if spec.logo_url:
        feed["icon"] = spec.logo_url
    items = []
    for entry in entries:
        item: dict[str, Any] = {
            "id": entry.id,
            "url": entry.url,
            "title": entry.title,
            "content_html": entry.content_html,
            "summary": entry.summary,
            "date_published": entry.published.isoformat(),
            "date_modified": entry.updated.isoformat(),
        }
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        if entry.tags:
            item["tags"] = list(entry.tags)
        if entry.image is not None:
            item["image"] = entry.image.url
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


def render_feed_job(job: FeedJob, contents: Sequence[str]) -> list[tuple[str, bytes]]:
    """(path, bytes) of feed.xml, atom.xml and feed.json, given each entry's content HTML."""
    entries = [
        FeedEntry(
            e.id, e.url, e.title, e.summary, content, e.published, e.updated, e.authors, e.tags, e.image
        )
        for (e, _), content in zip(job.briefs, contents, strict=True)
    ]
    return [
        (job.folder + "feed.xml", rss_feed(job.spec, entries)),
        (job.folder + "atom.xml", atom_feed(job.spec, entries)),
        (job.folder + "feed.json", json_feed(job.spec, entries)),
    ]


def entry_content(
    body_html: str,
    sources_html: str,
    image: FeedImage | None,
    image_html: tuple[str | None, str | None],
    permalink: str,
    id_prefix: str,
) -> str:
    """The full brief for a feed: photo, body and Sources, every URL absolute.

    Fragments must already have their site placeholders filled with the absolute base URL.
    """
    parts = []
    if image is not None:
        caption, credit = image_html
        src, alt = html.escape(image.url, quote=True), html.escape(image.alt, quote=True)
        figure = f'<figure><img src="{src}" alt="{alt}"'
        if image.width and image.height:
            figure += f' width="{image.width}" height="{image.height}"'
        figure += ">"
        text = " ".join(x for x in (caption, credit) if x)
        if text:
            figure += f"<figcaption>{text}</figcaption>"
        parts.append(figure + "</figure>")
    parts.append(body_html)
    parts.append(sources_html)
    return absolutize("\n".join(p for p in parts if p), permalink, id_prefix)


def _feed_entry(entry: Entry, shell: Shell, config: SiteConfig, static_sizes: Mapping[str, int]) -> FeedEntry:
    brief = entry.brief
    permalink = shell.base_url + brief.url
    image = None
    photo = brief.photo
    if photo is not None and photo.src:
        local = "://" not in photo.src and not photo.src.startswith("//")
        rel = photo.src.lstrip("/")
        url = shell.base_url + rel if local else photo.src
        kind = mimetypes.guess_type(rel)[0] if local else mimetypes.guess_type(photo.src.split("?")[0])[0]
        image = FeedImage(
            url,
            kind,
            static_sizes.get(rel) if local else None,
            photo.width,
            photo.height,
            photo.alt or "",
            photo.credit,
            photo.caption,
        )
    authors = brief.authors or ((config.author,) if config.author else ())
    return FeedEntry(
        id=brief.id or permalink,
        url=permalink,
        title=brief.title,
        summary=brief.summary or entry.facts.excerpt,
        content_html="",
        published=brief.date,
        updated=brief.updated or brief.date,
        authors=authors,
        tags=brief.tags,
        image=image,
    )


def plan_feeds(
    site: Site, shell: Shell, config: SiteConfig, static_sizes: Mapping[str, int], epoch: dt.datetime
) -> list[FeedJob]:
    """The site's feeds and each tag's, newest `feed_items` briefs in each."""
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
    jobs = []
    for folder, title, description, home, indices in lists:
        chosen = [site.briefs[i] for i in list(indices)[: config.feed_items]]
        entries = tuple((_feed_entry(e, shell, config, static_sizes), e.key) for e in chosen)
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
        jobs.append(FeedJob(folder, make_key(shell.digest, repr(spec), repr(entries)), spec, entries))
    return jobs
