"""Immutable data passed between the stages of a build. No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .records import pickle_by_fields

CitationStyle = Literal["footnotes", "inline"]


@dataclass(frozen=True, slots=True)
class Publisher:
    name: str
    url: str | None = None
    logo: str | None = None


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """nsnbuild.toml, validated, with defaults filled in."""

    root: Path
    output_dir: Path
    config_path: Path | None = None
    title: str = "Briefs"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    base_url_set: bool = False
    language: str = "en"
    timezone: str = "UTC"
    author: str | None = None
    theme: str = "default"
    briefs_per_page: int = 20
    feed_items: int = 20
    citation_style: CitationStyle = "footnotes"
    publisher: Publisher = field(default_factory=lambda: Publisher("Briefs"))
    allow_html: bool = False
    typographer: bool = False
    icon: str | None = None

    @property
    def base_path(self) -> str:
        """The path part of base_url, always starting and ending with '/'."""
        rest = self.base_url.split("://", 1)[-1]
        path = rest[rest.find("/") :] if "/" in rest else "/"
        return path if path.endswith("/") else path + "/"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".nsnbuild-cache"


@dataclass(frozen=True, slots=True)
class RegistrySource:
    """One outlet or analyst in sources.toml."""

    name: str
    url: str | None = None
    kind: str | None = None
    aliases: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True, slots=True)
class SourceRegistry:
    """sources.toml as read. `readable` is False when the file is there but could not be
    read (unreadable, not UTF-8, not TOML): what it holds is then unknown, not empty."""

    sources: tuple[RegistrySource, ...] = ()
    path: Path | None = None
    readable: bool = True


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the command line asks of one build."""

    drafts: bool = False
    future: bool = False
    strict: bool = False
    now: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    jobs: int = 1
    use_cache: bool = True
    force: bool = False
    write: bool = True
    live_reload: str | None = None


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One entry of a brief's front-matter `sources` list."""

    name: str
    date: dt.date
    title: str | None = None
    url: str | None = None
    author: str | None = None
    publisher: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class TextSpan:
    """Where a front-matter string stands in its file: the line and column its value starts
    at, and, when known, where each of its characters is.

    `runs`: (offset in the string, line, column), sorted; from each offset on, characters
    stand one after another on that line from that column. Empty when the string's
    characters cannot be placed exactly: every one is then shown at the start of the value.
    """

    line: int
    column: int
    runs: tuple[tuple[int, int, int], ...] = ()

    def position(self, offset: int) -> tuple[int, int]:
        """The line and column of the string's character at `offset`."""
        found = None
        for run in self.runs:
            if run[0] > offset:
                break
            found = run
        if found is None:
            return self.line, self.column
        return found[1], found[2] + offset - found[0]


@dataclass(frozen=True, slots=True)
class Photo:
    """A brief's photo; `*_at`: where its src, caption and credit stand in the file."""

    src: str | None = None
    alt: str | None = None
    caption: str | None = None
    credit: str | None = None
    width: int | None = None
    height: int | None = None
    src_at: TextSpan | None = None
    caption_at: TextSpan | None = None
    credit_at: TextSpan | None = None


@dataclass(frozen=True, slots=True)
class Brief:
    """A brief as read from its file: front matter validated, body untouched."""

    path: Path
    rel: str
    title: str
    date: dt.datetime
    slug: str
    body: str
    body_line: int
    digest: str
    updated: dt.datetime | None = None
    summary: str | None = None
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    draft: bool = False
    id: str | None = None
    photo: Photo | None = None
    sources: tuple[SourceRef, ...] = ()
    url: str = field(init=False, compare=False, repr=False)
    """Site-relative URL path, e.g. 'briefs/2015/04/27/us-japan/' (date in the site's time zone)."""

    def __post_init__(self) -> None:
        day = self.date
        object.__setattr__(self, "url", f"briefs/{day.year:04d}/{day.month:02d}/{day.day:02d}/{self.slug}/")


@dataclass(frozen=True, slots=True)
class Page:
    """A standalone page (About, Contact)."""

    path: Path
    rel: str
    title: str
    slug: str
    body: str
    body_line: int
    digest: str
    summary: str | None = None
    draft: bool = False

    @property
    def url(self) -> str:
        return f"{self.slug}/"


@dataclass(frozen=True, slots=True)
class Place:
    """Where in its file a citation group stands (1-based)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ResolvedCitation:
    """One numbered source item of a brief, with the details found for it."""

    n: int
    source: str
    date: dt.date
    title: str | None
    url: str | None
    source_slug: str
    kind: str | None
    places: tuple[Place, ...]
    home: str | None = None
    """The source's home page from the registry (`url` falls back to it)."""
    author: str | None = None
    """Who wrote the item, when the brief's front-matter entry says."""
    publisher: str | None = None


@dataclass(frozen=True, slots=True)
class LinkRef:
    """A relative link or image in a body, to be checked against the site."""

    target: str
    kind: Literal["page", "image"]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class RenderedBrief:
    """What rendering a brief or page gives: HTML fragments and what the site needs to know.

    HTML fragments hold site-relative placeholders (see render.py) so they do not depend
    on base_url or on the URLs of other briefs.
    """

    body_html: str
    sources_html: str
    caption_html: str | None
    credit_html: str | None
    citations: tuple[ResolvedCitation, ...]
    links: tuple[LinkRef, ...]
    word_count: int
    excerpt: str


@dataclass(frozen=True, slots=True)
class OutputFile:
    """A file of the built site: its path under the output folder and its bytes."""

    path: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Written:
    """What is known of a file in the output: its bytes' digest, size and mtime."""

    digest: str
    size: int
    mtime_ns: int


pickle_by_fields(__name__)
