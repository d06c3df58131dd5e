"""Every page of the site as a job with a key: the key changes exactly when the page's inputs do."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import __version__
from .cachedata import make_key
from .feeds import FeedJob, plan_feeds
from .model import Brief, RenderedBrief, SiteConfig
from .pages import BriefJob, Job, StandaloneJob, TemplateJob, card, photo_image, term_links
from .records import pickle_by_fields
from .site import Site, Term, page_path, paginate
from .sitemap import robots_txt, sitemap_xml
from .theme import Theme
from .views import (
    MONTHS,
    Card,
    CiteFormats,
    FeedLink,
    Link,
    ListItem,
    MonthView,
    PageInfo,
    Shell,
    TermView,
    YearView,
    long_date,
    pagination,
    site_view,
)

FragmentsOf = Callable[[str], RenderedBrief | None]
CiteOf = Callable[[int], CiteFormats | None]
JsonLdOf = Callable[[int], Markup | None]


def _key(shell: Shell, *parts: Any) -> str:
    return make_key(shell.digest, *(repr(p) for p in parts))


def make_shell(config: SiteConfig, theme: Theme, nav: tuple[Link, ...], live_reload: str | None) -> Shell:
    """What every page of a build shares; its digest covers all of it."""
    view = site_view(config, nav, theme.assets_digest[:10], f"nsnbuild {__version__}")
    text = repr((__version__, config, theme.digest, nav, live_reload))
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return Shell(view, config.base_path, config.base_url, digest, live_reload)


def keyed(shell: Shell, job: BriefJob | StandaloneJob) -> BriefJob | StandaloneJob:
    """The job with its key: everything its page is made from besides the shared shell."""
    if isinstance(job, BriefJob):
        parts: tuple[Any, ...] = (
            "brief",
            job.fragments_key,
            job.tags,
            job.authors,
            job.related_keys,
            job.prev,
            job.next,
            job.page,
            job.linked,
        )
    else:
        parts = ("page", job.fragments_key, job.page, job.linked)
    return replace(job, key=_key(shell, *parts))


def _info(shell: Shell, kind: str, title: str, path: str, **extra: Any) -> PageInfo:
    return PageInfo(
        kind=kind,
        title=title,
        description=extra.pop("description", ""),
        path=shell.base_path + path,
        permalink=shell.base_url + path,
        **extra,
    )


def _listing(
    shell: Shell,
    kind: str,
    folder: str,
    title: str,
    heading: str,
    intro: str,
    items: Sequence[ListItem],
    per_page: int,
    description: str = "",
    feeds: tuple[FeedLink, ...] = (),
    home: Link | None = None,
    kicker: str = "",
) -> list[Job]:
    """A paginated list of cards: folder/, folder/page/2/, ...; `home` is a source's own site."""
    ranges = paginate(len(items), per_page)
    urls = tuple(shell.base_path + page_path(folder, n) for n in range(1, len(ranges) + 1))
    jobs: list[Job] = []
    for number, indices in enumerate(ranges, start=1):
        path = page_path(folder, number)
        pages = pagination(number, len(ranges), urls)
        suffix = f" (page {number} of {len(ranges)})" if number > 1 else ""
        info = _info(
            shell,
            kind,
            title + suffix,
            path,
            description=description,
            feeds=feeds,
            prev_url=shell.base_url + page_path(folder, number - 1) if number > 1 else None,
            next_url=shell.base_url + page_path(folder, number + 1) if number < len(ranges) else None,
        )
        shown = tuple(items[i] for i in indices)
        context = {
            "heading": heading + suffix,
            "intro": intro,
            "items": shown,
            "pagination": pages,
            "home": home,
            "kicker": kicker,
        }
        # the cards are keyed by their digests, not their HTML; the pagination by its place
        parts = (heading, intro, home, kicker, number, len(ranges), [(i.key, i.cited) for i in shown])
        jobs.append(
            TemplateJob(
                path + "index.html", _key(shell, "list.html", info, *parts), "list.html", info, context
            )
        )
    return jobs


def tag_feeds(shell: Shell, term: Term) -> tuple[FeedLink, ...]:
    url = shell.base_url + term.url
    return (
        FeedLink(f"{term.name} (RSS)", f"{url}feed.xml", "application/rss+xml"),
        FeedLink(f"{term.name} (Atom)", f"{url}atom.xml", "application/atom+xml"),
        FeedLink(f"{term.name} (JSON Feed)", f"{url}feed.json", "application/feed+json"),
    )


