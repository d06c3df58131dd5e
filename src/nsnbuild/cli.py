"""The command line: build, check and clean, and the group that holds every command.

With terminal.py (shared options and printing) and authoring.py (citations, new, init,
serve), the only place that prints or exits.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .authoring import citations, init, new, serve
from .errors import NsnError, plural, summary_line
from .terminal import (
    check_base_url,
    locked,
    now,
    print_diagnostics,
    progress_bar,
    shown,
    site_option,
    verbosity_options,
)

if TYPE_CHECKING:
    from .config import Overrides
    from .model import BuildOptions


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
@click.option("--base-url", callback=check_base_url, help="Public URL of the site, overriding base_url.")
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
    from .freshness import check_fresh, start_build
    from .pool import Pool

    start = start_build(root)
    fresh = check_fresh(root, overrides, options, start)
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
    # --no-cache: .nsnbuild-cache/ holds the lock and nothing else
    with Pool(options.jobs, root / ".nsnbuild-cache" if options.use_cache else None) as pool:
        # workers start now, while this process is small: each starts as a copy of it
        pool.start()
        from .build import build_site

        try:
            result = build_site(
                root, overrides, options, pool, progress=None if quiet else progress_bar(), start=start
            )
        except BuildFailed as failed:
            print_diagnostics(failed.diagnostics, quiet=False, verbose=verbose)
            strict = " (--strict)" if options.strict else ""
            raise NsnError(f"build failed: {failed.format_message()}{strict}") from None
    print_diagnostics(result.diagnostics, quiet, verbose)
    if not quiet:
        seconds = time.perf_counter() - started
        warnings = sum(1 for d in result.diagnostics if d.level == "warning")
        click.echo(
            f"Built {plural(result.briefs, 'brief')}, {plural(result.pages, 'page')} and "
            f"{plural(result.feeds, 'feed')} into {shown(result.config.output_dir)}: "
            f"{plural(result.written, 'file')} written, {result.unchanged} unchanged, "
            f"{result.removed} removed; {plural(warnings, 'warning')} ({seconds:.2f} s)",
            err=True,
        )


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
                raise NsnError(f"not removing {shown(target)}: nsnbuild did not make it")
            shutil.rmtree(target)
            removed.append(shown(target))
        # the cache goes too, its lock last (a command waiting for it then takes the old one);
        # the lock has made sure it is a folder of nsnbuild's own, not a link to another
        if config.cache_dir.is_symlink():
            raise NsnError(f"not removing {shown(config.cache_dir)}: it is a link")
        leftovers = [p for p in config.cache_dir.iterdir() if p.name != "lock"]
        for path in leftovers:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        (config.cache_dir / "lock").unlink(missing_ok=True)
        config.cache_dir.rmdir()
        if leftovers:
            removed.append(shown(config.cache_dir))
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

    with locked(site.resolve()), Pool(os.cpu_count() or 1, site.resolve() / ".nsnbuild-cache") as workers:
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
    # under --strict the diagnostics already hold every warning as an error (as_reported)
    errors = sum(1 for d in diagnostics if d.level == "error")
    warnings = sum(1 for d in diagnostics if d.level == "warning")
    if errors:
        raise NsnError(f"check failed: {summary_line(errors, warnings)}" + (" (--strict)" if strict else ""))
    if not quiet:
        click.echo(
            f"Checked {plural(briefs, 'brief')} and {plural(pages, 'page')}: "
            f"{summary_line(errors, warnings)}",
            err=True,
        )


for command in (citations, new, init, serve):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
