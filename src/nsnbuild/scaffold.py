"""New sites and new briefs: the files `nsnbuild init` and `nsnbuild new` write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from .errors import NsnError, display_path
from .slugs import slugify


def quote(text: str) -> str:
    """text as a double-quoted YAML scalar on one line, safe whatever it holds."""
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=float("inf"))
    return dumped.strip().removesuffix("...").strip()


def brief_filename(title: str, date: dt.date) -> str:
    """`YYYY-MM-DD-slug.md` for a brief of that title and date."""
    slug = slugify(title)
    if not slug:
        raise NsnError(f"cannot make a file name from the title {title!r}: it has no letters or digits")
    return f"{date.isoformat()}-{slug}.md"


def brief_text(title: str, date: dt.date, tags: Sequence[str] = (), authors: Sequence[str] = ()) -> str:
    """A new brief: front matter filled in, a commented `sources` example, a placeholder body."""
    lines = [
        "---",
        f"title: {quote(title)}",
        f"date: {date.isoformat()}",
        "# One or two sentences for the home page, the feeds and link previews.",
        'summary: ""',
    ]
    if tags:
        lines.append("tags:")
        lines += [f"  - {quote(tag)}" for tag in tags]
    else:
        lines += ["tags: []"]
    if authors:
        lines.append("authors:")
        lines += [f"  - {quote(author)}" for author in authors]
    example = f"{date.month}/{date.day}/{date:%y}"
    lines += [
        "# draft: true",
        "#",
        "# Cite sources at the end of a sentence or paragraph, in brackets:",
        f"#   [Wall Street Journal, {example}]",
        f"#   [Wall Street Journal, {example}. Reuters, {date:%B} {date.day}, {date.year}]",
        "# Dates may be M/D/YY, YYYY-MM-DD or 'Month D, YYYY'. Describe each item cited here,",
        "# so its note links to it (sources.toml supplies outlets' home pages and aliases):",
        "# sources:",
        '#   - name: "Wall Street Journal"',
        f"#     date: {date.isoformat()}",
        '#     title: "The headline of the article"',
        '#     url: "https://www.wsj.com/articles/..."',
        "---",
        "",
        "**The first point, in one bold sentence.** Then what was reported, and by whom, ending",
        "with the sources in brackets.",
        "",
    ]
    return "\n".join(lines)


def create_brief(
    root: Path, title: str, date: dt.date, tags: Sequence[str] = (), authors: Sequence[str] = ()
) -> Path:
    """Write `content/briefs/YYYY-MM-DD-slug.md` under root; never overwrite a file."""
    if not title.strip():
        raise NsnError("the title is empty")
    path = root / "content" / "briefs" / brief_filename(title, date)
    text = brief_text(title.strip(), date, tags, authors)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise NsnError(f"{display_path(path)} already exists; not overwriting it") from None
    return path


# ---------------------------------------------------------------- init

CONFIG = """\
# nsnbuild site configuration. Every key is optional: a missing key takes the default
# noted beside it. Run `nsnbuild check` after an edit to see any problem.

# The site's name, in the header, the browser's title bar and the feeds. (default "Briefs")
title = "Briefs"

# One or two sentences about the site, for the home page and the feeds. (default "")
description = "Short, sourced briefs on foreign and national security policy."

# The public address of the site, with its path when it does not live at the root of
# its domain (on GitHub Pages: "https://USER.github.io/REPO/"). Links and feeds use it.
# (no default: http://localhost:8000/ is used, with a warning)
base_url = "https://example.org/"

# The language of the briefs, a BCP 47 tag such as "en" or "en-GB". (default "en")
language = "en"

# The time zone of the briefs' dates, an IANA name such as "America/New_York".
# A brief dated 2015-04-28 is published at midnight in this zone. (default "UTC")
timezone = "UTC"

# The byline of briefs that name no authors of their own. (default: none)
author = "The Editors"

# A folder in themes/ whose templates and assets replace the default theme's, file by
# file; "default" for the built-in theme alone. (default "default")
theme = "default"

# Where `nsnbuild build` writes the site, relative to this file. (default "output")
output_dir = "output"

# Briefs per page on the home page and the tag, source and author pages. (default 20)
briefs_per_page = 20

# Briefs in each feed (RSS, Atom and JSON Feed). (default 20)
feed_items = 20

# "footnotes": each bracket citation becomes numbered note markers; "inline": the
# bracket text stays visible, linked to the source. Both keep the Sources list.
# (default "footnotes")
citation_style = "footnotes"

# The site icon, a path under static/. Uncomment once the file exists. (default: none)
# icon = "favicon.png"

[publisher]
# Who publishes the site, for the footer and the structured data. (default: the title)
name = "Briefs"
# The publisher's home page. (default: none)
# url = "https://example.org/"
# The publisher's logo, a path under static/. (default: none)
# logo = "logo.png"

