"""A build after edits that move no brief in the site: only the pages and feeds that show them.

Most edits change a brief's text but not its place in the site: its title, date, tags,
summary, photo, sources and citations stay as they were. Then every list page, card,
related list, source page and the sitemap is unchanged, and only the brief's own page
(with its cite.bib) and the feeds that carry its text need writing. After each full build
the cache keeps an outline of the site: for every content file its place (a digest of
what other pages show of it) and its page job, and for every feed its job. A later build
whose edited files all keep their place re-renders just those jobs; any other change (a
brief added, removed or moved, a config, theme, registry or static file changed, a
scheduled brief coming due) takes the full build. Either way the output is the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .cache import Store
from .cachedata import place_of
from .config import Overrides, load_config
from .discover import discover_content
from .errors import BuildFailed, Diagnostic, as_reported, has_errors, sorted_diagnostics
from .feedformats import FeedEntry, FeedImage, FeedSpec
from .feeds import FeedJob
from .freshness import Recorded, Start, invalidate, record, recorded_state, settings_key
from .linking import item_link_problems
from .markdown import alias_map
from .model import Brief, BuildOptions, Page
from .output import all_still_as_written, check_output_dir
from .pages import BriefJob, StandaloneJob
from .plan import Planned, keyed, make_shell
from .pool import Pool
from .prepsettings import prepare_settings
from .site import Entry, held_back, is_published
from .theme import locate_theme
from .views import Card, FeedLink, Link, PageInfo
from .workers import Prepared, RenderSetup, Runner, facts_of, prepare_all
from .writer import BuildResult, write_site

_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Link, Card, PageInfo, FeedLink, FeedSpec, FeedEntry, FeedImage)
}
_JOB_PARTS = ("tags", "authors", "related", "prev", "next", "page", "related_keys", "linked")


_FIELDS: dict[type[Any], tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _TYPES.values()
}
_PLAIN = (str, int, float, bool, type(None))


def encode(value: Any) -> Any:
    """A view (or a tuple or date of them) as plain JSON data, tagged to read it back."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELDS.get(kind)
    if names is not None:
        data = {"@": kind.__name__}
        for name in names:
            data[name] = encode(getattr(value, name))
        return data
    if isinstance(value, tuple):
        return {"@t": [encode(v) for v in value]}
    if isinstance(value, dt.datetime):
        return {"@dt": value.isoformat()}
    if isinstance(value, Markup):
        return {"@m": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot keep {type(value).__name__} in the outline")


def decode(data: Any) -> Any:
    """What encode gave, read back; only the view types above are ever made."""
    if isinstance(data, dict):
        if "@t" in data:
            return tuple(decode(v) for v in data["@t"])
        if "@dt" in data:
            return dt.datetime.fromisoformat(data["@dt"])
        if "@m" in data:
            return Markup(data["@m"])
        return _TYPES[data["@"]](**{k: decode(v) for k, v in data.items() if k != "@"})
    if isinstance(data, list):
        raise TypeError("lists are kept as tagged tuples")
    return data


def status_of(item: Brief | Page | None, options: BuildOptions) -> str:
    if item is None:
        return "unreadable"
    if is_published(item, options):
        return "published"
    return "draft" if item.draft else "scheduled"


def record_outline(
    store: Store,
    output: Path,
    prepared: Iterable[Prepared],
    jobs: Iterable[Any],
    site: Mapping[str, Any],
    options: BuildOptions,
) -> None:
    """Keep the outline of a site just built (rows only where they changed)."""
    store.save_outline(output, _outline_rows(prepared, jobs, site, options), complete=True)


def _outline_rows(
    prepared: Iterable[Prepared], jobs: Iterable[Any], site: Mapping[str, Any], options: BuildOptions
) -> Iterator[tuple[str, str]]:
    """The outline's rows, made one at a time as they are stored."""
    files: dict[str, list[Any]] = {}
    job_of: dict[str, BriefJob | StandaloneJob] = {}
    feeds: list[FeedJob] = []
    for job in jobs:
        if isinstance(job, BriefJob):
            job_of[job.entry.brief.rel] = job
        elif isinstance(job, StandaloneJob):
            job_of[job.item.rel] = job
        elif isinstance(job, FeedJob):
            feeds.append(job)
    for item in prepared:
        files[item.rel] = [item.lookup, item.key, _place(item), status_of(item.entry.item, options)]
        job = job_of.get(item.rel)
        if job is not None:
            parts = _JOB_PARTS if isinstance(job, BriefJob) else ("page", "linked")
            yield f"job:{item.rel}", json.dumps({name: encode(getattr(job, name)) for name in parts})
    for feed in feeds:
        yield _feed_row(feed)
    yield "site", json.dumps({**site, "files": files})


def _place(item: Prepared) -> str | None:
    """The place of a prepared file: made by its worker, or here for one the cache gave."""
    return item.place if item.place is not None else place_of(item.entry)


def _feed_row(feed: FeedJob) -> tuple[str, str]:
    briefs = [[encode(entry), key] for entry, key in feed.briefs]
    return f"feed:{feed.folder}", json.dumps(
        {"spec": encode(feed.spec), "links": feed.links, "briefs": briefs}
    )


def _read(store: Store, output: Path, names: Sequence[str]) -> dict[str, Any]:
    return {name: json.loads(text) for name, text in store.load_outline(output, names).items()}


def build_edits(
    root: Path, overrides: Overrides, options: BuildOptions, pool: Pool, runner: Runner, start: Start
) -> BuildResult | None:
    """The build of a site whose edited files all keep their place, or None (build it all)."""
    if not options.write or not options.use_cache:
        return None
    started_ns, seen = start.started_ns, start.seen
    config, registry, problems = load_config(root, overrides)
    aliases, clashes = alias_map(registry)
    if problems or clashes:
        return None
    theme = locate_theme(config)
    if theme.problems:
        return None
    store = Store(config.cache_dir)
    output = config.output_dir
    settings = settings_key(config.root, overrides, options, theme.digest)
    state = recorded_state(store, output, settings, options)
    outline = _read(store, output, ["site"]).get("site")
    if state is None or outline is None:
        return None
    if seen.static != state.static or seen.content.keys() != state.tree.keys():
        return None
    files, found = discover_content(config.root, state.known, seen.content)
    recorded: dict[str, list[Any]] = outline["files"]
    if found or {f.rel for f in files} != recorded.keys():
        return None
    changed = [f for f in files if f.rel not in state.content or f.digest != state.content[f.rel][3]]
    manifest = store.load_manifest(output)
    if not changed or not manifest or not all_still_as_written(output, manifest):
        return None
    prepare = prepare_settings(config, registry, aliases, store.folder)
    prepared = list(prepare_all(pool, runner, prepare, changed))
    for item in prepared:
        place, status = recorded[item.rel][2:]
        if place is None or _place(item) != place or status_of(item.entry.item, options) != status:
            return None
    diagnostics = _diagnostics(config.root, state.diagnostics, prepared, outline, options)
    if has_errors(diagnostics, options.strict):
        raise BuildFailed(diagnostics)
    nav = tuple(Link(title, url) for title, url in outline["nav"])
    shell = make_shell(config, theme, nav, options.live_reload)
    if shell.digest != outline["shell"]:
        return None
    new_keys = {recorded[p.rel][1]: p.key for p in prepared}
    jobs: list[Any] = []
    job_rows = _read(store, output, [f"job:{p.rel}" for p in prepared])
    for item in prepared:
        row = job_rows.get(f"job:{item.rel}")
        source = item.entry.item
        if row is None or source is None:
            continue
        parts = {name: decode(value) for name, value in row.items()}
        if isinstance(source, Brief):
            entry = Entry(source, facts_of(item.entry), item.key)
            jobs.append(keyed(shell, BriefJob(source.url + "index.html", "", entry, item.key, None, **parts)))
        else:
            jobs.append(
                keyed(shell, StandaloneJob(source.url + "index.html", "", source, item.key, None, **parts))
            )
    for name, text in store.load_outline(output, None, prefix="feed:").items():
        data = json.loads(text)
        if any(key in new_keys for _, key in data["briefs"]):
            briefs = tuple((decode(e), new_keys.get(k, k)) for e, k in data["briefs"])
            jobs.append(FeedJob(name.removeprefix("feed:"), "", decode(data["spec"]), briefs, data["links"]))
    jobs = [job.keyed(shell.digest) if isinstance(job, FeedJob) else job for job in jobs]
    sources = _feed_sources(store, jobs, prepared, recorded)
    if sources is None:
        return None
    page_urls: dict[str, str] = outline["page_urls"]
    setup = RenderSetup(shell, config, theme, output, prepare, page_urls, sources, {})
    check_output_dir(output, config.root, options.force)
    invalidate(store, output)
    plan = Planned(jobs, [], [], 0, sources)
    count, written, unchanged, _ = write_site(
        output, plan, setup, store, pool, runner, partial=True, manifest=manifest
    )
    store.replace_entries({p.lookup: p.entry for p in prepared}, [recorded[p.rel][0] for p in prepared])
    for item in prepared:
        recorded[item.rel] = [item.lookup, item.key, recorded[item.rel][2], recorded[item.rel][3]]
    rows = [_feed_row(job) for job in jobs if isinstance(job, FeedJob)]
    store.save_outline(output, [("site", json.dumps(outline)), *rows], complete=False)
    brief_count, page_count, feed_count, _ = state.counts
    content = {f.rel: (f.size, f.mtime_ns, f.ctime_ns, f.digest) for f in files}
    report = Recorded(diagnostics, brief_count, page_count, feed_count, count)
    record(store, output, settings, started_ns, content, seen, state.next_publication, report)
    return BuildResult(config, diagnostics, brief_count, page_count, feed_count, count, written, unchanged, 0)


def _diagnostics(
    root: Path,
    before: Iterable[Diagnostic],
    prepared: Sequence[Prepared],
    outline: Mapping[str, Any],
    options: BuildOptions,
) -> tuple[Diagnostic, ...]:
    """The last build's diagnostics, with those of the edited files found again."""
    edited = {root / p.rel for p in prepared}
    found = [d for d in before if d.pos is None or d.pos.path not in edited]
    published: Mapping[str, str] = outline["page_urls"]
    held: Mapping[str, str] = outline["held"]
    statics = set(outline["statics"])
    for item in prepared:
        found += item.entry.diagnostics
        source = item.entry.item
        if source is None:
            continue
        found += held_back([source], options)
        refs = item.entry.links if is_published(source, options) else ()
        found += item_link_problems(source, refs, published, held, statics)
    return sorted_diagnostics(as_reported(found, options.strict))


def _feed_sources(
    store: Store, jobs: Iterable[Any], prepared: Sequence[Prepared], recorded: Mapping[str, list[Any]]
) -> dict[str, Brief] | None:
    """The brief of every fragments key the feeds show (None: one is no longer in the cache)."""
    briefs = {p.key: p.entry.item for p in prepared if isinstance(p.entry.item, Brief)}
    wanted = {key for job in jobs if isinstance(job, FeedJob) for _, key in job.briefs} - briefs.keys()
    lookups = {row[1]: row[0] for row in recorded.values()}
    found = store.load_entries_for(lookups[key] for key in wanted if key in lookups)
    for key in wanted:
        entry = found.get(lookups.get(key, ""))
        if entry is None or not isinstance(entry.item, Brief):
            return None
        briefs[key] = entry.item
    return briefs
