"""The cache is only an optimisation: a warm build gives exactly the bytes of a clean one.

Random edits (body, title, date, tags, a registry alias, a template, the config, briefs
added and removed, drafts) are applied one after another; after each, the warm build of
the edited site is compared byte for byte with a clean build of a copy, and every file
whose bytes did not change must not have been rewritten.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nsnbuild.build import BuildResult, build_site
from nsnbuild.config import Overrides
from nsnbuild.freshness import check_fresh, start_build
from nsnbuild.model import BuildOptions
from nsnbuild.pool import SERIAL_BELOW, Pool

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
TAGS = ["Iran", "Japan", "Trade", "Sanctions", "Cuba", "Ukraine"]
OUTLETS = ["Wall Street Journal", "Reuters", "Financial Times", "Japan Times"]


def brief(rng: random.Random, number: int) -> str:
    day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(300))
    tags = rng.sample(TAGS, rng.randrange(1, 4))
    outlet = rng.choice(OUTLETS)
    cited = day - dt.timedelta(days=rng.randrange(3))
    alias = "WSJ" if outlet == "Wall Street Journal" and rng.random() < 0.5 else outlet
    return (
        f"---\ntitle: Brief number {number}\ndate: {day.isoformat()}\n"
        f"tags: [{', '.join(tags)}]\nsummary: The summary of brief {number}.\n"
        f"sources:\n  - name: {outlet}\n    date: {cited.isoformat()}\n"
        f"    url: https://example.com/{number}\n---\n\n"
        f"Officials said talks would go on. [{alias}, {cited.month}/{cited.day}/{cited.year % 100}]\n"
    )


def make_site(root: Path, rng: random.Random, count: int = 12) -> None:
    (root / "content" / "briefs").mkdir(parents=True)
    (root / "content" / "pages").mkdir()
    (root / "nsnbuild.toml").write_text(
        'title = "Warm"\nbase_url = "https://example.org/w/"\nbriefs_per_page = 4\nfeed_items = 5\n'
    )
    (root / "sources.toml").write_text(
        '["Wall Street Journal"]\nurl = "https://www.wsj.com/"\naliases = ["WSJ"]\n\n'
        '["Reuters"]\nurl = "https://www.reuters.com/"\n'
    )
    (root / "content" / "pages" / "about.md").write_text("---\ntitle: About\n---\nAbout us.\n")
    for number in range(count):
        (root / "content" / "briefs" / f"b{number:02d}.md").write_text(brief(rng, number))
    # a brief and a page that link to another brief, whose URL may change
    first = root / "content" / "briefs" / "b00.md"
    first.write_text(first.read_text() + "\nSee also [the other brief](b01.md).\n")
    about = root / "content" / "pages" / "about.md"
    about.write_text(about.read_text() + "\nOur [latest analysis](../briefs/b01.md).\n")
    (root / "themes" / "house" / "templates").mkdir(parents=True)


def build(root: Path, output: Path, use_cache: bool = True, **opts: object) -> BuildResult:
    options = BuildOptions(now=NOW, use_cache=use_cache, **opts)  # type: ignore[arg-type]
    with Pool(1) as pool:
        return build_site(root, Overrides(output_dir=output), options, pool)


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def assert_as_clean_build(root: Path, output: Path, tmp_path: Path) -> None:
    """output/ holds the bytes a build of root without a cache gives."""
    clean = tmp_path / "clean"
    build(root, clean, use_cache=False)
    assert {k: v[0] for k, v in tree(output).items()} == {k: v[0] for k, v in tree(clean).items()}


def rebuilt_after_cache_change(
    tmp_path: Path, seed: int, change: Callable[[sqlite3.Connection], object]
) -> tuple[Path, Path]:
    """A site built, its cache database changed by hand, and built again into a new output."""
    root = tmp_path / "site"
    make_site(root, random.Random(seed))
    output = tmp_path / "out"
    build(root, output)
    with sqlite3.connect(root / ".nsnbuild-cache" / "cache.sqlite") as connection:
        change(connection)
    shutil.rmtree(output)
    build(root, output)
    return root, output


def touch_later(path: Path) -> None:
    """Make sure an edit is seen, however coarse the file system's clock."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 3_000_000_000))


