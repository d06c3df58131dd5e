"""Writing the planned site: render what changed, stage it, rename it all into place at once."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .cache import Store
from .errors import BuildFailed, Diagnostic, NsnError, sorted_diagnostics
from .feeds import FeedJob
from .model import SiteConfig, Written
from .output import OutputState, Staged, commit, rollback, scan_output, stage_file, still_as_written
from .pages import BriefJob, Job, StandaloneJob
from .plan import Planned
from .pool import Pool, release_memory
from .workers import RenderSetup, Runner, render_all


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did and found."""

    config: SiteConfig
    diagnostics: tuple[Diagnostic, ...]
    briefs: int
    pages: int
    feeds: int
    files: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0


Progress = Callable[[str, int, int], None]
"""Told (what, done, total) as the long stages of a build advance."""


def source_of(job: Job | FeedJob) -> Path | None:
    if isinstance(job, BriefJob):
        return job.entry.brief.path
    if isinstance(job, StandaloneJob):
        return job.item.path
    return None


def outputs_of(job: Job | FeedJob) -> list[str]:
    if isinstance(job, FeedJob):
        return [job.folder + "feed.xml", job.folder + "atom.xml", job.folder + "feed.json"]
    if isinstance(job, BriefJob):
        return [job.rel, job.bib_rel]
    return [job.rel]


def check_pages(
    output: Path, planned: Planned, setup: RenderSetup, store: Store | None, pool: Pool, runner: Runner
) -> list[Diagnostic]:
    """The template problems of every page not already written from the same inputs."""
    manifest = store.load_manifest(output) if store else {}
    todo = [
        (job, ())
        for job in planned.jobs
        if not all(manifest.get(rel, ("",))[0] == job.key for rel in outputs_of(job))
    ]
    return [o.problem for o in render_all(pool, runner, setup, todo) if o.problem is not None]


def write_site(
    output: Path,
    planned: Planned,
    setup: RenderSetup,
    store: Store | None,
    pool: Pool,
    runner: Runner,
    progress: Progress | None = None,
    partial: bool = False,
    manifest: Mapping[str, tuple[str, Written]] | None = None,
) -> tuple[int, int, int, int]:
    """Render what changed, stage it beside its destination, rename it all into place at once.

    `partial`: the plan holds only some of the site's files; every other file the last
    build wrote stays as it is (the caller has checked that each is as the manifest says).
    `manifest`: the output's manifest, if the caller has read it. Returns (files in the site,
    files written, files already up to date, files removed).
    """
    if manifest is None:
        manifest = store.load_manifest(output) if store else {}
    # every file is looked at, so anything the build does not make goes, whatever the cache
    # holds; a partial build keeps everything but what it renders
    before = OutputState(files=set(manifest), existed=True) if partial else scan_output(output)
    intact: dict[str, bool] = {}

    def as_written(rel: str, key: str | None = None) -> Written | None:
        """What the manifest says of rel, if the file is still exactly that (and has that key)."""
        found = manifest.get(rel)
        if found is None or (key is not None and found[0] != key):
            return None
        if rel not in intact:
            intact[rel] = still_as_written(output, rel, found[1])
        return found[1] if intact[rel] else None

    keep: dict[str, tuple[str, str, int]] = {}
    if partial:
        keep = {rel: (key, written.digest, written.size) for rel, (key, written) in manifest.items()}
    todo: list[tuple[Job | FeedJob, tuple[Written | None, ...]]] = []
    for job in planned.jobs:
        rels = outputs_of(job)
        fresh = [as_written(rel, job.key) for rel in rels]
        if all(w is not None for w in fresh):
            keep.update({rel: (job.key, w.digest, w.size) for rel, w in zip(rels, fresh, strict=True) if w})
        else:
            todo.append((job, tuple(manifest[rel][1] if rel in manifest else None for rel in rels)))
    extra = [(rel, data, "") for rel, data in planned.files]
    for rel, source in planned.copies:
        stat = source.stat()
        key = f"copy:{source}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"
        copied = as_written(rel, key)
        if copied is not None:
            keep[rel] = (key, copied.digest, copied.size)
        else:
            extra.append((rel, source.read_bytes(), key))
    staged: list[Staged] = []
    problems: list[Diagnostic] = []
    try:
        for done, outcome in enumerate(render_all(pool, runner, setup, todo), start=1):
            if progress is not None:
                progress("Writing pages", done, len(todo))
            if done % 2048 == 0:
                release_memory()
            if outcome.problem is not None:
                problems.append(outcome.problem)
                continue
            keep[outcome.rel] = (outcome.key, outcome.digest, outcome.size)
            if outcome.staged is not None:
                staged.append(outcome.staged)
        for rel, data, key in extra:
            known_file = manifest.get(rel)
            digest, item = stage_file(output, rel, data, known_file[1] if known_file else None)
            keep[rel] = (key, digest, len(data))
            if item is not None:
                staged.append(item)
    except OSError as exc:
        pool.stop()
        rollback(output, staged, before)
        where = f" ({exc.filename})" if exc.filename else ""
        raise NsnError(f"cannot write the site into {output}: {exc.strerror or exc}{where}") from exc
    except BaseException:
        # no worker may still be staging files when the staged files are removed
        pool.stop()
        rollback(output, staged, before)
        raise
    if problems:
        rollback(output, staged, before)
        raise BuildFailed(sorted_diagnostics(problems))
    try:
        report, written = commit(output, staged, set(keep), before)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise NsnError(f"cannot write the site into {output}: {exc.strerror or exc}{where}") from exc
    if store is not None:
        new_manifest: dict[str, tuple[str, Written]] = {}
        for rel, (key, digest, size) in keep.items():
            entry = written.get(rel)
            if entry is None:
                # a file this build did not write: checked above, or (partial) by the caller
                entry = manifest[rel][1] if partial and rel in manifest else as_written(rel)
            if entry is None or entry.digest != digest:
                entry = Written(digest, size, os.stat(output / rel).st_mtime_ns)
            new_manifest[rel] = (key, entry)
        if new_manifest != manifest:
            store.save_manifest(output, new_manifest)
    return len(keep), report.written, len(keep) - report.written, report.removed
