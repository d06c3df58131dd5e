"""The command line: the only place that prints or exits."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import Diagnostic, NsnError, summary_line

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
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        if not value.isdigit():
            raise click.UsageError(f"SOURCE_DATE_EPOCH must be a number of seconds, not '{value}'")
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    return dt.datetime.fromtimestamp(clock(), dt.UTC)


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


@main.command()
@site_option
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: the config's output_dir).",
)
@click.option("--base-url", help="Public URL of the site, overriding base_url.")
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
    from .errors import BuildFailed
    from .freshness import check_fresh
    from .model import BuildOptions
    from .pool import Pool

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
    fresh = check_fresh(root, overrides, options)
    if fresh is not None:
        print_diagnostics(fresh.diagnostics, quiet, verbose)
        if not quiet:
            click.echo(
                f"Up to date: {fresh.briefs} briefs, {fresh.pages} pages and {fresh.feeds} feeds; "
                f"0 files written in {time.perf_counter() - started:.2f} s",
                err=True,
            )
        return
    with Pool(options.jobs) as pool:
        from .build import build_site

        try:
            result = build_site(root, overrides, options, pool)
        except BuildFailed as failed:
            print_diagnostics(failed.diagnostics, quiet=False, verbose=verbose)
            raise NsnError(f"build failed: {failed.format_message()}") from None
    print_diagnostics(result.diagnostics, quiet, verbose)
    if not quiet:
        seconds = time.perf_counter() - started
        warnings = sum(1 for d in result.diagnostics if d.level == "warning")
        click.echo(
            f"Built {result.briefs} briefs, {result.pages} pages and {result.feeds} feeds into "
            f"{_shown(result.config.output_dir)}: {result.written} files written, "
            f"{result.unchanged} unchanged, {result.removed} removed, "
            f"{summary_line(0, warnings).split(', ')[1]} in {seconds:.2f} s",
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
def clean(site: Path, output: Path | None) -> None:
    """Remove the output folder and the build cache."""
    import shutil

    from .config import Overrides, load_config
    from .output import MARKER

    config, _, _ = load_config(site.resolve(), Overrides(output_dir=output.resolve() if output else None))
    target = config.output_dir
    removed = []
    if target.is_dir():
        if not (target / MARKER).exists():
            raise NsnError(f"not removing {_shown(target)}: nsnbuild did not make it")
        shutil.rmtree(target)
        removed.append(_shown(target))
    if config.cache_dir.is_dir():
        shutil.rmtree(config.cache_dir)
        removed.append(_shown(config.cache_dir))
    click.echo(f"Removed {', '.join(removed)}" if removed else "Nothing to remove", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
