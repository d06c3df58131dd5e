"""A pool of worker processes, started only when there is enough work to share.

This module imports nothing heavy, so a command that turns out to have nothing to do
never pays for Markdown, Jinja or feedgen, and never starts a worker.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import multiprocessing
import os
import pickle
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
SERIAL_BELOW = 48
"""Fewer items than this are done in this process: starting workers would cost more."""
BUILD_GC_THRESHOLD = (100_000, 50, 100)
"""While a pool is open: a build makes millions of short-lived objects, nearly all freed as
soon as they are dropped, beside a large, long-lived site model; the collector's default
(a collection every 700 allocations, walking ever more live objects) costs several per cent."""


def release_memory() -> None:
    """Hand memory freed by this process back to the system (glibc keeps it otherwise):
    after a burst of short-lived strings, the process's resident size falls back."""
    if sys.platform != "linux":
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc
        return


def _ping(_: int) -> None:
    return None


_SHARED: dict[str, Any] = {}
_SETUP_PREFIX, _SETUP_SUFFIX = "setup-", ".tmp"
_SHARED_INLINE = 64 * 1024
"""A setup pickled to more bytes than this travels through a file, not with every chunk."""


def _unshare(token: str, blob: bytes | None, path: str | None = None) -> Any:
    """In a worker: the setup of a map, unpickled on its first chunk and kept for the rest."""
    if token not in _SHARED:
        _SHARED.clear()
        if blob is None:
            assert path is not None
            with open(path, "rb") as file:
                blob = file.read()
        _SHARED[token] = pickle.loads(blob)
    return _SHARED[token]


class _Shared:
    """A map's setup, pickled once for all of its chunks; a worker unpickles it once, not
    once per chunk. A small one rides with every chunk; a large one (the setup of a render
    holds every page's URL, near a megabyte at 5,000 briefs) is written to a temporary file
    in `folder` (the site's cache folder: a build writes nowhere else but its output) that
    each worker reads once, so that the chunks carry only its name."""

    def __init__(self, value: Any, folder: Path | None = None) -> None:
        self.token = secrets.token_hex(8)
        self.blob: bytes | None = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.path: str | None = None
        if folder is not None and len(self.blob) > _SHARED_INLINE:
            try:
                descriptor, self.path = tempfile.mkstemp(_SETUP_SUFFIX, _SETUP_PREFIX, folder)
                with os.fdopen(descriptor, "wb") as file:
                    file.write(self.blob)
            except OSError:  # no room for it: it rides with every chunk after all
                self.close()
            else:
                self.blob = None

    def close(self) -> None:
        """Remove the file, if there is one; no chunk may be unpickled after this."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.remove(self.path)
            self.path = None

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str, bytes | None, str | None]]:
        return _unshare, (self.token, self.blob, self.path)


def _start_worker(parent: int) -> None:
    """Worker start-up: collect as seldom as the building process (a spawned worker starts
    afresh), and on Linux ask to be killed when the building process dies, so no worker
    outlives a build that was interrupted (and goes on writing)."""
    gc.set_threshold(*BUILD_GC_THRESHOLD)
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    set_parent_death_signal = 1  # PR_SET_PDEATHSIG
    ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


class Pool:
    """`jobs` worker processes, or none (then every map runs here); `scratch`, a folder of
    nsnbuild's own for temporary files."""

    def __init__(self, jobs: int, scratch: Path | None = None) -> None:
        self.jobs = max(1, jobs)
        self.scratch = scratch
        """Where a large setup may be written for the workers to read (else it is sent)."""
        self._executor: Executor | None = None
        self._threshold: tuple[int, int, int] | None = None

    def __enter__(self) -> Pool:
        if self.scratch is not None:
            # left by a build that was killed (the commands hold the site's lock: no other
            # build of the site is running)
            for left in self.scratch.glob(f"{_SETUP_PREFIX}*{_SETUP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    left.unlink()
        # workers are forked from this process, and so collect as seldom
        self._threshold = gc.get_threshold()
        gc.set_threshold(*BUILD_GC_THRESHOLD)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        finally:
            if self._threshold is not None:
                gc.set_threshold(*self._threshold)
                self._threshold = None

    def stop(self) -> None:
        """Cancel what has not started and wait for the workers to finish what has."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def start(self) -> None:
        """Start the workers now (they start on first use otherwise)."""
        if self.jobs > 1:
            self._start()

    def _start(self) -> Executor:
        if self._executor is None:
            method = "fork" if sys.platform == "linux" else "spawn"
            context = multiprocessing.get_context(method)
            self._executor = ProcessPoolExecutor(
                self.jobs, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
            )
            list(self._executor.map(_ping, range(self.jobs)))
        return self._executor

    def parallel(self, count: int) -> bool:
        return self.jobs > 1 and count >= SERIAL_BELOW

    def map_chunks(
        self, fn: Callable[[Any, Sequence[T]], list[R]], setup: Any, items: Sequence[T]
    ) -> Iterator[R]:
        """fn(setup, chunk) over chunks of items, in workers; results in the order of items."""
        if not self.parallel(len(items)):
            yield from fn(setup, items)
            return
        size = max(8, min(64, len(items) // (self.jobs * 6) + 1))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        shared = _Shared(setup, self.scratch)
        try:
            executor = self._start()
            futures = collections.deque(executor.submit(fn, shared, chunk) for chunk in chunks)
            try:
                while futures:
                    # a chunk's results are let go of once they are handed on
                    yield from futures.popleft().result()
            finally:
                # nothing may still want the setup's file once it is gone
                for future in futures:
                    future.cancel()
                wait(futures)
        finally:
            shared.close()
