"""What templates see: small immutable views of the site, with URLs and dates ready to print."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from .citations.render import MONTH_NAMES, written_date
from .model import Brief, SiteConfig
from .records import pickle_by_fields

WORDS_PER_MINUTE = 230
MONTHS = MONTH_NAMES


@functools.lru_cache(maxsize=4096)
def long_date(when: dt.date) -> str:
    """'April 26, 2015'. (Source pages write the cited dates of every brief: tens of thousands
    of them on a large archive, and far fewer distinct ones.)"""
    return written_date(when)


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class FeedLink:
    title: str
    url: str
    type: str


@dataclass(frozen=True, slots=True)
class SiteView:
    title: str
    description: str
    base_url: str
    base_path: str
    language: str
    publisher: Link
    logo_url: str | None
    icon_url: str | None
    nav: tuple[Link, ...]
    feeds: tuple[FeedLink, ...]
    css_url: str
    print_css_url: str
    generator: str


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    prev_url: str | None
    next_url: str | None
    urls: tuple[str, ...] = field(repr=False, compare=False)
    """The URL of every page of the list, first to last (one tuple shared by all of them)."""

    @property
    def pages(self) -> tuple[Link, ...]:
        """Every page of the list as a link titled with its number."""
        return tuple(Link(str(i + 1), url) for i, url in enumerate(self.urls))


@dataclass(frozen=True, slots=True)
class PageInfo:
    """Facts about the page being rendered, for <head> and navigation."""

    kind: str
    title: str
    description: str
    path: str
    permalink: str
    feeds: tuple[FeedLink, ...] = ()
    prev_url: str | None = None
    next_url: str | None = None
    image: str | None = None
    image_alt: str | None = None
    og_type: str = "website"
    published: str | None = None
    modified: str | None = None
    json_ld: Markup | None = None
    noindex: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    """A brief as listed on the home, tag, source, author and archive pages."""

    title: str
    url: str
    date_iso: str
    date_display: str
    summary: str
    tags: tuple[Link, ...]
    authors: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class ListItem:
    """A brief in a list page: its card, rendered once per build, and on a source's page the
    dates on which the brief cites that source."""

    html: Markup
    key: str = field(repr=False)
    """A digest of the card: list page keys use it instead of the HTML."""
    cited: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PhotoView:
    src: str | None
    alt: str
    width: int | None
    height: int | None
    caption_html: Markup | None
    credit_html: Markup | None


@dataclass(frozen=True, slots=True)
class CiteFormats:
    chicago: str
    apa: str
    bibtex: str
    bib_url: str


@dataclass(frozen=True, slots=True)
class BriefView:
    title: str
    url: str
    permalink: str
    date_iso: str
    date_display: str
    updated_iso: str | None
    updated_display: str | None
    summary: str
    tags: tuple[Link, ...]
    authors: tuple[Link, ...]
    byline: tuple[str, ...]
    photo: PhotoView | None
    body_html: Markup
    sources_html: Markup
    word_count: int
    reading_time: int
    related: tuple[Card, ...]
    prev: Link | None
    next: Link | None
    cite: CiteFormats | None


@dataclass(frozen=True, slots=True)
class PageView:
    title: str
    body_html: Markup
    sources_html: Markup


@dataclass(frozen=True, slots=True)
class TermView:
    name: str
    url: str
    count: int
    note: str | None = None


@dataclass(frozen=True, slots=True)
class MonthView:
    title: str
    anchor: str
    briefs: tuple[Card, ...]


@dataclass(frozen=True, slots=True)
class YearView:
    year: int
    months: tuple[MonthView, ...]


def pagination(number: int, total: int, urls: tuple[str, ...]) -> Pagination | None:
    if total <= 1:
        return None
    return Pagination(
        number=number,
        total=total,
        prev_url=urls[number - 2] if number > 1 else None,
        next_url=urls[number] if number < total else None,
        urls=urls,
    )


def site_view(config: SiteConfig, nav_pages: Sequence[Link], assets_version: str, generator: str) -> SiteView:
    base = config.base_path
    absolute = config.base_url
    nav = (
        Link("Latest", base),
        Link("Archive", f"{base}archive/"),
        Link("Topics", f"{base}tags/"),
        Link("Sources", f"{base}sources/"),
        *nav_pages,
    )
    feeds = (
        FeedLink(f"{config.title} (RSS)", f"{absolute}feed.xml", "application/rss+xml"),
        FeedLink(f"{config.title} (Atom)", f"{absolute}atom.xml", "application/atom+xml"),
        FeedLink(f"{config.title} (JSON Feed)", f"{absolute}feed.json", "application/feed+json"),
    )
    return SiteView(
        title=config.title,
        description=config.description,
        base_url=absolute,
        base_path=base,
        language=config.language,
        publisher=Link(config.publisher.name, config.publisher.url or absolute),
        logo_url=f"{base}{config.publisher.logo}" if config.publisher.logo else None,
        icon_url=f"{base}{config.icon}" if config.icon else None,
        nav=nav,
        feeds=feeds,
        css_url=f"{base}assets/style.css?v={assets_version}",
        print_css_url=f"{base}assets/print.css?v={assets_version}",
        generator=generator,
    )


def byline(brief: Brief, config: SiteConfig) -> tuple[str, ...]:
    if brief.authors:
        return brief.authors
    return (config.author,) if config.author else ()


@dataclass(frozen=True, slots=True)
class Shell:
    """What every page of a build shares, and a digest of it for page keys."""

    site: SiteView
    base_path: str
    base_url: str
    digest: str
    live_reload: str | None = None


pickle_by_fields(__name__)
