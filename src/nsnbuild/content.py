"""A brief or page from its file: front matter validated against CONTENT.md."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import re
import reprlib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .discover import ContentFile, read_content
from .errors import Diagnostic, Level, SourcePos
from .model import Brief, Page, Photo, SourceRef, TextSpan
from .scalars import stripped_span
from .slugs import is_valid_slug, slug_from_filename, slugify
from .texts import (
    INVALID_CHARACTER,
    describe_character,
    host_note,
    host_problem,
    is_http_url_or_path,
    is_unsafe_url,
    source_line,
)
from .yamlfront import Lines, decode, scan_lines, split_front_matter

BRIEF_KEYS = frozenset(
    {"title", "date", "updated", "summary", "tags", "authors", "slug", "draft", "id", "photo", "sources"}
)
PAGE_KEYS = frozenset({"title", "slug", "summary", "draft"})
PHOTO_KEYS = ("src", "alt", "caption", "credit", "width", "height")
SOURCE_KEYS = ("name", "date", "title", "url", "author", "publisher")
# a brief's moment, read in any time zone, must stay a datetime with a four-digit year
FIRST_YEAR, LAST_YEAR = 1000, 9998
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 3, 4, 4, 60, 60


class _Checker:
    """Validates front-matter values, recording positioned diagnostics."""

    def __init__(self, path: Path, text: str, lines: Lines, tz: dt.tzinfo) -> None:
        self.path = path
        self.text = text
        self.lines = lines
        self.tz = tz
        self.diagnostics: list[Diagnostic] = []

    def report(self, level: Level, message: str, line: int | None, col: int | None = 1) -> None:
        col = col if line is not None else None
        self.diagnostics.append(
            Diagnostic(level, message, SourcePos(self.path, line, col), source_line(self.text, line))
        )

    def error_at(self, key: str, message: str) -> None:
        self.report("error", message, self.lines.top.get(key, 1))

    def string(self, meta: Mapping[str, Any], key: str, required: bool = False) -> str | None:
        value = meta.get(key)
        if value is None:
            if required:
                self.error_at(key, f"missing '{key}' in front matter")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error_at(key, f"'{key}' must be a string")
            return None
        text = str(value).strip()
        if required and not text:
            self.error_at(key, f"'{key}' must not be empty")
            return None
        return text

    def string_list(self, meta: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = meta.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error_at(key, f"'{key}' must be a list of strings")
            return ()
        return tuple(dict.fromkeys(v.strip() for v in value))

    def when(self, value: Any, what: str, line: int | None) -> dt.datetime | None:
        try:
            parsed = parse_datetime(value, self.tz)
        except OverflowError:
            self.report("error", f"{what} '{shown_value(value)}' is out of range", line)
            return None
        if parsed is None:
            self.report("error", f"{what} '{shown_value(value)}' {date_problem(value)}", line)
        return parsed

    def day(self, value: Any, what: str, line: int | None) -> dt.date | None:
        """A calendar day: a date as written, a datetime's day in the site's time zone."""
        # A day (the usual case, written bare or quoted) is the same day in any time zone.
        if type(value) is dt.date:
            return value
        if isinstance(value, str) and len(value.strip()) == 10:
            with contextlib.suppress(ValueError):  # not a day: `when` says what is wrong
                return dt.date.fromisoformat(value.strip())
        parsed = self.when(value, what, line)
        return parsed.date() if parsed is not None else None

    def moment(self, value: Any, what: str, line: int | None) -> dt.datetime | None:
        """A brief's date or updated, read in the site's time zone, with a year it can print."""
        try:
            parsed = parse_datetime(value, self.tz)
            local = parsed.astimezone(self.tz) if parsed is not None else None
        except OverflowError:
            parsed = local = None
        else:
            if parsed is None:
                self.report("error", f"{what} '{shown_value(value)}' {date_problem(value)}", line)
                return None
        if local is None or not FIRST_YEAR <= local.year <= LAST_YEAR:
            years = f"years {FIRST_YEAR} to {LAST_YEAR}"
            self.report("error", f"{what} '{shown_value(value)}' is out of range ({years})", line)
            return None
        return local

    def control_characters(self, meta: Mapping[str, Any]) -> None:
        """Control characters that YAML escapes (`"\\x07"`) put into front-matter values."""
        for key, value in meta.items():
            line = self.lines.top.get(str(key), 1)
            if key == "photo" and isinstance(value, dict):
                for sub, item in value.items():
                    where = self.lines.photo.get(str(sub), (line, 1))[0]
                    self._control(f"'photo.{sub}'", (sub, item), where)
            elif key == "sources" and isinstance(value, list):
                for index, entry in enumerate(value):
                    keys = self.lines.item_keys[index] if index < len(self.lines.item_keys) else {}
                    first = self.lines.items[index] if index < len(self.lines.items) else line
                    if isinstance(entry, dict):
                        for sub, item in entry.items():
                            what = f"'{sub}' of sources entry {index + 1}"
                            self._control(what, (sub, item), keys.get(str(sub), first))
                    else:
                        self._control(f"sources entry {index + 1}", entry, first)
            else:
                self._control(f"'{key}'", (key, value), line)

    def _control(self, what: str, value: Any, line: int | None) -> None:
        found = first_control(value)
        if found is not None:
            self.report("error", f"{what} contains the {describe_character(found)}", line)

    def boolean(self, meta: Mapping[str, Any], key: str) -> bool:
        value = meta.get(key, False)
        if not isinstance(value, bool):
            self.error_at(key, f"'{key}' must be true or false")
            return False
        return value

    def slug(self, meta: Mapping[str, Any], stem: str) -> str | None:
        if "slug" in meta:
            value = meta["slug"]
            if not isinstance(value, str) or not is_valid_slug(value):
                shown = shown_value(value)
                message = f"slug '{shown}' must contain only a-z, 0-9 and single '-' between them"
                self.error_at("slug", message)
                return None
            return value
        slug = slug_from_filename(stem)
        if not is_valid_slug(slug):
            self.report("error", f"cannot make a slug from the file name '{stem}'; set 'slug'", None)
            return None
        return slug


def shown_value(value: Any) -> str:
    """A front-matter value as a message quotes it: text as written, anything else short."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = value if isinstance(value, str) else _REPR.repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ISO_DAY = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[Tt ].*)?", re.DOTALL)


