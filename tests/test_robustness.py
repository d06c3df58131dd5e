"""Nothing lost: a killed build leaves every file whole, the next one finishes the job, and
two builds of one site never run at once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nsnbuild.lock import LockTimeout, site_lock
from nsnbuild.output import TEMP_PREFIX


def write_site(root: Path, count: int, title: str) -> None:
    briefs = root / "content" / "briefs"
    briefs.mkdir(parents=True, exist_ok=True)
    (root / "nsnbuild.toml").write_text('title = "Kill"\nbase_url = "https://example.org/"\n')
    for number in range(count):
        day = 1 + number % 28
        month = 1 + number // 28 % 12
        (briefs / f"b{number:03d}.md").write_text(
            f"---\ntitle: {title} {number}\ndate: 2015-{month:02d}-{day:02d}\ntags: [T{number % 7}]\n"
            f"sources:\n  - name: Reuters\n    date: 2015-{month:02d}-{day:02d}\n"
            f"    url: https://example.com/{number}\n---\n\n"
            + f"Paragraph {number} about policy. [Reuters, {month}/{day}/15]\n\n"
            * 20
        )


def command(root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nsnbuild.cli", "build", "--site", str(root), "--jobs", "2", "-q", *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_build_killed_at_random_points_leaves_every_file_whole(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_site(root, 150, "First")
    subprocess.run(command(root), check=True)
    old = snapshot(root / "output")
    write_site(root, 150, "Second")
    # the complete result of the second version, built elsewhere
    clean = tmp_path / "clean"
    subprocess.run(command(root, "--no-cache", "--output", str(clean)), check=True)
    new = snapshot(clean)
    rng = random.Random(8)
    for _ in range(4):
        process = subprocess.Popen(command(root))
        time.sleep(rng.uniform(0.3, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        for rel, data in snapshot(root / "output").items():
            name = rel.rsplit("/", 1)[-1]
            if name.startswith(TEMP_PREFIX) or name == ".nsnbuild-output":
                continue
            assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new file"
    subprocess.run(command(root), check=True)
    final = snapshot(root / "output")
    assert not [rel for rel in final if rel.rsplit("/", 1)[-1].startswith(TEMP_PREFIX)]
    final.pop(".nsnbuild-output", None)
    new.pop(".nsnbuild-output", None)
    assert final == new


def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_site(root, 3, "Locked")
    with site_lock(root / ".nsnbuild-cache"):
        process = subprocess.Popen(
            [sys.executable, "-m", "nsnbuild.cli", "build", "--site", str(root)],
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert process.poll() is None, "the second build must wait while the lock is held"
        assert not (root / "output").exists()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Another nsnbuild command is working on this site; waiting up to 60 s" in err
    assert (root / "output" / "index.html").exists()


def test_waiting_too_long_stops_with_a_clear_message(tmp_path: Path) -> None:
    cache = tmp_path / ".nsnbuild-cache"
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom nsnbuild.lock import site_lock\n"
        "with site_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script, str(cache)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waited: list[str] = []
        started = time.monotonic()
        with (
            pytest.raises(LockTimeout) as caught,
            site_lock(cache, wait=0.5, on_wait=lambda: waited.append("x")),
        ):
            pass
        assert time.monotonic() - started < 5
        assert waited == ["x"]
        assert "another nsnbuild command is still working on this site" in caught.value.format_message()
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_released_when_a_build_is_killed(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_site(root, 120, "Killed")
    process = subprocess.Popen(command(root))
    time.sleep(0.8)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    started = time.monotonic()
    with site_lock(root / ".nsnbuild-cache", wait=5):
        assert time.monotonic() - started < 5


def small_site(root: Path) -> None:
    write_site(root, 2, "Small")
    for number in range(2):
        path = root / "content" / "briefs" / f"b{number:03d}.md"
        path.write_text(path.read_text().replace("tags: [T", "tags: [Cuba, T"))


def build_here(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nsnbuild.cli", "build", "--site", ".", "--jobs", "1"],
        capture_output=True,
        text=True,
        cwd=root,
    )


@pytest.mark.parametrize(
    ("static", "what"),
    [
        ("static/tags/cuba/index.html", "output path 'tags/cuba/index.html' is claimed both by this file"),
        ("static/tags/cuba/feed.xml", "output path 'tags/cuba/feed.xml' is claimed both by this file"),
        ("static/briefs/2015/01/01/b000/cite.bib", "is claimed both by this file and by content/briefs"),
        ("static/tags", "output path 'tags' would be both a file and the folder of"),
    ],
)
def test_a_static_file_in_the_place_of_a_generated_one_is_an_error(
    tmp_path: Path, static: str, what: str
) -> None:
    root = tmp_path / "site"
    small_site(root)
    (root / static).parent.mkdir(parents=True, exist_ok=True)
    (root / static).write_text("mine")
    done = build_here(root)
    assert done.returncode == 1, done.stderr
    assert f"{static}:1:1: error: " in done.stderr
    assert what in done.stderr
    assert "Traceback" not in done.stderr
    assert not (root / "output").exists()


def test_a_page_may_take_the_place_of_a_static_file_and_back(tmp_path: Path) -> None:
    root = tmp_path / "site"
    small_site(root)
    (root / "static").mkdir()
    (root / "static" / "humans").write_text("people")
    assert build_here(root).returncode == 0
    assert (root / "output" / "humans").read_text() == "people"
    (root / "static" / "humans").unlink()
    (root / "content" / "pages").mkdir()
    (root / "content" / "pages" / "humans.md").write_text("---\ntitle: Humans\n---\nWho we are.\n")
    done = build_here(root)
    assert done.returncode == 0, done.stderr
    assert "Who we are." in (root / "output" / "humans" / "index.html").read_text()
    (root / "content" / "pages" / "humans.md").unlink()
    (root / "static" / "humans").write_text("people again")
    done = build_here(root)
    assert done.returncode == 0, done.stderr
    assert (root / "output" / "humans").read_text() == "people again"
    assert not [p for p in (root / "output").rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_a_build_stopped_before_it_recorded_itself_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    import nsnbuild.build
    from nsnbuild.build import build_site
    from nsnbuild.config import Overrides
    from nsnbuild.freshness import check_fresh
    from nsnbuild.model import BuildOptions
    from nsnbuild.pool import Pool

    root = tmp_path / "site"
    small_site(root)
    old = time.time() - 60
    for path in root.rglob("*"):
        os.utime(path, (old, old))
    time.sleep(0.3)
    options = BuildOptions(now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    with Pool(1) as pool:
        build_site(root, Overrides(), options, pool)
    assert check_fresh(root, Overrides(), options) is not None

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(nsnbuild.build, "record", interrupted)
    elsewhere = Overrides(base_url="https://other.example/")
    with Pool(1) as pool, pytest.raises(KeyboardInterrupt):
        build_site(root, elsewhere, options, pool)
    # the output now holds the other base URL: a plain build must rewrite it
    assert check_fresh(root, Overrides(), options) is None


def test_an_output_folder_below_a_file_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "site"
    small_site(root)
    (tmp_path / "afile").write_text("x")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nsnbuild.cli",
            "build",
            "--site",
            str(root),
            "-o",
            str(tmp_path / "afile" / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert f"{tmp_path / 'afile'} is a file" in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


@pytest.mark.parametrize("value", ["99999999999999", "soon"])
def test_an_unusable_source_date_epoch_is_a_usage_error(tmp_path: Path, value: str) -> None:
    root = tmp_path / "site"
    small_site(root)
    done = subprocess.run(
        [sys.executable, "-m", "nsnbuild.cli", "build", "--site", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": value},
    )
    assert done.returncode == 2
    assert "SOURCE_DATE_EPOCH" in done.stderr
    assert "internal error" not in done.stderr