def edits(root: Path) -> list[tuple[str, Callable[[random.Random], None]]]:
    briefs = root / "content" / "briefs"

    def pick(rng: random.Random) -> Path:
        return rng.choice(sorted(briefs.glob("*.md")))

    def rewrite(path: Path, old: str, new: str) -> None:
        path.write_text(path.read_text().replace(old, new, 1))
        touch_later(path)

    def body(rng: random.Random) -> None:
        path = pick(rng)
        path.write_text(path.read_text() + f"\nA new paragraph {rng.random()}.\n")
        touch_later(path)

    def title(rng: random.Random) -> None:
        path = pick(rng)
        rewrite(path, "title: Brief number", f"title: Renamed {rng.randrange(99)}, brief number")

    def date(rng: random.Random) -> None:
        path = pick(rng)
        text = path.read_text()
        old = text.split("date: ", 1)[1].split("\n", 1)[0]
        rewrite(path, f"date: {old}", f"date: 2016-0{rng.randrange(1, 9)}-1{rng.randrange(10)}")

    def tags(rng: random.Random) -> None:
        path = pick(rng)
        text = path.read_text()
        old = text.split("tags: ", 1)[1].split("\n", 1)[0]
        rewrite(path, f"tags: {old}", f"tags: [{rng.choice(TAGS)}]")

    def alias(rng: random.Random) -> None:
        registry = root / "sources.toml"
        text = registry.read_text()
        if "The Journal" in text:
            registry.write_text(text.replace(', "The Journal"', ""))
        else:
            registry.write_text(text.replace('aliases = ["WSJ"]', 'aliases = ["WSJ", "The Journal"]'))
        touch_later(registry)

    def template(rng: random.Random) -> None:
        path = root / "themes" / "house" / "templates" / "partials" / "pagination.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'<p class="pages">Pages {rng.randrange(1000)}</p>\n')
        config = root / "nsnbuild.toml"
        if 'theme = "house"' not in config.read_text():
            config.write_text(config.read_text() + 'theme = "house"\n')
            touch_later(config)
        touch_later(path)

    def registry_url(rng: random.Random) -> None:
        registry = root / "sources.toml"
        text = registry.read_text()
        old = text.split('url = "', 1)[1].split('"', 1)[0]
        registry.write_text(text.replace(old, f"https://www.wsj.com/{rng.randrange(1000)}/", 1))
        touch_later(registry)

    def slug(rng: random.Random) -> None:
        # the brief that b00 links to changes its URL: b00's page must follow
        path = briefs / "b01.md"
        if path.exists():
            text = path.read_text()
            if "slug:" in text:
                rewrite(path, text.split("slug: ", 1)[1].split("\n", 1)[0], f"moved-{rng.randrange(1000)}")
            else:
                rewrite(path, "summary:", f"slug: moved-{rng.randrange(1000)}\nsummary:")

    def config(rng: random.Random) -> None:
        path = root / "nsnbuild.toml"
        text = path.read_text()
        old = text.split("briefs_per_page = ", 1)[1].split("\n", 1)[0]
        rewrite(path, f"briefs_per_page = {old}", f"briefs_per_page = {rng.randrange(2, 7)}")

    def add(rng: random.Random) -> None:
        number = 50 + rng.randrange(1000)
        (briefs / f"new{number}.md").write_text(brief(rng, number))

    def remove(rng: random.Random) -> None:
        # b01 stays: a brief and the About page link to it, and a link to nothing is an error
        if len(list(briefs.glob("*.md"))) > 3:
            path = pick(rng)
            if path.name != "b01.md":
                path.unlink()

    def draft(rng: random.Random) -> None:
        path = pick(rng)
        if path.name == "b01.md":  # linked to: as a draft, the links to it are errors
            return
        text = path.read_text()
        if "draft: true\n" in text:
            rewrite(path, "draft: true\n", "")
        else:
            rewrite(path, "summary:", "draft: true\nsummary:")

    steps = (body, title, date, tags, alias, registry_url, slug, template, config, add, remove, draft)
    return [(f.__name__, f) for f in steps]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_warm_builds_equal_clean_builds_after_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "site"
    make_site(root, rng)
    output = tmp_path / "out"
    build(root, output)
    steps = edits(root)
    for step in range(10):
        name, edit = rng.choice(steps)
        before = tree(output)
        edit(rng)
        warm = build(root, output)
        copy = tmp_path / f"clean{step}"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".nsnbuild-cache"))
        build(copy, tmp_path / f"clean-out{step}", use_cache=False)
        after = tree(output)
        clean = tree(tmp_path / f"clean-out{step}")
        assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in clean.items()}, name
        for rel, (data, mtime) in after.items():
            if rel in before and before[rel][0] == data:
                assert before[rel][1] == mtime, f"{rel} rewritten with the same bytes after '{name}'"
        assert warm.written == sum(1 for rel in after if before.get(rel, (b"",))[0] != after[rel][0])


