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
