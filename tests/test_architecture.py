"""Imports run one way: every module of src/nsnbuild sits in a layer and imports only below it.

Every import counts, wherever it is written: at the top of a module, inside a function, or
under `if TYPE_CHECKING:`. Modules in one layer do not import each other unless the pair is
listed in SIBLINGS_ALLOWED. A new module must be given a layer here before it can be added.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "nsnbuild"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("records",),
    ("__init__", "errors", "model", "slugs", "pool", "texts"),
    ("lock", "tomlfile"),
    ("config",),
    ("scalars", "yamlload"),
    ("discover", "yamlfront"),
    ("frontcheck",),
    ("content",),
    ("citations",),
    ("markdown",),
    ("resolve",),
    ("prepsettings",),
    ("render",),
    ("site", "views"),
    ("cachedata",),
    ("cache", "theme", "linking", "sitemap", "metadata", "feedformats", "output"),
    ("pages", "feeds"),
    ("plan", "freshness"),
    ("workers",),
    ("writer",),
    ("incremental",),
    ("build",),
    ("serve", "scaffold", "report"),
    ("terminal",),
    ("authoring",),
    ("cli", "__main__"),
)
LAYER_OF = {name: number for number, names in enumerate(LAYERS) for name in names}
# (importer, imported) pairs of one layer that may import each other; none so far.
SIBLINGS_ALLOWED: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Arrow:
    """One import of an nsnbuild module by another, where it is written."""

    importer: str
    imported: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.importer} imports {self.imported}"


def unit_of(module: str) -> str:
    """The layer unit of a dotted module name under nsnbuild: 'citations' for the whole package."""
    parts = module.split(".")
    assert parts[0] == "nsnbuild", module
    return "__init__" if len(parts) == 1 else parts[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    base = PACKAGE.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, source: str | None = None) -> list[tuple[str, int]]:
    """The nsnbuild modules a file imports (dotted names), with the line of each import.

    `source`, when given, is read as if it were the text of the file at path.
    """
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    text = path.read_text(encoding="utf-8") if source is None else source
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [
                (alias.name, node.lineno) for alias in node.names if alias.name.split(".")[0] == "nsnbuild"
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "nsnbuild":
                continue
            for alias in node.names:
                # `from . import render` imports a module; `from . import __version__` a name
                candidate = f"{base}.{alias.name}"
                found.append((candidate if is_module(candidate) else base, node.lineno))
    return list(dict.fromkeys(found))


def all_arrows() -> list[Arrow]:
    arrows = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = unit_of(module_name(path))
        for imported, line in imports_of(path):
            target = unit_of(imported)
            if target != importer:
                arrows.append(Arrow(importer, target, path.relative_to(PACKAGE.parent).as_posix(), line))
    return arrows


def test_every_module_has_a_layer() -> None:
    units = {unit_of(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert sorted(units - LAYER_OF.keys()) == [], "give each new module a layer in LAYERS"


def test_imports_only_point_down() -> None:
    wrong = []
    for arrow in all_arrows():
        mine, theirs = LAYER_OF.get(arrow.importer), LAYER_OF.get(arrow.imported)
        if mine is None or theirs is None:
            continue  # reported by test_every_module_has_a_layer
        if theirs > mine:
            wrong.append(f"{arrow}: layer {mine} may not import layer {theirs}")
        elif theirs == mine and (arrow.importer, arrow.imported) not in SIBLINGS_ALLOWED:
            wrong.append(f"{arrow}: both are in layer {mine}, and siblings do not import each other")
    assert wrong == []


def test_citations_imports_nothing_from_the_rest_of_nsnbuild() -> None:
    outside = [
        f"{path.relative_to(PACKAGE.parent).as_posix()}:{line}: imports {imported}"
        for path in sorted((PACKAGE / "citations").rglob("*.py"))
        for imported, line in imports_of(path)
        if not (imported + ".").startswith("nsnbuild.citations.")
    ]
    assert outside == []


# ---------------------------------------------------------------- the checker checks what it should


@pytest.mark.parametrize(
    ("file", "source", "expected"),
    [
        ("build.py", "from .output import commit", ["nsnbuild.output"]),
        ("build.py", "from . import __version__", ["nsnbuild"]),
        ("build.py", "import nsnbuild.theme as t", ["nsnbuild.theme"]),
        ("build.py", "from nsnbuild.citations.syntax import fold_name", ["nsnbuild.citations.syntax"]),
        ("build.py", "def f():\n    from .cli import main\n", ["nsnbuild.cli"]),
        (
            "build.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .serve import x\n",
            ["nsnbuild.serve"],
        ),
        ("citations/plugin.py", "from . import render", ["nsnbuild.citations.render"]),
        ("citations/plugin.py", "from ..model import Brief", ["nsnbuild.model"]),
        ("citations/__init__.py", "from .syntax import parse_group", ["nsnbuild.citations.syntax"]),
        ("build.py", "import os\nfrom markdown_it import MarkdownIt\n", []),
    ],
)
def test_imports_are_found_and_resolved(file: str, source: str, expected: list[str]) -> None:
    assert [name for name, _ in imports_of(PACKAGE / file, source)] == expected
