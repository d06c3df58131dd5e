"""Slugs for file names, tags, sources and authors."""

from __future__ import annotations

import functools
import re
import unicodedata

_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "Þ": "th",
        "ð": "d",
        "\u0131": "i",  # dotless i
    }
)
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_NON_WORD = re.compile(r"[\W_]+")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[-_ ]")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@functools.lru_cache(maxsize=65536)
def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-', accents transliterated.

    `Café_Diplomacy` -> `cafe-diplomacy`. Text with no Latin letters or digits
    (a tag in another script) keeps its letters, lowercased, so it still gets a slug.
    """
    # lowercase first, so capital letters (Ð, Ø, ẞ) are transliterated like their small ones
    folded = unicodedata.normalize("NFKD", text.lower().translate(_SPECIAL))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_SLUG.sub("-", ascii_text).strip("-")
    if slug:
        return slug
    return _NON_WORD.sub("-", unicodedata.normalize("NFC", text).lower()).strip("-")


def slug_from_filename(stem: str) -> str:
    """The slug of a brief file: its name without a leading `YYYY-MM-DD-`."""
    return slugify(_DATE_PREFIX.sub("", stem))


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG_RE.match(slug))
