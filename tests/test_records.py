"""Records cross between processes by pickle: every field survives, computed ones included."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

from nsnbuild.errors import Diagnostic, SourcePos
from nsnbuild.model import Brief, Photo, Place, ResolvedCitation, SourceRef


def round_trip(value: object) -> object:
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def test_a_brief_comes_back_whole_with_its_computed_url() -> None:
    brief = Brief(
        path=Path("/site/content/briefs/a.md"),
        rel="content/briefs/a.md",
        title='Iran, the IAEA & "Snapback"',
        date=dt.datetime(2015, 4, 27, 9, 30, tzinfo=dt.UTC),
        slug="iran-snapback",
        body="Text. [Reuters, 4/26/15]\n",
        body_line=7,
        digest="abc",
        tags=("iran", "nuclear"),
        photo=Photo(src="img/a.jpg", alt="A map", credit="AP"),
        sources=(SourceRef(name="Reuters", date=dt.date(2015, 4, 26), url="https://example.org/r"),),
    )
    back = round_trip(brief)
    assert isinstance(back, Brief)
    assert back == brief
    assert back.url == brief.url == "briefs/2015/04/27/iran-snapback/"
    assert back.photo == brief.photo and back.sources == brief.sources


def test_nested_records_and_diagnostics_come_back_equal() -> None:
    citation = ResolvedCitation(
        1, "Reuters", dt.date(2015, 4, 26), None, None, "reuters", None, (Place(9, 41), Place(11, 3))
    )
    diagnostic = Diagnostic("warning", "no URL", SourcePos(Path("content/briefs/a.md"), 9, 42))
    assert round_trip([citation, diagnostic]) == [citation, diagnostic]


def test_records_pickle_without_the_field_by_field_state() -> None:
    # the class and a tuple of values: no per-object field lookups, no state dict
    reduced = Place(1, 2).__reduce__()
    assert reduced == (Place, (1, 2))
