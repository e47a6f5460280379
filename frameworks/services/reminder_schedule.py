"""When reminders are due (the schedule described in `frameworks.services.reminders`): working
days (weekends and English bank holidays, from the govuk-bank-holidays package's bundled list),
each round's reminder stages and the one current on a day, and the week's digest key.

Plain rules over dates, the settings and a round; nothing here reads or writes the database.
May import: the models. Imported by the other `frameworks.services.reminder_*` modules and
`frameworks.services.reminders` (which re-exports its public names).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from govuk_bank_holidays.bank_holidays import BankHolidays

from frameworks.models import Reminder, Round

# The warning about an unknown year is logged under the name it has always had.
logger = logging.getLogger("frameworks.services.reminders")

DIVISION = BankHolidays.ENGLAND_AND_WALES


# Working days ------------------------------------------------------------------------------
@functools.cache
def _bank_holidays() -> BankHolidays:
    # The bundled list only: use_cached_holidays=True never touches the network.
    return BankHolidays(use_cached_holidays=True)


@functools.cache
def _last_known_holiday() -> dt.date:
    return _bank_holidays().get_holidays(division=DIVISION)[-1]["date"]


@functools.cache
def _warn_unknown_year(year: int) -> None:
    logger.warning(
        "No bank holidays are known for %s; counting weekends only. Upgrade govuk-bank-holidays.",
        year,
    )


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not an English bank holiday. Beyond the bundled list (which ends in
    the year of `_last_known_holiday`) only weekends are known: a warning is logged."""
    if day.year > _last_known_holiday().year:
        _warn_unknown_year(day.year)
    return _bank_holidays().is_work_day(day, division=DIVISION)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start`, up to and including `end` (negative if `end` is earlier).

    For example, from Thursday 24 December 2020 to Tuesday 5 January 2021 is 5 working days
    (29, 30, 31 December, 4 and 5 January): 25 and 28 December and 1 January are bank holidays.
    """
    if end < start:
        return -working_days_between(end, start)
    days = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        days += is_working_day(day)
    return days


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The working day `n` working days after `day` (before it if `n` is negative)."""
    step = dt.timedelta(days=1 if n >= 0 else -1)
    for _ in range(abs(n)):
        day += step
        while not is_working_day(day):
            day += step
    return day


def format_date(day: dt.date) -> str:
    """GOV.UK style: 5 January 2021."""
    return f"{day.day} {day:%B %Y}"


# Stages ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    kind: Reminder.Kind
    day: dt.date
    key: str
    after: int = 0  # working days after the due date, for AFTER_DUE


def reminder_stages(*, round: Round) -> list[Stage]:
    """Every reminder stage of a round, in date order."""
    due = round.due_date
    stages = []
    before = settings.TRACKER_REMINDER_DAYS_BEFORE
    # The keys still say "period" (the code's old word for a round): they are stored with every
    # reminder sent, and a new spelling would send this round's reminders again.
    if before > 0:
        stages.append(
            Stage(
                kind=Reminder.Kind.BEFORE_DUE,
                day=add_working_days(due, -before),
                key=f"period:{round.pk}:before:{due}",
            )
        )
    stages.append(Stage(kind=Reminder.Kind.ON_DUE, day=due, key=f"period:{round.pk}:on:{due}"))
    for n in sorted({n for n in settings.TRACKER_REMINDER_DAYS_AFTER if n > 0}):
        stages.append(
            Stage(
                kind=Reminder.Kind.AFTER_DUE,
                day=add_working_days(due, n),
                key=f"period:{round.pk}:after:{n}:{due}",
                after=n,
            )
        )
    return stages


def reminder_stage(*, round: Round, today: dt.date) -> Stage | None:
    """The stage whose reminder is current on `today`: the last one whose day has come.
    None before the first stage's day. (Whether the round is open is the caller's business.)"""
    current = None
    for stage in reminder_stages(round=round):
        if stage.day <= today:
            current = stage
    return current


def digest_key(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"digest:{year}-W{week:02d}"
