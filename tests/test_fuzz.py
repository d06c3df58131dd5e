"""Property tests: whatever an author writes, nsnbuild reports it or builds it, and nothing else.

The front-matter loader gets random bytes, YAML-ish text and well-formed briefs with random
values; it must return a brief or errors, at places inside the file, and never raise. Whole
builds of generated sites must raise nothing but BuildFailed, write only valid UTF-8, and
write nothing outside the output folder and the cache. (The citation parser has property
tests of its own.)

Budgets are small, so that the file runs in seconds; set NSNBUILD_FUZZ_SCALE to search harder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
import yaml
from conftest import BASE_URL, build
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nsnbuild.content import load_brief, load_page
from nsnbuild.discover import ContentFile, digest_bytes
from nsnbuild.errors import BuildFailed, Diagnostic

# NSNBUILD_FUZZ_SCALE=50 pytest tests/test_fuzz.py searches fifty times harder
SCALE = max(1, int(os.environ.get("NSNBUILD_FUZZ_SCALE", "1") or "1"))
SETTINGS = settings(
    max_examples=300 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BUILD_SETTINGS = settings(
    max_examples=40 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SITE = Path("/site")
TIMEZONES = st.sampled_from(["UTC", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"])

# ---------------------------------------------------------------- what the loader may promise


def lines_of(data: bytes) -> list[str]:
    """The file's lines as positions count them (a byte that is not UTF-8 counts as one
    character: nothing past the first is read)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_positions_inside(data: bytes, diagnostics: list[Diagnostic]) -> None:
    lines = lines_of(data)
    for diagnostic in diagnostics:
        pos = diagnostic.pos
        assert pos is not None and pos.path == SITE / "content/briefs/x.md", diagnostic
        if pos.line is None:
            assert pos.col is None, diagnostic
            continue
        assert 1 <= pos.line <= len(lines), (diagnostic, len(lines))
        if pos.col is not None:
            assert 1 <= pos.col <= len(lines[pos.line - 1]) + 1, (diagnostic, lines[pos.line - 1])


def check_loader(data: bytes, timezone: str) -> None:
    file = ContentFile(SITE / "content/briefs/x.md", "content/briefs/x.md", "brief", data, digest_bytes(data))
    brief, diagnostics = load_brief(file, timezone)
    assert_positions_inside(data, diagnostics)
    errors = [d for d in diagnostics if d.level == "error"]
    if brief is None:
        assert errors, diagnostics
    else:
        assert errors == []
        assert brief.title and brief.title == brief.title.strip()
        assert 1000 <= brief.date.year <= 9998
        assert brief.url.startswith("briefs/") and ".." not in brief.url.split("/")
    page_file = ContentFile(SITE / "content/briefs/x.md", "content/briefs/x.md", "page", data, file.digest)
    page, diagnostics = load_page(page_file)
    assert_positions_inside(data, diagnostics)
    assert page is not None or any(d.level == "error" for d in diagnostics)


# ---------------------------------------------------------------- strategies

# fmt: off
FRAGMENTS = [
    "---\n", "---", "\n", "\r\n", "\r", " ", "  ", "\t", "title: ", "date: ", "updated: ", "tags: ",
    "slug: ", "summary: ", "draft: ", "id: ", "authors: ", "photo:\n  ", "src: ", "caption: ",
    "credit: ", "width: ", "sources:\n  - ", "name: ", "url: ", "- ", "[", "]", "{", "}", ",", ":",
    "'", '"', "\\", "&a ", "*a", "!!int ", "!!bool ", "!!binary ", "!!python/object:os.system ",
    "? ", "|", ">", "#", "%YAML 1.1\n", "...\n", "2015-04-28", "2015-02-30",
    "0001-01-01T00:00:00+05:00", "9999-12-31 23:59:59", "2015-04-28T10:00:00Z", "4/27/15", "yes",
    "null", "~", ".nan", "1e400", "Reuters", "Café", "日本", "\u2028", "\u0085", "\ufeff", "\ufffe",
    "\x00", "\x07", "\x1b[31m", "\U0001f600", "javascript:alert(1)", "../..", "[Reuters, 4/27/15]",
    "[x](y.md)",
]
# fmt: on
yamlish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40).map(
    lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
)
framed = yamlish.map(lambda data: b"---\n" + data + b"\n---\nBody.\n")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = ["title", "date", "updated", "summary", "tags", "authors", "slug", "draft", "id", "photo", "sources"]
good_values: dict[str, st.SearchStrategy[Any]] = {
    "title": st.text(min_size=1, max_size=30),
    "date": st.one_of(st.dates(), st.datetimes(timezones=st.timezones())),
    "summary": st.text(max_size=40),
    "tags": st.lists(st.text(max_size=12), max_size=3),
    "authors": st.lists(st.text(max_size=12), max_size=2),
    "slug": st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True) | st.text(max_size=10),
    "draft": st.booleans(),
    "photo": st.fixed_dictionaries(
        {},
        optional={
            "src": st.sampled_from(["images/a.png", "https://example.org/a.png", "javascript:x", ""]),
            "caption": st.text(max_size=30),
            "credit": st.text(max_size=30),
            "width": st.integers(-5, 5000),
        },
    ),
    "sources": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "name": st.text(max_size=15),
                "date": st.dates(),
                "url": st.sampled_from(["https://example.org/", "data:,x", "ftp://x", ""]),
                "title": st.text(max_size=15),
            },
        ),
        max_size=3,
    ),
}


