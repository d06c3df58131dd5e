"""Views of briefs for templates, and the rendering of one page from a job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup

from .model import Brief, Page, RenderedBrief, SiteConfig
from .render import fill_urls
from .site import Entry, Site
from .theme import render_template
from .views import (
    BriefView,
    Card,
    CiteFormats,
    Link,
    PageInfo,
    PageView,
    PhotoView,
    Shell,
    long_date,
    reading_minutes,
)


@dataclass(frozen=True, slots=True)
class TemplateJob:
    """One page to render from a template and a context of views."""

    rel: str
    key: str
    template: str
    page: PageInfo
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BriefJob:
    """One brief page; its HTML fragments come from the cache (or with the job)."""

    rel: str
    key: str
    entry: Entry
    fragments_key: str
    fragments: RenderedBrief | None
    tags: tuple[Link, ...]
    authors: tuple[Link, ...]
    related: tuple[Card, ...]
    prev: Link | None
    next: Link | None
    cite: CiteFormats | None
    page: PageInfo


@dataclass(frozen=True, slots=True)
class StandaloneJob:
    """A standalone page (About)."""

    rel: str
    key: str
    item: Page
    fragments_key: str
    fragments: RenderedBrief | None
    page: PageInfo


Job = TemplateJob | BriefJob | StandaloneJob


def tag_links(brief: Brief, site: Site, base: str) -> tuple[Link, ...]:
    links = []
    for name in brief.tags:
        term = site.tag_of.get(name)
        if term is not None:
            links.append(Link(term.name, base + term.url))
    return tuple(links)


def author_links(brief: Brief, site: Site, base: str) -> tuple[Link, ...]:
    links = []
    for name in brief.authors:
        term = site.author_of.get(name)
        if term is not None:
            links.append(Link(name, base + term.url))
    return tuple(links)


def card(entry: Entry, site: Site, base: str, cited: tuple[dt.date, ...] = ()) -> Card:
    brief = entry.brief
    return Card(
        title=brief.title,
        url=base + brief.url,
        date_iso=brief.date.date().isoformat(),
        date_display=long_date(brief.date.date()),
        summary=brief.summary or entry.facts.excerpt,
        tags=tag_links(brief, site, base),
        authors=author_links(brief, site, base),
        cited_dates=tuple(long_date(d) for d in cited),
    )


def iso(when: dt.datetime) -> str:
    return when.isoformat()


def brief_view(
    job: BriefJob,
    fragments: RenderedBrief,
    shell: Shell,
    config_author: str | None,
    page_url: Callable[[str], str | None],
) -> BriefView:
    entry = job.entry
    brief = entry.brief
    base = shell.base_path

    def html(fragment: str | None) -> Markup | None:
        return Markup(fill_urls(fragment, base, page_url)) if fragment else None

    photo = None
    if brief.photo is not None:
        p = brief.photo
        src = None
        if p.src:
            src = p.src if "://" in p.src or p.src.startswith("//") else base + p.src.lstrip("/")
        photo = PhotoView(
            src, p.alt or "", p.width, p.height, html(fragments.caption_html), html(fragments.credit_html)
        )
    return BriefView(
        title=brief.title,
        url=base + brief.url,
        permalink=shell.base_url + brief.url,
        date_iso=iso(brief.date),
        date_display=long_date(brief.date.date()),
        updated_iso=iso(brief.updated) if brief.updated else None,
        updated_display=long_date(brief.updated.date()) if brief.updated else None,
        summary=brief.summary or "",
        tags=job.tags,
        authors=job.authors,
        byline=brief.authors or ((config_author,) if config_author else ()),
        photo=photo,
        body_html=html(fragments.body_html) or Markup(""),
        sources_html=html(fragments.sources_html) or Markup(""),
        word_count=fragments.word_count,
        reading_time=reading_minutes(fragments.word_count),
        related=job.related,
        prev=job.prev,
        next=job.next,
        cite=job.cite,
    )


def render_job(
    job: Job,
    env: jinja2.Environment,
    shell: Shell,
    config: SiteConfig,
    fragments: RenderedBrief | None,
    page_url: Callable[[str], str | None],
) -> bytes:
    """The bytes of one page."""
    context: dict[str, Any] = {"site": shell.site, "page": job.page}
    if isinstance(job, TemplateJob):
        context.update(job.context)
        template = job.template
    elif isinstance(job, BriefJob):
        assert fragments is not None
        context["brief"] = brief_view(job, fragments, shell, config.author, page_url)
        template = "brief.html"
    else:
        assert fragments is not None
        base = shell.base_path
        context["content"] = PageView(
            title=job.item.title,
            body_html=Markup(fill_urls(fragments.body_html, base, page_url)),
            sources_html=Markup(fill_urls(fragments.sources_html, base, page_url)),
        )
        template = "page.html"
    text = render_template(env, template, context)
    if shell.live_reload:
        text = text.replace("</body>", shell.live_reload + "</body>", 1)
    return text.encode("utf-8")
