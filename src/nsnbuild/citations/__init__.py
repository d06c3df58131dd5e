"""Source citations in briefs: the bracket syntax and the markdown-it-py plugin."""

from .places import Place
from .plugin import (
    CitationState,
    CitedItem,
    Problem,
    citation_plugin,
    citation_state,
    sources_list_tokens,
)
from .syntax import (
    Citation,
    CitationGroup,
    NotCitation,
    expand_year,
    fold_name,
    parse_group,
)

__all__ = [
    "Citation",
    "CitationGroup",
    "CitationState",
    "CitedItem",
    "NotCitation",
    "Place",
    "Problem",
    "citation_plugin",
    "citation_state",
    "expand_year",
    "fold_name",
    "parse_group",
    "sources_list_tokens",
]
