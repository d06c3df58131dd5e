"""The commands that help write a site: citations, new, init and serve."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import NsnError, plural
from .terminal import locked, now, print_diagnostics, shown, site_option, verbosity_options

if TYPE_CHECKING:
    from .serve import BuildOutcome


@click.command()
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

    with locked(site.resolve()), Pool(os.cpu_count() or 1, site.resolve() / ".nsnbuild-cache") as workers:
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
            message = f"{path}: not a brief or page of the site {shown(root)}"
            raise click.BadParameter(message, param_hint="PATH")
        chosen.update(matched)
    return sorted(chosen)


def _under(path: Path, folder: Path) -> bool:
    return folder.is_dir() and path.resolve().is_relative_to(folder)


def _brief_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """`--date`: a day that exists, written YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise click.BadParameter(f"'{value}' is not a day in the calendar") from None
        raise click.BadParameter(f"'{value}' is not a date written YYYY-MM-DD") from None


@click.command()
@click.argument("title")
@site_option
@click.option(
    "--date",
    "date",
    callback=_brief_date,
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
    click.echo(shown(path))


@click.command()
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
        click.echo(f"  created {shown(path)}", err=True)
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {shown(folder)} && "
    click.echo(
        f"New site in {shown(folder)}. Next: {where}nsnbuild serve, then edit nsnbuild.toml "
        '(set base_url) and write a brief with nsnbuild new "Headline".',
        err=True,
    )


@click.command()
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
