"""The Jinja2 theme: a site's own theme folder over the default one, file by file."""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import stat
import traceback
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .discover import link_problem
from .errors import Diagnostic, SourcePos, line_of
from .model import SiteConfig
from .texts import undecodable

if TYPE_CHECKING:
    import jinja2

TEMPLATES = "templates"
ASSETS = "assets"


def default_theme_dir() -> Path:
    """The default theme: inside the installed package, or at the top of a source checkout."""
    packaged = Path(str(importlib.resources.files("nsnbuild"))) / "themes" / "default"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes" / "default"


@dataclass(frozen=True, slots=True)
class Theme:
    """Where templates and assets come from, in lookup order; a digest of all of them, and
    one of the assets alone (the version in asset URLs, which changes only when they do).

    `problems`: files and folders of the theme that cannot be read (the build fails on
    them); `unreadable`: the names of the templates among them, which are not compiled."""

    template_dirs: tuple[Path, ...]
    assets: tuple[tuple[str, Path], ...]
    digest: str
    assets_digest: str
    problems: tuple[Diagnostic, ...] = ()
    unreadable: frozenset[str] = frozenset()


def _files(folder: Path, problems: list[Diagnostic]) -> list[tuple[str, Path]]:
    """The files under folder (not under its hidden folders), sorted; a folder that cannot be
    read, a broken symlink and a symlink loop are problems, never left out without a word."""

    def unreadable(exc: OSError) -> None:
        message = f"cannot read folder: {exc.strerror}"
        problems.append(Diagnostic("error", message, SourcePos(Path(exc.filename or folder))))

    found: list[tuple[str, Path]] = []
    if not _is_folder(folder, problems):
        return found
    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            problem = link_problem(path, None, "read") if path.is_symlink() else None
            if problem is not None:
                problems.append(Diagnostic("error", problem, SourcePos(path)))
            else:
                found.append((path.relative_to(folder).as_posix(), path))
    return found


def _is_folder(path: Path, problems: list[Diagnostic]) -> bool:
    """Whether path is a folder; one that may be there but cannot be looked at is a problem."""
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        problems.append(Diagnostic("error", f"cannot read folder: {exc.strerror}", SourcePos(path.parent)))
        return False


def _read(path: Path, problems: list[Diagnostic], text: bool) -> bytes | None:
    """A theme file's bytes (templates: only if they are UTF-8), or None and a problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Diagnostic("error", f"cannot read file: {exc.strerror}", SourcePos(path)))
        return None
    if text:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, column, message = undecodable(data, exc.start)
            problems.append(Diagnostic("error", message, SourcePos(path, line, column)))
            return None
    return data


def locate_theme(config: SiteConfig) -> Theme:
    """The theme folders for config.theme, falling back to the default theme."""
    default = default_theme_dir()
    roots = [default]
    if config.theme != "default":
        roots.insert(0, config.root / "themes" / config.theme)
    problems: list[Diagnostic] = []
    template_dirs = tuple(root / TEMPLATES for root in roots if _is_folder(root / TEMPLATES, problems))
    assets: dict[str, Path] = {}
    for root in reversed(roots):
        assets.update(_files(root / ASSETS, problems))
    templates = hashlib.blake2b(digest_size=16)
    for place, folder in enumerate(template_dirs):
        # the folder's place in the lookup order, not its path: a copy of the site digests alike
        for rel, path in _files(folder, problems):
            templates.update(f"{place}:{rel}\0".encode())
            data = _read(path, problems, text=True)
            templates.update(data if data is not None else b"\0unreadable")
    unreadable = {
        d.pos.path.relative_to(folder).as_posix()
        for folder in template_dirs
        for d in problems
        if d.pos is not None and d.pos.path.is_relative_to(folder)
    }
    files = hashlib.blake2b(digest_size=16)
    for rel, path in sorted(assets.items()):
        files.update(f"{rel}\0".encode())
        data = _read(path, problems, text=False)
        files.update(data if data is not None else b"\0unreadable")
    both = hashlib.blake2b(f"{templates.hexdigest()}{files.hexdigest()}".encode(), digest_size=16)
    return Theme(
        template_dirs,
        tuple(sorted(assets.items())),
        both.hexdigest(),
        files.hexdigest(),
        tuple(problems),
        frozenset(unreadable),
    )


def make_environment(theme: Theme) -> jinja2.Environment:
    import jinja2

    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in theme.template_dirs])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    return env


class TemplateProblem(Exception):
    """A template that cannot be compiled or rendered, as a positioned diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _template_path(env: jinja2.Environment, name: str | None, filename: str | None) -> Path | None:
    import jinja2

    if filename:
        return Path(filename)
    if name is None or env.loader is None:
        return None
    try:
        _, path, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return None
    return Path(path) if path else None


