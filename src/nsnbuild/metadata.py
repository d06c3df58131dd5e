"""What a brief tells readers and machines about itself: "Cite this brief" and JSON-LD.

Pure functions of plain values: no site, no I/O, no clock.

Names. A personal name is split into given and family name like this:

- "Last, First" (a comma) is taken as written: everything before the first comma is the
  family name ("van Beethoven, Ludwig" keeps "van Beethoven" together);
- otherwise the last word is the family name ("Ludwig van Beethoven" gives "Beethoven,
  Ludwig van"; write "van Beethoven, Ludwig" to file it under V);
- a trailing "Jr.", "Sr.", "II", "III" or "IV" (with or without a comma before it) is kept as a
  suffix: "Martin Luther King Jr." gives "King, Martin Luther, Jr.";
- a one-word name is a family name alone.

A brief without `authors` in its front matter is cited under its publisher (the site's
`[publisher] name`, by default the site title), which is then not repeated as publisher.
The site-wide `author` setting is a display byline only; it does not enter citations.

BibTeX. The entry is biblatex's `@online`, keyed `slugYYYY` with the slug's hyphens kept
(BibTeX, biber and `\\cite` all accept `-` in keys; keeping them keeps keys distinct for
slugs that differ only by a hyphen). Characters outside `[A-Za-z0-9_:.-]` are dropped from
the key. Text fields have the LaTeX special characters escaped with brace-balanced
commands (`\\{` would unbalance BibTeX's brace counting, so braces become
`\\textbraceleft{}`/`\\textbraceright{}`), and double quotes become TeX quotes.
An organisation as author is wrapped in a second pair of braces. There is no `urldate`:
the build never reads the clock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .model import ResolvedCitation
from .records import pickle_by_fields
from .views import MONTHS, CiteFormats, long_date

SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
CHICAGO_MAX_AUTHORS = 10
CHICAGO_SHOWN_WHEN_MORE = 7
APA_MAX_AUTHORS = 20
APA_SHOWN_BEFORE_ELLIPSIS = 19
PERSON_KINDS = frozenset({"analyst"})


# --------------------------------------------------------------------------- names


@dataclass(frozen=True, slots=True)
class PersonName:
    """A personal name split for citation: family name, given names, suffix."""

    last: str
    first: str = ""
    suffix: str = ""


def split_name(name: str) -> PersonName:
    """'First Middle Last' or 'Last, First' into its parts (see the module docstring)."""
    text = " ".join(name.split())
    suffix = ""
    if "," in text:
        head, _, tail = text.rpartition(",")
        if tail.strip() in SUFFIXES:
            text, suffix = head.strip(), tail.strip()
    if "," in text:
        last, _, first = text.partition(",")
        return PersonName(last.strip(), " ".join(first.split()), suffix)
    words = text.split(" ")
    if not suffix and len(words) > 2 and words[-1] in SUFFIXES:
        suffix = words.pop()
    if len(words) == 1:
        return PersonName(words[0], "", suffix)
    return PersonName(words[-1], " ".join(words[:-1]), suffix)


def _inverted(name: PersonName) -> str:
    """'Last, First' (and ', Jr.'), for the first name in a Chicago bibliography entry."""
    parts = [name.last]
    if name.first:
        parts.append(name.first)
    if name.suffix:
        parts.append(name.suffix)
    return ", ".join(parts)


def _direct(name: PersonName) -> str:
    """'First Last Jr.', for the second and later names in a Chicago entry."""
    text = f"{name.first} {name.last}".strip()
    return f"{text} {name.suffix}" if name.suffix else text


def _initials(first: str) -> str:
    """'Rachel Anne' -> 'R. A.'; 'Jean-Paul' -> 'J.-P.'; lowercase particles kept whole."""
    out: list[str] = []
    for word in first.split():
        if not word[0].isupper():
            out.append(word)
            continue
        pieces = [piece for piece in word.split("-") if piece]
        out.append("-".join(f"{piece[0]}." for piece in pieces))
    return " ".join(out)


def _apa_name(name: PersonName) -> str:
    """'Last, F. M.' (and ', Jr.')."""
    parts = [name.last]
    if name.first:
        parts.append(_initials(name.first))
    if name.suffix:
        parts.append(name.suffix)
    return ", ".join(parts)


def _with_period(text: str) -> str:
    """Close a sentence: add a period unless the text already ends with one (or ? or !)."""
    return text if text.endswith((".", "?", "!")) else text + "."


# --------------------------------------------------------------------------- citations


@dataclass(frozen=True, slots=True)
class CitedWork:
    """The facts about a brief that a citation of it prints."""

    title: str
    authors: tuple[str, ...]
    publisher: str
    date: dt.date
    url: str
    slug: str


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _requote(title: str, single: tuple[str, str]) -> str:
    """Double quotes inside a quoted title become single quotes (Chicago's rule)."""
    out: list[str] = []
    opening = True
    for char in title:
        if char == '"':
            out.append(single[0] if opening else single[1])
            opening = not opening
        elif char == "\u201c":
            out.append("\u2018")
        elif char == "\u201d":
            out.append("\u2019")
        else:
            out.append(char)
    return "".join(out)


def chicago_authors(authors: Sequence[str]) -> str:
    """The author part of a Chicago bibliography entry, without the closing period."""
    names = [split_name(a) for a in authors]
    if len(names) > CHICAGO_MAX_AUTHORS:
        shown = names[:CHICAGO_SHOWN_WHEN_MORE]
        return ", ".join([_inverted(shown[0]), *(_direct(n) for n in shown[1:])]) + ", et al"
    if len(names) == 1:
        return _inverted(names[0])
    if len(names) == 2:
        return f"{_inverted(names[0])}, and {_direct(names[1])}"
    middle = [_direct(n) for n in names[1:-1]]
    return ", ".join([_inverted(names[0]), *middle]) + f", and {_direct(names[-1])}"


def chicago(work: CitedWork) -> str:
    """Chicago notes-bibliography: `Last, First. "Title." Publisher, Month D, YYYY. URL.`"""
    title = _with_period(_requote(_collapse(work.title), ("'", "'")))
    when = long_date(work.date)
    if work.authors:
        head = _with_period(chicago_authors(work.authors))
        return f'{head} "{title}" {_collapse(work.publisher)}, {when}. {work.url}.'
    return f'{_with_period(_collapse(work.publisher))} "{title}" {when}. {work.url}.'


def apa_authors(authors: Sequence[str]) -> str:
    """The author part of an APA 7 reference: 'Last, F., & Last, F.'."""
    names = [_apa_name(split_name(a)) for a in authors]
    if len(names) == 1:
        return names[0]
    if len(names) > APA_MAX_AUTHORS:
        return ", ".join(names[:APA_SHOWN_BEFORE_ELLIPSIS]) + ", . . . " + names[-1]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _apa_parts(work: CitedWork) -> tuple[str, str, str]:
    """(what comes before the title, the title, what comes after it)."""
    when = f"({work.date.year}, {MONTHS[work.date.month - 1]} {work.date.day})."
    publisher = _with_period(_collapse(work.publisher))
    if work.authors:
        return f"{_with_period(apa_authors(work.authors))} {when} ", _collapse(work.title), f" {publisher}"
    return f"{publisher} {when} ", _collapse(work.title), ""


def apa(work: CitedWork) -> str:
    """APA 7: `Last, F. (YYYY, Month D). Title. Publisher. URL` (no period after the URL)."""
    before, title, after = _apa_parts(work)
    return f"{before}{_with_period(title)}{after} {work.url}"


def apa_html(work: CitedWork) -> Markup:
    """The APA reference as HTML, with the title in italics as APA sets it."""
    before, title, after = _apa_parts(work)
    closing = "" if title.endswith((".", "?", "!")) else "."
    return Markup("{}<i>{}</i>{}{} {}").format(before, title, closing, after, work.url)


_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\u201c": "``",
    "\u201d": "''",
    "\u2018": "`",
    "\u2019": "'",
}


