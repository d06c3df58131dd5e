"""The feeds of a site: the site's own and each tag's, planned from the site and rendered
from each entry's content; the formats themselves are in feedformats.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar
from urllib.parse import quote, urljoin

from . import __version__
from .cachedata import make_key
from .feedformats import (
    IMAGE_TYPES,
    NOT_XML,
    FeedEntry,
    FeedImage,
    FeedSpec,
    absolutize,
    atom_feed,
    json_feed,
    rss_feed,
)
from .model import SiteConfig
from .records import pickle_by_fields
from .site import Entry, Site
from .views import Shell


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
            changes[field.name] = NOT_XML.sub("", value)
        elif isinstance(value, tuple):
            changes[field.name] = tuple(NOT_XML.sub("", v) for v in value)
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
    kind = IMAGE_TYPES.get(posixpath.splitext(path)[1].lower())
    alt = photo.alt or ""
    return FeedImage(url, kind, length, photo.width, photo.height, alt, photo.credit, photo.caption)


def _feed_entry(
    entry: Entry, site: Site, shell: Shell, config: SiteConfig, static_sizes: Mapping[str, int]
) -> FeedEntry:
    brief = entry.brief
    permalink = shell.base_url + brief.url
    # a tag or author written two ways is one, named as on its page
    named = site.author_of
    authors = tuple(dict.fromkeys(named[a].name if a in named else a for a in brief.authors))
    authors = authors or ((config.author,) if config.author else ())
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


pickle_by_fields(__name__)
