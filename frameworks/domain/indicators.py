"""Indicators (KPIs): which rounds an indicator reports in, which target applies, and its
status at a round, with the reason in words ("why this status").

The status is computed, never stored: from the value the owner gave (approved), the target in
force and the tolerance band, read in the indicator's good direction. Plain Python, no Django.
May import: the standard library and `vocabulary`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from frameworks.domain.vocabulary import Direction, Frequency, IndicatorStatus

# The month a round ends in, for the frequencies that do not report every quarter: half-yearly
# indicators report at the end of September and March, annual ones at the end of the financial
# year (March).
_REPORTING_MONTHS = {
    Frequency.QUARTERLY: frozenset(range(1, 13)),
    Frequency.HALF_YEARLY: frozenset({9, 10, 3, 4}),
    Frequency.ANNUAL: frozenset({3, 4}),
}


def due_in_round(frequency: str, round_end: dt.date) -> bool:
    """Whether an indicator of this frequency gives a value in a round ending on `round_end`
    (a round ending early in the next month still counts: "Q4 2019-20" may end on 1 April)."""
    return round_end.month in _REPORTING_MONTHS.get(Frequency(frequency), frozenset())


def financial_year(day: dt.date) -> str:
    """The UK public-sector financial year a day falls in, as councils write it: "2019-20"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def format_number(value: Decimal | None, unit: str = "") -> str:
    """A figure as a board paper prints it: "19.55%", "20,393", "£1,200", "3 weeks"; "" if none.
    Trailing zeros go ("26.00" is "26"); no rounding beyond what was given."""
    if value is None:
        return ""
    normal = value.normalize()
    if normal == normal.to_integral():
        normal = normal.quantize(Decimal(1))
    text = f"{normal:,f}"
    unit = unit.strip()
    if not unit:
        return text
    if unit == "%":
        return f"{text}%"
    if unit in {"£", "$", "€"}:
        return f"{unit}{text}"
    return f"{text} {unit}"


@dataclass(frozen=True)
class Status:
    """An indicator's status at a round and why, in words a board member can check."""

    value: IndicatorStatus
    reason: str

    @property
    def label(self) -> str:
        return self.value.label


def indicator_status(
    *,
    value: Decimal | None,
    target: Decimal | None,
    tolerance: Decimal | None,
    direction: str,
    unit: str = "",
) -> Status:
    """On target when the value meets the target in the good direction; within tolerance when it
    misses by no more than the tolerance; off target beyond that. No value: no data. No target:
    the value is shown, but nothing is judged."""
    show = lambda number: format_number(number, unit)  # noqa: E731

    def difference(number: Decimal) -> str:  # a gap between two percentages is in points
        if unit.strip() == "%":
            points = format_number(number)
            return f"{points} percentage point{'' if number == 1 else 's'}"
        return show(number)

    if value is None:
        return Status(IndicatorStatus.NO_DATA, "No approved value for this round.")
    if target is None:
        return Status(
            IndicatorStatus.NO_TARGET,
            f"{show(value)} was reported, but no target is set for this round, so it is not "
            "judged.",
        )
    higher = Direction(direction) == Direction.HIGHER
    better = "higher" if higher else "lower"
    gap = (target - value) if higher else (value - target)  # how far short, > 0 when short
    if gap <= 0:
        verb = "meets" if gap == 0 else ("is above" if higher else "is below")
        return Status(
            IndicatorStatus.ON_TARGET,
            f"{show(value)} {verb} the target of {show(target)} ({better} is better).",
        )
    band = tolerance or Decimal(0)
    short = "below" if higher else "above"
    if gap <= band:
        return Status(
            IndicatorStatus.WITHIN_TOLERANCE,
            f"{show(value)} is {difference(gap)} {short} the target of {show(target)} ({better} is "
            f"better), within the tolerance of {difference(band)}.",
        )
    outside = (
        f", outside the tolerance of {difference(band)}" if band else ", with no tolerance set"
    )
    return Status(
        IndicatorStatus.OFF_TARGET,
        f"{show(value)} is {difference(gap)} {short} the target of {show(target)} ({better} is "
        f"better){outside}.",
    )


@dataclass(frozen=True)
class Target:
    """A target as stored: for one round (`round_id`) or for a financial year (`year`)."""

    value: Decimal
    round_id: int | None = None
    year: str = ""


def target_in_force(targets: list[Target], *, round_id: int, round_end: dt.date) -> Target | None:
    """The target a round is judged against: the round's own, else its financial year's (the
    year the round ends in), else none."""
    for target in targets:
        if target.round_id == round_id:
            return target
    year = financial_year(round_end)
    for target in targets:
        if target.round_id is None and target.year == year:
            return target
    return None
