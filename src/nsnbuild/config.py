"""nsnbuild.toml and sources.toml: parsed, validated, every problem reported at once."""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Diagnostic, SourcePos
from .model import Publisher, RegistrySource, SiteConfig, SourceRegistry
from .texts import (
    INVALID_CHARACTER,
    PICTURES,
    describe_character,
    host_note,
    normalise_base_url,
)
from .tomlfile import Reporter, parse_toml, read_text

CONFIG_NAME = "nsnbuild.toml"
REGISTRY_NAME = "sources.toml"

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True, slots=True)
class Overrides:
    """Values given on the command line, which win over the file."""

    base_url: str | None = None
    output_dir: Path | None = None


def source_date_epoch() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH as a date, None when unset; ValueError when it is not a usable one."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"SOURCE_DATE_EPOCH must be a number of seconds, not '{value}'")
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"SOURCE_DATE_EPOCH is out of range: '{value}'") from None


def output_dir_problem(output: Path, root: Path) -> str | None:
    """Why the site must not be written into `output`, as far as the site's own layout
    says (its folder, its sources, its cache, the home folder); None when it may be."""
    output = output.resolve()
    root = root.resolve()
    reasons = (
        (output == Path(output.anchor), "it is the file system root"),
        (output == Path.home().resolve(), "it is your home folder"),
        (output == root, "it is the site folder itself"),
        (root.is_relative_to(output), "it contains the site"),
        (output.is_relative_to(root / "content"), "it is inside content/"),
        (output.is_relative_to(root / "static"), "it is inside static/"),
        (output.is_relative_to(root / "themes"), "it is inside themes/"),
        (output.is_relative_to(root / ".nsnbuild-cache"), "it is inside the cache folder"),
    )
    return next((why for refused, why in reasons if refused), None)


def _is_static_path(value: str) -> bool:
    return not value.startswith(("/", "\\")) and ".." not in Path(value).parts and ":" not in value


