#!/usr/bin/env python3
"""A reproducible corpus of synthetic briefs for timing builds.

    python3 benchmarks/corpus.py N DIR

writes N briefs to DIR/briefs/YYYY-MM-DD-slug.md. Brief i depends only on i, so the
corpus for N is a prefix of the corpus for any larger N. Each brief has YAML front
matter (title, date, tags, summary, photo credit, sources) and 600-1200 words of body
with 4-12 bracket citation groups, some with several citations, a link or two, a
blockquote, sometimes a list, and editorial brackets that are not citations.
All names of analysts are invented; outlet names are used only as citation labels.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
from pathlib import Path

REGIONS = [
    ("Japan", "Tokyo", "Japanese"),
    ("China", "Beijing", "Chinese"),
    ("Korea", "Seoul", "Korean"),
    ("Iran", "Tehran", "Iranian"),
    ("Iraq", "Baghdad", "Iraqi"),
    ("Syria", "Damascus", "Syrian"),
    ("Afghanistan", "Kabul", "Afghan"),
    ("Pakistan", "Islamabad", "Pakistani"),
    ("India", "New Delhi", "Indian"),
    ("Russia", "Moscow", "Russian"),
    ("Ukraine", "Kyiv", "Ukrainian"),
    ("Turkey", "Ankara", "Turkish"),
    ("Egypt", "Cairo", "Egyptian"),
    ("Libya", "Tripoli", "Libyan"),
    ("Yemen", "Sanaa", "Yemeni"),
    ("Cuba", "Havana", "Cuban"),
    ("Mexico", "Mexico City", "Mexican"),
    ("Venezuela", "Caracas", "Venezuelan"),
    ("Israel", "Jerusalem", "Israeli"),
    ("Saudi Arabia", "Riyadh", "Saudi"),
]
THEMES = [
    "Sanctions",
    "Arms Control",
    "Trade",
    "Climate",
    "Cybersecurity",
    "Counterterrorism",
    "Refugees",
    "Energy",
    "Human Rights",
    "Foreign Aid",
    "Defense Budget",
    "Alliances",
    "Nonproliferation",
    "Maritime Security",
    "Diplomacy",
    "Intelligence",
    "Elections",
    "Public Health",
    "Migration",
    "Space",
]
OUTLETS = [
    ("New York Times", "nytimes.com"),
    ("Washington Post", "washingtonpost.com"),
    ("Reuters", "reuters.com"),
    ("Associated Press", "apnews.com"),
    ("Financial Times", "ft.com"),
    ("Wall Street Journal", "wsj.com"),
    ("Los Angeles Times", "latimes.com"),
    ("BBC", "bbc.com"),
    ("Al Jazeera", "aljazeera.com"),
    ("Foreign Policy", "foreignpolicy.com"),
    ("Politico", "politico.com"),
    ("The Hill", "thehill.com"),
    ("Bloomberg", "bloomberg.com"),
    ("Guardian", "theguardian.com"),
    ("Economist", "economist.com"),
    ("Christian Science Monitor", "csmonitor.com"),
    ("Defense One", "defenseone.com"),
    ("Nikkei Asia", "asia.nikkei.com"),
    ("Le Monde", "lemonde.fr"),
    ("Der Spiegel", "spiegel.de"),
]
FIRST = [
    "Amara",
    "Jonas",
    "Priya",
    "Mateo",
    "Helen",
    "Kwame",
    "Ines",
    "Tomasz",
    "Leila",
    "Oren",
    "Sofia",
    "Idris",
]
LAST = [
    "Whitcombe",
    "Okonjo",
    "Lindqvist",
    "Barros",
    "Nakagawa",
    "Petrenko",
    "Haddad",
    "Moreau",
    "Castellano",
]
ACTORS = [
    "the secretary of state",
    "a senior administration official",
    "the defense minister",
    "opposition leaders",
    "the national security adviser",
    "congressional aides",
    "European diplomats",
    "the foreign ministry",
    "regional analysts",
    "the ranking member of the Foreign Relations Committee",
    "military planners",
]
VERBS = ["warned", "argued", "acknowledged", "insisted", "suggested", "cautioned", "conceded", "announced"]
OUTCOMES = [
    "the talks could resume within weeks",
    "the deployment would be extended",
    "the package was still under review",
    "the agreement would hold despite the violations",
    "new measures were likely before the summit",
    "the vote would slip into next month",
    "the aid would be conditioned on reforms",
    "the negotiations had reached a critical stage",
    "the border crossings would reopen",
]
CONTEXT = [
    "after months of negotiations",
    "ahead of the summit",
    "in a closed briefing",
    "late on Tuesday",
    "in an interview with reporters",
    "during a visit to the region",
    "in testimony on Capitol Hill",
]
EDITORIAL = ["[sic]", "[the agreement]", "[military]", "[for both governments]", "[in 2014]", "[1]"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ABBREV = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def cite_date(when: dt.date, rng: random.Random) -> str:
    form = rng.random()
    if form < 0.7:
        return f"{when.month}/{when.day}/{when.year % 100:02d}"
    if form < 0.85:
        return when.isoformat()
    if form < 0.93:
        return f"{MONTHS[when.month - 1]} {when.day}, {when.year}"
    return f"{ABBREV[when.month - 1]} {when.day}, {when.year}"


def sentence(rng: random.Random, place: str, adjective: str, topic: str) -> str:
    actor = rng.choice(ACTORS)
    return (
        f"{rng.choice([adjective, 'U.S.', 'Allied'])} officials and {actor} {rng.choice(VERBS)} "
        f"{rng.choice(CONTEXT)} that {rng.choice(OUTCOMES)}, and that {topic.lower()} policy toward "
        f"{place} {rng.choice(['would not change', 'was being reconsidered', 'faced new pressure'])}."
    )


def brief(index: int) -> tuple[str, str]:
    rng = random.Random(index * 7919 + 17)
    place, capital, adjective = rng.choice(REGIONS)
    topic = rng.choice(THEMES)
    day = dt.date(2006, 1, 1) + dt.timedelta(days=(index * 37 + rng.randrange(30)) % 4000)
    title = rng.choice(
        [
            f"{place} and Washington Weigh the Next Step on {topic}",
            f"In {capital}, New Doubts Over {topic}",
            f"What the {adjective} Decision Means for {topic}",
            f"{topic}: {place} Tests the Administration",
        ]
    )
    tags = [place, topic, *rng.sample([t for t in THEMES if t != topic], rng.randrange(0, 3))]
    analyst = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    sources: dict[tuple[str, dt.date], str] = {}
    paragraphs = []
    for _ in range(rng.randrange(5, 10)):
        text = " ".join(sentence(rng, place, adjective, topic) for _ in range(rng.randrange(4, 8)))
        if rng.random() < 0.2:
            aside = rng.choice(EDITORIAL)
            text += f' "We will not accept {aside} any outcome that weakens the commitment," one said.'
        group = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            name = analyst if rng.random() < 0.15 else rng.choice(OUTLETS)[0]
            when = day - dt.timedelta(days=rng.randrange(0, 6))
            sources[(name, when)] = f"{topic} and {place}: {rng.choice(OUTCOMES).capitalize()}"
            group.append(f"{name}, {cite_date(when, rng)}")
        paragraphs.append(f"{text} [{'. '.join(group)}]")
        if rng.random() < 0.15:
            quoted = sentence(rng, place, adjective, topic)
            paragraphs.append(f"> {quoted} [{rng.choice(OUTLETS)[0]}, {cite_date(day, rng)}]")
            name = paragraphs[-1].rsplit("[", 1)[1].split(",")[0]
            sources[(name, day)] = f"Inside the {topic.lower()} debate"
    if rng.random() < 0.3:
        paragraphs.append("\n".join(f"- {sentence(rng, place, adjective, topic)}" for _ in range(3)))
    paragraphs.insert(
        1, f"Background reading: [the {topic.lower()} file](https://example.com/{slugify(topic)})."
    )
    lines = [
        "---",
        f'title: "{title}"',
        f"date: {day.isoformat()}",
        "tags:",
        *[f'  - "{t}"' for t in dict.fromkeys(tags)],
        f'summary: "{sentence(rng, place, adjective, topic)}"',
        "photo:",
        f'  credit: "Photo: {rng.choice(OUTLETS)[0]}"',
        "sources:",
    ]
    domains = dict(OUTLETS)
    for (name, when), item_title in sources.items():
        domain = domains.get(name, "analysis.example.org")
        lines += [
            f'  - name: "{name}"',
            f'    date: "{when.isoformat()}"',
            f'    title: "{item_title}"',
            f'    url: "https://www.{domain}/{when:%Y/%m/%d}/{slugify(item_title)}"',
        ]
    lines.append("---")
    return f"{day.isoformat()}-{slugify(title)}-{index}", "\n".join(lines) + "\n\n" + "\n\n".join(
        paragraphs
    ) + "\n"


def write_corpus(count: int, folder: Path) -> None:
    target = folder / "briefs"
    target.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        name, text = brief(index)
        (target / f"{name}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: corpus.py N DIR")
    write_corpus(int(sys.argv[1]), Path(sys.argv[2]))