def age(root: Path, seconds: int = 10) -> None:
    """Date every file of the site a little in the past, as files are that an author saved
    before building (files changed in the last instant before a build are read again)."""
    for path in root.rglob("*"):
        if path.is_file():
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))
    # setting a time is itself a change (of the change time): let that settle too
    time.sleep(0.3)


def test_a_second_build_with_no_change_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_site(root, random.Random(3))
    age(root)
    output = tmp_path / "out"
    first = build(root, output)
    before = tree(output)
    options = BuildOptions(now=NOW)
    assert check_fresh(root, Overrides(output_dir=output), options) is not None
    second = build(root, output)
    assert (second.written, second.removed) == (0, 0)
    assert tree(output) == before
    assert first.files == second.files


@pytest.mark.parametrize("edit", ["body", "title"])
def test_an_edit_made_after_a_build_started_is_built_by_the_next(tmp_path: Path, edit: str) -> None:
    # the build's view of the folders is taken when it starts and recorded as what it saw:
    # a file changed after that is looked at again by the next build, whatever this one read
    root = tmp_path / "site"
    make_site(root, random.Random(11))
    age(root)
    output = tmp_path / "out"
    build(root, output)
    target = root / "content" / "briefs" / "b05.md"
    target.write_text(target.read_text() + "\nA first edit.\n")
    age(root)
    start = start_build(root)
    text = target.read_text()
    target.write_text(text + "\nA later edit.\n" if edit == "body" else text.replace("number 5", "five"))
    age(root)
    options = BuildOptions(now=NOW)
    with Pool(1) as pool:
        build_site(root, Overrides(output_dir=output), options, pool, start=start)
    assert check_fresh(root, Overrides(output_dir=output), options) is None
    build(root, output)
    assert_as_clean_build(root, output, tmp_path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(path.read_bytes()[:3000]),
        lambda path: path.write_bytes(b"this is not a database at all" * 100),
        lambda path: path.write_bytes(b""),
    ],
    ids=["truncated", "garbage", "empty"],
)
def test_a_damaged_cache_is_discarded_not_trusted(tmp_path: Path, damage: Callable[[Path], None]) -> None:
    root = tmp_path / "site"
    make_site(root, random.Random(4))
    output = tmp_path / "out"
    build(root, output)
    clean = tmp_path / "clean"
    build(root, clean, use_cache=False)
    database = root / ".nsnbuild-cache" / "cache.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    damage(database)
    shutil.rmtree(output)
    build(root, output)
    assert {k: v[0] for k, v in tree(output).items()} == {k: v[0] for k, v in tree(clean).items()}


@pytest.mark.parametrize(
    "data",
    [
        '{"citations": [], "links": [], "word_count": "many", "excerpt": ""}',
        '{"citations": [], "links": [], "word_count": 3, "excerpt": null}',
        "[" * 100_000,
        "not JSON",
    ],
    ids=["word-count", "excerpt", "deep", "text"],
)
def test_damaged_fragments_are_prepared_again_not_trusted(tmp_path: Path, data: str) -> None:
    root, output = rebuilt_after_cache_change(
        tmp_path, 7, lambda connection: connection.execute("UPDATE fragments SET data = ?", (data,))
    )
    assert_as_clean_build(root, output, tmp_path)


