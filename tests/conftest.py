"""Shared helpers: write a small site into a temporary folder, build it, read what it reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from nsnbuild.build import BuildResult, build_site
from nsnbuild.config import Overrides
from nsnbuild.errors import BuildFailed, Diagnostic
from nsnbuild.model import BuildOptions
from nsnbuild.pool import Pool

# Later than every brief the tests write, so none is held back as scheduled.
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
BASE_URL = "https://example.org/"
CONFIG = f'title = "Test Briefs"\nbase_url = "{BASE_URL}"\n'
# One in-process worker for every build of the run: it keeps its Jinja environment, keyed by the
# theme's digest, so the default theme's templates are compiled once rather than once per build.
_WORKERS = Pool(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the expected output trees under tests/sites/*/expected/ from the current build",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "packaging: builds and installs a wheel (part of the normal run; deselect with -m 'not packaging')",
    )


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SOURCE_DATE_EPOCH in the caller's environment must not change what the tests see."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def make_site(tmp_path: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write `files` (path under the site -> text or bytes) under tmp_path; return the site root.

    Text is written as UTF-8 exactly as given: "\\r\\n" stays "\\r\\n".
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return tmp_path


def brief_text(
    title: str = "A brief",
    date: str = "2015-04-28",
    body: str = "Some running text.\n",
    extra: str = "",
) -> str:
    """A brief file: front matter (title, date, then `extra` lines as written) and a body."""
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}"


def options(
    *,
    now: dt.datetime = NOW,
    drafts: bool = False,
    future: bool = False,
    strict: bool = False,
    use_cache: bool = True,
    force: bool = False,
    jobs: int = 1,
) -> BuildOptions:
    return BuildOptions(
        drafts=drafts, future=future, strict=strict, now=now, jobs=jobs, use_cache=use_cache, force=force
    )


def build(
    root: Path,
    *,
    base_url: str | None = None,
    output: Path | None = None,
    now: dt.datetime = NOW,
    drafts: bool = False,
    future: bool = False,
    strict: bool = False,
    use_cache: bool = True,
    force: bool = False,
) -> BuildResult:
    """Build the site under root in this process, as `nsnbuild build --jobs 1` does."""
    chosen = options(now=now, drafts=drafts, future=future, strict=strict, use_cache=use_cache, force=force)
    return build_site(root, Overrides(base_url=base_url, output_dir=output), chosen, _WORKERS)


def build_failure(root: Path, **kwargs: Any) -> list[Diagnostic]:
    """The diagnostics of a build that must fail."""
    with pytest.raises(BuildFailed) as failed:
        build(root, **kwargs)
    return list(failed.value.diagnostics)


def shown(
    diagnostics: Iterable[Diagnostic], cwd: Path, levels: Iterable[str] = ("error", "warning")
) -> list[str]:
    """The first line of each diagnostic as printed, `path:line:col: level: message`."""
    wanted = set(levels)
    return [d.format(cwd).splitlines()[0] for d in diagnostics if d.level in wanted]


def errors_of(root: Path, **kwargs: Any) -> list[str]:
    """The errors of a build that must fail, as printed (paths relative to the site)."""
    return shown(build_failure(root, **kwargs), root, ("error",))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder: '/'-separated relative path -> bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def stamps(folder: Path) -> dict[str, int]:
    """Every file under folder with its modification time in nanoseconds."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