def date_problem(value: Any) -> str:
    """What is wrong with a value that is not a date, as a message goes on to say."""
    match = _ISO_DAY.fullmatch(value) if isinstance(value, str) else None
    if match is not None:
        year, month, day = (int(part) for part in match.groups())
        if not 1 <= month <= 12:
            return f"is not a day in the calendar: there is no month {month}"
        days = _DAYS_IN_MONTH[month - 1] + (month == 2 and calendar.isleap(year))
        if day == 0:
            return "is not a day in the calendar: there is no day 0"
        if day > days:
            return f"is not a day in the calendar: {calendar.month_name[month]} {year} has {days} days"
        return "is not a date and time (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"
    return "is not a date (use YYYY-MM-DD)"


def first_control(value: Any) -> str | None:
    """The first control character or noncharacter in the strings of a YAML value.

    Each container is visited once, so aliases (`*a`) that repeat or contain themselves cost
    nothing more.
    """
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            match = INVALID_CHARACTER.search(item)
            if match:
                return match.group()
        elif isinstance(item, dict | list | tuple | set):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                pairs = [x for pair in item.items() for x in pair]
                stack.extend(reversed(pairs))
            else:
                stack.extend(reversed(list(item)))
    return None


def parse_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """A front-matter date or datetime as an aware datetime in the site's time zone.

    A bare date is midnight in tz; a datetime without offset is taken as tz time. The
    result carries a fixed UTC offset, so it reads back from the cache exactly equal.
    """
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz) if value.tzinfo is not None else value.replace(tzinfo=tz)
        return local.replace(tzinfo=dt.timezone(local.utcoffset() or dt.timedelta(0)))
    if isinstance(value, dt.date):
        return parse_datetime(dt.datetime(value.year, value.month, value.day), tz)
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return parse_datetime(dt.date.fromisoformat(text), tz)
            return parse_datetime(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), tz)
        except ValueError:
            return None
    return None


