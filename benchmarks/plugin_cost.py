"""Time rendering a folder of briefs with and without the citation plugin.

    python benchmarks/plugin_cost.py DIR

Renders the body (front matter between the first two `---` lines removed) of every `*.md`
under DIR with `MarkdownIt("commonmark")` and with the plugin added, alternately; best of 3.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from nsnbuild.citations import citation_plugin

ROUNDS = 3


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


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    paths = sorted(Path(argv[1]).rglob("*.md"))
    bodies = [body_of(path.read_text(encoding="utf-8")) for path in paths]
    plain = MarkdownIt("commonmark")
    cited = MarkdownIt("commonmark").use(citation_plugin)
    # Alternate the two so that a busy moment on the machine hits both alike.
    without = with_plugin = float("inf")
    for _ in range(ROUNDS):
        without = min(without, timed(plain.render, bodies))
        with_plugin = min(with_plugin, timed(cited.render, bodies))
    print(f"{len(bodies)} files, best of {ROUNDS}")
    print(f"commonmark:               {without:.3f} s")
    print(f"commonmark + citations:   {with_plugin:.3f} s")
    print(f"ratio: {with_plugin / without:.3f} (overhead {100 * (with_plugin / without - 1):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
