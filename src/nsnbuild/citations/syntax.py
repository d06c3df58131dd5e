"""Parse the text inside one bracket as a citation group, or say why it is not one."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple


class Citation(NamedTuple):
    """One `SOURCE, DATE` inside a bracket; offsets index the bracket text as given.

    An immutable record like the frozen dataclasses elsewhere; a named tuple because the
    parser makes one for every citation of every brief, and it is built several times faster.
    """

    source: str
    date: datetime.date
    date_text: str
    text: str
    start: int
    end: int


class CitationGroup(NamedTuple):
    """A bracket whose whole content is one or more citations."""

    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class NotCitation:
    """A bracket that is not a citation group; `level` says whether it deserves a word."""

    level: Literal["error", "warning"] | None
    message: str | None
    offset: int = 0


_PLAIN = NotCitation(None, None)

_MONTH_NUMBERS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

# Full names first so that "June" is not read as "Jun" followed by junk.
_MONTH = (
    r"(?i:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?)"
)
_END = r"(?![\w/-])"
_DATE_FORMS = (
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    rf"|(?P<mon>{_MONTH})\s+(?P<md>\d{{1,2}}),\s+(?P<my>\d{{4}})"
)
_CITE_END = re.compile(rf",\s+(?P<date>{_DATE_FORMS}){_END}")

# Endings that look like a date but are not one of the accepted forms.
_NO_YEAR = rf"(?:\d{{1,2}}/\d{{1,2}}|{_MONTH}\s+\d{{1,2}}){_END}"
_NO_DAY = rf"{_MONTH}\s+\d{{4}}{_END}"
_ODD_DATE = (
    rf"(?:\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}"
    r"|\d{1,4}/\d{1,4}/\d{1,4}"
    r"|\d{4}-\d{1,2}-\d{1,2})" + _END
)
_SOURCE = r"(?P<src>[\s\S]*?)"
_PLAIN_WORD = r"[^\s,`<\\*_\[\]&]+"
_PLAIN_ITEM = (
    # the source: plain words with a letter among them (never given back: what follows a
    # word, a space or ", ", cannot be part of one)
    rf"\s*(?=[^,]*?[^\W\d_])(?P<src>{_PLAIN_WORD}+(?: {_PLAIN_WORD}+)*+), "
    r"(?P<date>(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2}))"
)
# One such item of a bracket's text, followed by the next item or by the end of the text ...
_PLAIN_CITATION = re.compile(rf"{_PLAIN_ITEM}(?:(?P<next>[.;] )(?=\S)|[.;]?\s*\Z)")
# ... and the same read in the surrounding text, where the closing bracket ends the group.
_PLAIN_IN_BRACKET = re.compile(rf"{_PLAIN_ITEM}(?:(?P<next>[.;] )(?=[^\s\]])|[.;]?\s*(?=\]))")
# ... and the first item there read with its opening bracket (not a footnote's `[^`).
_PLAIN_OPENING = re.compile(rf"\[(?!\^){_PLAIN_IN_BRACKET.pattern}")

# A bracket that could hold a citation group: no nested bracket, not a footnote reference
# (`[^...]`), and a digit somewhere (every date has one).
_CANDIDATE = re.compile(r"\[(?!\^)([^\[\]\d]*+\d[^\[\]]*+)\]")


@dataclass(frozen=True, slots=True)
class _NearMiss:
    pattern: re.Pattern[str]
    message: str
    date_follows_source: bool = False


_NEAR_MISSES = (
    _NearMiss(re.compile(rf"{_SOURCE},\s+(?P<bad>{_NO_YEAR})"), "citation date '{}' has no year"),
    _NearMiss(re.compile(rf"{_SOURCE},\s+(?P<bad>{_NO_DAY})"), "citation date '{}' has no day"),
    _NearMiss(
        re.compile(rf"{_SOURCE},\s+(?P<bad>{_ODD_DATE})"),
        "citation date '{}' is not in a form nsnbuild reads (write 4/26/15, 2015-04-26 or April 26, 2015)",
    ),
    _NearMiss(
        re.compile(rf"(?P<src>[\s\S]*?[^\s,])\s+(?P<bad>{_DATE_FORMS}){_END}"),
        "missing comma before the date '{}' in what looks like a citation",
        date_follows_source=True,
    ),
    _NearMiss(
        re.compile(rf"{_SOURCE},(?P<bad>{_DATE_FORMS}){_END}"),
        "missing space after the comma before the date '{}' in what looks like a citation",
    ),
)

# Characters that start CommonMark constructs (code, HTML, escapes, emphasis, links),
# and entity references: a bracket holding any of them is left to CommonMark.
_MARKUP = re.compile(r"[`<\\*_\[\]&]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_LETTER = re.compile(r"[^\W\d_]")
_SEPARATOR = re.compile(r"[.;]\s+")
_JUNK_LEAD = re.compile(r"[\s,]*")
_WORD_EDGES = ".,;:!?\"'()"

# First words that mark a bracket as prose rather than a source name ...
# fmt: off
_PROSE_OPENERS = frozenset({
    "a", "an", "and", "as", "at", "before", "but", "by", "cf", "during", "for", "from",
    "he", "her", "his", "i", "if", "in", "is", "it", "its", "of", "on", "or", "our", "see",
    "she", "since", "that", "their", "these", "they", "this", "those", "through", "to",
    "until", "was", "we", "were", "when", "which", "while", "who", "with",
})
# ... and words that, right before a date, make it part of a phrase ("signed 4/26/15").
_PROSE_BEFORE_DATE = frozenset({
    "after", "and", "as", "at", "before", "between", "by", "dated", "due", "effective",
    "from", "in", "of", "on", "or", "published", "released", "signed", "since", "through",
    "till", "to", "until",
})
# fmt: on
_MAX_SOURCE_WORDS = 12


def fold_name(name: str) -> str:
    """Identity key of a source name: case-folded, white space collapsed and stripped."""
    return " ".join(name.split()).casefold()


def expand_year(two_digit: int, reference_date: datetime.date | None) -> int:
    """Four-digit year for a two-digit one, the closest to the reference date's year."""
    if not 0 <= two_digit <= 99:
        raise ValueError(f"not a two-digit year: {two_digit}")
    if reference_date is None:
        return two_digit + (1900 if two_digit >= 69 else 2000)
    reference = reference_date.year
    past = reference - (reference - two_digit) % 100  # the latest such year not after it
    # On a tie (exactly 50 years either way) the earlier year wins: briefs cite the past.
    return past + 100 if reference - past > 50 else past


