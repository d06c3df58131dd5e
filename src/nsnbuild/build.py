"""The pipeline: load_config → load_briefs → resolve/render briefs → pages + feeds → write_site."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .cache import Store
from .config import Overrides, load_config, source_date_epoch
from .discover import ContentFile, discover_content
from .errors import BuildFailed, Diagnostic, as_reported, has_errors, sorted_diagnostics
from .freshness import Recorded, Snapshot, Start, invalidate, load_known, record, settings_key, start_build
from .incremental import build_edits, record_outline, status_of
from .linking import StaticFile, check_links, collect_static, find_collisions, output_conflicts
from .markdown import alias_map
from .model import Brief, BuildOptions, LinkRef, Page, RenderedBrief, SiteConfig, SourceRegistry
from .output import check_output_dir
from .pages import render_card
from .plan import Planned, make_shell, plan_site
from .pool import Pool, release_memory
from .prepsettings import PrepareSettings, prepare_settings, registry_digests
from .site import (
    Entry,
    PageEntry,
    RelatedInputs,
    Site,
    assemble_site,
    find_related,
    held_back,
    is_published,
    reserved_slug_problems,
)
from .theme import TemplateProblem, Theme, check_templates, locate_theme
from .views import Card, Link, Shell
from .workers import Prepared, RenderSetup, Runner, content_key, facts_of, prepare_all
from .writer import BuildResult, Progress, check_pages, outputs_of, source_of, write_site

REQUIRED_TEMPLATES = (
    "base.html",
    "brief.html",
    "list.html",
    "archive.html",
    "terms.html",
    "page.html",
    "404.html",
)


@dataclass(frozen=True, slots=True)
class SiteContent:
    """A site read, resolved and checked: everything a build knows before it writes."""

    config: SiteConfig
    registry: SourceRegistry
    theme: Theme
    settings: PrepareSettings
    store: Store | None
    prepared: tuple[Prepared, ...]
    entries: tuple[Entry, ...]
    pages: tuple[PageEntry, ...]
    fragments: dict[str, RenderedBrief]
    statics: tuple[StaticFile, ...]
    page_urls: dict[str, str]
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[ContentFile, ...]


def read_site(
    root: Path,
    overrides: Overrides,
    options: BuildOptions,
    pool: Pool,
    runner: Runner | None = None,
    progress: Progress | None = None,
    seen: Snapshot | None = None,
) -> SiteContent:
    """Load the config, every brief and page (resolved and rendered), and check the whole site.

    Nothing is written but the cache. The diagnostics hold every problem found. `seen`: the
    content folder's files as the build found them, so that they need not be looked at again.
    """
    runner = runner or Runner()
    config, registry, diagnostics = load_config(root, overrides)
    aliases, problems = alias_map(registry)
    diagnostics += problems
    theme = locate_theme(config)
    diagnostics += theme.problems
    diagnostics += check_templates(runner.environment(theme), REQUIRED_TEMPLATES, theme.unreadable)
    store = Store(config.cache_dir) if options.use_cache else None
    known = load_known(store, config.output_dir) if store else {}
    files, problems = discover_content(config.root, known, seen.content if seen is not None else None)
    diagnostics += problems
    statics, problems = collect_static(config, theme)
    diagnostics += problems

    settings = prepare_settings(config, registry, aliases, store.folder if store else None)
    prepared = load_briefs(files, settings, store, pool, runner, progress)
    for item in prepared:
        diagnostics += item.entry.diagnostics
    everything = {p.entry.item.rel: p.entry.item for p in prepared if p.entry.item is not None}
    diagnostics += held_back(everything.values(), options)
    entries, page_entries, fragments = _published(prepared, options)
    diagnostics += reserved_slug_problems([p.page for p in page_entries])
    diagnostics += find_collisions(entries, page_entries)
    page_urls = {e.brief.rel: e.brief.url for e in entries} | {p.page.rel: p.page.url for p in page_entries}
    links: dict[str, tuple[Brief | Page, Sequence[LinkRef]]] = {}
    for item in prepared:
        source = item.entry.item
        if source is not None and is_published(source, options):
            links[source.rel] = (source, item.entry.links)
    unread = [p.rel for p in prepared if p.entry.item is None]
    diagnostics += check_links(links, page_urls, everything, statics, unread)
    return SiteContent(
        config=config,
        registry=registry,
        theme=theme,
        settings=settings,
        store=store,
        prepared=tuple(prepared),
        entries=tuple(entries),
        pages=tuple(page_entries),
        fragments=fragments,
        statics=tuple(statics),
        page_urls=page_urls,
        diagnostics=sorted_diagnostics(as_reported(diagnostics, options.strict)),
        files=tuple(files),
    )


def build_site(
    root: Path,
    overrides: Overrides,
    options: BuildOptions,
    pool: Pool,
    progress: Progress | None = None,
    start: Start | None = None,
) -> BuildResult:
    """Build the site under root. Raises BuildFailed, having written nothing, when it has errors.

    `start`: when the build started and what it found (taken here if not given)."""
    start = start if start is not None else start_build(root)
    started_ns, seen = start.started_ns, start.seen
    runner = Runner()
    edited = build_edits(root, overrides, options, pool, runner, start)
    if edited is not None:
        return edited
    content = read_site(root, overrides, options, pool, runner, progress, seen)
    config = content.config
    if has_errors(content.diagnostics, options.strict):
        clashes = _static_clashes(content, runner, options)
        raise BuildFailed(sorted_diagnostics([*content.diagnostics, *clashes]))
    try:
        site, nav, shell, cards, planned = _plan(content, runner, options)
    except TemplateProblem as problem:
        raise BuildFailed((*content.diagnostics, problem.diagnostic)) from None
    cards.save()
    release_memory()
    conflicts = output_conflicts(_claims(planned))
    if conflicts:
        raise BuildFailed(sorted_diagnostics([*content.diagnostics, *conflicts]))
    result = BuildResult(config, content.diagnostics, len(site.briefs), len(site.pages), planned.feed_count)
    setup = RenderSetup(
        shell,
        config,
        content.theme,
        config.output_dir,
        content.settings,
        content.page_urls,
        planned.feed_sources,
        {k: v for k, v in content.fragments.items() if k in planned.feed_sources},
        stage=options.write,
    )
    if not options.write:
        # a check renders every page that may have changed, to find template errors, and keeps nothing
        problems = check_pages(config.output_dir, planned, setup, content.store, pool, runner)
        if problems:
            raise BuildFailed(sorted_diagnostics([*content.diagnostics, *problems]))
        return result
    check_output_dir(config.output_dir, config.root, options.force)
    if content.store is not None:
        invalidate(content.store, config.output_dir)
    # The outline for the next build's edit fast path is made and stored beside the writing:
    # the workers render, and this process mostly waits for them. Until `record` below, no
    # build trusts it, so a build that fails leaves nothing half-believed.
    with ThreadPoolExecutor(max_workers=1) as beside:
        outlined = None
        if content.store is not None:
            outline = _outline(content, nav, shell, options)
            outlined = beside.submit(
                record_outline,
                content.store,
                config.output_dir,
                content.prepared,
                planned.jobs,
                outline,
                options,
            )
        files, written, unchanged, removed = write_site(
            config.output_dir, planned, setup, content.store, pool, runner
        )
        if outlined is not None:
            outlined.result()
    result = replace(result, files=files, written=written, unchanged=unchanged, removed=removed)
    if content.store is not None:
        record(
            content.store,
            config.output_dir,
            settings_key(config.root, overrides, options, content.theme.digest),
            started_ns,
            {f.rel: (f.size, f.mtime_ns, f.ctime_ns, f.digest) for f in content.files},
            seen,
            _next_publication(content, options),
            Recorded(result.diagnostics, result.briefs, result.pages, result.feeds, result.files),
        )
    return result


def _plan(
    content: SiteContent, runner: Runner, options: BuildOptions
) -> tuple[Site, tuple[Link, ...], Shell, _CardRenderer, Planned]:
    """The site put together and every page and feed planned (TemplateProblem if a card's
    template fails)."""
    config = content.config
    site = assemble_site(content.entries, content.pages, content.registry, _remembered(content.store))
    nav = tuple(Link(p.page.title, config.base_path + p.page.url) for p in site.pages)
    shell = make_shell(config, content.theme, nav, options.live_reload)
    statics = [(s.rel, s.source) for s in content.statics]
    cards = _CardRenderer(content.store, runner.environment(content.theme), shell)
    planned = plan_site(
        site, shell, config, content.fragments.get, cards.html, statics, _epoch(options), content.page_urls
    )
    return site, nav, shell, cards, planned


def _claims(planned: Planned) -> list[tuple[str, Path | None]]:
    """Every output path the plan writes, with the file it comes from (None if made here)."""
    claims = [(rel, source_of(job)) for job in planned.jobs for rel in outputs_of(job)]
    return claims + [(rel, None) for rel, _ in planned.files] + list(planned.copies)


def _static_clashes(content: SiteContent, runner: Runner, options: BuildOptions) -> list[Diagnostic]:
    """Files of static/ on the path of a page, a feed or a theme file, in a site that has
    other errors too: planned as far as it can be, so that they are reported in the same run
    (and so is a card template that fails). Clashes between content files were reported
    while reading it, and are not looked for again."""
    static = content.config.static_dir
    if not any(s.source.is_relative_to(static) for s in content.statics):
        return []
    try:
        planned = _plan(content, runner, options)[-1]
    except TemplateProblem as problem:
        return [] if problem.diagnostic in content.diagnostics else [problem.diagnostic]
    claims: list[tuple[str, Path | None]] = []
    by_content: set[str] = set()
    for rel, source in _claims(planned):
        if source is not None and source.is_relative_to(content.config.root / "content"):
            if rel in by_content:
                continue  # a second content file on one path: already reported
            by_content.add(rel)
        claims.append((rel, source))
    return output_conflicts(claims)


def _outline(
    content: SiteContent, nav: Sequence[Link], shell: Shell, options: BuildOptions
) -> dict[str, Any]:
    """What the edit fast path needs to know of the whole site, besides its rows per file."""
    held = {
        p.rel: status_of(p.entry.item, options)
        for p in content.prepared
        if p.entry.item is not None and not is_published(p.entry.item, options)
    }
    return {
        "shell": shell.digest,
        "nav": [[link.title, link.url] for link in nav],
        "page_urls": content.page_urls,
        "held": held,
        "statics": [s.rel for s in content.statics],
    }


def _remembered(store: Store | None) -> Callable[[RelatedInputs], tuple[tuple[int, ...], ...]]:
    """find_related, answered from the cache when its inputs are those of the last build."""

    def related_of(inputs: RelatedInputs) -> tuple[tuple[int, ...], ...]:
        digest = inputs.digest()
        if store is not None:
            value = store.load_value("related")
            if isinstance(value, list) and len(value) == 2 and value[0] == digest:
                return tuple(tuple(int(i) for i in row) for row in value[1])
        result = find_related(inputs)
        if store is not None:
            store.save_value("related", [digest, [list(row) for row in result]])
        return result

    return related_of


class _CardRenderer:
    """Brief cards for list pages: rendered once, and remembered between builds."""

    def __init__(self, store: Store | None, env: Any, shell: Shell) -> None:
        self.store = store
        self.env = env
        self.shell = shell
        found = store.load_value("cards") if store else None
        self.known: dict[str, str] = found if isinstance(found, dict) else {}
        self.used: dict[str, str] = {}

    def html(self, card: Card) -> tuple[Markup, str]:
        """The card's HTML and its digest."""
        digest = hashlib.blake2b(f"{self.shell.digest}{card!r}".encode(), digest_size=16).hexdigest()
        text = self.known.get(digest)
        if not isinstance(text, str):
            text = render_card(self.env, self.shell.site, card)
        self.used[digest] = text
        return Markup(text), digest

    def save(self) -> None:
        if self.store is not None and self.used.keys() != self.known.keys():
            self.store.save_value("cards", self.used)


