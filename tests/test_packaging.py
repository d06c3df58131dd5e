"""The wheel: it carries the default theme and py.typed, and an installed copy finds its theme."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import CONFIG, brief_text, make_site

REPOSITORY = Path(__file__).resolve().parents[1]
TIMEOUT = 120

pytestmark = pytest.mark.packaging


def pip(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-deps", "--no-index", "--disable-pip-version-check", "-q"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    pip("wheel", "--no-build-isolation", "-w", str(folder), str(REPOSITORY), cwd=folder)
    wheels = sorted(folder.glob("nsnbuild-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site-packages")
    pip("install", "--target", str(target), str(wheel), cwd=target)
    return target


def run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python with the installed copy first on the path and the source tree nowhere on it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "SOURCE_DATE_EPOCH")}
    env["PYTHONPATH"] = str(target)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def test_the_wheel_holds_the_default_theme_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "nsnbuild/py.typed" in names
    theme = REPOSITORY / "themes" / "default"
    shipped = {
        p.relative_to(REPOSITORY / "themes").as_posix()
        for p in theme.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert "default/templates/base.html" in shipped
    assert {f"nsnbuild/themes/{rel}" for rel in shipped} <= names


def test_an_installed_copy_finds_its_own_theme(installed: Path, tmp_path: Path) -> None:
    code = (
        "import json, nsnbuild, nsnbuild.theme as theme\n"
        "folder = theme.default_theme_dir()\n"
        "print(json.dumps({'package': nsnbuild.__file__, 'theme': str(folder),\n"
        "    'templates': sorted(p.name for p in (folder / 'templates').glob('*.html'))}))\n"
    )
    done = run_installed(installed, tmp_path, "-c", code)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["package"]).resolve().is_relative_to(installed.resolve())
    assert Path(found["theme"]).resolve().is_relative_to(installed.resolve())
    assert {"base.html", "brief.html", "list.html", "page.html", "404.html"} <= set(found["templates"])


def test_an_installed_copy_builds_a_site(installed: Path, tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    done = run_installed(
        installed,
        tmp_path,
        "-c",
        "from nsnbuild.cli import main; main()",
        "build",
        "--site",
        str(root),
        "-j",
        "1",
    )
    assert done.returncode == 0, done.stderr
    page = (root / "output" / "briefs/2015/04/28/a/index.html").read_text(encoding="utf-8")
    assert "<h1" in page
    assert (root / "output" / "assets" / "style.css").is_file()