[markdown]
# Let briefs contain raw HTML. Leave it off unless every author may write HTML. (default false)
allow_html = false
# Turn straight quotes into curly ones and -- into dashes. (default false)
typographer = false
"""

REGISTRY = """\
# The source registry: one table per outlet or analyst the briefs cite.
#
# A citation such as [Herald, 4/26/15] is matched to a table by its name or one of its
# aliases; case and spacing do not matter, though `nsnbuild check` warns when they differ.
#
#   url      the outlet's home page: the link of a cited item the brief gives no URL for
#   aliases  other names authors write for the same outlet
#   kind     newspaper, wire, magazine, broadcaster, government, think-tank or analyst
#
# Details of one article (its title and address) go in the brief's front matter, under
# `sources:`.

["Example Herald"]
url = "https://example.com/"
aliases = ["Herald", "The Example Herald"]
kind = "newspaper"
"""

SAMPLE_BRIEF = """\
---
title: "A First Brief: How Citations Work"
date: {today}
summary: >-
  A sample brief that shows bracket citations, a front-matter sources list
  and the source registry at work. Replace it with your own.
tags:
  - "Getting started"
sources:
  - name: "Example Herald"
    date: {today}
    title: "Allies Agree on a New Framework for Cooperation"
    url: "https://example.com/news/allies-agree-on-new-framework"
---

**Every paragraph ends with its sources.** Name the outlet or analyst and the
date of the item in brackets, and nsnbuild turns the bracket into a numbered
note and lists the item under Sources at the end of the brief, with the title
and link given in the front matter. [Example Herald, {short}]

**Several items can share one bracket.** Separate them with a period or a
semicolon. "Herald" is an alias of "Example Herald" in sources.toml, so the
first item below is the one cited above and keeps its number; the second is
another item from the same outlet, linked to the outlet's home page.
[Herald, {short}. Example Herald, {long}]

**Editorial brackets stay as written.** A quotation may say that "the parties
[sic] agreed", and a bracket with no date, such as [for both governments], is
not a citation. Links work as usual: see the [About page](../pages/about.md).

**Next steps.** Run `nsnbuild new "Your headline"` to start a brief,
`nsnbuild serve` to preview the site as you write, and `nsnbuild check` to
find problems before you publish. Delete this brief when you no longer need it.
"""

ABOUT = """\
---
title: "About"
summary: "What this site is and how it cites its sources."
---

This site publishes short briefs on foreign and national security policy. Each
brief summarizes the day's reporting and analysis on one subject.

## How we cite

Every paragraph ends with its sources in brackets: the outlet or analyst, then
the date of the item. Each bracket becomes a numbered note, and a **Sources**
list at the end of the brief gives the title, the date and a link for each item.
"""

GITIGNORE = """\
output/
.nsnbuild-cache/
"""

REQUIREMENTS = """\
# What CI installs to check and build the site: the nsnbuild that created it.
# Change the line to use another version, or a fork, e.g.
#   nsnbuild @ git+https://github.com/OWNER/nsnbuild@main
nsnbuild=={version}
"""

WORKFLOW = """\
# Check every push and pull request, build the site, and publish it on GitHub Pages
# from the main branch. In the repository's settings, under Pages, choose
# "GitHub Actions" as the source.
name: Site

on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

# a newer push replaces a pull request's run; a deployment in progress is never cut short
concurrency:
  group: site-${{ github.ref }}
  cancel-in-progress: ${{ github.event_name == 'pull_request' }}

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
      - name: Install nsnbuild
        run: pip install -r requirements.txt
      - name: Check
        run: nsnbuild check --format github
      - name: Build
        run: nsnbuild build
      - name: Upload the site
        uses: actions/upload-pages-artifact@v3
        with:
          path: output/

  deploy:
    if: github.event_name != 'pull_request' && github.ref == 'refs/heads/main'
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v4
"""


def site_files(version: str, today: dt.date) -> dict[str, str]:
    """Relative path -> text of every file of a new site."""
    yesterday = today - dt.timedelta(days=1)
    brief = SAMPLE_BRIEF.format(
        today=today.isoformat(),
        short=f"{today.month}/{today.day}/{today:%y}",
        long=f"{yesterday:%B} {yesterday.day}, {yesterday.year}",
    )
    return {
        "nsnbuild.toml": CONFIG,
        "sources.toml": REGISTRY,
        f"content/briefs/{today.isoformat()}-a-first-brief.md": brief,
        "content/pages/about.md": ABOUT,
        ".gitignore": GITIGNORE,
        "requirements.txt": REQUIREMENTS.format(version=version),
        ".github/workflows/site.yml": WORKFLOW,
    }


def init_site(folder: Path, files: Mapping[str, str]) -> list[Path]:
    """Write files under folder, creating it; refuse, writing nothing, if any of them exists."""
    if folder.exists() and not folder.is_dir():
        raise NsnError(f"{display_path(folder)} is a file, not a folder")
    targets = [folder / rel for rel in files]
    existing = [path for path in targets if path.exists() or path.is_symlink()]
    if existing:
        shown = "\n".join(f"  {display_path(path)}" for path in existing)
        raise NsnError(f"not creating a site: these files already exist (nothing was written):\n{shown}")
    written: list[Path] = []
    for path, text in zip(targets, files.values(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(path)
    return written
