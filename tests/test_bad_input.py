"""Bad input is a user error, never a traceback: `path:line:col: error: message`, every problem
at once, exit code 1, and the previous output left as it was.

Each test breaks one thing a site author could break (a theme template that fails while it
renders, a URL Python cannot parse, a symlink loop, a file or folder that cannot be read) and
checks what the build and `check` say about it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


DROP = "-dac_override,-dac_read_search"


def unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    """`nsnbuild args` in a new process that file permissions apply to: as this user, or, for
    root, under setpriv without the capabilities that let root read and write anything."""
    command = [sys.executable, "-m", "nsnbuild.cli", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root is not kept out of unreadable files without setpriv")
        command = ["setpriv", "--bounding-set", DROP, "--inh-caps", DROP, *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.stderr.startswith("setpriv:"):
        pytest.skip(f"setpriv cannot drop capabilities here: {result.stderr.strip()}")
    return result


def failed_with(result: subprocess.CompletedProcess[str], *errors: str) -> None:
    """The command failed with exit code 1, printing exactly these errors and no traceback."""
    assert result.returncode == 1, result.stderr
    printed = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert printed == list(errors), result.stderr
    assert "Traceback" not in result.stderr


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


def test_a_template_that_names_one_the_theme_lacks_is_an_error_at_that_line(tmp_path: Path) -> None:
    root = site(tmp_path)
    templates = root / "themes/mine/templates"
    insert_line(templates / "404.html", 1, '{% from "macros.html" import x %}')
    insert_line(templates / "page.html", 2, '{% include "nope.html" %}')
    # a list with one template the theme has, and a missing one that may be missing, are fine
    insert_line(templates / "page.html", 3, '{% include ["x.html", "base.html"] %}')
    insert_line(templates / "page.html", 4, '{% include "gone.html" ignore missing %}')
    insert_line(templates / "terms.html", 2, '{% include ["a.html", "b.html"] %}')
    assert errors_of(root) == [
        "themes/mine/templates/404.html:1:1: error: template 'macros.html' not found in the theme",
        "themes/mine/templates/page.html:2:1: error: template 'nope.html' not found in the theme",
        "themes/mine/templates/terms.html:2:1: error: "
        "none of the templates 'a.html', 'b.html' is in the theme",
    ]
    assert not (root / "output").exists()


def test_a_template_name_worked_out_as_it_renders_is_reported_where_it_is_used(tmp_path: Path) -> None:
    root = site(tmp_path)
    insert_line(root / "themes/mine/templates/brief.html", 3, '{% include brief.title ~ ".html" %}')
    assert errors_of(root) == [
        "themes/mine/templates/brief.html:3:1: error: template 'A0.html' not found in the theme"
    ]


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
        ("https://[::1]x/", "'x' follows its IPv6 host '[::1]'"),
        ("https://[::1]]/", "']' follows its IPv6 host '[::1]'"),
        (
            "https://example\uff0forg/",
            "its host cannot be read (netloc 'example\uff0forg' contains invalid characters"
            " under NFKC normalization)",
        ),
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
    for number, url in enumerate(("https://[::1]:8443/news/", "http://example.org:8080/", "http://[::1]/")):
        root = make_site(tmp_path / str(number), {"nsnbuild.toml": f'base_url = "{url}"\n'})
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
        "content/briefs/a.md:9:9: error: 'photo.src' must be a path under static/ or an http(s) URL, "
        "not 'https://example.org:0/x.png' (its port '0' is not a number from 1 to 65535)",
    ]


# ---------------------------------------------------------------- symlink loops


@pytest.mark.parametrize("place", ["static/loop", "content/briefs/loop.md", "static/sub/two.css"])
def test_a_symlink_loop_is_an_error_like_a_broken_symlink(tmp_path: Path, place: str) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    build(root)
    before = tree(root / "output")
    link = root / place
    link.parent.mkdir(parents=True, exist_ok=True)
    if place.endswith("two.css"):
        (link.parent / "one.css").symlink_to("two.css")  # round through two links
        link.symlink_to("one.css")
        expected = [f"{p}: error: {LOOP}" for p in ("static/sub/one.css", "static/sub/two.css")]
    else:
        link.symlink_to(link.name)
        expected = [f"{place}: error: {LOOP}"]
    assert errors_of(root) == expected
    assert tree(root / "output") == before
    checked = cli("check", "--site", str(root))
    assert checked.exit_code == 1
    assert f"error: {LOOP}" in checked.output


LOOP = "symlink loop: the link leads back to itself, never to a file"


# ---------------------------------------------------------------- files and folders that cannot be read


def test_unreadable_static_files_and_folders_are_errors(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "nsnbuild.toml": CONFIG,
            "content/briefs/a.md": brief_text(),
            "static/secret.txt": "x",
            "static/sub/map.png": "x",
            "static/open.txt": "x",
        },
    )
    assert unprivileged("build", "--site", str(root), "-q").returncode == 0
    before = tree(root / "output")
    (root / "static/secret.txt").chmod(0)
    (root / "static/sub").chmod(0)
    try:
        for command in ("build", "check"):
            failed_with(
                unprivileged(command, "--site", str(root)),
                f"{root / 'static/secret.txt'}: error: cannot read file: Permission denied",
                f"{root / 'static/sub'}: error: cannot read folder: Permission denied",
            )
    finally:
        (root / "static/secret.txt").chmod(0o644)
        (root / "static/sub").chmod(0o755)
    assert tree(root / "output") == before


def test_theme_files_that_cannot_be_read_are_errors(tmp_path: Path) -> None:
    root = site(tmp_path)
    build(root)
    before = tree(root / "output")
    templates, assets = root / "themes/mine/templates", root / "themes/mine/assets"
    assets.mkdir()
    (templates / "gone.html").symlink_to("no-such.html")
    (templates / "loop.html").symlink_to("loop.html")
    (assets / "gone.css").symlink_to("no-such.css")
    (templates / "page.html").write_bytes(b"\xff\xfe{{ x }}")
    assert errors_of(root) == [
        "themes/mine/assets/gone.css: error: broken symlink",
        "themes/mine/templates/gone.html: error: broken symlink",
        f"themes/mine/templates/loop.html: error: {LOOP}",
        "themes/mine/templates/page.html:1:1: error: "
        "file is not valid UTF-8 (byte 0xff here); save it as UTF-8",
    ]
    assert tree(root / "output") == before
    checked = cli("check", "--site", str(root))
    assert checked.exit_code == 1
    assert "page.html:1:1: error: file is not valid UTF-8 (byte 0xff here)" in checked.output


def test_theme_files_and_folders_without_permission_are_errors(tmp_path: Path) -> None:
    root = site(tmp_path)
    (root / "themes/mine/assets").mkdir()
    (root / "themes/mine/assets/style.css").write_text("body {}\n")
    assert unprivileged("build", "--site", str(root), "-q").returncode == 0
    before = tree(root / "output")
    locked = [root / "themes/mine/templates/page.html", root / "themes/mine/assets/style.css"]
    for path in locked:
        path.chmod(0)
    try:
        for command in ("build", "check"):
            failed_with(
                unprivileged(command, "--site", str(root)),
                f"{locked[1]}: error: cannot read file: Permission denied",
                f"{locked[0]}: error: cannot read file: Permission denied",
            )
        locked[0].chmod(0o644)
        locked.append(root / "themes/mine/templates")
        locked[2].chmod(0)
        # the default theme's templates are not used in its place without a word
        failed_with(
            unprivileged("build", "--site", str(root)),
            f"{locked[1]}: error: cannot read file: Permission denied",
            f"{locked[2]}: error: cannot read folder: Permission denied",
        )
    finally:
        for path in locked:
            path.chmod(0o755)
    assert tree(root / "output") == before


@pytest.mark.parametrize("name", ["nsnbuild.toml", "sources.toml"])
def test_a_config_file_that_is_a_folder_is_an_error(tmp_path: Path, name: str) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    assert cli("build", "--site", str(root), "-q").exit_code == 0
    before = tree(root / "output")
    (root / name).unlink(missing_ok=True)
    (root / name).mkdir()
    for command in ("build", "check"):
        result = cli(command, "--site", str(root))
        assert result.exit_code == 1, result.output
        assert f"{name}: error: cannot read file: Is a directory" in result.output
    assert tree(root / "output") == before


def test_an_unreadable_nsnbuild_toml_is_an_error_for_build_as_for_check(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    assert unprivileged("build", "--site", str(root), "-q").returncode == 0
    (root / "nsnbuild.toml").chmod(0)
    try:
        for command in ("build", "check"):
            failed_with(
                unprivileged(command, "--site", str(root)),
                f"{root / 'nsnbuild.toml'}: error: cannot read file: Permission denied",
            )
    finally:
        (root / "nsnbuild.toml").chmod(0o644)


@pytest.mark.parametrize("locked", ["output", "output/briefs"])
def test_an_output_folder_that_cannot_be_read_or_written_is_an_error(tmp_path: Path, locked: str) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    assert unprivileged("build", "--site", str(root), "-q").returncode == 0
    (root / "content/briefs/b.md").write_text(brief_text(title="B"))
    (root / locked).chmod(0)
    try:
        result = unprivileged("build", "--site", str(root))
    finally:
        (root / locked).chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: cannot write the site into {root / 'output'}: " in result.stderr
    assert result.stderr.rstrip().endswith("Permission denied")
    assert not (root / "output/briefs/2015/04/28/b").exists()


def test_a_file_in_the_place_of_the_cache_is_left_alone_and_named(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    (root / ".nsnbuild-cache").write_text("my notes\n")
    for command in (("build",), ("check",), ("build", "--no-cache")):
        result = cli(*command, "--site", str(root))
        assert result.exit_code == 1, result.output
        assert (
            f"error: {root / '.nsnbuild-cache'} is not a folder; nsnbuild keeps "
            "its build cache and lock there: move it away"
        ) in result.output
        assert "Traceback" not in result.output
    assert (root / ".nsnbuild-cache").read_text() == "my notes\n"
    assert not (root / "output").exists()


@pytest.mark.parametrize("mode", [0, 0o500])
def test_a_cache_without_permissions_is_made_anew_with_a_note(tmp_path: Path, mode: int) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    assert unprivileged("build", "--site", str(root), "-q").returncode == 0
    before = tree(root / "output")
    (root / ".nsnbuild-cache" / "sub").mkdir()
    (root / ".nsnbuild-cache" / "sub").chmod(0)
    # a link to the user's own folder: removed, never followed
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("keep")
    mine.chmod(0o755)
    (root / ".nsnbuild-cache" / "link").symlink_to(mine)
    (root / ".nsnbuild-cache").chmod(mode)
    note = f"nsnbuild: the build cache {root / '.nsnbuild-cache'} could not be used (Permission denied)"
    checked = unprivileged("check", "--format", "json", "--strict", "--site", str(root))
    # not a problem of the site: a note beside the report, which stays clean
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "[]"
    assert note in checked.stderr
    built = unprivileged("build", "--site", str(root))
    assert built.returncode == 0, built.stderr
    assert "could not be used" not in built.stderr
    assert tree(root / "output") == before
    assert (root / ".nsnbuild-cache/cache.sqlite").is_file()
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".nsnbuild")) == [".nsnbuild-cache"]
    assert (mine / "keep.txt").read_text() == "keep" and oct(mine.stat().st_mode & 0o777) == "0o755"


def test_a_folder_in_the_place_of_the_cache_database_is_made_anew(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    build(root)
    before = tree(root / "output")
    database = root / ".nsnbuild-cache/cache.sqlite"
    database.unlink()
    (database / "inside").mkdir(parents=True)
    build(root)
    assert database.is_file()
    assert tree(root / "output") == before


def test_an_error_inside_nsnbuild_called_from_a_template_is_not_blamed_on_the_template(
    tmp_path: Path,
) -> None:
    import jinja2

    from nsnbuild.slugs import slugify
    from nsnbuild.theme import TemplateProblem, render_template

    (tmp_path / "mine.html").write_text("{{ 1 // 0 }}\n")
    (tmp_path / "ours.html").write_text("{{ 5 | slug }}\n")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path), autoescape=True)
    env.filters["slug"] = slugify.__wrapped__
    with pytest.raises(TemplateProblem) as blamed:
        render_template(env, "mine.html", {})
    assert blamed.value.diagnostic.message.startswith("template error: ZeroDivisionError")
    # the template handed nsnbuild's code a value it did not expect: nsnbuild's fault, shown so
    with pytest.raises(AttributeError):
        render_template(env, "ours.html", {})


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http:/\t/[::1/", UNCLOSED),
        ("http:/\n/exa mple.org/", "its host 'exa mple.org' contains a space"),
        ("ht\ttp://[zz]/", "its host '[zz]' is not an IPv6 address"),
    ],
)
def test_a_tab_or_line_break_in_a_url_is_dropped_before_it_is_judged(url: str, why: str) -> None:
    # as browsers and urlsplit do: 'http:/<tab>/[::1/' is 'http://[::1/'
    from nsnbuild.texts import host_problem, http_url_problem, normalise_base_url

    assert host_problem(url) == why
    assert http_url_problem(url) == why
    assert normalise_base_url(url) is None


def test_a_failing_card_template_is_reported_beside_other_errors_when_the_site_is_planned(
    tmp_path: Path,
) -> None:
    root = site(tmp_path, briefs=2)
    insert_line(root / "themes/mine/templates/partials/card.html", 1, "{{ 1 // 0 }}")
    (root / "content/briefs/broken.md").write_text(brief_text(date="2015-02-30"))
    (root / "static").mkdir()
    (root / "static/feed.xml").write_text("<rss/>")  # a static file: the site is planned to place it
    assert errors_of(root) == [
        "content/briefs/broken.md:3:1: error: date '2015-02-30' is not a day in the calendar: "
        "February 2015 has 28 days",
        "themes/mine/templates/partials/card.html:1:1: error: template error: "
        "ZeroDivisionError: integer division or modulo by zero",
    ]


def test_a_link_in_the_place_of_the_cache_is_refused_and_what_it_leads_to_is_kept(
    tmp_path: Path,
) -> None:
    root = make_site(tmp_path / "site", {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("mine")
    (root / ".nsnbuild-cache").symlink_to(elsewhere)
    for command in ("build", "check", "clean"):
        result = cli(command, "--site", str(root))
        assert result.exit_code == 1, result.output
        assert f"error: {root / '.nsnbuild-cache'} is a link; nsnbuild keeps" in result.output
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]
    assert not (root / "output").exists()


def test_a_link_in_the_place_of_the_lock_is_never_followed(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"nsnbuild.toml": CONFIG, "content/briefs/a.md": brief_text()})
    (root / ".nsnbuild-cache").mkdir()
    outside = tmp_path / "created-outside"
    (root / ".nsnbuild-cache/lock").symlink_to(outside)
    result = cli("build", "--site", str(root))
    assert result.exit_code == 0, result.output
    assert "could not be used" in result.output
    assert not outside.exists()
    assert (root / ".nsnbuild-cache/lock").is_file() and not (root / ".nsnbuild-cache/lock").is_symlink()