def test_a_cache_from_another_version_is_emptied(tmp_path: Path) -> None:
    def stale(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE meta SET value = 'nsnbuild-cache/0/0.0' WHERE name = 'stamp'")
        connection.execute("UPDATE fragments SET body = '<p>stale</p>'")

    _, output = rebuilt_after_cache_change(tmp_path, 5, stale)
    pages = [p.read_text() for p in output.rglob("index.html")]
    assert not any("stale" in page for page in pages)


def test_a_cache_whose_tables_have_an_older_shape_is_made_anew(tmp_path: Path) -> None:
    def older(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE meta SET value = 'nsnbuild-cache/7/0.0' WHERE name = 'stamp'")
        connection.execute("DROP TABLE fragments")
        connection.execute("CREATE TABLE fragments (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
        connection.execute("INSERT INTO fragments VALUES ('k', '{\"body_html\": \"<p>stale</p>\"}')")

    root, output = rebuilt_after_cache_change(tmp_path, 6, older)
    assert_as_clean_build(root, output, tmp_path)
    database = root / ".nsnbuild-cache" / "cache.sqlite"
    with sqlite3.connect(database) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(fragments)")]
        stored = connection.execute("SELECT count(*) FROM fragments").fetchone()[0]
    assert columns == ["key", "body", "sources", "caption", "credit", "data"]
    assert stored == 13  # the fragments of every brief and the About page, from this build


def test_the_cache_key_covers_base_url_drafts_and_future(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_site(root, random.Random(6), count=4)
    brief_path = root / "content" / "briefs" / "b00.md"
    brief_path.write_text(brief_path.read_text().replace("summary:", "draft: true\nsummary:"))
    (root / "content" / "briefs" / "later.md").write_text(
        "---\ntitle: Later\ndate: 2031-01-01\n---\nNot yet.\n"
    )
    age(root)
    output = tmp_path / "out"
    plain = build(root, output)
    with_drafts = build(root, output, drafts=True)
    assert with_drafts.briefs == plain.briefs + 1
    with_future = build(root, output, future=True)
    assert with_future.briefs == plain.briefs + 1
    options = BuildOptions(now=NOW, use_cache=True)
    assert check_fresh(root, Overrides(output_dir=output, base_url="https://other.example/"), options) is None
    with Pool(1) as pool:
        moved = build_site(
            root, Overrides(output_dir=output, base_url="https://other.example/"), options, pool
        )
    assert moved.written > 0
    assert "https://other.example/" in (output / "index.html").read_text()


def test_a_scheduled_brief_appears_in_the_first_build_after_its_date(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_site(root, random.Random(7), count=3)
    (root / "content" / "briefs" / "later.md").write_text(
        "---\ntitle: Scheduled\ndate: 2031-01-01\n---\nSoon.\n"
    )
    age(root)
    output = tmp_path / "out"
    before = build(root, output)
    assert "Scheduled" not in (output / "index.html").read_text()
    assert check_fresh(root, Overrides(output_dir=output), BuildOptions(now=NOW)) is not None
    later = BuildOptions(now=dt.datetime(2031, 1, 2, tzinfo=dt.UTC))
    assert check_fresh(root, Overrides(output_dir=output), later) is None
    with Pool(1) as pool:
        after = build_site(root, Overrides(output_dir=output), later, pool)
    assert after.briefs == before.briefs + 1
    assert "Scheduled" in (output / "index.html").read_text()


def test_an_edit_to_a_body_rebuilds_only_its_page_and_feeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nsnbuild.build

    root = tmp_path / "site"
    make_site(root, random.Random(9))
    age(root)
    output = tmp_path / "out"
    build(root, output)
    before = tree(output)
    target = root / "content" / "briefs" / "b03.md"
    target.write_text(target.read_text() + "\nA sentence added to the body.\n")

    def no_full_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole site was read again")

    monkeypatch.setattr(nsnbuild.build, "read_site", no_full_build)
    result = build(root, output)
    after = tree(output)
    changed = {rel for rel in after if before[rel][0] != after[rel][0]}
    assert changed and all(
        rel.startswith("briefs/") or rel.endswith(("feed.xml", "atom.xml", "feed.json")) for rel in changed
    )
    assert any(
        "A sentence added to the body." in after[rel][0].decode() for rel in changed if rel.endswith(".html")
    )
    assert result.written == len(changed)
    monkeypatch.undo()
    assert_as_clean_build(root, output, tmp_path)


def test_after_a_parallel_build_an_edit_to_a_body_is_built_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the workers of a parallel build record what other pages show of each brief; the edit
    # path works it out again for the edited brief, and the two must agree
    import nsnbuild.build

    root = tmp_path / "site"
    make_site(root, random.Random(11), count=SERIAL_BELOW + 4)
    age(root)
    output = tmp_path / "out"
    with Pool(2) as workers:
        build_site(root, Overrides(output_dir=output), BuildOptions(now=NOW, jobs=2), workers)
    target = root / "content" / "briefs" / "b05.md"
    target.write_text(target.read_text() + "\nA sentence added to the body.\n")

    def no_full_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole site was read again")

    monkeypatch.setattr(nsnbuild.build, "read_site", no_full_build)
    result = build(root, output)
    assert 0 < result.written < 8
    monkeypatch.undo()
    assert_as_clean_build(root, output, tmp_path)


def test_an_edit_that_moves_a_brief_takes_the_whole_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nsnbuild.build

    root = tmp_path / "site"
    make_site(root, random.Random(10))
    age(root)
    output = tmp_path / "out"
    build(root, output)
    target = root / "content" / "briefs" / "b03.md"
    target.write_text(target.read_text().replace("title: Brief number", "title: A new title for brief"))
    calls: list[int] = []
    read_site = nsnbuild.build.read_site

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return read_site(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nsnbuild.build, "read_site", counted)
    build(root, output)
    assert calls == [1]
    assert "A new title for brief" in (output / "index.html").read_text() or any(
        "A new title for brief" in p.read_text() for p in output.rglob("index.html")
    )
