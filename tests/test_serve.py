"""`nsnbuild serve` as a real server: rebuild on save, error page, recovery, live reload."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from nsnbuild.cli import main
from nsnbuild.serve import LIVE_RELOAD, VERSION_MARK, wants_html

BRIEF = """\
---
title: "{title}"
date: 2015-04-27
---

Talks went on. [Reuters, 4/26/15]
"""
RELOAD_MARK = 'data-nsnbuild="live-reload"'
DEADLINE = 8.0


def make_site(root: Path) -> Path:
    (root / "content" / "briefs").mkdir(parents=True)
    (root / "nsnbuild.toml").write_text('title = "Served"\nbase_url = "https://example.org/brief/"\n')
    (root / "sources.toml").write_text('["Reuters"]\nurl = "https://www.reuters.com/"\n')
    (root / "content" / "briefs" / "2015-04-27-talks.md").write_text(BRIEF.format(title="First Title"))
    return root


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for(url: str, ok: Callable[[int, str], bool], deadline: float = DEADLINE) -> tuple[int, str]:
    """Fetch url until ok(status, body), or fail after deadline seconds."""
    end = time.monotonic() + deadline
    last: tuple[int, str] = (0, "")
    while time.monotonic() < end:
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            last = fetch(url)
            if ok(*last):
                return last
        time.sleep(0.1)
    raise AssertionError(f"{url} never became ready; last answer {last[0]}:\n{last[1][:2000]}")


def write(path: Path, text: str) -> None:
    """Replace a file the way many editors save: a new file renamed over the old one."""
    temp = path.with_name(path.name + ".tmp~")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path, subprocess.Popen[bytes]]]:
    site = make_site(tmp_path / "site")
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "TMPDIR": str(temp), "SOURCE_DATE_EPOCH": "1500000000", "NO_COLOR": "1"}
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "nsnbuild.cli", "serve", "--site", str(site), "--port", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    try:
        yield f"http://127.0.0.1:{port}", site, temp, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        print(log.read_text())


def test_serve_rebuilds_shows_errors_and_recovers(
    server: tuple[str, Path, Path, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    origin, site, temp, process = server
    base = origin + "/brief/"
    page = base + "briefs/2015/04/27/talks/"
    status, body = wait_for(page, lambda s, b: s == 200)

    # built for the server's address, with the configured path, and the live-reload script
    tree = lxml.html.fromstring(body)
    assert tree.findtext(".//h1").strip() == "First Title"
    hrefs = [a.get("href") for a in tree.iter("a") if a.get("href", "").startswith("http")]
    assert any(h.startswith(base) for h in hrefs)
    assert not any(h.startswith("https://example.org/") for h in hrefs)
    assert RELOAD_MARK in body
    assert VERSION_MARK not in body
    version = fetch(origin + "/__nsnbuild/version")
    assert version[0] == 200 and version[1].isdigit()

    # the site answers under its base path; a folder without index.html is not listed
    assert fetch(origin + "/")[0] == 200  # redirected to /brief/
    status, body = fetch(base + "assets/")
    assert status == 404 and "Page not found" in body
    status, body = fetch(base + "no/such/page/")
    assert status == 404 and "Page not found" in body and RELOAD_MARK in body
    assert fetch(base + "../../etc/passwd")[0] == 404

    # an edit is rebuilt and served
    brief = site / "content" / "briefs" / "2015-04-27-talks.md"
    write(brief, BRIEF.format(title="Second Title"))
    wait_for(page, lambda s, b: s == 200 and "Second Title" in b)
    # and open pages learn of it: the build number goes up once the build is done
    wait_for(origin + "/__nsnbuild/version", lambda s, b: int(b) > int(version[1]))

    # a broken brief gives a page listing the problem, for every HTML request
    write(brief, BRIEF.format(title="Third Title").replace('title: "Third Title"', "title: [broken"))
    status, body = wait_for(page, lambda s, b: s == 500)
    problems = lxml.html.fromstring(body).xpath('//ul[@class="problems"]/li')
    assert len(problems) == 1
    text = problems[0].text_content()
    assert "site/content/briefs/2015-04-27-talks.md:3:5: error: invalid YAML in front matter" in text
    assert RELOAD_MARK in body
    assert fetch(base)[0] == 500
    assert fetch(base + "assets/style.css")[0] == 200  # the last good build's files still serve

    # fixed, the page is back
    write(brief, BRIEF.format(title="Fourth Title"))
    status, body = wait_for(page, lambda s, b: s == 200 and "Fourth Title" in b)

    # the site's config is watched too
    config = site / "nsnbuild.toml"
    config.write_text(config.read_text().replace('"Served"', '"Renamed Site"'))
    wait_for(base, lambda s, b: s == 200 and "Renamed Site" in b)

    # Ctrl-C stops cleanly and removes the temporary folder
    assert process.poll() is None
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert list(temp.iterdir()) == []
    assert not (site / "output").exists()


def test_build_output_never_has_the_live_reload_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "--site", str(site)])
    assert result.exit_code == 0, result.output
    pages = list((site / "output").rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        text = path.read_text()
        assert RELOAD_MARK not in text and "__nsnbuild" not in text


def test_a_port_in_use_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--site", str(site), "--port", str(port)])
    assert result.exit_code == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert not list(tmp_path.glob("nsnbuild-serve-*"))


def test_the_live_reload_script_is_small_and_inline() -> None:
    assert LIVE_RELOAD.startswith("<script") and "src=" not in LIVE_RELOAD
    assert len(LIVE_RELOAD) < 600
    assert "/__nsnbuild/version" in LIVE_RELOAD and "location.reload()" in LIVE_RELOAD


@pytest.mark.parametrize(
    ("path", "html"),
    [("/", True), ("/brief/tags/", True), ("/about", True), ("/x/index.html", True), ("/a/style.css", False)],
)
def test_which_requests_want_a_page(path: str, html: bool) -> None:
    assert wants_html(path) is html