def parse_group(text: str, reference_date: datetime.date | None = None) -> CitationGroup | NotCitation:
    """Read `text`, the content of one bracket, as a citation group if it is one."""
    plain = _parse_plain_group(text, reference_date)
    return plain[0] if plain is not None else _parse_group(text, reference_date)


# `M/D/YY` as written, and the year of the date it is read against (0 for none: two-digit
# years depend on nothing else) -> the date. Briefs cite the same few days again and again;
# a bounded cache spares working each one out every time.
_SLASH_DATES: dict[tuple[str, int], datetime.date] = {}
_SLASH_DATES_SIZE = 8192


def read_bracket(
    src: str, start: int, end: int, reference_date: datetime.date | None = None
) -> tuple[CitationGroup | NotCitation, int] | None:
    """Read the bracket that opens at `src[start]` (and closes before `end`).

    Gives what `parse_group` makes of its text and the index of its closing bracket, or None
    when it cannot hold a citation group: a nested bracket, no closing bracket, a footnote
    reference (`[^...]`) or no digit.
    """
    found = _parse_plain_group(src, reference_date, start, end)
    if found is not None:
        return found
    candidate = _CANDIDATE.match(src, start, end)
    if candidate is None:
        return None
    return parse_group(candidate[1], reference_date), candidate.end() - 1


def _parse_plain_group(
    text: str, reference_date: datetime.date | None, opening: int = -1, end: int = 0
) -> tuple[CitationGroup, int] | None:
    """The common case quickly: `Name, M/D/YY` items, commas only before dates, single spaces.

    Reads all of `text`, or (with `opening`) the bracket that opens at `text[opening]`, in
    which case offsets count from the character after it. Gives the group `_parse_group`
    would give, and where the text ends; or None to leave the text to `_parse_group`.
    """
    if opening < 0:
        base, end, following = 0, len(text), _PLAIN_CITATION.match
        match = following(text, 0, end)
    else:
        base, following = opening + 1, _PLAIN_IN_BRACKET.match
        match = _PLAIN_OPENING.match(text, opening, end)
    reference_year = reference_date.year if reference_date is not None else 0
    citations: list[Citation] = []
    while match is not None:
        source, date_text, month, day, year_text, after = match.groups()
        key = (date_text, reference_year)
        date = _SLASH_DATES.get(key)
        if date is None:
            date = _slash_date(key, month, day, year_text, reference_date)
            if date is None:
                return None
        first, last = match.start(1), match.end(2)
        citations.append(
            _new_record(Citation, (source, date, date_text, text[first:last], first - base, last - base))
        )
        if after is None:
            return _new_record(CitationGroup, (tuple(citations),)), match.end()
        match = following(text, match.end(), end)
    return None


# Citations and groups are made by the thousand: straight from their fields, without the
# named tuples' own `__new__` (a Python function) in between.
_new_record = tuple.__new__


def _slash_date(
    key: tuple[str, int], month: str, day: str, year_text: str, reference_date: datetime.date | None
) -> datetime.date | None:
    """The day an `M/D/YY` or `M/D/YYYY` date names (remembered under `key`), or None if
    there is none."""
    year = int(year_text)
    if len(year_text) == 2:
        year = expand_year(year, reference_date)
    try:
        date = datetime.date(year, int(month), int(day))
    except ValueError:
        return None
    if len(_SLASH_DATES) >= _SLASH_DATES_SIZE:
        _SLASH_DATES.clear()
    _SLASH_DATES[key] = date
    return date