def latex_escape(text: str) -> str:
    """Text for a BibTeX field: LaTeX specials escaped, braces kept balanced, TeX quotes."""
    out: list[str] = []
    opening = True
    for char in _collapse(text):
        if char == '"':
            out.append("``" if opening else "''")
            opening = not opening
        else:
            out.append(_LATEX.get(char, char))
    return "".join(out)


_URL_UNSAFE = re.compile(r"[\s{}\\\"]")


def bibtex_url(url: str) -> str:
    """A URL for a BibTeX `url` field: characters that could break the entry percent-encoded."""
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), url)


def bibtex_key(slug: str, year: int) -> str:
    """`slugYYYY`, hyphens kept; anything BibTeX keys cannot hold dropped."""
    kept = re.sub(r"[^A-Za-z0-9_:.-]", "", slug)
    return f"{kept or 'brief'}{year}"


def bibtex_author(authors: Sequence[str], organisation: str) -> str:
    """`Last, First and Last, First`, or `{Organisation}` (braced: never split into names)."""
    if not authors:
        return "{" + latex_escape(organisation) + "}"
    names = []
    for author in authors:
        name = split_name(author)
        parts = [latex_escape(name.last)]
        if name.suffix:
            parts.append(latex_escape(name.suffix))
        if name.first:
            parts.append(latex_escape(name.first))
        names.append(", ".join(parts))
    return " and ".join(names)


