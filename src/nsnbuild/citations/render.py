"""HTML for citation markers, inline citations and the Sources list.

`p` is always the id prefix, already escaped for an attribute.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from markdown_it.common.utils import escapeHtml

from .syntax import Citation

if TYPE_CHECKING:
    from markdown_it.renderer import RendererProtocol
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

LinkCheck = Callable[[str], str | None]
"""Normalises a URL for an href, or returns None if it must not become a link."""

RenderRule = Callable[["RendererProtocol", Sequence["Token"], int, "OptionsDict", "EnvType"], str]

Details = Mapping[str, str | None]

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
BACK_ARROW = "\u21a9&#xFE0E;"


class SourceItem(Protocol):
    """What the Sources list needs to know of a cited item."""

    @property
    def n(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def places(self) -> Sequence[object]: ...


def id_prefix(env: EnvType) -> str:
    """`env["citation_id_prefix"]`, escaped for an attribute."""
    value = env.get("citation_id_prefix")
    if not value:
        return ""
    if isinstance(value, str):
        return escapeHtml(value)
    raise TypeError(f"env['citation_id_prefix'] must be a str, not {type(value).__name__}")


def details_of(env: EnvType) -> Mapping[int, Details]:
    """`env["citation_details"]`: what the caller knows of each item, by number."""
    details = env.get("citation_details")
    if details is None:
        return {}
    if isinstance(details, Mapping):
        return details
    raise TypeError(f"env['citation_details'] must be a mapping, not {type(details).__name__}")


def written_date(date: datetime.date) -> str:
    """The date written out as in running text: "April 26, 2015"."""
    return f"{MONTH_NAMES[date.month - 1]} {date.day}, {date.year}"


def detail(details: Details | None, key: str) -> str | None:
    """One non-blank string from an item's details, else None."""
    if details is None:
        return None
    value = details.get(key)
    return value if isinstance(value, str) and value.strip() else None


def checked_href(url: str | None, link: LinkCheck) -> str | None:
    """The escaped href for `url`, or None if there is none or it is not allowed."""
    if url is None:
        return None
    normalised = link(url)
    return None if normalised is None else escapeHtml(normalised)


def as_written(raw: str) -> str:
    """A group never numbered (parsed by `md.inline.parse`, without the core rule)."""
    return escapeHtml(f"[{raw}]")


