"""The text inside one bracket: citation groups, near misses and editorial brackets."""

from __future__ import annotations

import datetime as dt

import pytest

from nsnbuild.citations import (
    Citation,
    CitationGroup,
    NotCitation,
    expand_year,
    fold_name,
    parse_group,
)


def group(text: str, reference_date: dt.date | None = None) -> tuple[Citation, ...]:
    result = parse_group(text, reference_date)
    assert isinstance(result, CitationGroup), result
    return result.citations


def cited(text: str, reference_date: dt.date | None = None) -> list[tuple[str, dt.date]]:
    return [(c.source, c.date) for c in group(text, reference_date)]


@pytest.mark.parametrize(
    ("date_text", "date"),
    [
        ("4/26/15", dt.date(2015, 4, 26)),
        ("04/06/15", dt.date(2015, 4, 6)),
        ("4/6/2015", dt.date(2015, 4, 6)),
        ("04/06/2015", dt.date(2015, 4, 6)),
        ("2015-04-26", dt.date(2015, 4, 26)),
        ("April 26, 2015", dt.date(2015, 4, 26)),
        ("Apr. 26, 2015", dt.date(2015, 4, 26)),
        ("Apr 26, 2015", dt.date(2015, 4, 26)),
        ("Sept. 3, 2014", dt.date(2014, 9, 3)),
        ("Sep. 3, 2014", dt.date(2014, 9, 3)),
        ("Sep 3, 2014", dt.date(2014, 9, 3)),
        ("September 3, 2014", dt.date(2014, 9, 3)),
        ("May 1, 2015", dt.date(2015, 5, 1)),
        ("June 9, 2015", dt.date(2015, 6, 9)),
        ("Jun. 9, 2015", dt.date(2015, 6, 9)),
        ("Dec 31, 1999", dt.date(1999, 12, 31)),
        ("2/29/16", dt.date(2016, 2, 29)),
    ],
)
def test_every_date_form_is_read(date_text: str, date: dt.date) -> None:
    (citation,) = group(f"Reuters, {date_text}")
    assert citation.date == date
    assert citation.date_text == date_text
    assert citation.source == "Reuters"


def test_a_citation_records_what_was_written_and_where() -> None:
    text = "James Schoff, 4/21/15. Wall Street Journal, 4/26/15"
    first, second = group(text)
    assert first == Citation("James Schoff", dt.date(2015, 4, 21), "4/21/15", text[:21], 0, 21)
    assert second.text == "Wall Street Journal, 4/26/15"
    assert text[second.start : second.end] == second.text


@pytest.mark.parametrize("separator", [". ", "; ", ".  ", ";\n"])
def test_citations_are_separated_by_a_period_or_a_semicolon(separator: str) -> None:
    assert cited(f"CNN, 4/1/15{separator}Yonhap, 4/2/15") == [
        ("CNN", dt.date(2015, 4, 1)),
        ("Yonhap", dt.date(2015, 4, 2)),
    ]


@pytest.mark.parametrize("ending", [".", ";", ". ", " "])
def test_a_trailing_period_or_semicolon_is_allowed(ending: str) -> None:
    assert cited(f"CNN, 4/1/15{ending}") == [("CNN", dt.date(2015, 4, 1))]


def test_periods_in_names_and_month_abbreviations_never_split() -> None:
    assert cited("Office of the U.S. Trade Representative, Apr. 26, 2015. A.P., Sept. 3, 2014") == [
        ("Office of the U.S. Trade Representative", dt.date(2015, 4, 26)),
        ("A.P.", dt.date(2014, 9, 3)),
    ]


def test_the_source_is_everything_before_the_last_comma_followed_by_a_date() -> None:
    text = "Office of the U.S. Trade Representative, Press Office, 4/26/15"
    (citation,) = group(text)
    assert citation.source == "Office of the U.S. Trade Representative, Press Office"
    assert citation.date == dt.date(2015, 4, 26)


def test_white_space_of_any_kind_counts_as_one_space() -> None:
    text = " Wall\u00a0Street\u202fJournal,\t\n 4/26/15 "
    (citation,) = group(text)
    assert citation.source == "Wall Street Journal"
    assert citation.text == "Wall Street Journal, 4/26/15"
    assert (citation.start, citation.end) == (1, len(text) - 1)


def test_offsets_point_into_the_text_as_given() -> None:
    text = "CNN,\n  4/1/15;   Japan\u00a0Times,  Apr.  2,  2015 ."
    first, second = group(text.removesuffix(" ."))
    assert text[first.start : first.end] == "CNN,\n  4/1/15"
    assert text[second.start : second.end] == "Japan\u00a0Times,  Apr.  2,  2015"
    assert second.date_text == "Apr. 2, 2015"


@pytest.mark.parametrize(
    "text",
    [
        "sic",
        "military",
        "for U.S. and Japanese forces",
        "1",
        "2015",
        "4/26/15",
        "2015-04-26",
        "April 26, 2015",
        "",
        " ",
        "in the talks",
        "see note 4",
        "signed 4/26/15",
        "as of April 26, 2015",
        "In Paris, April 26, 2015, the ministers met",
        "12, 4/26/15",
    ],
)
def test_editorial_brackets_are_not_citations_and_say_nothing(text: str) -> None:
    assert parse_group(text) == NotCitation(None, None)


@pytest.mark.parametrize(
    "text",
    [
        "*Reuters*, 4/26/15",
        "_Reuters_, 4/26/15",
        "Reuters, `4/26/15`",
        "Reuters <b>, 4/26/15",
        "Re\\uters, 4/26/15",
        "AT&amp;T, 4/26/15",
        "AT&#38;T, 4/26/15",
        "Reuters [wire], 4/26/15",
    ],
)
def test_brackets_with_markdown_markup_are_left_to_commonmark(text: str) -> None:
    assert parse_group(text) == NotCitation(None, None)


