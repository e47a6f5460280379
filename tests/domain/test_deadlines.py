"""The domain's deadline rules: reading a deadline, how it reads, whether it has passed, which
one is in force, and the models' accessors that read and write one by prefix."""

from __future__ import annotations

import datetime as dt

import pytest

from frameworks.domain.deadlines import (
    Deadline,
    date_passed,
    effective_deadline,
    format_deadline,
    next_quarter,
    parse_deadline,
    quarter_label,
    quarter_of,
)
from frameworks.domain.text import one_line
from frameworks.domain.vocabulary import DatePrecision, DeadlineKind
from frameworks.importers.parsing import quarter_dates

DATE, ONGOING, TBC = DeadlineKind.DATE, DeadlineKind.ONGOING, DeadlineKind.TBC
IMMEDIATE, CONDITIONAL, NOT_SET = (
    DeadlineKind.IMMEDIATE,
    DeadlineKind.CONDITIONAL,
    DeadlineKind.NOT_SET,
)
DAY, MONTH = DatePrecision.DAY, DatePrecision.MONTH
MARCH_31 = dt.date(2021, 3, 31)


# parse_deadline ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "default_year", "date", "precision", "kind"),
    [
        ("Apr-20", None, dt.date(2020, 4, 30), MONTH, DATE),
        ("01-Jul-19", None, dt.date(2019, 7, 1), DAY, DATE),
        ("31/03/2021", None, dt.date(2021, 3, 31), DAY, DATE),
        ("1 July 2019", None, dt.date(2019, 7, 1), DAY, DATE),
        ("September 2019", None, dt.date(2019, 9, 30), MONTH, DATE),
        ("June 2020", None, dt.date(2020, 6, 30), MONTH, DATE),
        ("Jun-21", None, dt.date(2021, 6, 30), MONTH, DATE),
        ("Nov-20", None, dt.date(2020, 11, 30), MONTH, DATE),
        ("Feb-20", None, dt.date(2020, 2, 29), MONTH, DATE),
        ("May", 2019, dt.date(2019, 5, 31), MONTH, DATE),
        ("May", None, None, "", DATE),
        ("Ongoing", None, None, "", ONGOING),
        ("Ongoing throughout 2019", None, None, "", ONGOING),
        ("April 2019 and ongoing", None, None, "", ONGOING),
        ("TBC", None, None, "", TBC),
        ("To be confirmed.", None, None, "", TBC),
        ("TBC as part of work planning in October 2020", None, None, "", TBC),
        ("Imminent", None, None, "", IMMEDIATE),
        ("Immediately", None, None, "", IMMEDIATE),
        ("When IT upgrade to intelligence tools has been completed", None, None, "", CONDITIONAL),
        ("Subject to COVID-19 restrictions lifted", None, None, "", CONDITIONAL),
        ("Dependent on when events take place", None, None, "", CONDITIONAL),
        ("Linked to Ward Walkabouts above that commenced May 2019.", None, None, "", CONDITIONAL),
        (
            "June 2020 in conjunction with OSC work programming",
            None,
            dt.date(2020, 6, 30),
            MONTH,
            DATE,
        ),
        (
            "Survey to be held in February and move over to the hub completed by April 2020.",
            None,
            dt.date(2020, 4, 30),
            MONTH,
            DATE,
        ),
        ("June - Days of Action commence", 2019, dt.date(2019, 6, 30), MONTH, DATE),
        ("June - Days of Action commence", None, None, "", DATE),
        ("Review of Year 1 underway and will inform Year 2.", None, None, "", CONDITIONAL),
        ("May be delayed", 2019, None, "", CONDITIONAL),
        ("31/02/2021", None, None, "", CONDITIONAL),
        ("", None, None, "", NOT_SET),
        ("   ", None, None, "", NOT_SET),
        (None, None, None, "", NOT_SET),
    ],
)
def test_parse_deadline(value, default_year, date, precision, kind) -> None:
    parsed = parse_deadline(value, default_year=default_year)
    assert (parsed.date, parsed.precision, parsed.kind) == (date, precision, kind)
    assert parsed.text == one_line(value)