_Check = Callable[[Any], str | None]


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _title(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return None if value.strip() else "must not be empty (feeds and pages need a title)"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _positive_int(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be an integer"
    return None if value >= 1 else "must be at least 1"


def _base_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    ok = normalise_base_url(value) is not None
    return None if ok else f"must be an absolute http(s) URL, not '{value}'{host_note(value)}"


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return None if _LANG.match(value) else f"must be a BCP 47 language tag such as 'en', not '{value}'"


def _timezone(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"must be an IANA time zone such as 'America/New_York', not '{value}'"
    return None


def _theme(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if not value or value.startswith(".") or "/" in value or "\\" in value:
        return f"must be the name of a folder in themes/, not '{value}'"
    return None


def _citation_style(value: Any) -> str | None:
    if value in ("footnotes", "inline"):
        return None
    return f'must be "footnotes" or "inline", not {value!r}'


def _static_path(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return None if _is_static_path(value) else f"must be a path under static/, not '{value}'"


def _http_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    ok = normalise_base_url(value) is not None
    return None if ok else f"must be an http(s) URL, not '{value}'{host_note(value)}"


_TOP: dict[str, _Check] = {
    "title": _title,
    "description": _string,
    "base_url": _base_url,
    "language": _language,
    "timezone": _timezone,
    "author": _string,
    "theme": _theme,
    "output_dir": _string,
    "briefs_per_page": _positive_int,
    "feed_items": _positive_int,
    "citation_style": _citation_style,
    "icon": _static_path,
}
_PUBLISHER: dict[str, _Check] = {"name": _string, "url": _http_url, "logo": _static_path}
_MARKDOWN: dict[str, _Check] = {"allow_html": _boolean, "typographer": _boolean}
_TABLES = {"publisher": _PUBLISHER, "markdown": _MARKDOWN}


def _valid_values(
    data: Mapping[str, Any], checks: Mapping[str, _Check], table: tuple[str, ...], report: Reporter
) -> dict[str, Any]:
    """The keys of data that pass their check; problems reported, unknown keys warned."""
    good: dict[str, Any] = {}
    where = ".".join(table)
    for key, value in data.items():
        name = f"{where}.{key}" if where else key
        invalid = INVALID_CHARACTER.search(value) if isinstance(value, str) else None
        if key in checks and invalid is not None:
            report.add("error", f"'{name}' contains the {describe_character(invalid.group())}", table, key)
        elif key in checks:
            problem = checks[key](value)
            if problem is None:
                good[key] = value
            else:
                report.add("error", f"'{name}' {problem}", table, key)
        elif not table and key in _TABLES:
            continue
        else:
            report.add("warning", f"unknown key '{name}' in {report.path.name}", table, key)
    return good


def parse_config(
    text: str, path: Path, root: Path, overrides: Overrides | None = None
) -> tuple[SiteConfig, list[Diagnostic]]:
    """nsnbuild.toml's text to a SiteConfig (defaults where a value is missing or wrong)."""
    overrides = overrides or Overrides()
    data, diagnostics = parse_toml(text, path)
    report = Reporter(text, path)
    values: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    if data is not None:
        values = _valid_values(data, _TOP, (), report)
        for name, checks in _TABLES.items():
            if name not in data:
                tables[name] = {}
            elif isinstance(data[name], dict):
                tables[name] = _valid_values(data[name], checks, (name,), report)
            else:
                report.add("error", f"'{name}' must be a table ([{name}])", (), name)
                tables[name] = {}
        theme = values.get("theme", "default")
        if theme != "default" and not (root / "themes" / theme).is_dir():
            report.add("error", f"unknown theme '{theme}': there is no folder themes/{theme}/", (), "theme")
            values.pop("theme")
        if "output_dir" in values and overrides.output_dir is None:
            refused = output_dir_problem(root / values["output_dir"], root)
            if refused is not None:
                message = f"'output_dir' must not be {values['output_dir']!r}: {refused}"
                report.add("error", message, (), "output_dir")
        for table, key in (((), "icon"), (("publisher",), "logo")):
            given = (tables[table[0]] if table else values).get(key)
            if given is not None and not (root / "static" / given).is_file():
                name = ".".join((*table, key))
                report.add("error", f"'{name}' names '{given}', which is not a file in static/", table, key)
    diagnostics.extend(report.diagnostics)
    config = _make_config(root, path, values, tables, overrides)
    return config, diagnostics


def _make_config(
    root: Path,
    path: Path | None,
    values: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, Any]],
    overrides: Overrides,
) -> SiteConfig:
    base_url_raw = overrides.base_url or values.get("base_url")
    base_url = normalise_base_url(base_url_raw) if base_url_raw else None
    output_dir = overrides.output_dir or root / values.get("output_dir", "output")
    title = values.get("title", "Briefs")
    publisher = tables.get("publisher", {})
    markdown = tables.get("markdown", {})
    return SiteConfig(
        root=root,
        output_dir=Path(output_dir),
        config_path=path,
        title=title,
        description=values.get("description", ""),
        base_url=base_url or "http://localhost:8000/",
        base_url_set=base_url is not None,
        language=values.get("language", "en"),
        timezone=values.get("timezone", "UTC"),
        author=values.get("author"),
        theme=values.get("theme", "default"),
        briefs_per_page=values.get("briefs_per_page", 20),
        feed_items=values.get("feed_items", 20),
        citation_style=values.get("citation_style", "footnotes"),
        publisher=Publisher(
            name=publisher.get("name", title),
            url=publisher.get("url"),
            logo=publisher.get("logo"),
        ),
        allow_html=markdown.get("allow_html", False),
        typographer=markdown.get("typographer", False),
        icon=values.get("icon"),
    )


def parse_registry(text: str, path: Path) -> tuple[SourceRegistry, list[Diagnostic]]:
    """sources.toml's text to a SourceRegistry (alias clashes are checked by markdown.py)."""
    data, diagnostics = parse_toml(text, path)
    if data is None:
        return SourceRegistry((), path, readable=False), diagnostics
    report = Reporter(text, path)
    sources: list[RegistrySource] = []
    for name, entry in data.items():
        table = (name,)
        if not isinstance(entry, dict):
            report.add("error", f"source '{name}' must be a table ([\"{name}\"])", (), name)
            continue
        url = entry.get("url")
        kind = entry.get("kind")
        aliases = entry.get("aliases", [])
        for key in entry:
            if key not in ("url", "kind", "aliases"):
                report.add("warning", f"unknown key '{key}' for source '{name}'", table, key)
        if url is not None and (not isinstance(url, str) or normalise_base_url(url) is None):
            why = host_note(url) if isinstance(url, str) else ""
            report.add("error", f"'url' of source '{name}' must be an http(s) URL{why}", table, "url")
            url = None
        if kind is not None and not isinstance(kind, str):
            report.add("error", f"'kind' of source '{name}' must be a string", table, "kind")
            kind = None
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            report.add("error", f"'aliases' of source '{name}' must be a list of strings", table, "aliases")
            # the strings among them are still checked (a clash with another source's alias)
            aliases = [a for a in aliases if isinstance(a, str)] if isinstance(aliases, list) else []
        texts: list[tuple[str, str | None, Any]] = [("the name", None, name), ("the url", "url", url)]
        texts.append(("the kind", "kind", kind))
        texts += [("an alias", "aliases", alias) for alias in aliases]
        for what, key, text in texts:
            invalid = INVALID_CHARACTER.search(text) if isinstance(text, str) else None
            if invalid is not None:
                shown = name.translate(PICTURES)
                message = f"{what} of source '{shown}' contains the {describe_character(invalid.group())}"
                report.add("error", message, table, key)
        line = report.line_of(table)
        sources.append(RegistrySource(name, url, kind, tuple(aliases), line))
    diagnostics.extend(report.diagnostics)
    return SourceRegistry(tuple(sources), path), diagnostics


def load_config(
    root: Path, overrides: Overrides | None = None
) -> tuple[SiteConfig, SourceRegistry, list[Diagnostic]]:
    """Read nsnbuild.toml and sources.toml under root."""
    root = root.resolve()
    overrides = overrides or Overrides()
    config_path = root / CONFIG_NAME
    text, diagnostics = read_text(config_path)
    # whether the file says nothing of base_url (a wrong value has an error of its own; a
    # file TOML cannot read may well set it, and its error is the one to fix)
    unset = not diagnostics
    if text is None:
        config = _make_config(root, None, {}, {}, overrides)
    else:
        config, problems = parse_config(text, config_path, root, overrides)
        diagnostics.extend(problems)
        table = parse_toml(text, config_path)[0]
        unset = table is not None and "base_url" not in table
    if overrides.base_url is not None and normalise_base_url(overrides.base_url) is None:
        message = f"--base-url must be an absolute http(s) URL, not '{overrides.base_url}'"
        message += host_note(overrides.base_url)
        diagnostics.append(Diagnostic("error", message))
    elif not config.base_url_set and unset:
        where = SourcePos(config_path) if text is not None else None
        diagnostics.append(
            Diagnostic(
                "warning",
                f"base_url is not set; links and feeds use {config.base_url}",
                where,
            )
        )
    registry_path = root / REGISTRY_NAME
    registry_text, problems = read_text(registry_path)
    diagnostics.extend(problems)
    registry = SourceRegistry(path=registry_path, readable=False) if problems else SourceRegistry()
    if registry_text is not None:
        registry, problems = parse_registry(registry_text, registry_path)
        diagnostics.extend(problems)
    return config, registry, diagnostics
