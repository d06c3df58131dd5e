"""Front matter is read by a quicker construction than PyYAML's general one: it must give
exactly what PyYAML's safe loader gives (with nsnbuild's one change, impossible dates kept
as text), values, types and errors alike."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nsnbuild import yamlfront, yamlload


class _Reference(yamlload._BaseLoader):
    """PyYAML's safe loader with nsnbuild's timestamp rule and nothing else."""


_Reference.add_constructor("tag:yaml.org,2002:timestamp", yamlload._timestamp_or_text)


def outcome(text: str, loader: type[Any]) -> str:
    """What loading gives, as text that tells types apart (NaN equals NaN here), or the error."""
    try:
        return repr(yaml.load(text, Loader=loader))
    except Exception as exc:  # the error itself is part of what must agree
        return f"{type(exc).__name__}: {exc}"


def agree(text: str) -> None:
    ours, theirs = outcome(text, yamlload.FrontMatterLoader), outcome(text, _Reference)
    if ours.startswith("RepeatedKeys:"):
        # a key written twice is refused where PyYAML keeps the last value
        assert not theirs.startswith(("ConstructorError", "TypeError")), text
        assert len(yaml.compose(text).value) > len(yaml.load(text, Loader=_Reference)), text
        return
    assert ours == theirs, text


SCALARS = [
    "", "~", "null", "Null", "NULL", "true", "True", "yes", "No", "on", "OFF", "y", "n",
    "0", "-0", "+12", "0x1A", "0o17", "017", "0b101", "1_000", "1:30", "190:20:30",
    "1.5", "-.5", "1e3", "1.0e+3", "6.8523015e+5", ".inf", "-.Inf", ".NaN", "1_0.5",
    "2015-04-26", "2015-02-30", "2015-4-6", "2015-04-26 09:30", "2015-04-26T09:30:00Z",
    "2015-04-26t09:30:00.5-05:00", "2015-04-26 9:30:00 +2", "20150426",
    "Reuters", "Wall Street Journal", "New York Times, 4/26/15", "'quoted'", "a: b",
    "=", "<<", "!", "#", "- x", "[x]", "{x}", "&", "*", "%", "@", "`",
    "Ünïcödé", "\u00a0", "日本", "a\tb",
]  # fmt: skip

TRICKY = [
    "a: !!int ten",
    "a: !!float x\nb: [!!int ten]",
    "a: [!!int ten]\nb: !!float x",
    "{[1]: 2}",
    "? {a: 1}\n: 2",
    "a: &x [1, *x]",
    "{&k !!float nan: 1, *k: 2}",
    "a: &n !!float nan\nb: *n\nc: [*n, *n]",
    "a: &x {b: *x}",
    "base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  y: 3",
    "<<: [{a: 1}, {a: 2, b: 2}]\nc: 3",
    "<<: 5",
    "=: 3",
    "a: !!binary aGVsbG8=",
    "a: !!set {x, y}",
    "a: !!omap [{x: 1}, {y: 2}]",
    "a: !!pairs [{x: 1}, {x: 2}]",
    "a: !!str 12",
    "a: !!str {b: 1}",
    "a: !!int '12'",
    "a: !!bool maybe",
    "a: !!timestamp 2015-02-30",
    "a: !custom 1",
    "a: !!python/name:os.system",
    "a:\n  - b: 1\n    c: [1, 2, {d: e}]\n  - 2015-04-26",
    "title: A\ndate: 2015-04-27\ntags: [Iran, Japan]\nsources:\n"
    "  - name: Reuters\n    date: '2015-04-26'\n    url: https://example.org/a\n",
    "[1, 2, 3]",
    "just text",
    "- a\n- b",
    "a: " + "[" * 70 + "1" + "]" * 70,  # deeper than the quick construction goes
    "a: 'unterminated",
    "a: [1, 2",
    "a: b: c",
]


@pytest.mark.parametrize("text", TRICKY)
def test_unusual_documents_load_as_pyyaml_loads_them(text: str) -> None:
    agree(text)


@pytest.mark.parametrize("style", ["plain", "single", "double"])
def test_every_kind_of_scalar_loads_as_pyyaml_loads_it(style: str) -> None:
    for scalar in SCALARS:
        if style == "plain":
            text = scalar
        elif style == "single":
            text = "'" + scalar.replace("'", "''") + "'"
        else:
            text = '"' + scalar.replace("\\", "\\\\").replace('"', '\\"') + '"'
        shapes = (f"key: {text}", f"- {text}", f"{text}: value", f"[{text}, {text}]", f"{{k: {text}}}")
        for document in shapes:
            agree(document)


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text()
    | st.sampled_from(SCALARS)
    | st.dates()
    | st.datetimes(timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-5))])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(SCALARS) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    value=values,
    flow=st.sampled_from([None, True, False]),
    quoting=st.sampled_from([None, "'", '"']),
)
def test_any_dumped_document_loads_as_pyyaml_loads_it(
    value: Any, flow: bool | None, quoting: str | None
) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, default_style=quoting, allow_unicode=True)
    agree(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!<=>'\"#\n ?|0123456789.~")), max_size=40))
def test_any_text_loads_or_fails_as_pyyaml_does(text: str) -> None:
    agree(text)


def test_a_billion_laughs_is_built_once_and_shared() -> None:
    # nine levels of nine aliases: built out at each use, a billion strings
    names = "abcdefghi"
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    data = yaml.load("\n".join(lines), Loader=yamlload.FrontMatterLoader)
    assert data["i"][0] is data["h"] and data["h"][8] is data["g"] and data["b"][4] is data["a"]


def test_a_key_written_twice_is_an_error_at_each_repeat(tmp_path: Path) -> None:
    text = (
        "---\ntitle: First\ndate: 2015-01-01\ntitle: Second\n"
        "photo:\n  alt: a\n  alt: b\n  credit: c\n1: x\n01: y\n---\nBody.\n"
    )
    path = tmp_path / "a.md"
    split, problems = yamlfront.split_front_matter(text, path)
    assert split is None
    assert [(d.pos.line, d.pos.col, d.message) for d in problems if d.pos] == [
        (4, 1, "key 'title' is given twice (first on line 2); remove one of them"),
        (7, 3, "key 'alt' is given twice (first on line 6); remove one of them"),
        (10, 1, "key '01' is given twice (first as '1' on line 9); remove one of them"),
    ]


def test_a_key_written_twice_is_found_in_documents_with_aliases_and_merges_too(tmp_path: Path) -> None:
    text = (
        "---\ntitle: A\ntitle: B\nb: &x {k: 1}\nc: *x\nd:\n  <<: *x\n  k: 2\n"
        "e: [{yes: 1, true: 2}]\n---\nBody.\n"
    )
    split, problems = yamlfront.split_front_matter(text, tmp_path / "a.md")
    assert split is None
    assert [(d.pos.line, d.pos.col, d.message) for d in problems if d.pos] == [
        (3, 1, "key 'title' is given twice (first on line 2); remove one of them"),
        (9, 14, "key 'true' is given twice (first as 'yes' on line 9); remove one of them"),
    ]


def test_a_merge_key_may_still_be_overridden() -> None:
    text = "base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  y: 3\n"
    assert yaml.load(text, Loader=yamlload.FrontMatterLoader)["mine"] == {"x": 1, "y": 3}
