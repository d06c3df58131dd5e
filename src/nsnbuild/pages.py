"""Views of briefs for templates, and the rendering of one page from a job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import jinja2
from markupsafe import Markup

from .metadata import ArticleFacts, CitedWork, ImageFacts, cite_formats, json_ld_script, news_article
from .model import Page, Photo, RenderedBrief, SiteConfig
from .records import pickle_by_fields
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
    SiteView,
    long_date,
    reading_minutes,
)

BIB_NAME = "cite.bib"
"""Beside every brief page: the brief as a BibTeX entry."""


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
    page: PageInfo
    related_keys: tuple[str, ...] = ()
    """The related briefs' card digests: the page's key counts them rather than the cards."""
    linked: tuple[tuple[str, str | None], ...] = ()
    """Content files the body links to, with their URLs, which are written into the page."""

    @property
    def bib_rel(self) -> str:
        return self.entry.brief.url + BIB_NAME


@dataclass(frozen=True, slots=True)
class StandaloneJob:
    """A standalone page (About)."""

    rel: str
    key: str
    item: Page
    fragments_key: str
    fragments: RenderedBrief | None
    page: PageInfo
    linked: tuple[tuple[str, str | None], ...] = ()


Job = TemplateJob | BriefJob | StandaloneJob


def term_links(site: Site, base: str) -> tuple[dict[str, Link], dict[str, Link]]:
    """The link of every tag and author name as written in briefs (made once per build); names
    that give one slug are one tag or author, shown with its most frequent spelling."""
    tags = {name: Link(term.name, base + term.url) for name, term in site.tag_of.items()}
    authors = {name: Link(term.name, base + term.url) for name, term in site.author_of.items()}
    return tags, authors


def card(entry: Entry, links: tuple[dict[str, Link], dict[str, Link]], base: str) -> Card:
    brief = entry.brief
    tag_link, author_link = links
    day = brief.date.date()
    return Card(
        title=brief.title,
        url=base + brief.url,
        date_iso=day.isoformat(),
        date_display=long_date(day),
        summary=brief.summary or entry.facts.excerpt,
        # spellings of one tag are one link
        tags=tuple(dict.fromkeys(tag_link[name] for name in brief.tags if name in tag_link)),
        authors=tuple(dict.fromkeys(author_link[name] for name in brief.authors if name in author_link)),
    )


def render_card(env: jinja2.Environment, site: SiteView, card: Card) -> str:
    """A brief's card as list pages show it (partials/card.html)."""
    return render_template(env, "partials/card.html", {"site": site, "card": card, "level": 2}).rstrip("\n")


def iso(when: dt.datetime) -> str:
    return when.isoformat()


def brief_view(
    job: BriefJob,
    fragments: RenderedBrief,
    shell: Shell,
    config_author: str | None,
    page_url: Callable[[str], str | None],
    cite: CiteFormats | None,
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
        cite=cite,
    )


def render_job(
    job: Job,
    env: jinja2.Environment,
    shell: Shell,
    config: SiteConfig,
    fragments: RenderedBrief | None,
    page_url: Callable[[str], str | None],
) -> list[tuple[str, bytes]]:
    """The files of one job: its page (and, for a brief, its cite.bib)."""
    context: dict[str, Any] = {"site": shell.site, "page": job.page}
    files: list[tuple[str, bytes]] = []
    if isinstance(job, TemplateJob):
        context.update(job.context)
        template = job.template
    elif isinstance(job, BriefJob):
        assert fragments is not None
        cite = brief_cite(job.entry, shell, config)
        context["page"] = replace(job.page, json_ld=brief_json_ld(job, shell, config))
        context["brief"] = brief_view(job, fragments, shell, config.author, page_url, cite)
        template = "brief.html"
        files.append((job.bib_rel, cite.bibtex.encode("utf-8")))
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
    return [(job.rel, text.encode("utf-8")), *files]


def photo_image(shell: Shell, photo: Photo | None) -> ImageFacts | None:
    """The brief's photo as an absolute URL (a path without a scheme is under static/)."""
    if photo is None or not photo.src:
        return None
    src = photo.src
    if "://" in src:
        url = src
    elif src.startswith("//"):
        url = shell.base_url.split("//", 1)[0] + src
    else:
        url = shell.base_url + src.lstrip("/")
    return ImageFacts(url, photo.width, photo.height)


def cited_work(entry: Entry, shell: Shell, config: SiteConfig) -> CitedWork:
    """What "Cite this brief" says of a brief: its front-matter authors, else the publisher."""
    brief = entry.brief
    return CitedWork(
        title=brief.title,
        authors=brief.authors,
        publisher=config.publisher.name,
        date=brief.date.date(),
        url=shell.base_url + brief.url,
        slug=brief.slug,
    )


def brief_cite(entry: Entry, shell: Shell, config: SiteConfig) -> CiteFormats:
    return cite_formats(cited_work(entry, shell, config), shell.base_path + entry.brief.url + BIB_NAME)


def brief_json_ld(job: BriefJob, shell: Shell, config: SiteConfig) -> Markup:
    """The NewsArticle JSON-LD of a brief page."""
    entry = job.entry
    brief = entry.brief
    origin = shell.base_url[: len(shell.base_url) - len(shell.base_path)]
    authors = tuple((link.title, origin + link.url) for link in job.authors)
    keywords = tuple(link.title for link in job.tags)
    publisher = config.publisher
    facts = ArticleFacts(
        headline=brief.title,
        description=brief.summary or entry.facts.excerpt,
        url=shell.base_url + brief.url,
        published=brief.date,
        modified=brief.updated or brief.date,
        authors=authors,
        publisher_name=publisher.name,
        publisher_url=publisher.url or shell.base_url,
        logo_url=shell.base_url + publisher.logo if publisher.logo else None,
        image=photo_image(shell, brief.photo),
        keywords=keywords,
        word_count=entry.facts.word_count,
        language=config.language,
        citations=entry.facts.citations,
    )
    return json_ld_script(news_article(facts))


pickle_by_fields(__name__)
