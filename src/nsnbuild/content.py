"""A brief or page from its file: front matter validated against CONTENT.md."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from .discover import ContentFile, read_content
from .errors import Diagnostic
from .frontcheck import Checker, shown_value
from .model import Brief, Page, Photo, SourceRef, TextSpan
from .scalars import stripped_span
from .slugs import slugify
from .texts import (
    host_note,
    host_problem,
    is_http_url_or_path,
    is_unsafe_url,
)
from .yamlfront import decode, scan_lines, split_front_matter

BRIEF_KEYS = frozenset(
    {"title", "date", "updated", "summary", "tags", "authors", "slug", "draft", "id", "photo", "sources"}
)
PAGE_KEYS = frozenset({"title", "slug", "summary", "draft"})
PHOTO_KEYS = ("src", "alt", "caption", "credit", "width", "height")
SOURCE_KEYS = ("name", "date", "title", "url", "author", "publisher")


def load_brief(file: ContentFile, timezone: str) -> tuple[Brief | None, list[Diagnostic]]:
    """A brief from its bytes: front matter validated against CONTENT.md."""
    text, diagnostics = decode(read_content(file).data or b"", file.path)
    if text is None:
        return None, diagnostics
    split, diagnostics = split_front_matter(text, file.path)
    if split is None:
        return None, diagnostics
    meta = split.meta
    check = Checker(file.path, text, scan_lines(split.fm_text, split.fm_line), zoneinfo.ZoneInfo(timezone))
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


def body_to_check(file: ContentFile, timezone: str) -> Brief | Page | None:
    """A content file whose front matter has errors, made up just enough to check its body:
    its citations are then reported with the front matter's problems, not after they are
    fixed. What the front matter gives (date, photo, sources) is used where it is valid;
    a brief without a valid date is checked as a page is (no date to read two-digit years
    against). None when the file cannot be read as far as its body."""
    text, _ = decode(read_content(file).data or b"", file.path)
    split = split_front_matter(text, file.path)[0] if text is not None else None
    if split is None:
        return None
    if file.kind != "brief":
        return Page(file.path, file.rel, "", "", split.body, split.body_line, file.digest)
    meta = split.meta
    lines = scan_lines(split.fm_text, split.fm_line)
    check = Checker(file.path, text or "", lines, zoneinfo.ZoneInfo(timezone))  # its reports are dropped
    date = check.moment(meta["date"], "date", None) if meta.get("date") is not None else None
    if date is None:
        return Page(file.path, file.rel, "", "", split.body, split.body_line, file.digest)
    photo = _photo(meta.get("photo"), check, split.photo_spans)
    sources = _sources(meta.get("sources"), check)
    body, line = split.body, split.body_line
    return Brief(file.path, file.rel, "", date, "", body, line, file.digest, photo=photo, sources=sources)


def _photo(value: Any, check: Checker, spans: Mapping[str, TextSpan]) -> Photo | None:
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


def _sources(value: Any, check: Checker) -> tuple[SourceRef, ...]:
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
    check = Checker(file.path, text, scan_lines(split.fm_text, split.fm_line), dt.UTC)
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