def _next_publication(content: SiteContent, options: BuildOptions) -> dt.datetime | None:
    """The date of the first scheduled brief this build left out (it changes the next build)."""
    if options.future:
        return None
    dates = [
        p.entry.item.date
        for p in content.prepared
        if isinstance(p.entry.item, Brief) and p.entry.item.date > options.now
    ]
    return min(dates, default=None)


def load_briefs(
    files: Sequence[ContentFile],
    settings: PrepareSettings,
    store: Store | None,
    pool: Pool,
    runner: Runner,
    progress: Progress | None = None,
) -> list[Prepared]:
    """Load, resolve and render every content file, reusing what the cache still holds."""
    index = store.load_entries() if store else {}
    digests = registry_digests(settings.registry)
    results: dict[str, Prepared] = {}
    todo = []
    for file in files:
        lookup = content_key(file, settings)
        cached = index.get(lookup)
        # fragments the cache lost are prepared again when a page needs them (Runner.fragments)
        if cached is not None and all(digests.get(n, "") == v for n, v in cached.registry_deps.items()):
            results[file.rel] = Prepared(file.rel, cached.key, cached, None, lookup)
        else:
            todo.append(file)
    for done, prepared in enumerate(prepare_all(pool, runner, settings, todo), start=1):
        results[prepared.rel] = prepared
        if progress is not None:
            progress("Reading briefs", done, len(todo))
    ordered = [results[f.rel] for f in files]
    if store is not None:
        store.save_entries(
            {p.lookup: p.entry for p in ordered}, [p.lookup for p in ordered if p.entry_stored]
        )
    release_memory()
    return ordered


def _published(
    prepared: Sequence[Prepared], options: BuildOptions
) -> tuple[list[Entry], list[PageEntry], dict[str, RenderedBrief]]:
    entries: list[Entry] = []
    pages: list[PageEntry] = []
    fragments: dict[str, RenderedBrief] = {}
    for item in prepared:
        source = item.entry.item
        if source is None or not is_published(source, options):
            continue
        if item.fragments is not None:
            fragments[item.key] = item.fragments
        if isinstance(source, Brief):
            entries.append(Entry(source, facts_of(item.entry), item.key))
        elif isinstance(source, Page):
            linked = tuple(sorted({ref.target for ref in item.entry.links if ref.kind == "page"}))
            pages.append(PageEntry(source, item.key, linked))
    return entries, pages, fragments


def _epoch(options: BuildOptions) -> dt.datetime:
    """The date used where no brief gives one: SOURCE_DATE_EPOCH, or 1970."""
    try:
        fixed = source_date_epoch()
    except ValueError:
        fixed = None
    return fixed or dt.datetime.fromtimestamp(0, dt.UTC)