def plan_pages(
    site: Site,
    shell: Shell,
    config: SiteConfig,
    fragments_of: FragmentsOf,
    card_html: Callable[[Card], tuple[Markup, str]],
    page_urls: Mapping[str, str],
) -> list[Job]:
    """Every HTML page of the site; `card_html` renders a brief's card for the list pages."""
    base = shell.base_path
    links = term_links(site, base)
    cards = [card(entry, links, base) for entry in site.briefs]
    shown = [ListItem(*card_html(c)) for c in cards]
    jobs: list[Job] = []
    jobs += _listing(
        shell,
        "home",
        "",
        config.title,
        "Latest briefs",
        "",
        shown,
        config.briefs_per_page,
        description=config.description,
    )
    for index, entry in enumerate(site.briefs):
        brief = entry.brief
        related = tuple(cards[i] for i in site.related[index])
        newer = site.briefs[index - 1].brief if index > 0 else None
        older = site.briefs[index + 1].brief if index + 1 < len(site.briefs) else None
        prev_link = Link(older.title, base + older.url) if older else None
        next_link = Link(newer.title, base + newer.url) if newer else None
        image = photo_image(shell, brief.photo)
        info = _info(
            shell,
            "brief",
            brief.title,
            brief.url,
            description=brief.summary or entry.facts.excerpt,
            og_type="article",
            image=image.url if image else None,
            image_alt=brief.photo.alt if image and brief.photo else None,
            published=brief.date.isoformat(),
            modified=(brief.updated or brief.date).isoformat(),
        )
        tags, authors = cards[index].tags, cards[index].authors
        # the citation formats and JSON-LD are made from these when the page is rendered;
        # related briefs count by their card digests
        related_keys = tuple(shown[i].key for i in site.related[index])
        # and the pages its body links to count by their URLs
        linked = tuple((rel, page_urls.get(rel)) for rel in entry.facts.linked)
        job = BriefJob(
            brief.url + "index.html",
            "",
            entry,
            entry.key,
            fragments_of(entry.key),
            tags,
            authors,
            related,
            prev_link,
            next_link,
            info,
            related_keys,
            linked,
        )
        jobs.append(keyed(shell, job))
    jobs.append(_archive(site, shell, cards))
    for kind, folder, terms, heading, intro in (
        ("tag", "tags", site.tags, "Topics", "Every topic the briefs cover."),
        (
            "source",
            "sources",
            site.sources,
            "Sources",
            "Every source the briefs cite, with the number of briefs citing it.",
        ),
        ("author", "authors", site.authors, "Authors", "Everyone who has written a brief."),
    ):
        views = tuple(_term_view(shell, t) for t in terms)
        info = _info(shell, f"{kind}-index", heading, f"{folder}/")
        context = {"heading": heading, "intro": intro, "terms": views}
        jobs.append(
            TemplateJob(
                f"{folder}/index.html", _key(shell, "terms.html", info, context), "terms.html", info, context
            )
        )
        for term in terms:
            jobs += _term_pages(shell, config, site, term, shown)
    for item in site.pages:
        page = item.page
        info = _info(shell, "page", page.title, page.url, description=page.summary or "")
        linked = tuple((rel, page_urls.get(rel)) for rel in item.linked)
        page_job = StandaloneJob(
            page.url + "index.html", "", page, item.key, fragments_of(item.key), info, linked
        )
        jobs.append(keyed(shell, page_job))
    info = _info(shell, "404", "Page not found", "404.html", noindex=True)
    jobs.append(TemplateJob("404.html", _key(shell, "404.html", info), "404.html", info, {}))
    return jobs


@functools.lru_cache(maxsize=8192)
def _long_dates(dates: tuple[dt.date, ...]) -> tuple[str, ...]:
    """The dates a brief cites a source on, written out (a large archive repeats them often)."""
    return tuple(long_date(d) for d in dates)


def _term_view(shell: Shell, term: Term) -> TermView:
    note = term.category if term.kind == "source" else None
    return TermView(term.name, shell.base_path + term.url, len(term.briefs), note)


