"""Tests for frameworks.importers.parsing: the importers' own cell rules (percentages, leads),
and every distinct cell of the seed tracker read by the rules the importers use (the rules
themselves – deadlines, status words, clean text – are tested once, in tests/domain)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from frameworks.domain.vocabulary import RAG
from frameworks.importers.parsing import (
    DatePrecision,
    DeadlineKind,
    PostRole,
    one_line,
    parse_deadline,
    parse_percent,
    parse_status,
    split_leads,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT.parent / "shared" / "seeds"

LEAD, SUPPORTING = PostRole.LEAD, PostRole.SUPPORTING
DATE, ONGOING, TBC = DeadlineKind.DATE, DeadlineKind.ONGOING, DeadlineKind.TBC
IMMEDIATE, CONDITIONAL, NOT_SET = (
    DeadlineKind.IMMEDIATE,
    DeadlineKind.CONDITIONAL,
    DeadlineKind.NOT_SET,
)
DAY, MONTH = DatePrecision.DAY, DatePrecision.MONTH


# parse_percent -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["78%", "0.78", 0.78, "78", 78, "<b>78%</b>", " 78 % ", 78.0])
def test_parse_percent(value) -> None:
    assert parse_percent(value) == 78


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", None), (None, None), ("<b></b>", None), (0, 0), ("100%", 100), (1.0, 100), (1, 1)],
)
def test_parse_percent_edges(value, expected) -> None:
    assert parse_percent(value) == expected


@pytest.mark.parametrize("value", ["150%", 101, -1, "-5%", "1.5%x", "abc", True])
def test_parse_percent_rejects(value) -> None:
    with pytest.raises(ValueError, match=r"percentage"):
        parse_percent(value)


def test_parse_percent_range_message_is_plain_english() -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_percent("150%")
    assert str(excinfo.value) == "A percentage must be between 0 and 100; '150%' is not."


# split_leads ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Divisional Director Youth and Commissioning with support from Head of Democratic "
            "Service",
            [
                ("Divisional Director Youth and Commissioning", LEAD),
                ("Head of Democratic Service", SUPPORTING),
            ],
        ),
        (
            "Divisional Director SPP (with Head of Democratic Services)",
            [("Divisional Director SPP", LEAD), ("Head of Democratic Services", SUPPORTING)],
        ),
        (
            "Chief Executive/ Corporate Directors/ Divisional Directors",
            [
                ("Chief Executive", LEAD),
                ("Corporate Directors", LEAD),
                ("Divisional Directors", LEAD),
            ],  # noqa: E501
        ),
        (
            "Head of Democratic Services and Head of Information Governance",
            [("Head of Democratic Services", LEAD), ("Head of Information Governance", LEAD)],
        ),
        (
            "Divisional Director Communications and Marketing",
            [("Divisional Director Communications and Marketing", LEAD)],
        ),
        (
            "Divisional Director, Planning and Building Control",
            [("Divisional Director, Planning and Building Control", LEAD)],
        ),
        (
            "Divisional Director Education and Partnership",
            [("Divisional Director Education and Partnership", LEAD)],
        ),
        (
            "Divisional Director, Planning and Building Control with Head of Democratic Services",
            [
                ("Divisional Director, Planning and Building Control", LEAD),
                ("Head of Democratic Services", SUPPORTING),
            ],
        ),
        (
            "Head of Democratic Services in conjunction with the Chair of THHF and the THHF Co- "
            "ordinator in the Place Directorate",
            [
                ("Head of Democratic Services", LEAD),
                ("Chair of THHF", SUPPORTING),
                ("THHF Co-ordinator in the Place Directorate", SUPPORTING),
            ],
        ),
        (
            "Interim Divisional Director, Strategy, Regeneration and Sustainability.",
            [("Interim Divisional Director, Strategy, Regeneration and Sustainability", LEAD)],
        ),
        ("Head of X; Head of Y", [("Head of X", LEAD), ("Head of Y", LEAD)]),
        ("Head of X / Head of X", [("Head of X", LEAD)]),
        ("THH", [("THH", LEAD)]),
        ("", []),
        (None, []),
    ],
)
def test_split_leads(value, expected) -> None:
    assert split_leads(value) == expected


# Every distinct cell of the progress tracker (seed 001) -------------------------------------
def _tracker_columns() -> dict[int, set[str]]:
    paths = sorted(SEEDS.glob("001_*.txt")) if SEEDS.is_dir() else []
    if not paths:
        return {}
    columns: dict[int, set[str]] = {2: set(), 3: set(), 5: set(), 6: set(), 8: set()}
    lines = paths[0].read_text(encoding="utf-8").split("\n")
    for line in lines:
        cells = line.split("\t")
        if not line.strip() or cells[0].startswith("Theme"):
            continue
        cells += [""] * (9 - len(cells))
        for index, values in columns.items():
            values.add(cells[index])
    return columns


TRACKER = _tracker_columns()
NO_SEEDS = pytest.mark.skip(reason=f"seed 001 not found in {SEEDS}")


def _params(*columns: int, non_blank: bool = False) -> list:
    if not TRACKER:
        return [pytest.param("", marks=NO_SEEDS)]
    values = set().union(*(TRACKER[column] for column in columns))
    if non_blank:
        values = {value for value in values if value.strip()}
    return [pytest.param(value, id=one_line(value)[:50] or "blank") for value in sorted(values)]


# Every Lead string in 001 and how it splits.
EXPECTED_LEADS = {
    "Chief Executive/ Corporate Directors/ Divisional Directors": [
        ("Chief Executive", LEAD),
        ("Corporate Directors", LEAD),
        ("Divisional Directors", LEAD),
    ],
    "Divisional Director Communications and Marketing": [
        ("Divisional Director Communications and Marketing", LEAD)
    ],
    "Divisional Director Community Safety": [("Divisional Director Community Safety", LEAD)],
    "Divisional Director Education and Partnership": [
        ("Divisional Director Education and Partnership", LEAD)
    ],
    "Divisional Director Public Realm": [("Divisional Director Public Realm", LEAD)],
    "Divisional Director SPP": [("Divisional Director SPP", LEAD)],
    "Divisional Director Youth and Commissioning": [
        ("Divisional Director Youth and Commissioning", LEAD)
    ],
    "Divisional Director Youth and Commissioning with support from Head of Democratic Service": [
        ("Divisional Director Youth and Commissioning", LEAD),
        ("Head of Democratic Service", SUPPORTING),
    ],
    "Divisional Director of Children's Social Care with support from Head of Democratic Service": [  # noqa: E501
        ("Divisional Director of Children's Social Care", LEAD),
        ("Head of Democratic Service", SUPPORTING),
    ],
    "Divisional Director, Housing and Regeneration": [
        ("Divisional Director, Housing and Regeneration", LEAD)
    ],
    "Divisional Director, Planning and Building Control": [
        ("Divisional Director, Planning and Building Control", LEAD)
    ],
    "Head of Democratic Services": [("Head of Democratic Services", LEAD)],
    "Head of Democratic Services / Divisional Director Education and Partnership": [
        ("Head of Democratic Services", LEAD),
        ("Divisional Director Education and Partnership", LEAD),
    ],
    "Head of Democratic Services / Divisional Director Youth & Children's Commissioning": [
        ("Head of Democratic Services", LEAD),
        ("Divisional Director Youth & Children's Commissioning", LEAD),
    ],
    "Head of Democratic Services and Head of Information Governance": [
        ("Head of Democratic Services", LEAD),
        ("Head of Information Governance", LEAD),
    ],
    "Head of Democratic Services in conjunction with the Chair of THHF and the THHF "
    "Co-ordinator in the Place Directorate": [
        ("Head of Democratic Services", LEAD),
        ("Chair of THHF", SUPPORTING),
        ("THHF Co-ordinator in the Place Directorate", SUPPORTING),
    ],
    "Head of Democratic Services/ Divisional Director Communications and Marketing": [
        ("Head of Democratic Services", LEAD),
        ("Divisional Director Communications and Marketing", LEAD),
    ],
    "Head of Democratic Services/ Divisional Director Sports, Leisure and Culture and Head of "
    "Parent and Family Support": [
        ("Head of Democratic Services", LEAD),
        ("Divisional Director Sports, Leisure and Culture", LEAD),
        ("Head of Parent and Family Support", LEAD),
    ],
    "Head of Electoral Services": [("Head of Electoral Services", LEAD)],
    "Head of Mayor's Office": [("Head of Mayor's Office", LEAD)],
    "Head of Mayor's Office/ Divisional Director Youth and Commissioning": [
        ("Head of Mayor's Office", LEAD),
        ("Divisional Director Youth and Commissioning", LEAD),
    ],
    "Head of Parent and Family Support": [("Head of Parent and Family Support", LEAD)],
}

# Every Deadline and New Deadline string in 001 (default year 2019, as the demo build uses).
EXPECTED_DEADLINES = {
    "": (None, "", NOT_SET),
    "01-Jul-19": (dt.date(2019, 7, 1), DAY, DATE),
    "31/03/2021": (dt.date(2021, 3, 31), DAY, DATE),
    "Apr-20": (dt.date(2020, 4, 30), MONTH, DATE),
    "April 2019 and ongoing": (None, "", ONGOING),
    "CIPS Expert Chairing Skills for Scrutiny 11 June 2019 CIPS Financial Scrutiny 26 June 2019 "
    "Finance Scrutiny - 5 September 2019 Training for Officers on operational/practical issues "
    "5 December 2019": (dt.date(2019, 12, 5), DAY, DATE),
    "Completed.": (None, "", CONDITIONAL),  # a status word in the wrong column
    "Dec-19": (dt.date(2019, 12, 31), MONTH, DATE),
    "Dec-20": (dt.date(2020, 12, 31), MONTH, DATE),
    "Dependent on when events take place": (None, "", CONDITIONAL),
    "Feb-20": (dt.date(2020, 2, 29), MONTH, DATE),
    "Immediately": (None, "", IMMEDIATE),
    "Imminent": (None, "", IMMEDIATE),
    "Jan-20": (dt.date(2020, 1, 31), MONTH, DATE),
    "Jul-19": (dt.date(2019, 7, 31), MONTH, DATE),
    "Jun-19": (dt.date(2019, 6, 30), MONTH, DATE),
    "Jun-20": (dt.date(2020, 6, 30), MONTH, DATE),
    "Jun-21": (dt.date(2021, 6, 30), MONTH, DATE),
    "June - Days of Action commence": (dt.date(2019, 6, 30), MONTH, DATE),
    "June 2020 in conjunction with OSC work programming": (dt.date(2020, 6, 30), MONTH, DATE),
    "Linked to Ward Walkabouts above that commenced May 2019.": (None, "", CONDITIONAL),
    "Mar-20": (dt.date(2020, 3, 31), MONTH, DATE),
    "Mar-21": (dt.date(2021, 3, 31), MONTH, DATE),
    "May": (dt.date(2019, 5, 31), MONTH, DATE),
    "May-19": (dt.date(2019, 5, 31), MONTH, DATE),
    "Nov-20": (dt.date(2020, 11, 30), MONTH, DATE),
    "Oct-19": (dt.date(2019, 10, 31), MONTH, DATE),
    "Oct-20": (dt.date(2020, 10, 31), MONTH, DATE),
    "Oct-21": (dt.date(2021, 10, 31), MONTH, DATE),
    "Ongoing": (None, "", ONGOING),
    "Sep-19": (dt.date(2019, 9, 30), MONTH, DATE),
    "Sep-20": (dt.date(2020, 9, 30), MONTH, DATE),
    "Subject to COVID-19 restrictions lifted": (None, "", CONDITIONAL),
    "Survey to be held in February and move over to the hub completed by April 2020.": (
        dt.date(2020, 4, 30),
        MONTH,
        DATE,
    ),
    "TBC": (None, "", TBC),
    "TBC as part of work planning in October 2020": (None, "", TBC),
    "To be confirmed.": (None, "", TBC),
    "When IT upgrade to intelligence tools has been completed": (None, "", CONDITIONAL),
}


@pytest.mark.parametrize("value", _params(2))
def test_every_seed_lead_splits(value) -> None:
    leads = split_leads(value)
    assert leads == EXPECTED_LEADS[one_line(value)]
    assert leads[0][1] == LEAD
    for post, _role in leads:
        assert post == post.strip(" .,;:/")
        assert "/" not in post and " with " not in post and "  " not in post


@pytest.mark.parametrize("value", _params(3, 6))
def test_every_seed_deadline_parses(value) -> None:
    parsed = parse_deadline(value, default_year=2019)
    assert parsed.text == one_line(value)
    assert (parsed.date, parsed.precision, parsed.kind) == EXPECTED_DEADLINES[parsed.text]
    assert (parsed.date is None) == (parsed.precision == "")
    assert parsed.date is None or parsed.kind == DATE


@pytest.mark.parametrize("value", _params(5, 8, non_blank=True))
def test_every_seed_rag_cell_is_recognised(value) -> None:
    rag, raw = parse_status(value)
    assert rag in set(RAG)
    assert raw == one_line(value) and "<" not in raw


def test_seed_lead_and_deadline_tables_are_complete() -> None:
    if not TRACKER:
        pytest.skip(f"seed 001 not found in {SEEDS}")
    assert {one_line(value) for value in TRACKER[2]} == set(EXPECTED_LEADS)
    assert {one_line(value) for value in TRACKER[3] | TRACKER[6]} == set(EXPECTED_DEADLINES)
