"""The command line: the only place that prints or exits."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .errors import Diagnostic, NsnError, plural, summary_line

if TYPE_CHECKING:
    from .config import Overrides
    from .model import BuildOptions
    from .serve import BuildOutcome

F = TypeVar("F", bound=Callable[..., Any])


def site_option(func: F) -> F:
    return click.option(
        "--site",
        "site",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The site folder (holding nsnbuild.toml and content/).",
    )(func)


def verbosity_options(func: F) -> F:
    func = click.option("--quiet", "-q", is_flag=True, help="Print only errors.")(func)
    return click.option("--verbose", "-v", is_flag=True, help="Print more detail.")(func)


def now(clock: Callable[[], float] = time.time) -> dt.datetime:
    """The build's idea of now: SOURCE_DATE_EPOCH when set, else the clock."""
    from .config import source_date_epoch

    try:
        fixed = source_date_epoch()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return fixed if fixed is not None else dt.datetime.fromtimestamp(clock(), dt.UTC)


def use_colour() -> bool:
    return sys.stderr.isatty() and "NO_COLOR" not in os.environ


def print_diagnostics(diagnostics: Iterable[Diagnostic], quiet: bool, verbose: bool) -> None:
    colours = {"error": "red", "warning": "yellow", "info": "cyan"}
    colour = use_colour()
    for diagnostic in diagnostics:
        if diagnostic.level == "info" and not verbose:
            continue
        if diagnostic.level == "warning" and quiet:
            continue
        text = diagnostic.format()
        if colour:
            head, _, rest = text.partition("\n")
            marker = f"{diagnostic.level}:"
            head = head.replace(marker, click.style(marker, fg=colours[diagnostic.level], bold=True), 1)
            text = head + ("\n" + rest if rest else "")
        click.echo(text, err=True)


class Main(click.Group):
    """Turns an unexpected exception into a short request for a bug report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            verbose = "--verbose" in sys.argv or "-v" in sys.argv
            if verbose:
                traceback.print_exc()
            click.echo(
                f"nsnbuild {__version__} hit an internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in nsnbuild, not in your site. Please report it with the command you ran"
                + ("." if verbose else " and the output of the same command with --verbose."),
                err=True,
            )
            sys.exit(70)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nsnbuild")
def main() -> None:
    """nsnbuild: build a site of foreign-policy briefs, with numbered sources."""


PROGRESS_FROM = 300
"""Builds with at least this much work show a progress bar (on a terminal)."""


def progress_bar() -> Callable[[str, int, int], None] | None:
    """A progress callback drawing a bar on standard error, or None when that is not a terminal."""
    if not sys.stderr.isatty():
        return None
    bars: dict[str, Any] = {}

    def report(label: str, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        bar = bars.get(label)
        if bar is None:
            bar = bars[label] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        done = min(done, total)
        bar.update(done - bar.pos)
        if done == total:
            bar.__exit__(None, None, None)

    return report


def locked(root: Path) -> AbstractContextManager[None]:
    """The site's build lock, saying so when another command holds it."""
    from .lock import WAIT_SECONDS, site_lock

    def waiting() -> None:
        click.echo(
            f"Another nsnbuild command is working on this site; waiting up to {WAIT_SECONDS:.0f} s",
            err=True,
        )

    return site_lock(root / ".nsnbuild-cache", on_wait=waiting)


def _check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .config import normalise_base_url

    if value is not None and normalise_base_url(value) is None:
        raise click.BadParameter(f"'{value}' is not an absolute http(s) URL")
    return value


