"""The domain's overdue rules, and each SQL twin checked against its Python rule over a grid of
statuses × original deadline (passed / due today / to come / none) × revised deadline (none /
passed / to come / words without a date)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import CharField, Value

from frameworks.domain.deadlines import Deadline
from frameworks.domain.overdue import (
    deadline_passed_while_open,
    effective_deadline_date_sql,
    flagged_overdue_sql,
    in_progress_needs_new_deadline,
    is_flagged_overdue,
)
from frameworks.domain.status import NO_RETURN, NO_STATUS
from frameworks.domain.vocabulary import RAG, DatePrecision, DeadlineKind

TODAY = dt.date(2021, 6, 15)
BEFORE, AFTER = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
DAY, DATE = DatePrecision.DAY, DeadlineKind.DATE

# A status as `latest_rag` holds it: a RAG value, "" (an update without a status), None (none).
STATUSES = [*RAG, "", None]
ORIGINALS = {
    "passed": Deadline("passed", BEFORE, DAY, DATE),
    "due today": Deadline("today", TODAY, DAY, DATE),
    "to come": Deadline("to come", AFTER, DAY, DATE),
    "none": Deadline(kind=DeadlineKind.NOT_SET),
}
REVISIONS = {
    "none": Deadline(),
    "passed": Deadline("revised, passed", BEFORE, DAY, DATE),
    "to come": Deadline("revised, to come", AFTER, DAY, DATE),
    "words": Deadline("TBC", None, "", DeadlineKind.TBC),  # revises it to no date at all
}


def _expected(status, original: Deadline, revised: Deadline) -> bool:
    """The rule in words: not done, and marked Overdue or the deadline in force has passed."""
    if status in (RAG.COMPLETED, RAG.CANCELLED):
        return False
    in_force = original if revised.is_blank else revised
    return status == RAG.OVERDUE or (in_force.date is not None and in_force.date < TODAY)


@pytest.mark.parametrize(
    ("status", "original", "revised"),
    list(itertools.product(STATUSES, ORIGINALS, REVISIONS)),
)
def test_flagged_overdue(status, original, revised) -> None:
    original, revised = ORIGINALS[original], REVISIONS[revised]
    in_force = original if revised.is_blank else revised
    flagged = is_flagged_overdue(status=status, deadline_date=in_force.date, today=TODAY)
    assert flagged is _expected(status, original, revised)


@pytest.fixture
def grid(db):
    """One milestone per (original, revised) pair, by id."""
    from tests.factories import MilestoneFactory, PostFactory, ThemeFactory

    theme, post = ThemeFactory(), PostFactory()
    milestones = {}
    for original, revised in itertools.product(ORIGINALS.values(), REVISIONS.values()):
        milestone = MilestoneFactory(
            theme=theme, lead=post, deadline=original, revised_deadline=revised
        )
        milestones[milestone.pk] = milestone
    return milestones


def test_milestone_python_and_sql_agree_over_the_grid(grid) -> None:
    """`Milestone.is_flagged_overdue` (Python) and `flagged_overdue_sql` /
    `Milestone.objects.flagged_overdue` (SQL) give the same answer for every case."""
    from frameworks.models import Milestone

    checked = 0
    for status in STATUSES:
        rows = (
            Milestone.objects.filter(pk__in=grid)
            .annotate(
                latest_rag=Value(status, output_field=CharField()),
                effective_deadline=effective_deadline_date_sql(),
            )
            .annotate(
                flag=flagged_overdue_sql(
                    status="latest_rag", deadline_date="effective_deadline", today=TODAY
                )
            )
        )
        filtered = set(
            Milestone.objects.filter(pk__in=grid)
            .annotate(latest_rag=Value(status, output_field=CharField()))
            .flagged_overdue(today=TODAY)
            .values_list("pk", flat=True)
        )
        for row in rows:
            milestone = grid[row.pk]
            python = milestone.is_flagged_overdue(status, TODAY)
            expected = _expected(status, milestone.deadline, milestone.revised_deadline)
            assert row.effective_deadline == milestone.deadline_in_force.date, row.pk
            assert (row.flag, row.pk in filtered, python) == (expected,) * 3, (
                status,
                milestone.deadline,
                milestone.revised_deadline,
            )
            checked += 1
    assert checked == len(STATUSES) * len(ORIGINALS) * len(REVISIONS)


def test_a_return_is_overdue_as_its_milestone_with_its_status(grid) -> None:
    from tests.factories import ReturnFactory, RoundFactory

    milestone = next(
        m for m in grid.values() if m.deadline.date == BEFORE and m.revised_deadline.is_blank
    )
    round = RoundFactory(framework=milestone.framework)
    for status in STATUSES[:-1]:  # a return's status is never NULL
        return_ = ReturnFactory.build(milestone=milestone, round=round, rag=status)
        assert return_.is_flagged_overdue(TODAY) is milestone.is_flagged_overdue(status, TODAY)


def test_pseudo_statuses_are_not_done() -> None:
    for status in (NO_RETURN, NO_STATUS):
        assert is_flagged_overdue(status=status, deadline_date=BEFORE, today=TODAY)
        assert not is_flagged_overdue(status=status, deadline_date=None, today=TODAY)


# A board report's "Deadline passed" ----------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "date", "passed"),
    [
        (RAG.IN_PROGRESS, BEFORE, True),
        (NO_RETURN, BEFORE, True),
        (RAG.COMPLETED, BEFORE, False),
        (RAG.CANCELLED, BEFORE, False),
        (RAG.IN_PROGRESS, TODAY, False),
        (RAG.OVERDUE, None, False),  # marked Overdue, but no date to have passed
        (RAG.OVERDUE, AFTER, False),
    ],
)
def test_deadline_passed_while_open(status, date, passed) -> None:
    assert deadline_passed_while_open(status=status, deadline_date=date, today=TODAY) is passed


# In progress after the deadline --------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "deadline", "new", "needs"),
    [
        (RAG.IN_PROGRESS, BEFORE, None, True),
        (RAG.IN_PROGRESS, BEFORE, BEFORE, True),  # a new deadline that has passed too
        (RAG.IN_PROGRESS, BEFORE, TODAY, False),
        (RAG.IN_PROGRESS, BEFORE, AFTER, False),
        (RAG.IN_PROGRESS, TODAY, None, False),
        (RAG.IN_PROGRESS, None, None, False),
        (RAG.OVERDUE, BEFORE, None, False),
        (RAG.ONGOING, BEFORE, None, False),
    ],
)
def test_in_progress_after_the_deadline_needs_a_new_one(status, deadline, new, needs) -> None:
    assert (
        in_progress_needs_new_deadline(
            status=status, deadline_date=deadline, new_deadline_date=new, today=TODAY
        )
        is needs
    )
