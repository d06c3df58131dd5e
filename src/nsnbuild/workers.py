"""Running the per-brief stages, in this process or in a pool of worker processes.

A worker process keeps one `Runner` (its MarkdownIt and Jinja environment, built on
first use); that is the only per-process state, and it lives only in worker processes.
The building process makes its own Runner and passes it explicitly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .cache import EntryRow, Fragments, SaveBatch, Store
from .cachedata import CachedEntry, FragmentsRow, entry_text_and_place, fragments_row, make_key
from .content import body_to_check, load_brief, load_page
from .discover import ContentFile, digest_bytes, read_content
from .errors import Diagnostic, SourcePos
from .feedformats import FeedEntry
from .feeds import FeedJob, entry_content, render_feed_job
from .markdown import make_markdown
from .model import Brief, Page, RenderedBrief, SiteConfig, Written
from .output import Staged, stage_file
from .pages import BriefJob, Job, StandaloneJob, render_job
from .pool import Pool, release_memory
from .prepsettings import PrepareSettings, registry_digests
from .records import pickle_by_fields
from .render import fill_urls, render_brief
from .resolve import index_registry, resolve_brief
from .site import BriefFacts
from .theme import TemplateProblem, Theme, make_environment
from .views import Shell

Loader = Callable[[str], RenderedBrief | None]


def facts_of(entry: CachedEntry) -> BriefFacts:
    """What the rest of the site needs to know of a prepared brief."""
    linked = tuple(sorted({ref.target for ref in entry.links if ref.kind == "page"}))
    return BriefFacts(entry.citations, entry.word_count, entry.excerpt, linked)


@dataclass(frozen=True, slots=True)
class Prepared:
    """One content file after load, resolve and render.

    `lookup` is the key of its bytes and settings, under which the cache finds it; `key`
    (= entry.key) also covers the registry entries it used, and names its fragments.
    """

    rel: str
    key: str
    entry: CachedEntry
    fragments: RenderedBrief | None
    lookup: str
    fragments_row: FragmentsRow | None = None
    """The fragments as the cache stores them, made by the worker that prepared them."""
    place: str | None = None
    """place_of(entry), made by the worker that prepared it (None: not made, or no item)."""
    entry_text: str | None = None
    """The entry as the cache stores it, made by the worker that prepared it."""
    entry_stored: bool = False
    """The entry is in the cache already (stored with its fragments' batch)."""


def content_key(file: ContentFile, settings: PrepareSettings) -> str:
    return make_key(file.rel, file.digest, settings.digest)


class Runner:
    """The per-process tools of the stages: MarkdownIt and Jinja, made once."""

    def __init__(self) -> None:
        self._markdown: dict[str, Any] = {}
        self._envs: dict[str, Any] = {}
        self._digests: dict[str, dict[str, str]] = {}
        self._contents: dict[tuple[str, str, FeedEntry], str] = {}

    def prepare(self, settings: PrepareSettings, file: ContentFile) -> Prepared:
        file = read_content(file)
        lookup = content_key(file, settings)
        item: Brief | Page | None
        if file.kind == "brief":
            item, diagnostics = load_brief(file, settings.timezone)
        else:
            item, diagnostics = load_page(file)
        if item is None:
            diagnostics += self._body_errors(settings, file)
            entry = CachedEntry(None, (), (), 0, "", tuple(diagnostics), {}, lookup)
            return Prepared(file.rel, lookup, entry, None, lookup)
        md, registry = self._tools(settings)
        resolved = resolve_brief(item, md, registry, dict(settings.aliases))
        fragments = render_brief(resolved, md)
        digests = self._digests[settings.digest]
        deps = {name: digests.get(name, "") for name in resolved.registry_used}
        key = make_key(lookup, repr(sorted(deps.items())))
        entry = CachedEntry(
            # the body and the front-matter sources are needed only to render the brief
            item=replace(item, body="", sources=()) if isinstance(item, Brief) else replace(item, body=""),
            citations=fragments.citations,
            links=fragments.links,
            word_count=fragments.word_count,
            excerpt=fragments.excerpt,
            diagnostics=(*diagnostics, *resolved.diagnostics),
            registry_deps=deps,
            key=key,
        )
        return Prepared(file.rel, key, entry, fragments, lookup)

    def _body_errors(self, settings: PrepareSettings, file: ContentFile) -> list[Diagnostic]:
        """The errors in the body of a file whose front matter has errors (its warnings wait:
        they may follow from the front matter's problems)."""
        item = body_to_check(file, settings.timezone)
        if item is None:
            return []
        md, registry = self._tools(settings)
        resolved = resolve_brief(item, md, registry, dict(settings.aliases))
        return [d for d in resolved.diagnostics if d.level == "error"]

    def _tools(self, settings: PrepareSettings) -> tuple[Any, Any]:
        digest = settings.digest + repr(settings.registry)
        if digest not in self._markdown:
            md = make_markdown(
                allow_html=settings.allow_html,
                typographer=settings.typographer,
                citation_style="inline" if settings.citation_style == "inline" else "footnotes",
                aliases=dict(settings.aliases),
            )
            self._markdown[digest] = (md, index_registry(settings.registry, settings.registry_readable))
            self._digests[settings.digest] = registry_digests(settings.registry)
        result: tuple[Any, Any] = self._markdown[digest]
        return result

    def fragments(self, setup: RenderSetup, key: str, source: Brief | Page, load: Loader) -> RenderedBrief:
        """A brief's fragments: kept with the setup, from the cache, or prepared again."""
        found = setup.fragments.get(key) or load(key)
        if found is not None:
            return found
        data = source.path.read_bytes()
        file = ContentFile(
            source.path,
            source.rel,
            "brief" if isinstance(source, Brief) else "page",
            data,
            digest_bytes(data),
        )
        prepared = self.prepare(setup.prepare, file)
        if prepared.key != key or prepared.fragments is None:
            raise TemplateProblem(
                Diagnostic(
                    "error",
                    "file changed while the site was being built; build again",
                    SourcePos(source.path),
                )
            )
        return prepared.fragments

    def environment(self, theme: Theme) -> Any:
        """The Jinja environment of a theme, made once: templates compile once per process."""
        if theme.digest not in self._envs:
            self._envs[theme.digest] = make_environment(theme)
        return self._envs[theme.digest]

    def render(
        self, setup: RenderSetup, job: Job | FeedJob, known: Sequence[Written | None], load: Loader
    ) -> list[Outcome]:
        env = self.environment(setup.theme)
        try:
            if isinstance(job, FeedJob):
                files = self._feed(setup, job, load)
            else:
                fragments = None
                if isinstance(job, BriefJob):
                    fragments = job.fragments or self.fragments(
                        setup, job.fragments_key, job.entry.brief, load
                    )
                elif isinstance(job, StandaloneJob):
                    fragments = job.fragments or self.fragments(setup, job.fragments_key, job.item, load)
                files = render_job(job, env, setup.shell, setup.config, fragments, setup.page_urls.get)
        except TemplateProblem as problem:
            rel = job.folder if isinstance(job, FeedJob) else job.rel
            return [Outcome(rel, job.key, "", 0, None, problem.diagnostic)]
        outcomes = []
        for index, (rel, data) in enumerate(files):
            if not setup.stage:
                outcomes.append(Outcome(rel, job.key, "", len(data), None, None))
                continue
            digest, staged = stage_file(setup.output, rel, data, known[index] if index < len(known) else None)
            outcomes.append(Outcome(rel, job.key, digest, len(data), staged, None))
        return outcomes

    def _feed(self, setup: RenderSetup, job: FeedJob, load: Loader) -> list[tuple[str, bytes]]:
        contents = []
        for entry, key in job.briefs:
            # a brief is in the site's feed and in each of its tags': make its content once
            memo = (setup.shell.digest, key, entry)
            content = self._contents.get(memo)
            if content is None:
                if len(self._contents) > 256:
                    self._contents.clear()
                content = self._contents[memo] = self._feed_content(setup, entry, key, load)
            contents.append(content)
        return render_feed_job(job, contents)

    def _feed_content(self, setup: RenderSetup, entry: FeedEntry, key: str, load: Loader) -> str:
        base = setup.shell.base_url
        source = setup.feed_sources[key]
        fragments = self.fragments(setup, key, source, load)
        return entry_content(
            fill_urls(fragments.body_html, base, setup.page_urls.get),
            fill_urls(fragments.sources_html, base, setup.page_urls.get),
            entry.image,
            (
                fill_urls(fragments.caption_html or "", base, setup.page_urls.get) or None,
                fill_urls(fragments.credit_html or "", base, setup.page_urls.get) or None,
            ),
            entry.url,
            f"{source.date:%Y%m%d}-{source.slug}-",
        )


@dataclass(frozen=True, slots=True)
class RenderSetup:
    """What every page job of a build needs besides the job itself."""

    shell: Shell
    config: SiteConfig
    theme: Theme
    output: Path
    prepare: PrepareSettings
    page_urls: dict[str, str]
    feed_sources: dict[str, Brief]
    fragments: dict[str, RenderedBrief]
    """Fragments kept in memory (a build without cache) for the briefs that feeds show."""
    stage: bool = True
    """False for a check: pages are rendered (to find template errors) but not written."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What rendering one job gave: a staged file, nothing (bytes unchanged), or a problem."""

    rel: str
    key: str
    digest: str
    size: int
    staged: Staged | None
    problem: Diagnostic | None


_RUNNER: Runner | None = None


def _runner() -> Runner:
    global _RUNNER
    if _RUNNER is None:
        _RUNNER = Runner()
    return _RUNNER


def _prepare_chunk(settings: PrepareSettings, files: Sequence[ContentFile]) -> list[Prepared]:
    runner = _runner()
    prepared = [runner.prepare(settings, f) for f in files]
    if settings.cache_folder is None:
        return prepared
    # the text the cache stores is made here, in parallel, and is cheaper to send than objects
    root = settings.cache_folder.parent
    done = []
    for p in prepared:
        text, place = entry_text_and_place(p.entry, root)
        done.append(
            replace(
                p,
                fragments=None,
                fragments_row=fragments_row(p.fragments) if p.fragments else None,
                entry_text=text,
                place=place,
            )
        )
    return done


def _stored(settings: PrepareSettings, prepared: list[Prepared], save: SaveBatch) -> list[Prepared]:
    """Save the fragments of a batch to the cache in one transaction, with the entries whose
    text a worker made; keep the fragments in memory only when there is no cache. Only the
    building process writes to the cache: workers writing at once would wait on each other's
    locks."""
    if settings.cache_folder is None:
        return prepared
    rows: list[tuple[str, Fragments]] = []
    entries: list[EntryRow] = []
    for item in prepared:
        stored = item.fragments_row or item.fragments
        if stored is not None:
            rows.append((item.key, stored))
        if item.entry_text is not None:
            entries.append((item.lookup, item.key, item.entry_text))
    save(rows, entries)
    return [
        replace(p, fragments=None, fragments_row=None, entry_text=None, entry_stored=p.entry_text is not None)
        for p in prepared
    ]


def _render_chunk(
    setup: RenderSetup, jobs: Sequence[tuple[Job | FeedJob, tuple[Written | None, ...]]]
) -> list[Outcome]:
    outcomes = list(_render_here(_runner(), setup, jobs))
    release_memory()  # the pages of the chunk are written and gone
    return outcomes


def _render_here(
    runner: Runner, setup: RenderSetup, jobs: Sequence[tuple[Job | FeedJob, tuple[Written | None, ...]]]
) -> Iterator[Outcome]:
    """Render jobs in this process, reading fragments over one cache connection, each once."""
    with contextlib.ExitStack() as stack:
        read: Loader = lambda key: None  # noqa: E731
        if setup.prepare.cache_folder is not None:
            read = stack.enter_context(Store(setup.prepare.cache_folder).fragment_reader())
        seen: dict[str, RenderedBrief | None] = {}

        def load(key: str) -> RenderedBrief | None:
            if key not in seen:
                if len(seen) > 512:
                    seen.clear()
                seen[key] = read(key)
            return seen[key]

        for job, known in jobs:
            yield from runner.render(setup, job, known, load)


def prepare_all(
    pool: Pool, runner: Runner, settings: PrepareSettings, files: Sequence[ContentFile]
) -> Iterator[Prepared]:
    """Prepare every file, in the pool's workers when there are enough of them."""
    if pool.parallel(len(files)):
        prepared = pool.map_chunks(_prepare_chunk, settings, files)
    else:
        prepared = (runner.prepare(settings, f) for f in files)
    with contextlib.ExitStack() as stack:
        save: SaveBatch = lambda rows, entries: None  # noqa: E731
        if settings.cache_folder is not None:
            save = stack.enter_context(Store(settings.cache_folder).prepared_writer())
        batch: list[Prepared] = []
        for count, item in enumerate(prepared, start=1):
            batch.append(item)
            if len(batch) == 128:
                yield from _stored(settings, batch, save)
                batch = []
            if count % 1024 == 0:
                release_memory()
        yield from _stored(settings, batch, save)
    release_memory()


def render_all(
    pool: Pool,
    runner: Runner,
    setup: RenderSetup,
    jobs: Sequence[tuple[Job | FeedJob, tuple[Written | None, ...]]],
) -> Iterator[Outcome]:
    """Render and stage every job, in the pool's workers when there are enough of them."""
    if pool.parallel(len(jobs)):
        yield from pool.map_chunks(_render_chunk, setup, jobs)
    else:
        yield from _render_here(runner, setup, jobs)


pickle_by_fields(__name__)
