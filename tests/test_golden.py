"""The whole output of tests/sites/basic/, compared byte for byte with tests/sites/basic/expected/.

The expected tree records what the default theme renders. Any intended change to the output,
above all an edit to the default theme's templates or assets, makes this test fail on purpose:
refresh the tree with

    pytest tests/test_golden.py --update-golden

then read `git diff tests/sites/basic/expected/` to check that every change is one you meant.
"""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest
from conftest import build, shown, tree

SITE = Path(__file__).resolve().parent / "sites" / "basic"
EXPECTED = SITE / "expected"
# 2016-01-01T00:00:00Z: after every brief of the site, so "now" never changes what is published
EPOCH = 1451606400
BASE_URL = "https://briefs.example.org/"
SHOWN_FILES = 3
SHOWN_LINES = 80


def describe(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    """What differs between two trees: missing and extra files, then diffs of the first few files."""
    parts: list[str] = []
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(rel for rel in expected.keys() & actual.keys() if expected[rel] != actual[rel])
    if missing:
        parts.append("expected but not built:\n" + "".join(f"  {rel}\n" for rel in missing))
    if extra:
        parts.append("built but not expected:\n" + "".join(f"  {rel}\n" for rel in extra))
    if changed:
        parts.append(f"{len(changed)} file(s) differ: " + ", ".join(changed))
    for rel in changed[:SHOWN_FILES]:
        try:
            old = expected[rel].decode("utf-8").splitlines(keepends=True)
            new = actual[rel].decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            parts.append(f"{rel}: binary files differ ({len(expected[rel])} vs {len(actual[rel])} bytes)")
            continue
        diff = list(difflib.unified_diff(old, new, f"expected/{rel}", f"built/{rel}", n=2))
        if len(diff) > SHOWN_LINES:
            diff = [*diff[:SHOWN_LINES], f"... ({len(diff) - SHOWN_LINES} more diff lines)\n"]
        parts.append("".join(line if line.endswith("\n") else line + "\n" for line in diff))
    parts.append(
        "If the change is intended (say, the default theme changed), run "
        "`pytest tests/test_golden.py --update-golden` and review `git diff tests/sites/basic/expected/`."
    )
    return "\n".join(parts)


def test_the_basic_site_builds_exactly_as_expected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    root = tmp_path / "basic"
    shutil.copytree(SITE, root, ignore=shutil.ignore_patterns("expected", "output", ".nsnbuild-cache"))
    result = build(
        root, base_url=BASE_URL, now=dt.datetime.fromtimestamp(EPOCH, dt.UTC), use_cache=False, strict=True
    )
    assert shown(result.diagnostics, root) == []
    assert (result.briefs, result.pages) == (3, 1)
    built = tree(root / "output")

    if request.config.getoption("--update-golden"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(root / "output", EXPECTED)

    expected = tree(EXPECTED) if EXPECTED.is_dir() else {}
    if built != expected:
        pytest.fail(describe(expected, built), pytrace=False)


def test_the_describer_names_missing_extra_and_changed_files() -> None:
    text = describe(
        {"index.html": b"<p>old</p>\n<p>same</p>\n", "gone.xml": b"<x/>", "logo.png": b"\x89PNG\xff1"},
        {"index.html": b"<p>new</p>\n<p>same</p>\n", "new.json": b"{}", "logo.png": b"\x89PNG\xff2"},
    )
    assert "expected but not built:\n  gone.xml\n" in text
    assert "built but not expected:\n  new.json\n" in text
    assert "--- expected/index.html\n+++ built/index.html\n" in text
    assert "-<p>old</p>\n+<p>new</p>\n" in text
    assert "logo.png: binary files differ (6 vs 6 bytes)" in text
    assert "--update-golden" in text
