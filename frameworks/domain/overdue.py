"""Being behind: "flagged overdue" and the other deadline rules, each stated once.

* `is_flagged_overdue` – the milestone list's, the returns' and "why this RAG"'s overdue flag;
  `flagged_overdue_sql` is the same rule as a query expression, for filtering in the database.
* `effective_deadline_date_sql` – `deadlines.effective_deadline(...).date` in SQL.
* `deadline_passed_while_open` – a board report's "Deadline passed".
* `in_progress_needs_new_deadline` – a return may report In progress after the deadline only
  with a new deadline that is today or later.

Each SQL twin sits beside its Python rule, and tests/domain/test_overdue.py checks the two
against each other over a grid of statuses and deadlines.

May import: the standard library, the rest of the domain, and `django.db.models` query
expressions (for the SQL twins; they name the columns or annotations they read, so nothing here
imports `frameworks.models`). Imported by the models, filters, insight, services and reports.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, F, Q, Value, When

from frameworks.domain.deadlines import date_passed
from frameworks.domain.status import DONE, is_done
from frameworks.domain.vocabulary import RAG

__all__ = [
    "deadline_passed_while_open",
    "effective_deadline_date_sql",
    "flagged_overdue_sql",
    "in_progress_needs_new_deadline",
    "is_flagged_overdue",
]


def is_flagged_overdue(
    *, status: str | None, deadline_date: dt.date | None, today: dt.date
) -> bool:
    """Flagged overdue: not Completed or Cancelled, and either marked Overdue or past its
    deadline. `status` is the milestone's latest status (None or "" when it has none);
    `deadline_date` is the date of the deadline in force (`Milestone.deadline_in_force`)."""
    if is_done(status):
        return False
    return status == RAG.OVERDUE or date_passed(deadline_date, today)


def flagged_overdue_sql(*, status: str, deadline_date: str, today: dt.date) -> Case:
    """`is_flagged_overdue` in SQL: a boolean expression. `status` and `deadline_date` name the
    columns or annotations holding the latest status and the date of the deadline in force
    (NULL status: no update)."""
    return Case(
        When(Q(**{f"{status}__in": DONE}), then=Value(False)),
        When(Q(**{status: RAG.OVERDUE}), then=Value(True)),
        When(Q(**{f"{deadline_date}__lt": today}), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def effective_deadline_date_sql(
    original: str = "deadline", revised: str = "revised_deadline"
) -> Case:
    """The date of the deadline in force, in SQL (`deadlines.effective_deadline`): the revised
    deadline's date when a revised deadline was given (words or a date), else the original's.
    `original` and `revised` are the fields' prefixes."""
    has_revised = ~Q(**{f"{revised}_text": ""}) | Q(**{f"{revised}_date__isnull": False})
    return Case(When(has_revised, then=F(f"{revised}_date")), default=F(f"{original}_date"))


def deadline_passed_while_open(
    *, status: str | None, deadline_date: dt.date | None, today: dt.date
) -> bool:
    """A board report's "Deadline passed": the deadline date is before `today` (the meeting)
    and the milestone is not Completed or Cancelled. Unlike `is_flagged_overdue`, a status of
    Overdue alone does not make it so."""
    return date_passed(deadline_date, today) and not is_done(status)


def in_progress_needs_new_deadline(
    *,
    status: str | None,
    deadline_date: dt.date | None,
    new_deadline_date: dt.date | None,
    today: dt.date,
) -> bool:
    """A return reporting In progress when the deadline in force has passed must give a new
    deadline dated today or later (else the officer should report Overdue)."""
    if status != RAG.IN_PROGRESS or not date_passed(deadline_date, today):
        return False
    return new_deadline_date is None or new_deadline_date < today