def footnote_markers(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render rule: note markers for one group, one link per distinct item."""
    meta = tokens[idx].meta
    numbers = meta.get("n")
    if numbers is None:
        return as_written(meta["raw"])
    p = id_prefix(env)
    if len(numbers) == 1:
        links = _marker_link(numbers[0], meta["k"][0], p)
    else:  # an item cited twice in a group has one place, so its (n, k) pair repeats
        pairs = dict.fromkeys(zip(numbers, meta["k"], strict=True))
        links = ", ".join(_marker_link(n, k, p) for n, k in pairs)
    return f'<sup class="citation-ref">{links}</sup>'


@functools.lru_cache(maxsize=4096)
def _marker_link(number: int, k: int, p: str) -> str:
    # every brief has a note 1, 2, 3 ...: the same few markers are written again and again
    n = str(number)
    return f'<a href="#{p}source-{n}" id="{p}cite-{n}-{k}" aria-label="Source {n}">{n}</a>'


def inline_citations_rule(link: LinkCheck) -> RenderRule:
    """Render rule for the inline style: the bracket as written, each citation linked."""

    def render_inline_citations(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        meta = tokens[idx].meta
        if "n" not in meta:
            return as_written(meta["raw"])
        details = details_of(env)
        return inline_citations(
            meta["raw"],
            meta["citations"],
            meta["n"],
            meta["k"],
            id_prefix(env),
            lambda n: checked_href(detail(details.get(n), "url"), link),
        )

    return render_inline_citations


def sources_rule(
    items_of: Callable[[EnvType], Sequence[SourceItem]], heading: str, link: LinkCheck
) -> RenderRule:
    """Render rule for the Sources list token."""

    def render_sources(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        return sources_list(items_of(env), details_of(env), id_prefix(env), heading, link)

    return render_sources


def inline_citations(
    raw: str,
    citations: Sequence[Citation],
    numbers: Sequence[int],
    places: Sequence[int],
    p: str,
    href_for: Callable[[int], str | None],
) -> str:
    """The bracket as written (white space normalised), each citation linked to its item."""
    out = ['<span class="citation-inline">[']
    shown: set[int] = set()
    previous_end: int | None = None
    for citation, n, k in zip(citations, numbers, places, strict=True):
        if previous_end is not None:
            out.append(escapeHtml(" ".join(raw[previous_end : citation.start].split()) + " "))
        previous_end = citation.end
        href = href_for(n) or f"#{p}source-{n}"
        ident = "" if n in shown else f' id="{p}cite-{n}-{k}"'
        shown.add(n)
        out.append(f'<a class="citation-link" href="{href}"{ident}>{escapeHtml(citation.text)}</a>')
    if previous_end is not None:
        out.append(escapeHtml("".join(raw[previous_end:].split())))
    out.append("]</span>")
    return "".join(out)


def sources_list(
    items: Sequence[SourceItem],
    details: Mapping[int, Details],
    p: str,
    heading: str,
    link: LinkCheck,
) -> str:
    """The Sources section: one entry per item, in number order."""
    html = [
        f'<section class="sources" aria-labelledby="{p}sources-heading">\n'
        f'<h2 id="{p}sources-heading">{escapeHtml(heading)}</h2>\n'
        '<ol class="sources-list">\n'
    ]
    for item in items:
        html.append(source_entry(item, details.get(item.n), p, link))
    html.append("</ol>\n</section>\n")
    return "".join(html)


def source_entry(item: SourceItem, details: Details | None, p: str, link: LinkCheck) -> str:
    """One entry of the Sources list: name, title, date, link and back links."""
    n = str(item.n)
    when = _time_element(item.date)
    name = _escaped_name(item.source)
    if details:
        source_url = checked_href(detail(details, "source_url"), link)
        url = checked_href(detail(details, "url"), link)
        title = detail(details, "title")
        if source_url is not None:
            name = f'<a class="source-name" href="{source_url}">{name}</a>'
        else:
            name = f'<span class="source-name">{name}</span>'
        if title is not None:
            cited = f'<cite class="source-title">\u201c{escapeHtml(title)}\u201d</cite>'
            when = f"{_linked(cited, url)}, {when}"
        elif url is not None:
            when = _linked(when, url)
    else:
        name = f'<span class="source-name">{name}</span>'
    count = len(item.places)
    if count == 1:
        backrefs = (
            f'<a class="citation-backref" href="#{p}cite-{n}-1"'
            f' aria-label="Back to citation {n}">{BACK_ARROW}</a>'
        )
    else:
        backrefs = " ".join(
            f'<a class="citation-backref" href="#{p}cite-{n}-{k}"'
            f' aria-label="Back to citation {n}, place {k}">'
            f"{BACK_ARROW}{'' if k == 1 else f'<sup>{k}</sup>'}</a>"
            for k in range(1, count + 1)
        )
    return f'<li id="{p}source-{n}">{name}, {when}. {backrefs}</li>\n'


@functools.lru_cache(maxsize=4096)
def _escaped_name(name: str) -> str:
    # an archive names the same few hundred sources in brief after brief
    return escapeHtml(name)


@functools.lru_cache(maxsize=4096)
def _time_element(date: datetime.date) -> str:
    return f'<time datetime="{date.isoformat()}">{written_date(date)}</time>'


def _linked(html: str, href: str | None) -> str:
    """`html` wrapped in the item's own link when it has one."""
    return html if href is None else f'<a class="source-link" href="{href}">{html}</a>'