def test_deadline_keeps_raw_text_without_markup_or_extra_whitespace() -> None:
    parsed = parse_deadline("<b>June 2020</b>  in conjunction\nwith OSC work programming")
    assert parsed.text == "June 2020 in conjunction with OSC work programming"
    assert parsed.date == dt.date(2020, 6, 30)


def test_last_explicit_date_wins_and_keeps_day_precision() -> None:
    parsed = parse_deadline(
        "CIPS Expert Chairing Skills for Scrutiny 11 June 2019  CIPS Financial Scrutiny "
        "26 June 2019  Training for Officers on operational/practical issues 5 December 2019"
    )
    assert (parsed.date, parsed.precision, parsed.kind) == (dt.date(2019, 12, 5), DAY, DATE)


@pytest.mark.parametrize(
    "value", [dt.date(2021, 3, 31), dt.datetime(2021, 3, 31, 0, 0, tzinfo=dt.UTC)]
)
def test_excel_dates_have_day_precision(value) -> None:
    assert parse_deadline(value) == Deadline(
        text="31/03/2021", date=dt.date(2021, 3, 31), precision=DAY, kind=DATE
    )


def test_deadline_as_dict() -> None:
    assert parse_deadline("Apr-20").as_dict() == {
        "text": "Apr-20",
        "date": "2020-04-30",
        "precision": "MONTH",
        "kind": "DATE",
    }
    assert parse_deadline("TBC").as_dict()["date"] is None


def test_from_text_is_parse_deadline() -> None:
    assert Deadline.from_text("May", default_year=2019) == parse_deadline("May", default_year=2019)
    assert Deadline.from_text("Apr-20") == Deadline("Apr-20", dt.date(2020, 4, 30), MONTH, DATE)


# How a deadline reads ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("deadline", "shown"),
    [
        (Deadline("31/03/2021", MARCH_31, DAY, DATE), "31 March 2021"),
        (Deadline("Mar-21", MARCH_31, MONTH, DATE), "March 2021"),
        (Deadline("May", None, "", DATE), "May"),  # a date with no year: the words
        (Deadline("April 2019 and ongoing", None, "", ONGOING), "April 2019 and ongoing"),
        (Deadline("", None, "", TBC), "To be confirmed"),
        (Deadline("", None, "", NOT_SET), "Not set"),
        (Deadline(), ""),
        (Deadline("31/03/2021", MARCH_31, DAY, ""), "31/03/2021"),  # no kind: not read as a date
    ],
)
def test_display(deadline, shown) -> None:
    assert deadline.display == shown
    assert format_deadline(**vars(deadline)) == shown


@pytest.mark.parametrize(
    ("deadline", "shown"),
    [
        (Deadline(), ""),
        (Deadline(kind=NOT_SET), ""),  # none given: blank, not "Not set"
        (Deadline("31/03/2021", MARCH_31, DAY, ""), "31 March 2021"),  # no kind: read as a date
        (Deadline("", MARCH_31, MONTH, ""), "March 2021"),
        (Deadline("TBC", None, "", TBC), "TBC"),
    ],
)
def test_display_if_set_is_for_revised_and_new_deadlines(deadline, shown) -> None:
    assert deadline.display_if_set == shown


def test_with_default_kind_reads_a_missing_kind_as_a_date() -> None:
    assert Deadline("", None, "", "").with_default_kind().display == "Date"
    assert Deadline(kind=NOT_SET).with_default_kind().display == "Not set"


# What it is ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("deadline", "blank"),
    [
        (Deadline(), True),
        (Deadline(kind=NOT_SET), True),
        (Deadline("TBC", None, "", TBC), False),
        (Deadline("", MARCH_31, DAY, DATE), False),
    ],
)
def test_is_blank(deadline, blank) -> None:
    assert deadline.is_blank is blank


