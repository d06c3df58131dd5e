"""Resolved tokens to HTML fragments, and the placeholders in them to URLs."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .citations import sources_list_tokens
from .model import Brief, RenderedBrief
from .resolve import ResolvedBrief, site_url

_CONTENT_PLACEHOLDER = re.compile(r'"nsn-m:([^"#?]*)')
EXCERPT_LENGTH = 300


def render_brief(resolved: ResolvedBrief, md: MarkdownIt) -> RenderedBrief:
    """HTML for the body, the photo caption and credit, and the Sources list."""
    env = resolved.env
    is_brief = isinstance(resolved.brief, Brief)
    env["citation_details"] = {
        c.n: {
            "title": c.title,
            "url": c.url,
            "source_url": site_url(f"sources/{c.source_slug}/") if is_brief else None,
        }
        for c in resolved.citations
    }
    options = md.options
    body_html = md.renderer.render(resolved.tokens, options, env)
    caption_html = (
        md.renderer.render(resolved.caption_tokens, options, env).strip()
        if resolved.caption_tokens is not None
        else None
    )
    credit_html = (
        md.renderer.render(resolved.credit_tokens, options, env).strip()
        if resolved.credit_tokens is not None
        else None
    )
    sources_html = md.renderer.render(sources_list_tokens(env), options, env)
    return RenderedBrief(
        body_html=body_html,
        sources_html=sources_html,
        caption_html=caption_html,
        credit_html=credit_html,
        citations=resolved.citations,
        links=resolved.links,
        word_count=count_words(resolved.tokens),
        excerpt=excerpt(resolved.tokens),
    )


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def count_words(tokens: list[Token]) -> int:
    """Words of running text (citation markers and markup not counted)."""
    total = 0
    for token in tokens:
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    total += len(child.content.split())
    return total


def excerpt(tokens: list[Token], limit: int = EXCERPT_LENGTH) -> str:
    """The first paragraph as plain text, cut at a word boundary."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            text = _inline_text(tokens[index + 1])
            if not text:
                continue
            if len(text) <= limit:
                return text
            cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
            return cut + "…"
    return ""


def fill_urls(fragment: str, base: str, page_url: Callable[[str], str | None]) -> str:
    """Replace URL placeholders: site paths get base prepended, content files their page URL.

    Placeholders stand at the start of an attribute value, already escaped for HTML, so
    a site path needs only the escaped base in front of it.
    """
    if '"nsn-' not in fragment:
        return fragment
    if '"nsn-m:' in fragment:

        def replace(match: re.Match[str]) -> str:
            target = page_url(unquote(html.unescape(match.group(1))))
            return '"' + (html.escape(base + target, quote=True) if target is not None else "#")

        fragment = _CONTENT_PLACEHOLDER.sub(replace, fragment)
    return fragment.replace('"nsn-u:', '"' + html.escape(base, quote=True))
