"""The one MarkdownIt of a build: CommonMark + tables + footnotes + citations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import render_footnote_anchor as _FOOTNOTE_ANCHOR
from mdit_py_plugins.footnote.index import render_footnote_ref as _FOOTNOTE_REF

from .citations import citation_plugin, fold_name
from .errors import Diagnostic, SourcePos
from .model import CitationStyle, SourceRegistry
from .texts import is_unsafe_url


def alias_map(registry: SourceRegistry) -> tuple[dict[str, str], list[Diagnostic]]:
    """Alias to canonical name for the citation plugin; a label given to two sources is an error."""
    owner: dict[str, str] = {}
    aliases: dict[str, str] = {}
    diagnostics: list[Diagnostic] = []
    for source in registry.sources:
        for label in (source.name, *source.aliases):
            key = fold_name(label)
            other = owner.get(key)
            if other is not None and other != source.name:
                what = "name" if label == source.name else "alias"
                message = f"{what} '{label}' of source '{source.name}' is already used by source '{other}'"
                pos = SourcePos(registry.path, source.line, 1) if registry.path else None
                diagnostics.append(Diagnostic("error", message, pos))
                continue
            owner[key] = source.name
            if label != source.name:
                aliases[label] = source.name
    return aliases, diagnostics


def validate_link(url: str) -> bool:
    """No javascript:, vbscript:, data: or file: URLs, not even data:image."""
    return not is_unsafe_url(url)


def _footnote_block_open(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    prefix = env.get("citation_id_prefix", "")
    return (
        f'<section class="footnotes" aria-labelledby="{prefix}notes-heading">\n'
        f'<h2 id="{prefix}notes-heading">Notes</h2>\n'
        '<ol class="footnotes-list">\n'
    )


def _footnote_ref(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """The footnote plugin's marker, with an accessible name: "Note N"."""
    html: str = _FOOTNOTE_REF(self, tokens, idx, options, env)
    number = tokens[idx].meta["id"] + 1
    return html.replace('"><a href=', f'"><a aria-label="Note {number}" href=', 1)


def _footnote_anchor(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """The footnote plugin's back link, with an accessible name: "Back to note N"."""
    html: str = _FOOTNOTE_ANCHOR(self, tokens, idx, options, env)
    number = tokens[idx].meta["id"] + 1
    return html.replace(
        ' class="footnote-backref"', f' class="footnote-backref" aria-label="Back to note {number}"', 1
    )


def make_markdown(
    *,
    allow_html: bool,
    typographer: bool,
    citation_style: CitationStyle,
    aliases: Mapping[str, str],
    citations: bool = True,
) -> MarkdownIt:
    """A MarkdownIt for briefs; the Sources list is rendered by the caller (see render.py).

    `citations=False` leaves the citation plugin out (to measure what it costs)."""
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": typographer, "xhtmlOut": False})
    md.enable(["table", "strikethrough"])
    if typographer:
        md.enable(["replacements", "smartquotes"])
    md.validateLink = validate_link  # type: ignore[method-assign]
    md.use(footnote_plugin, inline=False)
    if citations:
        md.use(citation_plugin, aliases=dict(aliases), style=citation_style, sources_list=False)
    md.add_render_rule("footnote_block_open", _footnote_block_open)
    md.add_render_rule("footnote_ref", _footnote_ref)
    md.add_render_rule("footnote_anchor", _footnote_anchor)
    return md
