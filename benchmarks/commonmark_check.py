"""Render every CommonMark spec example with and without the citation plugin; report changes.

    python benchmarks/commonmark_check.py path/to/spec.json

spec.json is the list of examples published with the spec ({markdown, html, example, section}).
Exits 1 if any example renders differently with the plugin.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from markdown_it import MarkdownIt

from nsnbuild.citations import citation_plugin


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    examples = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    plain = MarkdownIt("commonmark")
    cited = MarkdownIt("commonmark").use(citation_plugin)
    differing = 0
    for example in examples:
        expected = plain.render(example["markdown"])
        actual = cited.render(example["markdown"])
        if actual != expected:
            differing += 1
            print(f"example {example['example']} ({example['section']}) differs:")
            print(f"  markdown: {example['markdown']!r}")
            print(f"  without:  {expected!r}")
            print(f"  with:     {actual!r}")
    print(f"{len(examples) - differing} of {len(examples)} examples identical with the plugin")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