def _diagnostic(path: Path | None, line: int | None, message: str) -> Diagnostic:
    source = None
    if path is not None and line is not None:
        try:
            source = line_of(path.read_text(encoding="utf-8"), line)
        except OSError:
            source = None
    pos = SourcePos(path, line, 1 if line else None) if path is not None else None
    return Diagnostic("error", message, pos, source)


def check_templates(
    env: jinja2.Environment, required: tuple[str, ...], unreadable: Collection[str] = ()
) -> list[Diagnostic]:
    """Compile every template of the theme; report syntax errors and missing templates.

    `unreadable`: templates that cannot be read, already reported (Theme.problems)."""
    import jinja2

    problems: list[Diagnostic] = []
    known = set(env.list_templates())
    for name in sorted((known | set(required)) - set(unreadable)):
        try:
            template = env.get_template(name)
            problems += _missing_references(env, template.filename, known)
        except jinja2.TemplateSyntaxError as exc:
            path = _template_path(env, exc.name, exc.filename)
            problems.append(_diagnostic(path, exc.lineno, f"template syntax error: {exc.message}"))
        except jinja2.TemplateNotFound as exc:
            problems.append(Diagnostic("error", f"template '{exc.name}' not found in the theme"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Diagnostic("error", f"cannot read template '{name}': {exc}"))
    return problems


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; any template error becomes a TemplateProblem naming file and line."""
    import jinja2

    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        path = _template_path(env, exc.name, exc.filename)
        raise TemplateProblem(_diagnostic(path, exc.lineno, f"template syntax error: {exc.message}")) from exc
    except jinja2.TemplateNotFound as exc:
        # named by a template (an include or extends worked out as it renders): there
        path, line = _template_frame(env, exc)
        message = f"template '{exc.name}' not found in the theme"
        raise TemplateProblem(_diagnostic(path, line, message)) from exc
    except jinja2.TemplateError as exc:
        path, line = _template_frame(env, exc)
        raise TemplateProblem(_diagnostic(path, line, f"template error: {exc}")) from exc
    except (OSError, UnicodeDecodeError) as exc:
        # a template that could be read when the build started, and no longer can
        raise TemplateProblem(Diagnostic("error", f"cannot read template '{name}': {exc}")) from exc
    except Exception as exc:
        # a Python error raised by the template's own code (`1 // 0`, `"%d" % "x"`): the
        # template is at fault when a theme file is on the way to it and nsnbuild's own code
        # is not beyond it (there, the fault is nsnbuild's, and shown as such)
        path, line = _template_frame(env, exc)
        if path is None or _beyond_in_nsnbuild(exc, path):
            raise
        raise TemplateProblem(
            _diagnostic(path, line, f"template error: {type(exc).__name__}: {exc}")
        ) from exc


def _missing_references(env: jinja2.Environment, filename: str | None, known: set[str]) -> list[Diagnostic]:
    """Templates that a template extends, includes or imports by name, and that the theme
    lacks: each reported at the line that names it (a name worked out as the template
    renders is found then)."""
    from jinja2 import nodes

    if filename is None:
        return []
    path = Path(filename)
    kinds = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
    problems = []
    for node in env.parse(path.read_text(encoding="utf-8")).find_all(kinds):
        if not isinstance(node, kinds) or (isinstance(node, nodes.Include) and node.ignore_missing):
            continue
        named = node.template
        names = [named] if isinstance(named, nodes.Const) else getattr(named, "items", [])
        values = [n.value for n in names if isinstance(n, nodes.Const) and isinstance(n.value, str)]
        if values and len(values) == len(names) and not known.intersection(values):
            if len(values) == 1:
                message = f"template '{values[0]}' not found in the theme"
            else:
                message = "none of the templates '" + "', '".join(values) + "' is in the theme"
            problems.append(_diagnostic(path, node.lineno, message))
    return problems


def _template_frame(env: jinja2.Environment, exc: BaseException) -> tuple[Path | None, int | None]:
    """The innermost template file and line in an exception's traceback."""
    dirs = [str(d) for loader in _loaders(env) for d in loader.searchpath]
    found: tuple[Path | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if any(frame.filename.startswith(d) for d in dirs):
            found = (Path(frame.filename), frame.lineno)
    return found


def _beyond_in_nsnbuild(exc: BaseException, template: Path) -> bool:
    """Whether nsnbuild's own code ran between the template's last frame and the error."""
    frames = traceback.extract_tb(exc.__traceback__)
    last = max(i for i, frame in enumerate(frames) if Path(frame.filename) == template)
    package = str(Path(__file__).parent)
    return any(frame.filename.startswith(package) for frame in frames[last + 1 :])


def _loaders(env: jinja2.Environment) -> list[jinja2.FileSystemLoader]:
    import jinja2

    loader = env.loader
    if isinstance(loader, jinja2.ChoiceLoader):
        return [x for x in loader.loaders if isinstance(x, jinja2.FileSystemLoader)]
    return [loader] if isinstance(loader, jinja2.FileSystemLoader) else []
