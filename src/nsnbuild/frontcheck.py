"""Checks of front-matter values against CONTENT.md, each problem reported at its line:
strings, lists, dates and moments in the site's time zone, slugs, control characters."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import re
import reprlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import Diagnostic, Level, SourcePos
from .slugs import is_valid_slug, slug_from_filename
from .texts import INVALID_CHARACTER, describe_character, source_line
from .yamlfront import Lines

# a brief's moment, read in any time zone, must stay a datetime with a four-digit year
FIRST_YEAR, LAST_YEAR = 1000, 9998
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 3, 4, 4, 60, 60


class Checker:
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