@main.command()
@site_option
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: the config's output_dir).",
)
@click.option("--base-url", callback=_check_base_url, help="Public URL of the site, overriding base_url.")
@click.option("--drafts", is_flag=True, help="Include briefs marked draft: true.")
@click.option("--future", is_flag=True, help="Include briefs dated in the future.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores)."
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write .nsnbuild-cache/.")
@click.option(
    "--force", is_flag=True, help="Write into a non-empty output folder that nsnbuild did not make."
)
@verbosity_options
def build(
    site: Path,
    output: Path | None,
    base_url: str | None,
    drafts: bool,
    future: bool,
    strict: bool,
    jobs: int | None,
    no_cache: bool,
    force: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build the site into the output folder."""
    from .config import Overrides
    from .model import BuildOptions

    started = time.perf_counter()
    options = BuildOptions(
        drafts=drafts,
        future=future,
        strict=strict,
        now=now(),
        jobs=jobs or os.cpu_count() or 1,
        use_cache=not no_cache,
        force=force,
    )
    overrides = Overrides(base_url=base_url, output_dir=output.resolve() if output else None)
    root = site.resolve()
    with locked(root):
        _build(root, overrides, options, started, quiet, verbose)


def _build(
    root: Path, overrides: Overrides, options: BuildOptions, started: float, quiet: bool, verbose: bool
) -> None:
    from .errors import BuildFailed
    from .freshness import check_fresh
    from .pool import Pool

    fresh = check_fresh(root, overrides, options)
    if fresh is not None:
        print_diagnostics(fresh.diagnostics, quiet, verbose)
        if not quiet:
            warnings = sum(1 for d in fresh.diagnostics if d.level == "warning")
            click.echo(
                f"Up to date: {plural(fresh.briefs, 'brief')}, {plural(fresh.pages, 'page')} and "
                f"{plural(fresh.feeds, 'feed')}, nothing to write; {plural(warnings, 'warning')} "
                f"({time.perf_counter() - started:.2f} s)",
                err=True,
            )
        return
    with Pool(options.jobs) as pool:
        # workers start now, while this process is small: each starts as a copy of it
        pool.start()
        from .build import build_site

        try:
            result = build_site(root, overrides, options, pool, progress=None if quiet else progress_bar())
        except BuildFailed as failed:
            print_diagnostics(failed.diagnostics, quiet=False, verbose=verbose)
            raise NsnError(f"build failed: {failed.format_message()}") from None
    print_diagnostics(result.diagnostics, quiet, verbose)
    if not quiet:
        seconds = time.perf_counter() - started
        warnings = sum(1 for d in result.diagnostics if d.level == "warning")
        click.echo(
            f"Built {plural(result.briefs, 'brief')}, {plural(result.pages, 'page')} and "
            f"{plural(result.feeds, 'feed')} into {_shown(result.config.output_dir)}: "
            f"{plural(result.written, 'file')} written, {result.unchanged} unchanged, "
            f"{result.removed} removed; {plural(warnings, 'warning')} ({seconds:.2f} s)",
            err=True,
        )


def _shown(path: Path) -> str:
    from .errors import display_path

    return display_path(path)


@main.command()
@site_option
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="Output folder to remove."
)
@verbosity_options
def clean(site: Path, output: Path | None, quiet: bool, verbose: bool) -> None:
    """Remove the output folder and the build cache."""
    import shutil

    from .config import Overrides, load_config
    from .output import MARKER

    config, _, _ = load_config(site.resolve(), Overrides(output_dir=output.resolve() if output else None))
    target = config.output_dir
    removed = []
    with locked(config.root):
        if target.is_dir():
            if not (target / MARKER).exists():
                raise NsnError(f"not removing {_shown(target)}: nsnbuild did not make it")
            shutil.rmtree(target)
            removed.append(_shown(target))
        # the cache goes too, its lock last (a command waiting for it then takes the old one)
        leftovers = [p for p in config.cache_dir.iterdir() if p.name != "lock"]
        for path in leftovers:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        (config.cache_dir / "lock").unlink(missing_ok=True)
        config.cache_dir.rmdir()
        if leftovers:
            removed.append(_shown(config.cache_dir))
    if not quiet:
        click.echo(f"Removed {', '.join(removed)}" if removed else "Nothing to remove", err=True)


@main.command()
@site_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--drafts", is_flag=True, help="Check briefs marked draft: true as if published.")
@click.option("--future", is_flag=True, help="Check briefs dated in the future as if published.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people; json for tools; github for GitHub Actions annotations.",
)
@verbosity_options
def check(site: Path, strict: bool, drafts: bool, future: bool, fmt: str, quiet: bool, verbose: bool) -> None:
    """Report every problem a build would, writing nothing.

    Nothing is written but the build cache. Exits 0 when clean (warnings allowed
    unless --strict), 1 when there are problems. json and github print every
    diagnostic, info included (--quiet: errors only), to standard output; text
    prints to standard error, as build does.
    """
    from .pool import Pool

    with locked(site.resolve()), Pool(os.cpu_count() or 1) as workers:
        from .build import build_site
        from .config import Overrides
        from .errors import BuildFailed
        from .model import BuildOptions
        from .report import render

        options = BuildOptions(
            drafts=drafts, future=future, strict=strict, now=now(), jobs=workers.jobs, write=False
        )
        try:
            result = build_site(site.resolve(), Overrides(), options, workers)
            diagnostics, briefs, pages = result.diagnostics, result.briefs, result.pages
        except BuildFailed as problems:
            diagnostics, briefs, pages = problems.diagnostics, 0, 0
    if fmt == "text":
        print_diagnostics(diagnostics, quiet, verbose)
    else:
        shown = [d for d in diagnostics if d.level == "error" or not quiet]
        click.echo(render(shown, "json" if fmt == "json" else "github"), nl=False)
    errors = sum(1 for d in diagnostics if d.level == "error")
    warnings = sum(1 for d in diagnostics if d.level == "warning")
    failed = errors > 0 or (strict and warnings > 0)
    if failed:
        raise NsnError(f"check failed: {summary_line(errors, warnings)}" + (" (--strict)" if strict else ""))
    if not quiet:
        click.echo(
            f"Checked {plural(briefs, 'brief')} and {plural(pages, 'page')}: "
            f"{summary_line(errors, warnings)}",
            err=True,
        )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@site_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the shape in CITATIONS.md).")
@verbosity_options
def citations(paths: tuple[Path, ...], site: Path, as_json: bool, quiet: bool, verbose: bool) -> None:
    """List each brief's citations and their problems.

    Every brief of the site (drafts and future briefs included, ordered by path), or the
    briefs named (files, or folders holding briefs). Exits 1 when any problem is an error.
    """
    from .pool import Pool

    with locked(site.resolve()), Pool(os.cpu_count() or 1) as workers:
        from .build import read_site
        from .config import REGISTRY_NAME, Overrides
        from .model import BuildOptions
        from .report import brief_record, citations_json, citations_table

        options = BuildOptions(drafts=True, future=True, now=now(), jobs=workers.jobs, write=False)
        content = read_site(site.resolve(), Overrides(), options, workers)
    root = content.config.root
    chosen = _chosen_briefs(root, [p.rel for p in content.prepared], paths)
    by_rel = {p.rel: p for p in content.prepared}
    records = []
    cited = []
    for rel in chosen:
        entry = by_rel[rel].entry
        problems = [d for d in entry.diagnostics if d.level != "info"]
        records.append(brief_record(rel, entry.citations, problems))
        cited.append(entry.citations)
    # problems of the site's own files change what every citation resolves to
    site_files = {p.resolve() for p in (content.config.config_path, root / REGISTRY_NAME) if p is not None}
    site_problems = [
        d
        for d in content.diagnostics
        if d.level == "error" and (d.pos is None or d.pos.path.resolve() in site_files)
    ]
    print_diagnostics(site_problems, quiet, verbose)
    click.echo(citations_json(records) if as_json else citations_table(records, cited), nl=False)
    errors = sum(1 for r in records for p in r["problems"] if p["level"] == "error")
    if errors or site_problems:
        total = errors + len(site_problems)
        raise NsnError(f"{plural(total, 'error')} in citations")


def _chosen_briefs(root: Path, rels: Iterable[str], paths: Sequence[Path]) -> list[str]:
    """The content files to report, ordered by path: every brief, or those under the paths given."""
    known = sorted(rels)
    if not paths:
        return [rel for rel in known if rel.startswith("content/briefs/")]
    chosen: set[str] = set()
    for path in paths:
        candidates = [path] if path.is_absolute() else [Path.cwd() / path, root / path]
        target = next((c.resolve() for c in candidates if c.exists()), None)
        if target is None:
            raise click.BadParameter(f"{path}: no such file or folder", param_hint="PATH")
        matched = [rel for rel in known if (root / rel).resolve() == target or _under(root / rel, target)]
        if not matched:
            message = f"{path}: not a brief or page of the site {_shown(root)}"
            raise click.BadParameter(message, param_hint="PATH")
        chosen.update(matched)
    return sorted(chosen)


def _under(path: Path, folder: Path) -> bool:
    return folder.is_dir() and path.resolve().is_relative_to(folder)


@main.command()
@click.argument("title")
@site_option
@click.option(
    "--date",
    "date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The brief's date, YYYY-MM-DD (default: today in the site's time zone).",
)
@click.option("--tags", default="", help="Comma-separated tags, e.g. 'Japan,Trade'.")
@verbosity_options
def new(title: str, site: Path, date: dt.datetime | None, tags: str, quiet: bool, verbose: bool) -> None:
    """Start a new brief, front matter filled in.

    Writes content/briefs/YYYY-MM-DD-slug.md and prints its path; never overwrites a file.
    """
    import zoneinfo

    from .config import load_config
    from .scaffold import create_brief

    config, _, problems = load_config(site.resolve())
    print_diagnostics([d for d in problems if d.level == "error"], quiet, verbose)
    day = date.date() if date else now().astimezone(zoneinfo.ZoneInfo(config.timezone)).date()
    tag_list = [t.strip() for t in tags.split(",") if t.strip()]
    authors = [config.author] if config.author else []
    path = create_brief(config.root, title, day, tag_list, authors)
    click.echo(_shown(path))


@main.command()
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@verbosity_options
def init(folder: Path, quiet: bool, verbose: bool) -> None:
    """Create a new site in FOLDER (default: here).

    Writes the config, a source registry, a sample brief, an About page, a .gitignore,
    requirements.txt and a GitHub Actions workflow; refuses if any of them exists.
    """
    from .scaffold import init_site, site_files

    written = init_site(folder, site_files(__version__, now().date()))
    if quiet:
        return
    for path in written:
        click.echo(f"  created {_shown(path)}", err=True)
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {_shown(folder)} && "
    click.echo(
        f"New site in {_shown(folder)}. Next: {where}nsnbuild serve, then edit nsnbuild.toml "
        '(set base_url) and write a brief with nsnbuild new "Headline".',
        err=True,
    )


@main.command()
@site_option
@click.option(
    "--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--drafts", is_flag=True, help="Include briefs marked draft: true.")
@click.option("--future", is_flag=True, help="Include briefs dated in the future.")
@verbosity_options
def serve(site: Path, port: int, host: str, drafts: bool, future: bool, quiet: bool, verbose: bool) -> None:
    """Preview the site, rebuilding as you edit.

    Builds into a temporary folder with base_url pointing at the server, serves it, and
    rebuilds when content/, themes/, static/, nsnbuild.toml or sources.toml change; open
    pages reload by themselves. Ctrl-C stops.
    """
    from .serve import DevServer, describe_changes

    server = DevServer(
        site.resolve(),
        host,
        port,
        drafts=drafts,
        future=future,
        now=now,
        show=lambda d: d.format(),
        log_requests=verbose,
    )
    url = server.open()
    restore = _stop_on_sigterm()
    try:
        _report_build(server.build(), quiet, verbose, first=True)
        click.echo(f"Serving {url} (Ctrl-C to stop)", err=True)
        while True:
            changed = server.changes(timeout=0.5)
            if changed is None:
                continue
            if not quiet:
                click.echo(f"Changed: {describe_changes(changed, server.root)}", err=True)
            _report_build(server.build(), quiet, verbose, first=False)
    except KeyboardInterrupt:
        if not quiet:
            click.echo("Stopping.", err=True)
    finally:
        server.close()
        restore()


def _stop_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM stop the server as Ctrl-C does; returns what puts the old handler back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def _report_build(outcome: BuildOutcome, quiet: bool, verbose: bool, first: bool) -> None:
    if outcome.failure is not None:
        print_diagnostics(outcome.diagnostics, quiet=False, verbose=verbose)
        click.echo(
            f"Build failed: {outcome.failure}. The browser shows the problems; save a fix to rebuild.",
            err=True,
        )
        return
    print_diagnostics(outcome.diagnostics, quiet, verbose)
    if not quiet:
        what = "Built" if first else "Rebuilt"
        click.echo(
            f"{what} {plural(outcome.briefs, 'brief')} and {plural(outcome.pages, 'page')} in "
            f"{outcome.seconds:.2f} s: {outcome.written} files written, {outcome.removed} removed",
            err=True,
        )


if __name__ == "__main__":  # pragma: no cover
    main()
