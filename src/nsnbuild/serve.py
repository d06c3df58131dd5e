"""The development server: build into a temporary folder, serve it, rebuild on change, reload pages.

The site is built into a fresh temporary folder with base_url pointing at the server, and
served by http.server from a thread. The main thread watches the site's sources with
watchfiles and rebuilds in this process (no worker processes: forking while the server
thread runs is unsafe). Open pages poll VERSION_PATH and reload when the number changes.
A failed build is served as an HTML page listing its problems until the next good build.
"""

from __future__ import annotations

import datetime as dt
import html
import mimetypes
import posixpath
import queue
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import Diagnostic, NsnError

VERSION_PATH = "/__nsnbuild/version"
VERSION_MARK = "__NSNBUILD_VERSION__"
WATCHED_FOLDERS = ("content", "themes", "static")
WATCHED_FILES = ("nsnbuild.toml", "sources.toml")

LIVE_RELOAD = (
    '<script data-nsnbuild="live-reload">(function(){var v="' + VERSION_MARK + '";'
    "function poll(){fetch(" + repr(VERSION_PATH).replace("'", '"') + ',{cache:"no-store"})'
    ".then(function(r){return r.ok?r.text():null})"
    ".then(function(t){if(t!==null&&t!==v){location.reload();return}setTimeout(poll,1000)})"
    ".catch(function(){setTimeout(poll,1000)})}"
    "setTimeout(poll,1000)})();</script>\n"
)
"""Inserted before </body> of every served page. The server writes the current build number
in place of VERSION_MARK as it sends the page, so a page knows which build it came from."""


@dataclass(frozen=True, slots=True)
class Failure:
    """The last build failed: what to show instead of pages."""

    diagnostics: tuple[Diagnostic, ...]
    message: str


class ServerState:
    """What the request threads share with the builder: the build number and the last failure."""

    def __init__(self, root: Path, base_path: str) -> None:
        self.root = root.resolve()
        self.base_path = base_path
        self._lock = threading.Lock()
        self._version = 0
        self._failure: Failure | None = None

    def succeeded(self) -> None:
        with self._lock:
            self._version += 1
            self._failure = None

    def failed(self, failure: Failure) -> None:
        with self._lock:
            self._version += 1
            self._failure = failure

    def snapshot(self) -> tuple[int, Failure | None]:
        with self._lock:
            return self._version, self._failure