@st.composite
def briefs(draw: st.DrawFn) -> bytes:
    """A brief dumped by a YAML library: well-formed, with values of the right or wrong types."""
    meta: dict[str, Any] = {}
    for key in KEYS:
        choice = draw(st.sampled_from(["good", "good", "any", "missing"]))
        if choice == "good" and key in good_values:
            meta[key] = draw(good_values[key])
        elif choice == "any":
            meta[key] = draw(values)
    meta.update(draw(st.dictionaries(st.text(max_size=8), values, max_size=2)))
    body = draw(st.text(max_size=80))
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=draw(st.booleans())) + "---\n" + body
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    data = text.replace("\n", ending).encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


# ---------------------------------------------------------------- the loader


@SETTINGS
@given(data=st.binary(max_size=300), timezone=TIMEZONES)
def test_the_loader_takes_any_bytes(data: bytes, timezone: str) -> None:
    check_loader(data, timezone)


@SETTINGS
@given(data=st.one_of(yamlish, framed), timezone=TIMEZONES)
def test_the_loader_takes_any_yamlish_text(data: bytes, timezone: str) -> None:
    check_loader(data, timezone)


@SETTINGS
@given(data=briefs(), timezone=TIMEZONES)
def test_the_loader_takes_any_values(data: bytes, timezone: str) -> None:
    check_loader(data, timezone)


def test_an_alias_bomb_is_read_quickly() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    text = "---\n" + "\n".join(levels) + "\ntitle: *a8\ndate: *a8\ntags: *a8\nslug: *a8\n---\nBody.\n"
    brief, diagnostics = load_brief(
        ContentFile(SITE / "content/briefs/x.md", "content/briefs/x.md", "brief", text.encode(), "0"), "UTC"
    )
    assert brief is None
    assert all(len(d.message) < 300 for d in diagnostics)


# ---------------------------------------------------------------- whole builds

# parts that are fine in a brief (brackets, markup, scripts written as text, unusual characters) ...
# fmt: off
CLEAN_PARTS = [
    "\n\n", "\n", " ", "Talks went on.", "[Reuters, 4/27/15]", "[R, 4/26/15; Reuters, Apr. 26, 2015.]",
    "[WSJ, Apr. 26, 2015. AP, 2015-04-26]", "[sic]", "[2015]", "[", "]", "[x](../9/other.md)", "[^1]",
    "\n\n[^1]: A note.\n", "`code [AP, 4/1/15]`", "<b>bold</b>", "<script>alert(1)</script>",
    "</script>", "&amp;", "&", "<", '"', "\\[", "# Heading ", "> ", "- ", "1. ",
    "[link](javascript:alert(1))", "\n| a | b |\n|---|---|\n| [AP, 4/1/15] | c |\n", "*", "_",
    "日本", "\u2028", "\u202e", "\U0001f600", "é", "\r", "\t",
]
# ... and parts that are errors: impossible dates, links to nothing, control characters
DIRTY_PARTS = [
    "[Reuters, 13/45/15]", "[AP, 2/30/15]", "[y](missing.md)", "![map](images/map.png)", "\x07",
    "\x00", "\x1b[31m", "\ufffe",
]
# fmt: on
# characters fine in any text: not control characters, surrogates or the noncharacters U+FFFE/U+FFFF
safe_characters = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff")


