"""Is the output already up to date? The no-change rebuild, answered from file metadata.

After each successful build the cache records what it was built from: the config and
registry bytes, the theme, every content and static file's size, modification time and
digest, the options, the first scheduled brief still held back, and what the build
reported. When all of that is unchanged and every output file is as written, there is
nothing to do: the recorded report is returned and nothing is read, rendered or written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import Store, output_id
from .cachedata import diagnostic_from_json, diagnostic_to_json
from .config import CONFIG_NAME, REGISTRY_NAME, Overrides
from .errors import Diagnostic, has_errors
from .model import BuildOptions
from .output import all_still_as_written

RACY_NS = 2_000_000_000
"""Files modified this close to the start of a build are hashed again next time, when the
file system keeps whole seconds only; with finer timestamps a tenth of a second is enough."""
FINE_RACY_NS = 100_000_000


def trusted(mtime_ns: int, started_ns: int) -> bool:
    """Whether a file with this mtime cannot have changed unseen since a build started."""
    window = RACY_NS if mtime_ns % 1_000_000_000 == 0 else FINE_RACY_NS
    return mtime_ns < started_ns - window


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the last successful build reported."""

    diagnostics: tuple[Diagnostic, ...]
    briefs: int
    pages: int
    feeds: int
    files: int


def _digest(*parts: bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b"\0missing"
    except OSError as exc:  # load_config reports it; no build is recorded as made from it
        return f"\0unreadable {exc.errno}".encode()


def settings_key(root: Path, overrides: Overrides, options: BuildOptions, theme_digest: str) -> str:
    """Everything besides content and static files that decides the output."""
    parts = repr(
        (
            str(root),
            overrides.base_url,
            str(overrides.output_dir) if overrides.output_dir else None,
            options.drafts,
            options.future,
            options.strict,
            options.live_reload,
            theme_digest,
            os.environ.get("SOURCE_DATE_EPOCH", ""),
        )
    )
    return _digest(parts.encode(), _read(root / CONFIG_NAME), _read(root / REGISTRY_NAME))


Tree = dict[str, tuple[int, int, int]]
"""rel -> (size, mtime_ns, ctime_ns) of every file under a folder."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The content and static folders as a build found them when it started."""

    content: Tree
    static: Tree


def snapshot(root: Path) -> Snapshot:
    return Snapshot(_scan(root / "content"), _scan(root / "static"))


@dataclass(frozen=True, slots=True)
class Start:
    """When a build started, and its content and static folders as it found them then:
    taken once, and shared by the no-change check, the edit fast path and the full build."""

    started_ns: int
    seen: Snapshot


def start_build(root: Path) -> Start:
    started_ns = time.time_ns()
    return Start(started_ns, snapshot(root))


def _scan(folder: Path) -> Tree:
    """rel -> (size, mtime_ns, ctime_ns) of every file under folder."""
    found: Tree = {}
    if not folder.is_dir():
        return found
    base = len(str(folder)) + 1
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames.sort()
        prefix = dirpath[base:].replace(os.sep, "/")
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            found[f"{prefix}/{name}" if prefix else name] = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    return found


def _state_name(output: Path) -> str:
    return f"state-{output_id(output)}"


def load_known(store: Store, output: Path) -> dict[str, tuple[int, int, int, str]]:
    """Content files as the last build saw them, for those whose mtime can be trusted."""
    value = store.load_value(_state_name(output))
    if not isinstance(value, dict):
        return {}
    try:
        started_ns = int(value["started_ns"])
        return {
            rel: (int(size), int(mtime), int(ctime), str(digest))
            for rel, (size, mtime, ctime, digest) in value["content"].items()
            if trusted(max(int(mtime), int(ctime)), started_ns)
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return {}


def invalidate(store: Store, output: Path) -> None:
    """Forget the last build's record before anything is written: until this build has
    finished and recorded itself, no build may call the output up to date."""
    if store.has_value(_state_name(output)):
        store.save_value(_state_name(output), None)


def record(
    store: Store,
    output: Path,
    settings: str,
    started_ns: int,
    content: Mapping[str, tuple[int, int, int, str]],
    seen: Snapshot,
    next_publication: dt.datetime | None,
    result: Recorded,
) -> None:
    """Remember what this successful build was made from and what it reported.

    `seen` is the content and static folders as the build found them when it started: a
    file changed, added or removed while it ran differs from that next time, and a file
    changed just before has a change time too recent to be trusted.
    """
    store.save_value(
        _state_name(output),
        {
            "settings": settings,
            "started_ns": started_ns,
            "content": {rel: list(v) for rel, v in content.items()},
            "tree": {rel: list(v) for rel, v in seen.content.items()},
            "static": {rel: list(v) for rel, v in seen.static.items()},
            "next_publication": next_publication.isoformat() if next_publication else None,
            "diagnostics": [diagnostic_to_json(d, store.root) for d in result.diagnostics],
            "counts": [result.briefs, result.pages, result.feeds, result.files],
        },
    )


@dataclass(frozen=True, slots=True)
class State:
    """What the last successful build into an output folder recorded of itself."""

    started_ns: int
    content: dict[str, tuple[int, int, int, str]]
    tree: Tree
    static: Tree
    next_publication: dt.datetime | None
    diagnostics: tuple[Diagnostic, ...]
    counts: tuple[int, int, int, int]

    @property
    def known(self) -> dict[str, tuple[int, int, int, str]]:
        """Content files whose recorded digest can be trusted (see `trusted`)."""
        return {rel: v for rel, v in self.content.items() if trusted(max(v[1], v[2]), self.started_ns)}


def recorded_state(store: Store, output: Path, settings: str, options: BuildOptions) -> State | None:
    """The last build's record, if it was made with these settings and is still current:
    None when there is none, it is damaged, or a brief it held back is due now."""
    value: Any = store.load_value(_state_name(output))
    if not isinstance(value, dict) or value.get("settings") != settings:
        return None
    try:
        upcoming = value["next_publication"]
        due = dt.datetime.fromisoformat(upcoming) if upcoming is not None else None
        if due is not None and not options.future and options.now >= due:
            return None
        content = {rel: (int(a), int(b), int(c), str(d)) for rel, (a, b, c, d) in value["content"].items()}
        tree = {rel: (int(a), int(b), int(c)) for rel, (a, b, c) in value["tree"].items()}
        static = {rel: (int(a), int(b), int(c)) for rel, (a, b, c) in value["static"].items()}
        diagnostics = tuple(diagnostic_from_json(d, store.root) for d in value["diagnostics"])
        briefs, pages, feeds, files = (int(n) for n in value["counts"])
        return State(
            int(value["started_ns"]), content, tree, static, due, diagnostics, (briefs, pages, feeds, files)
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None


def up_to_date(
    root: Path, output: Path, settings: str, options: BuildOptions, store: Store, now: Snapshot | None = None
) -> Recorded | None:
    """The last build's report when nothing it was made from has changed, else None.

    `now`: the content and static folders as they are (scanned here if not given)."""
    state = recorded_state(store, output, settings, options)
    if state is None:
        return None
    if now is None:
        now = snapshot(root)
    for current, recorded in ((now.content, state.tree), (now.static, state.static)):
        if current != recorded:
            return None
        if not all(trusted(max(m, c), state.started_ns) for _, m, c in current.values()):
            return None
    manifest = store.load_manifest(output)
    if not manifest or not all_still_as_written(output, manifest):
        return None
    return Recorded(state.diagnostics, *state.counts)


def check_fresh(
    root: Path, overrides: Overrides, options: BuildOptions, start: Start | None = None
) -> Recorded | None:
    """The fast path of a build: the recorded report if the output is up to date, else None."""
    from .config import load_config
    from .theme import locate_theme

    if not options.use_cache:
        return None
    config, _, problems = load_config(root, overrides)
    theme = locate_theme(config)
    if has_errors(problems) or theme.problems:
        return None  # the build reports them
    key = settings_key(config.root, overrides, options, theme.digest)
    now = start.seen if start is not None else None
    return up_to_date(config.root, config.output_dir, key, options, Store(config.cache_dir), now)
