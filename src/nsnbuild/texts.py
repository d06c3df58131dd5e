"""Checks on text from a site's files that every reader shares: characters that have no
place in text, a line to print under a diagnostic, and URLs that may or may not be emitted."""

from __future__ import annotations

import html
import ipaddress
import re
from urllib.parse import urlsplit

_UNSAFE_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|data|file):", re.IGNORECASE)
_ANY_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_IGNORED_IN_URL = re.compile(r"[\t\n\r]")
# what a host name cannot hold: spaces and controls, and the characters URLs never allow
_NOT_IN_HOST = re.compile(r"[\s\x00-\x1f\x7f\"<>\\^`{|}\[\]/?#@]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
# no place in text: C0 controls but tab and line breaks, DEL and C1 controls (invisible; most
# not allowed in XML or HTML), and the noncharacters U+FFFE and U+FFFF (not allowed in XML)
INVALID_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# control characters shown as their pictures (U+2400...) or U+FFFD, one character for one
PICTURES = {c: 0x2400 + c for c in range(0x20) if c != 0x09} | {0x7F: 0x2421}
PICTURES |= {c: 0xFFFD for c in range(0x80, 0xA0)}


def describe_character(char: str) -> str:
    """'control character U+0007' or 'noncharacter U+FFFE'."""
    kind = "noncharacter" if char in "\ufffe\uffff" else "control character"
    return f"{kind} U+{ord(char):04X}"


def undecodable(data: bytes, start: int) -> tuple[int, int, str]:
    """Where the first byte that is not UTF-8 stands (`start`, an index into `data`): its
    1-based line and column, counting the text before it, and a message naming the byte."""
    before = data[:start].decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return line, column, f"file is not valid UTF-8 (byte 0x{data[start]:02x} here); save it as UTF-8"


def source_line(text: str, line: int | None) -> str | None:
    """The 1-based line `line` of text, to print under a diagnostic, or None.

    Lines end at '\\n' only, as Markdown, YAML marks and editors count them (not also at
    U+2028, form feeds and the other breaks of str.splitlines); control characters are shown
    as visible symbols, never sent to the terminal.
    """
    if line is None or line < 1:
        return None
    lines = text.split("\n")
    if line > len(lines) or (line == len(lines) and not lines[-1]):
        return None
    return lines[line - 1].translate(PICTURES)


def is_unsafe_url(url: str) -> bool:
    """True for javascript:, vbscript:, data: and file: URLs, which are never emitted.

    Read as a browser would: character references decoded, leading control characters and
    spaces dropped, tabs and line breaks anywhere ignored (`java&#x09;script:` is javascript:).
    """
    text = html.unescape(url) if "&" in url else url
    text = _IGNORED_IN_URL.sub("", text.lstrip(_C0_AND_SPACE))
    return bool(_UNSAFE_SCHEME.match(text))


def is_http_url_or_path(url: str) -> bool:
    """True for an http(s) URL, a scheme-relative `//host/...`, or a path with no scheme;
    not for one that names its host or port in a way no browser can use."""
    match = _ANY_SCHEME.match(_IGNORED_IN_URL.sub("", url.strip()))
    if match is not None and match.group(1).lower() not in ("http", "https"):
        return False
    return host_problem(url) is None


def http_url_problem(url: str) -> str | None:
    """Why url is not an absolute http(s) URL, in a few words (or None when it is one)."""
    match = _ANY_SCHEME.match(_IGNORED_IN_URL.sub("", url.strip()))
    if match is None or match.group(1).lower() not in ("http", "https"):
        return "it does not start with http:// or https://"
    problem = host_problem(url)
    if problem is None:
        try:
            if not urlsplit(url.strip()).netloc:
                return "it has no host"
        except ValueError as exc:  # host_problem knows every refusal; should it not, say so
            return f"it cannot be read ({exc})"
    return problem


_PLAIN_HOST = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(?::([0-9]{1,5}))?(?:[/?#]|\Z)"
)
"""A URL whose host is plain ASCII letters, digits, '-' and '.' (and whose port, if any, is
digits): the only thing left to check is the port's range."""


def host_problem(url: str) -> str | None:
    """Why the host or port of a URL cannot be used (Python cannot even split some of them
    into parts), or None when they can or it names none."""
    # what urlsplit (and a browser) does first: a tab or line break anywhere is dropped
    text = _IGNORED_IN_URL.sub("", url.strip())
    if "//" not in text:  # no host (a path), so nothing that urlsplit could refuse
        return None
    plain = _PLAIN_HOST.match(text)
    if plain is not None and (plain[1] is None or 1 <= int(plain[1]) <= 65535):
        return None  # the usual URL, checked without taking it apart
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        netloc = text.split("//", 1)[-1].split("/", 1)[0]
        if "[" in netloc and "]" not in netloc:
            return "the '[' that opens its IPv6 host is never closed"
        if "[" in netloc:
            address = netloc.partition("[")[2].partition("]")[0]
            return f"its host '[{address}]' is not an IPv6 address"
        # urlsplit's other refusal: a character that Unicode normalisation turns into '/',
        # '?', '#', '@' or ':' (a full-width solidus, U+FF0F, say)
        return f"its host cannot be read ({exc})"
    if not parts.netloc:
        return None
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("["):
        address, _, port = host[1:].partition("]")
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            return f"its host '[{address}]' is not an IPv6 address"
        if port and not port.startswith(":"):
            return f"'{port}' follows its IPv6 host '[{address}]'"
        port = port[1:]
    else:
        host, _, port = host.partition(":")
        if not host:
            return "it has no host"
        bad = _NOT_IN_HOST.search(host)
        if bad is not None:
            what = "a space" if bad.group().isspace() else f"'{bad.group()}'"
            return f"its host '{host}' contains {what}"
    if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        return f"its port '{port}' is not a number from 1 to 65535"
    return None


def host_note(url: str) -> str:
    """' (its port ...)' to end a message about url when its host or port is what is wrong."""
    problem = host_problem(url)
    return f" ({problem})" if problem is not None else ""


def normalise_base_url(url: str) -> str | None:
    """An absolute http(s) URL ending in '/', or None when url is not one."""
    if http_url_problem(url) is not None:
        return None
    parts = urlsplit(url.strip())
    if parts.query or parts.fragment:
        return None
    path = parts.path or "/"
    if not path.endswith("/"):
        path += "/"
    return f"{parts.scheme}://{parts.netloc}{path}"