@st.composite
def site_briefs(draw: st.DrawFn) -> tuple[bool, dict[str, bytes]]:
    """One to three briefs: clean ones, which must build, or with mistakes mixed in."""
    clean = draw(st.booleans())
    parts = st.sampled_from(CLEAN_PARTS if clean else CLEAN_PARTS + DIRTY_PARTS)
    text = st.text(safe_characters if clean else st.characters(exclude_categories=("Cs",)), max_size=8)
    short = st.lists(st.one_of(parts, text), max_size=4).map("".join).filter(lambda s: "\x00" not in s)
    body = st.lists(st.one_of(parts, text), max_size=25).map("".join)
    files: dict[str, bytes] = {}
    for index in range(draw(st.integers(1, 3))):
        title = draw(short.filter(lambda s: s.strip()) if clean else short)
        meta: dict[str, Any] = {
            "title": title,
            "date": draw(st.dates(dt.date(2014, 1, 1), dt.date(2016, 12, 31))),
        }
        if draw(st.booleans()):
            meta["tags"] = draw(st.lists(short.filter(lambda s: s.strip()) if clean else short, max_size=3))
        if draw(st.booleans()):
            meta["summary"] = draw(short)
        if draw(st.booleans()):
            meta["photo"] = {"caption": draw(short), "credit": draw(short)}
        if draw(st.booleans()):
            meta["sources"] = [{"name": "Reuters", "date": dt.date(2015, 4, 27), "url": "https://r.example/"}]
        if not clean and draw(st.booleans()):
            meta["slug"] = draw(st.sampled_from(["same", "../escape", "a/b", "ok-slug"]))
        if not clean and draw(st.booleans()):
            meta["id"] = "tag:example.org,2015:same"
        front = yaml.safe_dump(meta, allow_unicode=True)
        name = draw(st.sampled_from(["brief", "Café Talks", "2015-04-28-x"]))
        data = f"---\n{front}---\n{draw(body)}".encode("utf-8", "surrogatepass")
        files[f"content/briefs/{index}/{name} {index}.md"] = data
    return clean, files


def snapshot(folder: Path, skip: tuple[Path, ...]) -> dict[str, bytes | str]:
    found: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        found[here.relative_to(folder).as_posix()] = "folder"
        for name in filenames:
            path = here / name
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def check_output(output: Path) -> None:
    for path in output.rglob("*"):
        if path.is_dir():
            continue
        data = path.read_bytes()
        text = data.decode("utf-8")
        if path.suffix == ".html":
            lxml.html.fromstring(data)
        elif path.suffix == ".xml":
            lxml.etree.fromstring(data)
        elif path.suffix == ".json":
            json.loads(text)


configs = st.fixed_dictionaries(
    {
        "title": st.text(safe_characters, min_size=1, max_size=12).filter(str.strip),
        "timezone": TIMEZONES,
        "citation_style": st.sampled_from(["footnotes", "inline"]),
        "briefs_per_page": st.integers(1, 3),
    },
    optional={"markdown": st.fixed_dictionaries({"allow_html": st.booleans(), "typographer": st.booleans()})},
)


def toml_of(config: dict[str, Any]) -> bytes:
    """nsnbuild.toml for a config (a JSON string is a TOML basic string)."""
    lines = [f"base_url = {json.dumps(BASE_URL)}\n"]
    tables = {key: value for key, value in config.items() if isinstance(value, dict)}
    for key, value in config.items():
        if key not in tables:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")
    for name, table in tables.items():
        lines.append(f"[{name}]\n")
        lines += [f"{key} = {json.dumps(value)}\n" for key, value in table.items()]
    return "".join(lines).encode()


@BUILD_SETTINGS
@given(site=site_briefs(), config=configs, registry=st.booleans())
def test_a_generated_site_builds_or_fails_cleanly(
    tmp_path_factory: pytest.TempPathFactory,
    site: tuple[bool, dict[str, bytes]],
    config: dict[str, Any],
    registry: bool,
) -> None:
    clean, files = site
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "site"
    everything = {
        "nsnbuild.toml": toml_of(config),
        "content/briefs/9/other.md": b"---\ntitle: Other\ndate: 2015-01-01\n---\nThe other brief.\n",
        **files,
    }
    if registry:
        everything["sources.toml"] = b'["Reuters"]\nurl = "https://www.reuters.com/"\naliases = ["R"]\n'
    for rel, data in everything.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    output, cache = root / "output", root / ".nsnbuild-cache"
    before = snapshot(base, (output, cache))
    try:
        build(root)
    except BuildFailed as failed:
        event(f"build failed (clean={clean})")
        errors = [d.format(root) for d in failed.diagnostics if d.level == "error"]
        assert errors and not clean, errors
        assert not output.exists()
    else:
        event(f"built (clean={clean})")
        check_output(output)
    assert snapshot(base, (output, cache)) == before