def error_page(failure: Failure, version: int, show: Callable[[Diagnostic], str]) -> bytes:
    """An HTML page listing the problems of a failed build, with the live-reload script."""
    items = []
    for diagnostic in failure.diagnostics:
        if diagnostic.level == "info":
            continue
        items.append(f'<li class="{diagnostic.level}"><pre>{html.escape(show(diagnostic))}</pre></li>')
    listing = "\n".join(items) or "<li><pre>(no details)</pre></li>"
    script = LIVE_RELOAD.replace(VERSION_MARK, str(version))
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed: nsnbuild</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }}
h1 {{ color: #a40000; }}
ul {{ list-style: none; padding: 0; }}
li {{ border-left: 4px solid #a40000; margin: 1rem 0; padding: .25rem 1rem; background: #fdf2f2; }}
li.warning {{ border-color: #b07000; background: #fdf8ee; }}
pre {{ margin: 0; white-space: pre-wrap; font-size: 14px; }}
</style>
</head>
<body>
<h1>Build failed</h1>
<p>{html.escape(failure.message)}. Fix the problems below and save: this page reloads
by itself when the site builds again.</p>
<ul class="problems">
{listing}
</ul>
{script}</body>
</html>
"""
    return page.encode("utf-8")


def wants_html(path: str) -> bool:
    """True for a request that would get a page: a folder, an .html file or a name without a suffix."""
    name = posixpath.basename(path)
    return path.endswith("/") or name.endswith((".html", ".htm")) or "." not in name


def make_handler(
    state: ServerState, show: Callable[[Diagnostic], str], log: bool
) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to state."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "nsnbuild"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._respond(head=False)

        def do_HEAD(self) -> None:
            self._respond(head=True)

        def log_message(self, format: str, *args: Any) -> None:
            if log:
                super().log_message(format, *args)

        def _send(self, status: HTTPStatus, body: bytes, content_type: str, head: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _redirect(self, location: str, head: bool) -> None:
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()

        def _page(self, data: bytes, version: int) -> bytes:
            return data.replace(VERSION_MARK.encode(), str(version).encode())

        def _not_found(self, version: int, head: bool) -> None:
            page = state.root / "404.html"
            if page.is_file():
                body = self._page(page.read_bytes(), version)
                self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8", head)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)

        def _respond(self, head: bool) -> None:
            raw = urlsplit(self.path).path
            path = unquote(raw)
            version, failure = state.snapshot()
            if path == VERSION_PATH:
                self._send(HTTPStatus.OK, str(version).encode(), "text/plain; charset=utf-8", head)
                return
            if failure is not None and wants_html(path):
                body = error_page(failure, version, show)
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/html; charset=utf-8", head)
                return
            base = state.base_path
            if not path.startswith(base):
                if path + "/" == base or path == "/":
                    self._redirect(base, head)
                else:
                    self._not_found(version, head)
                return
            rel = posixpath.normpath(path[len(base) :]) if path != base else "."
            if rel.startswith("../") or rel == ".." or "\0" in rel:
                self._not_found(version, head)
                return
            target = (state.root / rel).resolve()
            if not target.is_relative_to(state.root):
                self._not_found(version, head)
                return
            if target.is_dir():
                if not path.endswith("/"):
                    self._redirect(raw + "/", head)
                    return
                target = target / "index.html"
            try:
                data = target.read_bytes()
            except OSError:  # not there, or removed by a rebuild since the check above
                self._not_found(version, head)
                return
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind in ("application/json", "application/xml", "image/svg+xml"):
                kind += "; charset=utf-8"
            if target.suffix == ".html":
                data = self._page(data, version)
            self._send(HTTPStatus.OK, data, kind, head)

    return Handler


# ---------------------------------------------------------------- watching


class Watcher:
    """Watches a site's sources; `changes()` waits for the next batch of changed paths.

    Two watchfiles watchers feed one queue: one on the site folder itself, not recursive,
    for nsnbuild.toml, sources.toml and the watched folders appearing or going; one,
    recursive, on the watched folders that exist. The second is restarted when that set changes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._queue: queue.Queue[set[str]] = queue.Queue()
        self._stop = threading.Event()
        self._folders_stop: threading.Event | None = None
        self._folders: tuple[Path, ...] = ()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        names = set(WATCHED_FOLDERS) | set(WATCHED_FILES)
        self._spawn([self.root], False, self._stop, lambda _change, path: Path(path).name in names)
        self._watch_folders()

    def _existing_folders(self) -> tuple[Path, ...]:
        return tuple(self.root / name for name in WATCHED_FOLDERS if (self.root / name).is_dir())

    def _watch_folders(self) -> None:
        from watchfiles import DefaultFilter

        folders = self._existing_folders()
        if folders == self._folders and self._folders_stop is not None:
            return
        if self._folders_stop is not None:
            self._folders_stop.set()
        self._folders = folders
        self._folders_stop = threading.Event()
        if folders:
            self._spawn(list(folders), True, self._folders_stop, DefaultFilter())

    def _spawn(
        self, paths: Sequence[Path], recursive: bool, stop: threading.Event, keep: Callable[[Any, str], bool]
    ) -> None:
        def run() -> None:
            from watchfiles import watch

            for batch in watch(
                *paths,
                watch_filter=keep,
                recursive=recursive,
                stop_event=stop,
                debounce=400,
                step=50,
                raise_interrupt=False,
            ):
                self._queue.put({path for _, path in batch})

        thread = threading.Thread(target=run, name="nsnbuild-watch", daemon=True)
        thread.start()
        self._threads.append(thread)

    def changes(self, timeout: float) -> set[str] | None:
        """The paths changed since the last call, waiting up to timeout seconds; None if nothing."""
        try:
            found = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        # let a burst of saves settle into one rebuild
        while True:
            try:
                found |= self._queue.get(timeout=0.1)
            except queue.Empty:
                break
        self._watch_folders()
        return found

    def stop(self) -> None:
        self._stop.set()
        if self._folders_stop is not None:
            self._folders_stop.set()
        for thread in self._threads:
            thread.join(timeout=2)


def describe_changes(paths: Iterable[str], root: Path) -> str:
    """`content/briefs/x.md` or `3 files` for a terminal line."""
    shown = sorted(paths)
    if len(shown) == 1:
        try:
            return Path(shown[0]).relative_to(root).as_posix()
        except ValueError:
            return shown[0]
    return f"{len(shown)} files"


# ---------------------------------------------------------------- the server as a whole


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What one (re)build gave: diagnostics, and either counts or the reason it failed."""

    diagnostics: tuple[Diagnostic, ...]
    seconds: float
    failure: str | None = None
    briefs: int = 0
    pages: int = 0
    written: int = 0
    removed: int = 0


class DevServer:
    """A site built into a temporary folder, served over HTTP and rebuilt when its sources change."""

    def __init__(
        self,
        root: Path,
        host: str,
        port: int,
        *,
        drafts: bool,
        future: bool,
        now: Callable[[], dt.datetime],
        show: Callable[[Diagnostic], str],
        log_requests: bool = False,
    ) -> None:
        self.root = root.resolve()
        self.host = host
        self.port = port
        self.drafts = drafts
        self.future = future
        self.now = now
        self.show = show
        self.log_requests = log_requests
        self.folder: Path | None = None
        self.state: ServerState | None = None
        self.server: ThreadingHTTPServer | None = None
        self.watcher: Watcher | None = None

    @property
    def origin(self) -> str:
        """`http://HOST:PORT`, with the port the server is listening on."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = self.server.server_address[1] if self.server is not None else self.port
        return f"http://{host}:{port}"

    def base_path(self) -> str:
        from .config import load_config

        config, _, _ = load_config(self.root)
        return config.base_path

    def open(self) -> str:
        """Make the temporary folder, start listening and watching; the site's local URL."""
        self.folder = Path(tempfile.mkdtemp(prefix="nsnbuild-serve-")).resolve()
        self.state = ServerState(self.folder, self.base_path())
        try:
            handler = make_handler(self.state, self.show, self.log_requests)
            self.server = _listen(self.host, self.port, handler)
        except OSError as exc:
            self.close()
            raise NsnError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        thread = threading.Thread(target=self.server.serve_forever, name="nsnbuild-serve", daemon=True)
        thread.start()
        self.watcher = Watcher(self.root)
        self.watcher.start()
        return self.origin + self.state.base_path

    def build(self) -> BuildOutcome:
        """Build the site into the temporary folder; the server shows the result at once."""
        from .build import build_site
        from .config import Overrides
        from .errors import BuildFailed
        from .lock import site_lock
        from .model import BuildOptions
        from .pool import Pool

        assert self.state is not None and self.folder is not None
        started = time.perf_counter()
        base_path = self.base_path()
        overrides = Overrides(base_url=self.origin + base_path, output_dir=self.folder)
        options = BuildOptions(
            drafts=self.drafts, future=self.future, now=self.now(), force=True, live_reload=LIVE_RELOAD
        )
        try:
            with site_lock(self.root / ".nsnbuild-cache"), Pool(1) as workers:
                result = build_site(self.root, overrides, options, workers)
        except BuildFailed as failed:
            outcome = BuildOutcome(failed.diagnostics, time.perf_counter() - started, failed.format_message())
            self.state.failed(Failure(failed.diagnostics, outcome.failure or ""))
            return outcome
        except NsnError as error:
            message = error.format_message()
            self.state.failed(Failure((), message))
            return BuildOutcome((), time.perf_counter() - started, message)
        self.state.base_path = base_path
        self.state.succeeded()
        return BuildOutcome(
            result.diagnostics,
            time.perf_counter() - started,
            None,
            result.briefs,
            result.pages,
            result.written,
            result.removed,
        )

    def changes(self, timeout: float) -> set[str] | None:
        assert self.watcher is not None
        return self.watcher.changes(timeout)

    def close(self) -> None:
        """Stop watching and serving; remove the temporary folder."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.folder is not None:
            from .cache import Store

            Store(self.root / ".nsnbuild-cache").forget_output(self.folder)
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _listen(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    class Server(ThreadingHTTPServer):
        daemon_threads = True
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

        def handle_error(self, request: Any, client_address: Any) -> None:
            # a browser that leaves before the answer is sent is not a problem of the server
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    return Server((host, port), handler)
