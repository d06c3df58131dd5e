"""What decides how one content file is prepared (and so what its cache key counts): the
settings of the build that matter to it, and digests of the registry's entries."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .citations import fold_name
from .model import RegistrySource, SiteConfig, SourceRegistry
from .records import pickle_by_fields
from .resolve import spaceless_key


@dataclass(frozen=True, slots=True)
class PrepareSettings:
    """Everything that decides how one content file is prepared, and nothing else."""

    timezone: str
    allow_html: bool
    typographer: bool
    citation_style: str
    aliases: tuple[tuple[str, str], ...]
    registry: tuple[RegistrySource, ...]
    cache_folder: Path | None
    registry_readable: bool = True

    @property
    def digest(self) -> str:
        text = repr(
            (
                self.timezone,
                self.allow_html,
                self.typographer,
                self.citation_style,
                self.aliases,
                self.registry_readable,
            )
        )
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def prepare_settings(
    config: SiteConfig, registry: SourceRegistry, aliases: Mapping[str, str], cache_folder: Path | None
) -> PrepareSettings:
    """The settings of a build that decide how each content file is prepared."""
    return PrepareSettings(
        timezone=config.timezone,
        allow_html=config.allow_html,
        typographer=config.typographer,
        citation_style=config.citation_style,
        aliases=tuple(sorted(aliases.items())),
        registry=registry.sources,
        cache_folder=cache_folder,
        registry_readable=registry.readable,
    )


def registry_digests(registry: Sequence[RegistrySource]) -> dict[str, str]:
    """Folded source name (and its `spaceless_key`) -> digest of its registry entry."""
    digests: dict[str, str] = {}
    for s in registry:
        folded = fold_name(s.name)
        digest = hashlib.blake2b(repr((s.name, s.url, s.kind, s.aliases)).encode(), digest_size=8).hexdigest()
        digests[folded] = digest
        # a name that nearly names this entry is warned about, so it depends on it too
        digests.setdefault(spaceless_key(folded), digest)
    return digests


pickle_by_fields(__name__)
