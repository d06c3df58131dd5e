"""Time rendering a folder of briefs with and without the citation plugin.

    python benchmarks/plugin_cost.py DIR [--own]

Renders the body (front matter between the first two `---` lines removed) of every `*.md`
under DIR with `MarkdownIt("commonmark")` and with the plugin added, alternately; best of 5.
With `--own`, the base is nsnbuild's own Markdown setup (CommonMark, tables, strikethrough,
footnotes) and the plugin's run includes rendering the Sources list, as a build does.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from nsnbuild.citations import citation_plugin, sources_list_tokens
from nsnbuild.markdown import make_markdown

ROUNDS = 5


def body_of(text: str) -> str:
    """The text after the YAML front matter, if the file starts with one."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return text
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[index + 1 :])
    return text


def timed(render: Callable[[str], object], bodies: list[str]) -> float:
    start = time.perf_counter()
    for body in bodies:
        render(body)
    return time.perf_counter() - start


def own_renderers() -> tuple[Callable[[str], object], Callable[[str], object]]:
    """nsnbuild's Markdown without the plugin, and with it plus the Sources list."""
    plain, cited = (
        make_markdown(
            allow_html=False, typographer=False, citation_style="footnotes", aliases={}, citations=on
        )
        for on in (False, True)
    )

    def with_sources(body: str) -> str:
        env: dict[str, object] = {}
        tokens = cited.parse(body, env)
        html: str = cited.renderer.render(tokens, cited.options, env)
        sources: str = cited.renderer.render(sources_list_tokens(env), cited.options, env)
        return html + sources

    return plain.render, with_sources


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "--own"]
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    paths = sorted(Path(args[0]).rglob("*.md"))
    bodies = [body_of(path.read_text(encoding="utf-8")) for path in paths]
    if "--own" in argv:
        plain, cited = own_renderers()
        names = ("nsnbuild Markdown", "nsnbuild Markdown + citations")
    else:
        plain = MarkdownIt("commonmark").render
        cited = MarkdownIt("commonmark").use(citation_plugin).render
        names = ("commonmark", "commonmark + citations")
    # Alternate the two so that a busy moment on the machine hits both alike.
    without = with_plugin = float("inf")
    for _ in range(ROUNDS):
        without = min(without, timed(plain, bodies))
        with_plugin = min(with_plugin, timed(cited, bodies))
    width = max(len(n) for n in names) + 2
    print(f"{len(bodies)} files, best of {ROUNDS}")
    print(f"{names[0] + ':':<{width}} {without:.3f} s")
    print(f"{names[1] + ':':<{width}} {with_plugin:.3f} s")
    print(f"ratio: {with_plugin / without:.3f} (overhead {100 * (with_plugin / without - 1):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
