"""Find briefs and pages under content/, split their front matter and validate it."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import reprlib
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from frontmatter.default_handlers import YAMLHandler

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

from .config import INVALID_CHARACTER, describe_character, is_http_url_or_path, is_unsafe_url, source_line
from .errors import Diagnostic, Level, SourcePos
from .model import Brief, Page, Photo, SourceRef
from .slugs import is_valid_slug, slug_from_filename, slugify

Kind = Literal["brief", "page"]

_HANDLER = YAMLHandler()


class _FrontMatterLoader(_BaseLoader):
    """YAML's safe loader, except that a date that does not exist (`2015-02-30`) stays text.

    PyYAML raises a bare ValueError for such a date; kept as text, it reaches the checker,
    which reports it at its line like any other value that is not a date.
    """


def _timestamp_or_text(loader: _BaseLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, AttributeError):
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_BOUNDARY: re.Pattern[str] = _HANDLER.FM_BOUNDARY or re.compile(r"^-{3,}\s*$", re.MULTILINE)
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_SUB_KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_][\w-]*)\s*:\s*")
_ITEM = re.compile(r"^(\s*)-(\s|$)")
BRIEF_KEYS = frozenset(
    {"title", "date", "updated", "summary", "tags", "authors", "slug", "draft", "id", "photo", "sources"}
)
PAGE_KEYS = frozenset({"title", "slug", "summary", "draft"})
PHOTO_KEYS = ("src", "alt", "caption", "credit", "width", "height")
SOURCE_KEYS = ("name", "date", "title", "url", "author", "publisher")
# a brief's moment, read in any time zone, must stay a datetime with a four-digit year
FIRST_YEAR, LAST_YEAR = 1000, 9998
# line breaks to YAML 1.1 (and str.splitlines) but not to Markdown or to positions; U+0085, the
# third one, is a control character
_YAML_ONLY_BREAK = re.compile("[\u2028\u2029]")
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 3, 4, 4, 60, 60


@dataclass(frozen=True, slots=True)
class ContentFile:
    """A file under content/ that is a brief or a page.

    `data` is None when the file's digest was taken from the previous build (its size and
    modification time unchanged); `read_content` fetches the bytes when they are needed.
    """

    path: Path
    rel: str
    kind: Kind
    data: bytes | None
    digest: str
    size: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0


Known = Mapping[str, tuple[int, int, int, str]]
"""rel -> (size, mtime_ns, ctime_ns, digest) of content files as the previous build saw them."""


def read_content(file: ContentFile) -> ContentFile:
    """The file with its bytes, and the digest of exactly those bytes."""
    if file.data is not None:
        return file
    data = file.path.read_bytes()
    return ContentFile(
        file.path, file.rel, file.kind, data, digest_bytes(data), file.size, file.mtime_ns, file.ctime_ns
    )


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _walk(folder: Path, root: Path, diagnostics: list[Diagnostic]) -> Iterator[Path]:
    """Files under folder, sorted; symlinks followed only while they stay inside the site."""
    seen: set[Path] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        real = current.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            diagnostics.append(Diagnostic("error", f"cannot read folder: {exc.strerror}", SourcePos(current)))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            try:
                entry.name.encode("utf-8")
            except UnicodeEncodeError:
                name = os.fsencode(entry.name).decode("utf-8", "backslashreplace")
                message = f"the name '{name}' is not valid UTF-8; rename it"
                diagnostics.append(Diagnostic("error", message, SourcePos(current)))
                continue
            if entry.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    message = f"symlink points outside the site (to {target}); refusing to read it"
                    diagnostics.append(Diagnostic("error", message, SourcePos(path)))
                    continue
                if not target.exists():
                    diagnostics.append(Diagnostic("error", "broken symlink", SourcePos(path)))
                    continue
            if entry.is_dir():
                stack.append(path)
            elif entry.is_file():
                yield path
            else:
                message = "not a regular file (a pipe, socket or device); skipped"
                diagnostics.append(Diagnostic("warning", message, SourcePos(path)))


def discover_content(root: Path, known: Known | None = None) -> tuple[list[ContentFile], list[Diagnostic]]:
    """Every brief (content/briefs/**/*.md) and page (content/pages/*.md), sorted by path.

    A file whose size and modification time are as `known` records (the previous build's
    view, for files whose mtime it could trust) keeps its recorded digest and is not read;
    every other file is read and hashed.
    """
    known = known or {}
    diagnostics: list[Diagnostic] = []
    files: list[ContentFile] = []
    content = root / "content"
    if not content.is_dir():
        return files, diagnostics
    for path in sorted(_walk(content, root, diagnostics)):
        rel_parts = path.relative_to(content).parts
        kind: Kind | None = None
        if path.suffix == ".md" and rel_parts[0] == "briefs":
            kind = "brief"
        elif path.suffix == ".md" and rel_parts[0] == "pages" and len(rel_parts) == 2:
            kind = "page"
        if kind is None:
            message = "not a brief (content/briefs/**/*.md) or a page (content/pages/*.md); skipped"
            diagnostics.append(Diagnostic("warning", message, SourcePos(path)))
            continue
        rel = path.relative_to(root).as_posix()
        try:
            stat = path.stat()
            seen = known.get(rel)
            times = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
            if seen and seen[:3] == times:
                files.append(ContentFile(path, rel, kind, None, seen[3], *times))
                continue
            data = path.read_bytes()
        except OSError as exc:
            diagnostics.append(Diagnostic("error", f"cannot read file: {exc.strerror}", SourcePos(path)))
            continue
        # the bytes are read again where the file is prepared: holding every file's bytes here
        # until then would cost the memory of the whole archive
        files.append(ContentFile(path, rel, kind, None, digest_bytes(data), *times))
    return files, diagnostics


@dataclass(slots=True)
class _Lines:
    """Where the keys of a front-matter block are, by a light scan of its lines."""

    top: dict[str, int] = field(default_factory=dict)
    photo: dict[str, tuple[int, int]] = field(default_factory=dict)
    items: list[int] = field(default_factory=list)
    item_keys: list[dict[str, int]] = field(default_factory=list)


def _scan_lines(fm: str, first_line: int) -> _Lines:
    found = _Lines()
    section: str | None = None
    item_indent: int | None = None
    for number, line in enumerate(fm.split("\n"), start=first_line):
        top = _TOP_KEY.match(line)
        if top:
            section = top.group(1)
            found.top.setdefault(section, number)
            item_indent = None
            continue
        if section == "sources":
            item = _ITEM.match(line)
            if item and (item_indent is None or len(item.group(1)) == item_indent):
                item_indent = len(item.group(1))
                found.items.append(number)
                found.item_keys.append({})
            sub = _SUB_KEY.match(line)
            if sub and found.item_keys:
                found.item_keys[-1].setdefault(sub.group(2), number)
        elif section == "photo":
            sub = _SUB_KEY.match(line)
            if sub:
                column = sub.end() + 1
                rest = line[sub.end() :]
                if rest[:1] in ("'", '"'):
                    column += 1
                found.photo.setdefault(sub.group(2), (number, column))
    return found


class _Checker:
    """Validates front-matter values, recording positioned diagnostics."""

    def __init__(self, path: Path, text: str, lines: _Lines, tz: dt.tzinfo) -> None:
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
            self.report("error", f"{what} '{shown_value(value)}' is not a date (use YYYY-MM-DD)", line)
        return parsed

    def moment(self, value: Any, what: str, line: int | None) -> dt.datetime | None:
        """A brief's date or updated, read in the site's time zone, with a year it can print."""
        try:
            parsed = parse_datetime(value, self.tz)
            local = parsed.astimezone(self.tz) if parsed is not None else None
        except OverflowError:
            parsed = local = None
        else:
            if parsed is None:
                self.report("error", f"{what} '{shown_value(value)}' is not a date (use YYYY-MM-DD)", line)
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


@dataclass(frozen=True, slots=True)
class _Split:
    meta: dict[str, Any]
    body: str
    body_line: int
    fm_text: str
    fm_line: int
    close_line: int


def decode(data: bytes, path: Path) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text with a BOM dropped and line endings made '\\n'.

    Bytes that are not UTF-8 text (a NUL byte, as in images; UTF-16; invalid sequences),
    control characters and noncharacters are errors: nothing past them is read.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = "file is UTF-16 text; save it as UTF-8"
        return None, [Diagnostic("error", message, SourcePos(path))]
    offset = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    nul = data.find(b"\x00")
    if nul >= 0:
        message = f"file is binary, not Markdown text (a NUL byte at byte offset {nul})"
        return None, [Diagnostic("error", message, SourcePos(path))]
    try:
        text = data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start + offset
        message = f"file is not valid UTF-8 (invalid byte 0x{data[start]:02x} at byte offset {start})"
        return None, [Diagnostic("error", message, SourcePos(path))]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return (None, problems) if (problems := _control_problems(text, path)) else (text, [])


def _control_problems(text: str, path: Path) -> list[Diagnostic]:
    """The first control character or noncharacter of the text, with a count of the others.

    Tabs and line breaks are fine: the file's line breaks are all '\\n' once it is read.
    """
    match = INVALID_CHARACTER.search(text)
    if match is None:
        return []
    line_start = text.rfind("\n", 0, match.start()) + 1
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - line_start + 1
    message = f"{describe_character(match.group())} in the file; remove it"
    others = len(INVALID_CHARACTER.findall(text, match.end()))
    if others:
        message += f" (and {others} more after it)"
    return [Diagnostic("error", message, SourcePos(path, line, column), source_line(text, line))]


def split_front_matter(text: str, path: Path) -> tuple[_Split | None, list[Diagnostic]]:
    """Front matter and body, with the file line where each starts."""
    if not text.strip():
        return None, [
            Diagnostic(
                "error", "empty file: expected front matter with a title and a date", SourcePos(path, 1, 1)
            )
        ]
    start = _BOUNDARY.match(text)
    if start is None:
        message = "no front matter: the file must start with a '---' line"
        return None, [Diagnostic("error", message, SourcePos(path, 1, 1), source_line(text, 1))]
    end = _BOUNDARY.search(text, start.end())
    if end is None:
        message = "front matter is not closed: no second '---' line"
        return None, [Diagnostic("error", message, SourcePos(path, 1, 1), source_line(text, 1))]
    fm_text = text[start.end() : end.start()]
    fm_line = text.count("\n", 0, start.end()) + 1
    body_line = text.count("\n", 0, end.end()) + 1
    try:
        meta = _HANDLER.load(fm_text, Loader=_FrontMatterLoader) if fm_text.strip() else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark_position(fm_text, fm_line, mark)
        problem = exc.problem or exc.context or "syntax error"
        message = f"invalid YAML in front matter: {problem}"
        if exc.problem and exc.context and exc.context_mark is not None:
            started, _ = _mark_position(fm_text, fm_line, exc.context_mark)
            if started != line:
                message += f" ({exc.context} that starts on line {started})"
        separator = _YAML_ONLY_BREAK.search(fm_text)
        if separator is not None:
            # fine in a quoted string, a line break to YAML anywhere else
            at, _ = _index_position(fm_text, fm_line, separator.start())
            name = "line" if separator.group() == "\u2028" else "paragraph"
            message += (
                f"; the {name} separator U+{ord(separator.group()):04X} on line {at}, "
                "which YAML reads as a line break outside quotes, may be the cause"
            )
        return None, [Diagnostic("error", message, SourcePos(path, line, col), source_line(text, line))]
    except (yaml.YAMLError, ValueError, TypeError, LookupError, AttributeError, RecursionError) as exc:
        # a value YAML cannot build (`!!int ten`, `!!int` alone, `!!bool maybe`) has no position:
        # PyYAML's constructors raise whatever their conversion raises
        known = isinstance(exc, yaml.YAMLError | ValueError)
        detail = " ".join(str(exc).split()) if known else "a value cannot be made of the type its tag names"
        message = f"invalid YAML in front matter: {detail}"
        return None, [Diagnostic("error", message, SourcePos(path, fm_line, 1), source_line(text, fm_line))]
    if not isinstance(meta, dict):
        kind = "a list" if isinstance(meta, list) else "a single value"
        message = f"front matter must be a mapping of keys to values, not {kind}"
        return None, [
            Diagnostic("error", message, SourcePos(path, fm_line + 1, 1), source_line(text, fm_line + 1))
        ]
    close_line = text.count("\n", 0, end.start()) + 1
    return _Split(meta, text[end.end() :], body_line, fm_text, fm_line, close_line), []


def _mark_position(fm_text: str, fm_line: int, mark: yaml.Mark | None) -> tuple[int, int]:
    """A YAML mark as a line and column of the file.

    From the mark's character index, not its line: YAML also breaks lines at U+2028 and
    U+0085, which are no line breaks to Markdown or to the file's other diagnostics.
    """
    if mark is None:
        return fm_line, 1
    return _index_position(fm_text, fm_line, mark.index)


def _index_position(fm_text: str, fm_line: int, index: int) -> tuple[int, int]:
    """The line and column of the file at a character index of the front matter."""
    index = min(max(index, 0), len(fm_text))
    line_start = fm_text.rfind("\n", 0, index) + 1
    return fm_line + fm_text.count("\n", 0, index), index - line_start + 1


def load_brief(file: ContentFile, timezone: str) -> tuple[Brief | None, list[Diagnostic]]:
    """A brief from its bytes: front matter validated against CONTENT.md."""
    text, diagnostics = decode(read_content(file).data or b"", file.path)
    if text is None:
        return None, diagnostics
    split, diagnostics = split_front_matter(text, file.path)
    if split is None:
        return None, diagnostics
    meta = split.meta
    check = _Checker(file.path, text, _scan_lines(split.fm_text, split.fm_line), zoneinfo.ZoneInfo(timezone))
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
    photo = _photo(meta.get("photo"), check)
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


def _photo(value: Any, check: _Checker) -> Photo | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        check.error_at("photo", "'photo' must be a mapping (src, alt, caption, credit, width, height)")
        return None
    fields: dict[str, Any] = {}
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
    src = fields.get("src")
    if src is not None and (is_unsafe_url(src) or not is_http_url_or_path(src)):
        line = check.lines.photo.get("src", (None, 1))[0]
        message = f"'photo.src' must be a path under static/ or an http(s) URL, not '{shown_value(src)}'"
        check.report("error", message, line)
        fields.pop("src")
    caption = check.lines.photo.get("caption")
    credit = check.lines.photo.get("credit")
    return Photo(
        src=fields.get("src"),
        alt=fields.get("alt"),
        caption=fields.get("caption"),
        credit=fields.get("credit"),
        width=fields.get("width"),
        height=fields.get("height"),
        line=check.lines.top.get("photo"),
        caption_line=caption[0] if caption else None,
        caption_column=caption[1] if caption else None,
        credit_line=credit[0] if credit else None,
        credit_column=credit[1] if credit else None,
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
        when: dt.datetime | None = None
        if entry.get("date") is None:
            check.report("error", f"{where} has no 'date'", line)
            ok = False
        else:
            when = check.when(entry["date"], f"date of {where}", keys.get("date", line))
            ok = ok and when is not None
        url = values.get("url")
        if url is not None and (is_unsafe_url(url) or not url.startswith(("http://", "https://"))):
            message = f"'url' of {where} must be an http(s) URL, not '{shown_value(url)}'"
            check.report("error", message, keys.get("url", line))
            ok = False
        if ok and when is not None:
            refs.append(
                SourceRef(
                    name=values["name"],
                    date=when.date(),
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
    check = _Checker(file.path, text, _scan_lines(split.fm_text, split.fm_line), dt.UTC)
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