def load_brief(file: ContentFile, timezone: str) -> tuple[Brief | None, list[Diagnostic]]:
    """A brief from its bytes: front matter validated against CONTENT.md."""
    text, diagnostics = decode(read_content(file).data or b"", file.path)
    if text is None:
        return None, diagnostics
    split, diagnostics = split_front_matter(text, file.path)
    if split is None:
        return None, diagnostics
    meta = split.meta
    check = _Checker(file.path, text, scan_lines(split.fm_text, split.fm_line), zoneinfo.ZoneInfo(timezone))
    for key in meta:
        if key not in BRIEF_KEYS:
            check.report("warning", f"unknown front matter key '{key}'", check.lines.top.get(str(key), 1))
    title = check.string(meta, "title", required=True)
    date: dt.datetime | None = None
    # the moment, read in the site's time zone: URLs, archive months and printed dates use it
    if meta.get("date") is None:
        check.error_at("date", "missing 'date' in front matter")
    else:
        date = check.moment(meta["date"], "date", check.lines.top.get("date"))
    updated = None
    if meta.get("updated") is not None:
        updated = check.moment(meta["updated"], "updated", check.lines.top.get("updated"))
        if updated is not None and date is not None and updated < date:
            message = (
                f"'updated' ({updated.date().isoformat()}) is before the brief's date"
                f" ({date.date().isoformat()}); feeds would show it updated before it was published"
            )
            check.report("warning", message, check.lines.top.get("updated"))
    summary = check.string(meta, "summary")
    tags = check.string_list(meta, "tags")
    for tag in tags:
        if not slugify(tag):
            message = f"tag '{tag}' has no letter or digit to make its page's URL of; it is left out"
            check.report("warning", message, check.lines.top.get("tags"))
    authors = check.string_list(meta, "authors")
    slug = check.slug(meta, file.path.stem)
    draft = check.boolean(meta, "draft")
    brief_id = check.string(meta, "id")
    photo = _photo(meta.get("photo"), check, split.photo_spans)
    sources = _sources(meta.get("sources"), check)
    if "\\" in split.fm_text:  # only an escape in a quoted YAML string can make one
        check.control_characters(meta)
    if not split.body.strip():
        check.report("warning", "brief has no body", split.close_line)
    diagnostics.extend(check.diagnostics)
    if title is None or date is None or slug is None or any(d.level == "error" for d in check.diagnostics):
        return None, diagnostics
    brief = Brief(
        path=file.path,
        rel=file.rel,
        title=title,
        date=date,
        slug=slug,
        body=split.body,
        body_line=split.body_line,
        digest=file.digest,
        updated=updated,
        summary=summary or None,
        tags=tags,
        authors=authors,
        draft=draft,
        id=brief_id or None,
        photo=photo,
        sources=sources,
    )
    return brief, diagnostics


def _photo(value: Any, check: _Checker, spans: Mapping[str, TextSpan]) -> Photo | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        check.error_at("photo", "'photo' must be a mapping (src, alt, caption, credit, width, height)")
        return None
    fields: dict[str, Any] = {}
    at: dict[str, TextSpan] = {}
    for key, item in value.items():
        line = check.lines.photo.get(str(key), (check.lines.top.get("photo"), 1))[0]
        if key not in PHOTO_KEYS:
            check.report("warning", f"unknown key 'photo.{key}'", line)
        elif key in ("width", "height"):
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                check.report("error", f"'photo.{key}' must be a positive integer", line)
            else:
                fields[key] = item
        elif item is not None:
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                check.report("error", f"'photo.{key}' must be a string", line)
            else:
                fields[key] = str(item).strip()
                span = spans.get(key)
                if span is not None:
                    # a number is not shown as written: its characters are not placed
                    exact = isinstance(item, str)
                    at[key] = stripped_span(span, str(item)) if exact else TextSpan(span.line, span.column)
    src = fields.get("src")
    if src is not None and (is_unsafe_url(src) or not is_http_url_or_path(src)):
        line, column = (
            at["src"].position(0) if "src" in at else (check.lines.photo.get("src", (None, 1))[0], 1)
        )
        message = f"'photo.src' must be a path under static/ or an http(s) URL, not '{shown_value(src)}'"
        message += host_note(src)
        check.report("error", message, line, column)
        fields.pop("src")
    return Photo(
        src=fields.get("src"),
        alt=fields.get("alt"),
        caption=fields.get("caption"),
        credit=fields.get("credit"),
        width=fields.get("width"),
        height=fields.get("height"),
        src_at=at.get("src") if "src" in fields else None,
        caption_at=at.get("caption") if "caption" in fields else None,
        credit_at=at.get("credit") if "credit" in fields else None,
    )