def test_an_ampersand_that_starts_no_entity_is_part_of_a_name() -> None:
    assert cited("AT&T, 4/26/15") == [("AT&T", dt.date(2015, 4, 26))]


@pytest.mark.parametrize(
    ("text", "bad", "offset"),
    [
        ("Reuters, 13/45/15", "13/45/15", 9),
        ("Reuters, 2/30/15", "2/30/15", 9),
        ("Reuters, 2/29/15", "2/29/15", 9),
        ("Reuters, February 30, 2015", "February 30, 2015", 9),
        ("Reuters, 2015-13-01", "2015-13-01", 9),
        ("CNN, 4/1/15. Reuters, 4/31/15", "4/31/15", 22),
        ("Reuters,\n  2/30/15", "2/30/15", 11),
    ],
)
def test_a_date_that_does_not_exist_is_an_error_at_the_date(text: str, bad: str, offset: int) -> None:
    assert parse_group(text) == NotCitation("error", f"invalid date '{bad}' in citation", offset)


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("Reuters, 4/26", "citation date '4/26' has no year", 9),
        ("Reuters, April 26", "citation date 'April 26' has no year", 9),
        ("Reuters, April 2015", "citation date 'April 2015' has no day", 9),
        (
            "Reuters 4/26/15",
            "missing comma before the date '4/26/15' in what looks like a citation",
            8,
        ),
        (
            "Office of the U.S. Trade Representative April 26, 2015",
            "missing comma before the date 'April 26, 2015' in what looks like a citation",
            40,
        ),
        (
            "Reuters,4/26/15",
            "missing space after the comma before the date '4/26/15' in what looks like a citation",
            8,
        ),
        (
            "Reuters, 4/26/15, p. 3",
            "unexpected text 'p. 3' after the date in what looks like a citation",
            18,
        ),
        (
            "Reuters, 4/26/15 (updated)",
            "unexpected text '(updated)' after the date in what looks like a citation",
            17,
        ),
        (
            "Reuters, 4/26/15. see the annex",
            "unexpected text 'see the annex' after the date in what looks like a citation",
            18,
        ),
        (
            "Reuters, 4/26/15, CNN, 4/27/15",
            "citations must be separated by '. ' or '; ', not ',' (before 'CNN, 4/27/15')",
            18,
        ),
        (
            "CNN, 4/1/15. Reuters 4/26/15",
            "missing comma before the date '4/26/15' in what looks like a citation",
            21,
        ),
        (
            "Reuters, 26 April 2015",
            "citation date '26 April 2015' is not in a form nsnbuild reads"
            " (write 4/26/15, 2015-04-26 or April 26, 2015)",
            9,
        ),
        (
            "Reuters, 4/26/155",
            "citation date '4/26/155' is not in a form nsnbuild reads"
            " (write 4/26/15, 2015-04-26 or April 26, 2015)",
            9,
        ),
    ],
)
def test_near_misses_are_warnings_that_say_what_is_wrong(text: str, message: str, offset: int) -> None:
    assert parse_group(text) == NotCitation("warning", message, offset)


@pytest.mark.parametrize(
    ("reference", "written", "year"),
    [
        (dt.date(2001, 5, 1), "9/3/99", 1999),
        (dt.date(2015, 4, 26), "4/27/15", 2015),
        (dt.date(1998, 1, 1), "1/1/05", 2005),
        (dt.date(1950, 1, 1), "1/1/99", 1999),
        (dt.date(2015, 1, 1), "1/1/65", 1965),
        (dt.date(2015, 1, 1), "1/1/64", 2064),
    ],
)
def test_a_two_digit_year_is_the_one_closest_to_the_brief(
    reference: dt.date, written: str, year: int
) -> None:
    (citation,) = group(f"Reuters, {written}", reference)
    assert citation.date.year == year


@pytest.mark.parametrize(("two_digit", "year"), [(0, 2000), (68, 2068), (69, 1969), (99, 1999)])
def test_without_a_brief_date_two_digit_years_follow_posix(two_digit: int, year: int) -> None:
    assert expand_year(two_digit, None) == year


def test_expand_year_prefers_the_past_on_a_tie_and_rejects_other_numbers() -> None:
    assert expand_year(65, dt.date(2015, 6, 1)) == 1965
    with pytest.raises(ValueError, match="two-digit"):
        expand_year(100, None)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Reuters, 4/26/15, " * 3000, "'Reuters, 4/26/15, Reuters, 4/26/15, Reu…'"),
        ("Reuters, 4/26/15 x " * 3000, "'x Reuters, 4/26/15 x Reuters, 4/26/15 x…'"),
        ("Reuters, 4/26/15. " * 3000 + "x", "'x'"),
    ],
)
def test_long_brackets_are_read_in_one_pass_and_quoted_briefly(text: str, quoted: str) -> None:
    result = parse_group(text)
    assert result == NotCitation(
        "warning",
        f"unexpected text {quoted} after the date in what looks like a citation",
        result.offset,
    )


def test_fold_name_ignores_case_and_white_space() -> None:
    assert fold_name(" Wall\u00a0 STREET\n\tjournal ") == "wall street journal"
    assert fold_name("Straße") == fold_name("STRASSE")


def test_results_are_frozen() -> None:
    (citation,) = group("CNN, 4/1/15")
    with pytest.raises(AttributeError):
        citation.source = "BBC"  # type: ignore[misc]
