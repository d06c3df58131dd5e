"""What every command shares: its options, the clock, how problems are printed, the
progress bar and the site's lock. Only the command line prints or exits."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import Diagnostic

F = TypeVar("F", bound=Callable[..., Any])


def site_option(func: F) -> F:
    return click.option(
        "--site",
        "site",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
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

    def remade(message: str) -> None:
        # not a problem of the site (nothing it holds is wrong): a note, like the wait above
        click.echo(f"nsnbuild: {message}", err=True)

    return site_lock(root / ".nsnbuild-cache", on_wait=waiting, on_remade=remade)


def check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .texts import host_note, normalise_base_url

    if value is not None and normalise_base_url(value) is None:
        raise click.BadParameter(f"'{value}' is not an absolute http(s) URL{host_note(value)}")
    return value


def shown(path: Path) -> str:
    from .errors import display_path

    return display_path(path)
