"""The shape of the whole site: which briefs are published, tags, sources, authors, archive, related."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import Diagnostic, SourcePos
from .model import Brief, BuildOptions, Page, ResolvedCitation, SourceRegistry
from .records import pickle_by_fields
from .slugs import slugify

TermKind = Literal["tag", "source", "author"]
RELATED_COUNT = 3
RELATED_WINDOW = 24
RELATED_SOURCE_WINDOW = 8
RESERVED_SLUGS = frozenset(
    {"page", "briefs", "archive", "tags", "sources", "authors", "assets", "feed", "index", "404"}
)


@dataclass(frozen=True, slots=True)
class BriefFacts:
    """What rendering told us about a brief that the rest of the site needs."""

    citations: tuple[ResolvedCitation, ...]
    word_count: int
    excerpt: str
    linked: tuple[str, ...] = ()
    """Content files its body links to: their URLs are written into its page."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A brief with its facts and the key of its rendered fragments."""

    brief: Brief
    facts: BriefFacts
    key: str


@dataclass(frozen=True, slots=True)
class PageEntry:
    page: Page
    key: str
    linked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Term:
    """A tag, source or author, with the briefs (indices into Site.briefs) under it, newest first."""

    kind: TermKind
    name: str
    slug: str
    briefs: tuple[int, ...]
    dates: tuple[tuple[dt.date, ...], ...] = ()
    home: str | None = None
    category: str | None = None

    @property
    def url(self) -> str:
        folder = {"tag": "tags", "source": "sources", "author": "authors"}[self.kind]
        return f"{folder}/{self.slug}/"


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int
    briefs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Site:
    briefs: tuple[Entry, ...]
    pages: tuple[PageEntry, ...]
    tags: tuple[Term, ...]
    sources: tuple[Term, ...]
    authors: tuple[Term, ...]
    archive: tuple[Month, ...]
    related: tuple[tuple[int, ...], ...]
    tag_of: dict[str, Term]
    author_of: dict[str, Term]


def is_published(brief: Brief | Page, options: BuildOptions) -> bool:
    if brief.draft and not options.drafts:
        return False
    return not (isinstance(brief, Brief) and brief.date > options.now and not options.future)


