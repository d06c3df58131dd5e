"""The worker pool: results in order, and a map's setup unpickled once per worker."""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from nsnbuild import pool
from nsnbuild.pool import Pool


class Counted:
    """A setup that counts, in the process that unpickles it, how often that happened."""

    loads = 0

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def __setstate__(self, state: dict[str, int]) -> None:
        Counted.loads += 1
        self.__dict__.update(state)


def _offset_chunk(setup: Counted, items: Sequence[int]) -> list[tuple[int, int, int]]:
    """Each item plus the setup's offset, with the worker's pid and its count of unpickles."""
    return [(item + setup.offset, os.getpid(), Counted.loads) for item in items]


def test_results_come_in_the_order_of_the_items() -> None:
    items = list(range(500))
    with Pool(2) as workers:
        results = list(workers.map_chunks(_offset_chunk, Counted(1000), items))
    assert [value for value, _, _ in results] == [item + 1000 for item in items]
    assert len({pid for _, pid, _ in results} - {os.getpid()}) >= 1


def test_each_worker_unpickles_a_maps_setup_once_however_many_chunks_it_takes() -> None:
    items = list(range(2000))  # far more chunks than workers
    with Pool(2) as workers:
        results = list(workers.map_chunks(_offset_chunk, Counted(7), items))
        again = list(workers.map_chunks(_offset_chunk, Counted(8), items))
    chunks_per_worker: dict[int, int] = {}
    for _, pid, loads in results:
        chunks_per_worker[pid] = max(chunks_per_worker.get(pid, 0), loads)
    # the workers' processes start with a count of 0: one unpickle each for the first map
    assert set(chunks_per_worker.values()) == {1}
    # a second map brings its own setup, unpickled once more in each worker
    assert {loads for _, _, loads in again} == {2}
    assert [value for value, _, _ in again] == [item + 8 for item in items]


def test_the_same_shared_setup_is_reused_and_a_new_one_replaces_it() -> None:
    first = pool._Shared({"urls": ["a"]})
    rebuild, args = first.__reduce__()
    one = rebuild(*args)
    assert one == {"urls": ["a"]} and rebuild(*args) is one
    second = pool._Shared({"urls": ["b"]})
    rebuild, args = second.__reduce__()
    assert rebuild(*args) == {"urls": ["b"]}
    assert pickle.loads(pickle.dumps(second)) == {"urls": ["b"]}


class Large(Counted):
    """A setup that pickles to more than a chunk should carry."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.padding = os.urandom(pool._SHARED_INLINE + 1)


def test_a_large_setup_travels_once_per_worker_through_a_file_in_the_scratch_folder(
    tmp_path: Path,
) -> None:
    items = list(range(2000))
    Counted.loads = 0  # what forked workers start from
    with Pool(2, tmp_path) as workers:
        results = list(workers.map_chunks(_offset_chunk, Large(5), items))
        assert list(tmp_path.iterdir()) == []  # the file is gone with the map
    assert [value for value, _, _ in results] == [item + 5 for item in items]
    loads: dict[int, int] = {}
    for _, pid, count in results:
        loads[pid] = max(loads.get(pid, 0), count)
    assert set(loads.values()) == {1}
    # what each chunk carries is the file's name, not the setup
    shared = pool._Shared(Large(5), tmp_path)
    try:
        assert shared.path is not None and Path(shared.path).parent == tmp_path
        assert len(pickle.dumps(shared)) < 1024
        assert pickle.loads(pickle.dumps(shared)).offset == 5
    finally:
        shared.close()
    assert list(tmp_path.iterdir()) == []


def test_a_map_left_early_removes_its_setup_file(tmp_path: Path) -> None:
    with Pool(2, tmp_path) as workers:
        results = workers.map_chunks(_offset_chunk, Large(1), list(range(2000)))
        assert next(results)[0] == 1
        results.close()
        assert list(tmp_path.iterdir()) == []
        # the pool goes on working
        assert [v for v, _, _ in workers.map_chunks(_offset_chunk, Large(2), list(range(100)))] == [
            i + 2 for i in range(100)
        ]


def test_without_a_scratch_folder_a_large_setup_rides_with_the_chunks() -> None:
    shared = pool._Shared(Large(4))
    assert shared.path is None and shared.blob is not None
    with Pool(2) as workers:
        results = list(workers.map_chunks(_offset_chunk, Large(4), list(range(300))))
    assert [value for value, _, _ in results] == [item + 4 for item in range(300)]


def test_a_large_setup_rides_with_the_chunks_when_no_file_can_be_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    shared = pool._Shared(Large(3), tmp_path)
    assert shared.path is None and shared.blob is not None  # the setup itself, in each chunk
    with Pool(2, tmp_path) as workers:
        results = list(workers.map_chunks(_offset_chunk, Large(3), list(range(300))))
    assert [value for value, _, _ in results] == [item + 3 for item in range(300)]


def test_a_setup_file_left_by_a_killed_build_is_removed_when_the_next_pool_opens(tmp_path: Path) -> None:
    left = tmp_path / "setup-abc123.tmp"
    left.write_bytes(b"a setup")
    (tmp_path / "cache.sqlite").write_bytes(b"kept")
    with Pool(2, tmp_path):
        assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.sqlite"]
