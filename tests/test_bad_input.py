"""Bad input is a user error, never a traceback: `path:line:col: error: message`, every problem
at once, exit code 1, and the previous output left as it was.

Each test breaks one thing a site author could break (a theme template that fails while it
renders, a URL Python cannot parse, a symlink loop, a file or folder that cannot be read) and
checks what the build and `check` say about it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import CONFIG, brief_text, build, errors_of, make_site, options, tree

from nsnbuild.build import build_site
from nsnbuild.cli import main
from nsnbuild.config import Overrides
from nsnbuild.errors import BuildFailed
from nsnbuild.pool import SERIAL_BELOW, Pool
from nsnbuild.theme import default_theme_dir

THEME = 'theme = "mine"\n'


def site(tmp_path: Path, config: str = CONFIG, briefs: int = 1) -> Path:
    """A site of `briefs` briefs with its own theme, a copy of the default templates."""
    files = {"nsnbuild.toml": config + THEME}
    for number in range(briefs):
        files[f"content/briefs/b{number:03d}.md"] = brief_text(title=f"A{number}", date="2015-01-01")
    root = make_site(tmp_path, files)
    shutil.copytree(default_theme_dir() / "templates", root / "themes/mine/templates")
    return root


def insert_line(path: Path, number: int, text: str) -> None:
    """Put `text` in as line `number` of the file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(number - 1, text)
    path.write_text("\n".join(lines), encoding="utf-8")


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="nsnbuild")


def cannot_read(path: Path) -> bool:
    """chmod 000 on path, and True when this process is then really kept out of it
    (root is not, unless it runs without its file capabilities)."""
    path.chmod(0)
    try:
        if path.is_dir():
            os.listdir(path)
        else:
            path.open("rb").close()
    except PermissionError:
        return True
    path.chmod(0o755)
    return False


# ---------------------------------------------------------------- templates that fail at render time


@pytest.mark.parametrize(
    ("template", "line", "code", "message"),
    [
        ("list.html", 3, "{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
        ("404.html", 3, '{{ "%d" % "x" }}', "TypeError: %d format: a real number is required, not str"),
        (
            "base.html",
            5,
            "{{ 1 + site.title }}",
            "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
        ),
        ("brief.html", 3, "{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
        ("terms.html", 3, "{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
        ("archive.html", 3, "{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
        ("partials/card.html", 1, "{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
    ],
)
def test_a_python_error_in_a_template_is_reported_at_its_line(
    tmp_path: Path, template: str, line: int, code: str, message: str
) -> None:
    root = site(tmp_path)
    build(root)
    before = tree(root / "output")
    insert_line(root / "themes/mine/templates" / template, line, code)
    assert errors_of(root) == [f"themes/mine/templates/{template}:{line}:1: error: template error: {message}"]
    assert tree(root / "output") == before
    checked = cli("check", "--site", str(root))
    assert checked.exit_code == 1
    assert f"templates/{template}:{line}:1: error: template error: {message}" in checked.output
    assert "internal error" not in checked.output


def test_a_python_error_in_a_template_is_reported_from_worker_processes(tmp_path: Path) -> None:
    root = site(tmp_path, briefs=SERIAL_BELOW + 2)
    insert_line(root / "themes/mine/templates/brief.html", 3, "{{ 1 // 0 }}")
    with Pool(2) as workers, pytest.raises(BuildFailed) as failed:
        build_site(root, Overrides(), options(jobs=2), workers)
    errors = [d.format(root).splitlines()[0] for d in failed.value.diagnostics if d.level == "error"]
    assert errors == [
        "themes/mine/templates/brief.html:3:1: error: template error: "
        "ZeroDivisionError: integer division or modulo by zero"
    ]
    assert not (root / "output").exists()
    result = cli("build", "--site", str(root), "--jobs", "2")
    assert result.exit_code == 1
    assert "brief.html:3:1: error: template error: ZeroDivisionError" in result.output


# ---------------------------------------------------------------- URLs Python cannot take apart

UNCLOSED = "the '[' that opens its IPv6 host is never closed"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://[::1/", UNCLOSED),
        ("https://[zz]/", "its host '[zz]' is not an IPv6 address"),
        ("https://exa mple.org/", "its host 'exa mple.org' contains a space"),
        ("https://example.org:99999/", "its port '99999' is not a number from 1 to 65535"),
        ("https://example.org:http/", "its port 'http' is not a number from 1 to 65535"),
    ],
)
def test_a_base_url_with_a_bad_host_or_port_is_an_error(tmp_path: Path, url: str, why: str) -> None:
    root = make_site(
        tmp_path, {"nsnbuild.toml": f'base_url = "{url}"\n', "content/briefs/a.md": brief_text()}
    )
    assert errors_of(root) == [
        f"nsnbuild.toml:1:1: error: 'base_url' must be an absolute http(s) URL, not '{url}' ({why})"
    ]
    result = cli("build", "--site", str(root), "--base-url", url)
    assert result.exit_code == 2
    assert f"'{url}' is not an absolute http(s) URL ({why})" in result.output


def test_an_ipv6_host_and_a_port_are_accepted_in_base_url(tmp_path: Path) -> None:
    for url in ("https://[::1]:8443/news/", "http://example.org:8080/"):
        root = make_site(tmp_path / str(len(url)), {"nsnbuild.toml": f'base_url = "{url}"\n'})
        assert build(root).config.base_url == url


def test_publisher_and_registry_urls_with_a_bad_host_are_errors(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG + '[publisher]\nurl = "https://[::1/"\n',
            "sources.toml": '[Reuters]\nurl = "https://[::1/"\n',
            "content/briefs/a.md": brief_text(),
        },
    )
    assert errors_of(root) == [
        f"nsnbuild.toml:4:1: error: 'publisher.url' must be an http(s) URL, not 'https://[::1/' ({UNCLOSED})",
        f"sources.toml:2:1: error: 'url' of source 'Reuters' must be an http(s) URL ({UNCLOSED})",
    ]


def test_front_matter_urls_with_a_bad_host_are_errors(tmp_path: Path) -> None:
    extra = (
        'sources:\n  - name: X\n    date: 2015-01-01\n    url: "https://[::1/"\n'
        'photo:\n  src: "https://example.org:0/x.png"\n'
    )
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text(extra=extra)})
    assert errors_of(root) == [
        f"content/briefs/a.md:7:1: error: 'url' of sources entry 1 must be an http(s) URL, "
        f"not 'https://[::1/' ({UNCLOSED})",
        "content/briefs/a.md:9:1: error: 'photo.src' must be a path under static/ or an http(s) URL, "
        "not 'https://example.org:0/x.png' (its port '0' is not a number from 1 to 65535)",
    ]