def held_back(items: Iterable[Brief | Page], options: BuildOptions) -> list[Diagnostic]:
    """Information about drafts and scheduled briefs left out of this build."""
    notes: list[Diagnostic] = []
    for item in items:
        if item.draft and not options.drafts:
            notes.append(
                Diagnostic(
                    "info", "draft: left out (build with --drafts to include it)", SourcePos(item.path)
                )
            )
        elif isinstance(item, Brief) and item.date > options.now and not options.future:
            when = item.date.isoformat()
            message = f"scheduled for {when}: left out until then (build with --future to include it)"
            notes.append(Diagnostic("info", message, SourcePos(item.path)))
    return notes


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Newest first; the same date ordered by slug (stable and deterministic)."""
    ordered = sorted(entries, key=lambda e: e.brief.slug)
    return sorted(ordered, key=lambda e: e.brief.date, reverse=True)


def _terms(
    kind: TermKind,
    named: Sequence[Iterable[str]],
    dates: Sequence[dict[str, tuple[dt.date, ...]]] | None = None,
) -> list[Term]:
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    members: dict[str, list[int]] = defaultdict(list)
    member_dates: dict[str, list[tuple[dt.date, ...]]] = defaultdict(list)
    for index, names in enumerate(named):
        seen: set[str] = set()
        for name in names:
            slug = slugify(name)
            if not slug:
                continue
            spellings[slug][name] += 1
            if slug not in seen:
                seen.add(slug)
                members[slug].append(index)
                if dates is not None:
                    member_dates[slug].append(dates[index].get(name, ()))
    terms = []
    for slug, counter in spellings.items():
        name = min(counter.items(), key=lambda item: (-item[1], item[0]))[0]
        terms.append(Term(kind, name, slug, tuple(members[slug]), tuple(member_dates.get(slug, ()))))
    return sorted(terms, key=lambda t: (t.name.casefold(), t.slug))


@dataclass(frozen=True, slots=True)
class RelatedInputs:
    """What related briefs are computed from, per brief, newest first."""

    dates: tuple[float, ...]
    tags: tuple[frozenset[str], ...]
    sources: tuple[frozenset[str], ...]
    slugs: tuple[str, ...]

    def digest(self) -> str:
        tags = [sorted(t) for t in self.tags]
        sizes = (RELATED_COUNT, RELATED_WINDOW, RELATED_SOURCE_WINDOW)
        text = repr((sizes, self.dates, tags, [sorted(s) for s in self.sources], self.slugs))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def find_related(inputs: RelatedInputs) -> tuple[tuple[int, ...], ...]:
    return related_briefs(inputs.dates, inputs.tags, inputs.sources, inputs.slugs)


def assemble_site(
    entries: Iterable[Entry],
    pages: Iterable[PageEntry],
    registry: SourceRegistry,
    related_of: Callable[[RelatedInputs], tuple[tuple[int, ...], ...]] = find_related,
) -> Site:
    """Group the published briefs by tag, source, author and month; find related briefs.

    `related_of` computes related briefs from their inputs; a caller may remember results.
    """
    briefs = tuple(newest_first(entries))
    tags = _terms("tag", [e.brief.tags for e in briefs])
    authors = _terms("author", [e.brief.authors for e in briefs])
    cited: list[dict[str, tuple[dt.date, ...]]] = []
    for entry in briefs:
        by_name: dict[str, list[dt.date]] = defaultdict(list)
        for citation in entry.facts.citations:
            by_name[citation.source].append(citation.date)
        cited.append({name: tuple(sorted(set(d))) for name, d in by_name.items()})
    registry_by_slug = {slugify(s.name): s for s in registry.sources}
    sources = []
    for term in _terms("source", [list(c) for c in cited], cited):
        known = registry_by_slug.get(term.slug)
        home = known.url if known else None
        category = known.kind if known else None
        sources.append(Term(term.kind, term.name, term.slug, term.briefs, term.dates, home, category))
    months: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, entry in enumerate(briefs):
        months[(entry.brief.date.year, entry.brief.date.month)].append(index)
    archive = tuple(Month(y, m, tuple(ix)) for (y, m), ix in sorted(months.items(), reverse=True))
    related = related_of(
        RelatedInputs(
            dates=tuple(e.brief.date.timestamp() for e in briefs),
            tags=tuple(frozenset(slugify(t) for t in e.brief.tags) for e in briefs),
            sources=tuple(frozenset(slugify(name) for name in c) for c in cited),
            slugs=tuple(e.brief.slug for e in briefs),
        )
    )
    tag_of = {name: term for term in tags for name in _names(term, briefs, "tags")}
    author_of = {name: term for term in authors for name in _names(term, briefs, "authors")}
    return Site(
        briefs=briefs,
        pages=tuple(sorted(pages, key=lambda p: p.page.slug)),
        tags=tuple(tags),
        sources=tuple(sources),
        authors=tuple(authors),
        archive=archive,
        related=related,
        tag_of=tag_of,
        author_of=author_of,
    )


def _names(term: Term, briefs: Sequence[Entry], field: str) -> set[str]:
    names: set[str] = set()
    for index in term.briefs:
        values: tuple[str, ...] = getattr(briefs[index].brief, field)
        names.update(v for v in values if slugify(v) == term.slug)
    return names


def related_briefs(
    dates: Sequence[float],
    tags: Sequence[frozenset[str]],
    sources: Sequence[frozenset[str]],
    slugs: Sequence[str],
    count: int = RELATED_COUNT,
    window: int = RELATED_WINDOW,
    source_window: int = RELATED_SOURCE_WINDOW,
) -> tuple[tuple[int, ...], ...]:
    """For each brief (newest first), up to `count` related ones.

    Score: 2 per shared tag + 1 per shared source; ties go to the nearer date, then the
    newer brief, then the slug. Candidates come from an index of tags, tag pairs and
    sources to briefs: the `window` briefs nearest in date on each side in the list of each
    of the brief's tags and of each pair of its tags, and the `source_window` nearest in
    each of its source lists. The work per brief is bounded, so the whole computation
    grows with the archive, not with its square; the price is that a brief far away in
    time may be passed over for a nearer one, even one that scores less.
    """
    size = len(dates)
    # Each brief's tags and sources as the bits of one number, every tag twice, so that the
    # score against another brief is the bit count of the two numbers' intersection.
    tag_ids = {tag: n for n, tag in enumerate(sorted(set().union(*tags)))}
    source_ids = {source: n for n, source in enumerate(sorted(set().union(*sources)))}
    shift = len(source_ids)
    bits = [0] * size
    by_tag: dict[str, list[int]] = defaultdict(list)
    by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_source: dict[str, list[int]] = defaultdict(list)
    for index in range(size):
        mark = 0
        for tag in tags[index]:
            mark |= 3 << (shift + 2 * tag_ids[tag])
            by_tag[tag].append(index)
        for pair in itertools.combinations(sorted(tags[index]), 2):
            by_pair[pair].append(index)
        for source in sources[index]:
            mark |= 1 << source_ids[source]
            by_source[source].append(index)
        bits[index] = mark

    def near(postings: list[int], index: int, width: int) -> list[int]:
        # postings are in index order, i.e. newest first: neighbours in the list are nearest in date
        at = bisect.bisect_left(postings, index)
        return postings[max(0, at - width) : at + width + 1]

    result: list[tuple[int, ...]] = []
    for index in range(size):
        mine = sorted(tags[index])
        pool: set[int] = set()
        for pair in itertools.combinations(mine, 2):
            pool.update(near(by_pair[pair], index, window))
        for tag in mine:
            pool.update(near(by_tag[tag], index, window))
        for source in sources[index]:
            pool.update(near(by_source[source], index, source_window))
        pool.discard(index)
        mark, when = bits[index], dates[index]
        scored = [((mark & bits[o]).bit_count(), o) for o in pool]
        # only candidates that score at least as well as the count-th best can be among the best
        top = heapq.nlargest(count, [score for score, _ in scored])
        floor = max(1, top[-1]) if top else 1
        best = heapq.nsmallest(
            count,
            ((-score, abs(when - dates[o]), -dates[o], slugs[o], o) for score, o in scored if score >= floor),
        )
        result.append(tuple(item[-1] for item in best))
    return tuple(result)


def reserved_slug_problems(pages: Iterable[Page]) -> list[Diagnostic]:
    problems = []
    for page in pages:
        if page.slug in RESERVED_SLUGS:
            message = f"page slug '{page.slug}' is reserved for the site's own pages; choose another"
            problems.append(Diagnostic("error", message, SourcePos(page.path, 1, 1)))
    return problems


def paginate(count: int, per_page: int) -> list[range]:
    """Index ranges of each page of a list (always at least one page)."""
    if count == 0:
        return [range(0)]
    return [range(start, min(start + per_page, count)) for start in range(0, count, per_page)]


def page_path(folder: str, number: int) -> str:
    """URL path of page `number` (1-based) of a paginated list under folder ('' for home)."""
    return folder if number == 1 else f"{folder}page/{number}/"


pickle_by_fields(__name__)