def bibtex(work: CitedWork) -> str:
    """A biblatex `@online` entry, ending with a newline."""
    fields = [("author", bibtex_author(work.authors, work.publisher))]
    fields.append(("title", latex_escape(work.title)))
    if work.authors:
        fields.append(("organization", latex_escape(work.publisher)))
    fields.append(("date", work.date.isoformat()))
    fields.append(("year", str(work.date.year)))
    fields.append(("url", bibtex_url(work.url)))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields)
    return f"@online{{{bibtex_key(work.slug, work.date.year)},\n{body}\n}}\n"


def cite_formats(work: CitedWork, bib_url: str) -> CiteFormats:
    """The three formats of the "Cite this brief" block.

    `apa` is Markup (a str) so that the title keeps its italics when the block is copied.
    """
    return CiteFormats(chicago=chicago(work), apa=apa_html(work), bibtex=bibtex(work), bib_url=bib_url)


# --------------------------------------------------------------------------- JSON-LD


@dataclass(frozen=True, slots=True)
class ImageFacts:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """Everything the JSON-LD of a brief page says, as plain values."""

    headline: str
    description: str
    url: str
    published: dt.datetime
    modified: dt.datetime
    authors: tuple[tuple[str, str | None], ...]
    """(name, absolute URL of the author's page or None)"""
    publisher_name: str
    publisher_url: str
    logo_url: str | None
    image: ImageFacts | None
    keywords: tuple[str, ...]
    word_count: int
    language: str
    citations: tuple[ResolvedCitation, ...]


def _organisation(name: str, url: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Organization", "name": name}
    if url:
        data["url"] = url
    return data


def citation_work(citation: ResolvedCitation) -> dict[str, Any]:
    """One cited item as a schema.org CreativeWork."""
    data: dict[str, Any] = {"@type": "CreativeWork", "name": citation.title or citation.source}
    person = citation.kind in PERSON_KINDS
    home = citation.home
    if citation.author:
        data["author"] = {"@type": "Person", "name": citation.author}
    elif person:
        data["author"] = {"@type": "Person", "name": citation.source}
    else:
        data["author"] = _organisation(citation.source, home)
    if citation.publisher:
        data["publisher"] = _organisation(citation.publisher)
    elif not person:
        data["publisher"] = _organisation(citation.source, home)
    data["datePublished"] = citation.date.isoformat()
    if citation.url and citation.url != home:
        data["url"] = citation.url
    return data


def news_article(facts: ArticleFacts) -> dict[str, Any]:
    """A schema.org NewsArticle for a brief, ready for json.dumps."""
    publisher = _organisation(facts.publisher_name, facts.publisher_url)
    if facts.logo_url:
        publisher["logo"] = {"@type": "ImageObject", "url": facts.logo_url}
    authors: list[dict[str, Any]] | dict[str, Any]
    if facts.authors:
        authors = []
        for name, url in facts.authors:
            person: dict[str, Any] = {"@type": "Person", "name": name}
            if url:
                person["url"] = url
            authors.append(person)
    else:
        authors = publisher
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": facts.headline,
    }
    if facts.description:
        data["description"] = facts.description
    data["datePublished"] = facts.published.isoformat()
    data["dateModified"] = facts.modified.isoformat()
    data["author"] = authors
    data["publisher"] = publisher
    if facts.image is not None:
        image: dict[str, Any] = {"@type": "ImageObject", "url": facts.image.url}
        if facts.image.width:
            image["width"] = facts.image.width
        if facts.image.height:
            image["height"] = facts.image.height
        data["image"] = image
    data["mainEntityOfPage"] = {"@type": "WebPage", "@id": facts.url}
    data["url"] = facts.url
    if facts.keywords:
        data["keywords"] = list(facts.keywords)
    data["wordCount"] = facts.word_count
    data["inLanguage"] = facts.language
    works = [citation_work(c) for c in sorted(facts.citations, key=lambda c: c.n)]
    if works:
        data["citation"] = works
    return data


_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_ld_script(data: Mapping[str, Any]) -> Markup:
    """JSON for a `<script type="application/ld+json">`: nothing in it can close the script.

    `<`, `>` and `&` are written as JSON escapes (and U+2028/U+2029, which old JavaScript
    parsers take for line ends), so the text parses to the same data and holds no `</script>`.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    safe = re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group(0)], text)
    return Markup(safe)


pickle_by_fields(__name__)
