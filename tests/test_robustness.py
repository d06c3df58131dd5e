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