def _parse_group(
    text: str, reference_date: datetime.date | None, *, explain: bool = True
) -> CitationGroup | NotCitation:
    """Any bracket text: the citation group it holds, or (if `explain`) why it holds none."""
    markup = _MARKUP.search(text)
    if (markup and (markup.group() != "&" or _ENTITY.search(text))) or not _LETTER.search(text):
        return _PLAIN
    # With single ASCII spaces only (the usual case), slices are already normalised.
    plain_spaces = text.isprintable() and "  " not in text
    end = len(text.rstrip())
    pos = len(text) - len(text.lstrip())
    citations: list[Citation] = []
    while True:
        match = _CITE_END.search(text, pos, end)
        if match is None or not _LETTER.search(text, pos, comma := match.start()):
            return _near_miss(text, pos, end, first=not citations) if explain else _PLAIN
        after = match.end()
        date = _date_of(match, reference_date)
        if date is None:
            if citations or _closes(text, after, end) or _looks_like_source(text[pos:comma]):
                date_start = match.start("date")
                date_text = _normalise(text[date_start:after])
                return NotCitation("error", f"invalid date '{date_text}' in citation", date_start)
            return _PLAIN
        if plain_spaces:
            source, date_text, whole = text[pos:comma].rstrip(" "), match["date"], text[pos:after]
        else:
            source, date_text = _normalise(text[pos:comma]), _normalise(match["date"])
            whole = _normalise(text[pos:after])
        citations.append(Citation(source, date, date_text, whole, pos, after))
        if _closes(text, after, end):
            return CitationGroup(tuple(citations))
        separator = _SEPARATOR.match(text, after, end)
        if separator is None:
            if not explain or (len(citations) == 1 and not _looks_like_source(source)):
                return _PLAIN
            return _junk(text, after, end)
        pos = separator.end()


def _closes(text: str, pos: int, end: int) -> bool:
    """Whether only the closing bracket (after an optional `.` or `;`) follows `pos`."""
    return pos == end or (pos + 1 == end and text[pos] in ".;")


def _date_of(match: re.Match[str], reference_date: datetime.date | None) -> datetime.date | None:
    """The date a `_CITE_END` match names, or None if no such day exists."""
    month_text, day_text, year_text = match.group("m", "d", "y")
    if month_text is not None:
        month, day, year = int(month_text), int(day_text), int(year_text)
        if len(year_text) == 2:
            year = expand_year(year, reference_date)
    elif match["iy"] is not None:
        year, month, day = int(match["iy"]), int(match["im"]), int(match["id"])
    else:
        month = _MONTH_NUMBERS[match["mon"].rstrip(".").casefold()]
        day, year = int(match["md"]), int(match["my"])
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _near_miss(text: str, pos: int, end: int, *, first: bool) -> NotCitation:
    """Explain a segment with no complete `SOURCE, DATE`, if it looks like a citation."""
    stop = end - 1 if end > pos and text[end - 1] in ".;" else end
    for near_miss in _NEAR_MISSES:
        match = near_miss.pattern.fullmatch(text, pos, stop)
        if match is None or not _LETTER.search(match.group("src")):
            continue
        if first and not _looks_like_source(match.group("src"), before_date=near_miss.date_follows_source):
            return _PLAIN
        bad = _normalise(match.group("bad"))
        return NotCitation("warning", near_miss.message.format(bad), match.start("bad"))
    if first:
        return _PLAIN
    return NotCitation(
        "warning",
        f"unexpected text '{_excerpt(text[pos:end])}' after the date in what looks like a citation",
        pos,
    )


def _junk(text: str, after: int, end: int) -> NotCitation:
    """Warn about text that follows a complete citation without a separator."""
    lead = _JUNK_LEAD.match(text, after, end)
    junk_start = lead.end() if lead and lead.end() < end else after
    junk = text[junk_start:end]
    if isinstance(_parse_group(junk, None, explain=False), CitationGroup):
        found = _normalise(text[after:junk_start]) or " "
        return NotCitation(
            "warning",
            f"citations must be separated by '. ' or '; ', not '{found}' (before '{_excerpt(junk)}')",
            junk_start,
        )
    return NotCitation(
        "warning",
        f"unexpected text '{_excerpt(junk)}' after the date in what looks like a citation",
        junk_start,
    )


def _looks_like_source(source: str, *, before_date: bool = False) -> bool:
    """Whether `source` reads like a source name rather than bracketed prose."""
    words = [word.strip(_WORD_EDGES).casefold() for word in source.split()]
    words = [word for word in words if word]
    if not words or len(words) > _MAX_SOURCE_WORDS or words[0] in _PROSE_OPENERS:
        return False
    return not (before_date and words[-1] in _PROSE_BEFORE_DATE)


def _normalise(text: str) -> str:
    """Collapse every run of white space to one space and strip the ends."""
    return " ".join(text.split())


def _excerpt(text: str, limit: int = 40) -> str:
    """`text` normalised for a message, cut short if long."""
    text = _normalise(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
