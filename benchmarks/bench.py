#!/usr/bin/env python3
"""Time nsnbuild: cold build, no-change rebuild, one brief edited, and peak memory.

    python benchmarks/bench.py N [--runs 3] [--jobs J]     a generated corpus of N briefs
    python benchmarks/bench.py DIR [--runs 3]              briefs in DIR/briefs/*.md

Each run removes the output and the cache, builds (cold), builds again (no change),
appends a paragraph to one brief and builds (one edit). Peak memory is the largest sum of
resident memory over the whole process tree (the build and its workers), sampled every
10 ms from /proc. Prints each run and the medians. Compare with other generators on the
same corpus, in the same sitting: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(x) for x in handle.read().split()]
    except OSError:
        pass
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss_kib(current)
        stack += _children(current)
    return total


def timed(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak tree RSS in MiB, stderr) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"build failed:\n{err}")
    return elapsed, peak / 1024, err


def make_site(source: str, folder: Path) -> Path:
    site = folder / "site"
    (site / "content").mkdir(parents=True)
    if source.isdigit():
        write_corpus(int(source), folder / "corpus")
        shutil.copytree(folder / "corpus" / "briefs", site / "content" / "briefs")
    else:
        shutil.copytree(Path(source) / "briefs", site / "content" / "briefs")
    (site / "nsnbuild.toml").write_text('title = "Benchmark"\nbase_url = "https://example.org/nsn/"\n')
    return site


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", help="number of briefs to generate, or a folder holding briefs/")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nsnbuild-bench-") as temp:
        site = make_site(args.corpus, Path(temp))
        briefs = sorted((site / "content" / "briefs").glob("*.md"))
        command = [sys.executable, "-m", "nsnbuild.cli", "build", "--site", str(site)]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        print(f"{len(briefs)} briefs, {os.cpu_count()} cores, nsnbuild at {command[0]}")
        rows = []
        for run in range(1, args.runs + 1):
            shutil.rmtree(site / "output", ignore_errors=True)
            shutil.rmtree(site / ".nsnbuild-cache", ignore_errors=True)
            cold, cold_mem, _ = timed(command)
            same, same_mem, report = timed(command)
            untouched = "nothing to write" in report or " 0 files written" in report
            target = briefs[(run * 7) % len(briefs)]
            with open(target, "a", encoding="utf-8") as handle:
                handle.write(f"\nEdited paragraph {run}.\n")
            edit, edit_mem, edit_report = timed(command)
            written = edit_report.split(" written")[0].rsplit(": ", 1)[-1] + " written"
            rows.append((cold, same, edit, max(cold_mem, same_mem, edit_mem)))
            print(
                f"run {run}: cold {cold:.2f} s ({cold_mem:.0f} MiB)  no-change {same:.2f} s"
                f" (wrote nothing: {untouched})  one-edit {edit:.2f} s ({written})"
            )
        medians = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(
            f"median: cold {medians[0]:.2f} s  no-change {medians[1]:.2f} s  one-edit {medians[2]:.2f} s"
            f"  peak {medians[3]:.0f} MiB"
        )


if __name__ == "__main__":
    main()