@pytest.mark.parametrize(
    ("date", "today", "passed"),
    [
        (MARCH_31, dt.date(2021, 4, 1), True),
        (MARCH_31, MARCH_31, False),  # due today: not yet passed
        (MARCH_31, dt.date(2021, 3, 30), False),
        (None, dt.date(2021, 4, 1), False),
    ],
)
def test_passed(date, today, passed) -> None:
    assert date_passed(date, today) is passed
    assert Deadline("x", date, DAY if date else "", DATE).passed(today) is passed


def test_date_unread_is_a_date_without_a_year() -> None:
    assert parse_deadline("May").date_unread
    assert not parse_deadline("May", default_year=2019).date_unread
    assert not parse_deadline("TBC").date_unread
    assert not Deadline().date_unread


def test_effective_deadline_is_the_revised_one_when_given() -> None:
    original = Deadline("Mar-21", MARCH_31, MONTH, DATE)
    assert effective_deadline(original, Deadline()) == original
    revised = Deadline("TBC", None, "", TBC)  # words only still revise it
    assert effective_deadline(original, revised) == revised


# Storing -------------------------------------------------------------------------------------
def test_for_storage_fits_the_columns() -> None:
    stored = Deadline("x" * 300, None, MONTH, CONDITIONAL).for_storage()
    assert (len(stored.text), stored.precision) == (255, "")
    dated = Deadline("Mar-21", MARCH_31, MONTH, DATE)
    assert dated.for_storage() == dated


def test_fields_and_columns_name_the_four_fields_under_a_prefix() -> None:
    assert Deadline.fields("revised_deadline") == (
        "revised_deadline_text",
        "revised_deadline_date",
        "revised_deadline_precision",
        "revised_deadline_kind",
    )
    assert Deadline("TBC", None, "", TBC).columns("new_deadline") == {
        "new_deadline_text": "TBC",
        "new_deadline_date": None,
        "new_deadline_precision": "",
        "new_deadline_kind": "TBC",
    }


# The models' accessors -----------------------------------------------------------------------
def test_milestone_and_return_read_and_write_deadlines_by_prefix(db) -> None:
    from frameworks.models import Milestone, Return
    from tests.factories import MilestoneFactory, ReturnFactory

    original = Deadline("Mar-21", MARCH_31, MONTH, DATE)
    milestone = MilestoneFactory(deadline=original)
    assert (milestone.deadline_text, milestone.deadline_date) == ("Mar-21", MARCH_31)
    assert milestone.revised_deadline == Deadline()
    assert milestone.deadline_in_force == original

    return_ = ReturnFactory(milestone=milestone)
    return_.new_deadline = Deadline("TBC", None, "", TBC)
    return_.save(update_fields=[*Deadline.fields("new_deadline")])
    milestone.revised_deadline = Return.objects.get(pk=return_.pk).new_deadline
    milestone.save(update_fields=[*Deadline.fields("revised_deadline")])

    milestone = Milestone.objects.get(pk=milestone.pk)
    assert milestone.deadline == original
    assert milestone.revised_deadline == Deadline("TBC", None, "", TBC)
    assert milestone.deadline_in_force == milestone.revised_deadline
    assert (milestone.deadline_display, milestone.revised_deadline_display) == (
        "March 2021",
        "TBC",
    )


@pytest.mark.parametrize("month", range(1, 13))
def test_a_days_quarter_label_names_the_quarter_it_is_in_and_the_next_follows(month):
    day = dt.date(2026, month, 15)
    start, end = quarter_dates(quarter_label(day))
    assert start <= day <= end
    assert quarter_of(day) == (start, end)
    after = next_quarter(day)
    assert after == quarter_dates(quarter_label(after[0]))
    assert after[0] == end + dt.timedelta(days=1)