def _term_pages(
    shell: Shell, config: SiteConfig, site: Site, term: Term, shown: Sequence[ListItem]
) -> list[Job]:
    if term.kind == "source":
        listed = [
            ListItem(shown[i].html, shown[i].key, _long_dates(term.dates[n]))
            for n, i in enumerate(term.briefs)
        ]
        heading = term.name
        count = len(term.briefs)
        intro = f"{count} brief{'s' if count != 1 else ''} citing {term.name}, newest first."
        home = Link(_url_label(term.home), term.home) if term.home else None
        return _listing(
            shell,
            "source",
            term.url,
            f"Source: {term.name}",
            heading,
            intro,
            listed,
            config.briefs_per_page,
            description=f"Briefs citing {term.name}",
            home=home,
            kicker=f"Source · {term.category.replace('-', ' ')}" if term.category else "Source",
        )
    listed = [shown[i] for i in term.briefs]
    if term.kind == "tag":
        intro = (
            f"{len(term.briefs)} brief{'s' if len(term.briefs) != 1 else ''} on {term.name}, newest first."
        )
        return _listing(
            shell,
            "tag",
            term.url,
            f"Topic: {term.name}",
            term.name,
            intro,
            listed,
            config.briefs_per_page,
            description=f"Briefs on {term.name}",
            feeds=tag_feeds(shell, term),
            kicker="Topic",
        )
    intro = f"{len(term.briefs)} brief{'s' if len(term.briefs) != 1 else ''} by {term.name}, newest first."
    return _listing(
        shell,
        "author",
        term.url,
        f"Author: {term.name}",
        term.name,
        intro,
        listed,
        config.briefs_per_page,
        description=f"Briefs by {term.name}",
        kicker="Author",
    )


def _url_label(url: str) -> str:
    """'https://www.reuters.com/' -> 'www.reuters.com': a URL as link text."""
    return url.split("://", 1)[-1].rstrip("/")


def _archive(site: Site, shell: Shell, cards: Sequence[Card]) -> Job:
    years: list[YearView] = []
    by_year: dict[int, list[MonthView]] = {}
    for month in site.archive:
        title = f"{MONTHS[month.month - 1]} {month.year}"
        view = MonthView(title, f"m{month.year}-{month.month:02d}", tuple(cards[i] for i in month.briefs))
        by_year.setdefault(month.year, []).append(view)
    for year, months in by_year.items():
        years.append(YearView(year, tuple(months)))
    info = _info(shell, "archive", "Archive", "archive/", description="Every brief, by year and month.")
    context = {"years": tuple(years), "total": len(site.briefs)}
    return TemplateJob(
        "archive/index.html", _key(shell, "archive.html", info, context), "archive.html", info, context
    )


@dataclass(frozen=True, slots=True)
class Planned:
    """Everything the writer makes: page and feed jobs, small generated files, copies."""

    jobs: list[Job | FeedJob]
    files: list[tuple[str, bytes]]
    copies: list[tuple[str, Path]]
    feed_count: int
    feed_sources: dict[str, Brief]


def plan_site(
    site: Site,
    shell: Shell,
    config: SiteConfig,
    fragments_of: FragmentsOf,
    card_html: Callable[[Card], tuple[Markup, str]],
    statics: Sequence[tuple[str, Path]],
    epoch: dt.datetime,
    page_urls: Mapping[str, str],
) -> Planned:
    pages = plan_pages(site, shell, config, fragments_of, card_html, page_urls)
    sizes = {rel: path.stat().st_size for rel, path in statics}
    feeds = plan_feeds(site, shell, config, sizes, epoch)
    lastmod = {e.brief.url + "index.html": e.brief.updated or e.brief.date for e in site.briefs}
    urls = []
    for job in pages:
        if job.rel == "404.html":
            continue
        urls.append((shell.base_url + job.rel.removesuffix("index.html"), lastmod.get(job.rel)))
    files = [("sitemap.xml", sitemap_xml(urls)), ("robots.txt", robots_txt(shell.base_url))]
    by_key = {e.key: e.brief for e in site.briefs}
    sources = {key: by_key[key] for job in feeds for _, key in job.briefs}
    # feeds first: they are the heaviest jobs, best shared out while the building process is small
    return Planned([*feeds, *pages], files, list(statics), len(feeds) * 3, sources)


pickle_by_fields(__name__)