def _sources(value: Any, check: _Checker) -> tuple[SourceRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        check.error_at("sources", "'sources' must be a list of entries with a name and a date")
        return ()
    refs: list[SourceRef] = []
    for index, entry in enumerate(value):
        line = check.lines.items[index] if index < len(check.lines.items) else check.lines.top.get("sources")
        keys = check.lines.item_keys[index] if index < len(check.lines.item_keys) else {}
        where = f"sources entry {index + 1}"
        if not isinstance(entry, dict):
            check.report("error", f"{where} must be a mapping with 'name' and 'date'", line)
            continue
        ok = True
        for key in entry:
            if key not in SOURCE_KEYS:
                check.report("warning", f"unknown key '{key}' in {where}", keys.get(str(key), line))
        values: dict[str, str] = {}
        for key in ("name", "title", "url", "author", "publisher"):
            item = entry.get(key)
            if item is None:
                continue
            if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(item).strip():
                check.report("error", f"'{key}' of {where} must be a non-empty string", keys.get(key, line))
                ok = False
            else:
                values[key] = " ".join(str(item).split())
        if "name" not in values and "name" not in entry:
            check.report("error", f"{where} has no 'name'", line)
            ok = False
        day: dt.date | None = None
        if entry.get("date") is None:
            check.report("error", f"{where} has no 'date'", line)
            ok = False
        else:
            day = check.day(entry["date"], f"date of {where}", keys.get("date", line))
            ok = ok and day is not None
        url = values.get("url")
        if url is not None and (
            is_unsafe_url(url) or not url.startswith(("http://", "https://")) or host_problem(url)
        ):
            message = f"'url' of {where} must be an http(s) URL, not '{shown_value(url)}'{host_note(url)}"
            check.report("error", message, keys.get("url", line))
            ok = False
        if ok and day is not None:
            refs.append(
                SourceRef(
                    name=values["name"],
                    date=day,
                    title=values.get("title"),
                    url=url,
                    author=values.get("author"),
                    publisher=values.get("publisher"),
                    line=line,
                )
            )
    return tuple(refs)


def load_page(file: ContentFile) -> tuple[Page | None, list[Diagnostic]]:
    """A standalone page from its bytes."""
    text, diagnostics = decode(read_content(file).data or b"", file.path)
    if text is None:
        return None, diagnostics
    split, diagnostics = split_front_matter(text, file.path)
    if split is None:
        return None, diagnostics
    meta = split.meta
    check = _Checker(file.path, text, scan_lines(split.fm_text, split.fm_line), dt.UTC)
    for key in meta:
        if key not in PAGE_KEYS:
            check.report("warning", f"unknown front matter key '{key}'", check.lines.top.get(str(key), 1))
    title = check.string(meta, "title", required=True)
    summary = check.string(meta, "summary")
    slug = check.slug(meta, file.path.stem)
    draft = check.boolean(meta, "draft")
    if "\\" in split.fm_text:  # only an escape in a quoted YAML string can make one
        check.control_characters(meta)
    diagnostics.extend(check.diagnostics)
    if title is None or slug is None or any(d.level == "error" for d in check.diagnostics):
        return None, diagnostics
    page = Page(
        file.path, file.rel, title, slug, split.body, split.body_line, file.digest, summary or None, draft
    )
    return page, diagnostics
