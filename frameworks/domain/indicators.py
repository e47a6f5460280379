"""Indicators (KPIs): which rounds an indicator reports in, which target applies, and its
status at a round, with the reason in words ("why this status").

The status is computed, never stored: from the value the owner gave (approved), the target in
force and the tolerance band, read in the indicator's good direction. Plain Python, no Django.
May import: the standard library and `vocabulary`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from frameworks.domain.vocabulary import Direction, Frequency, IndicatorStatus

# The month a round ends in, for the frequencies that do not report every quarter: half-yearly
# indicators report at the end of September and March, annual ones at the end of the financial
# year (March).
_REPORTING_MONTHS: dict[str, frozenset[int]] = {
    Frequency.QUARTERLY: frozenset(range(1, 13)),
    Frequency.HALF_YEARLY: frozenset({9, 10, 3, 4}),
    Frequency.ANNUAL: frozenset({3, 4}),
}


def due_in_round(frequency: str, round_end: dt.date) -> bool:
    """Whether an indicator of this frequency gives a value in a round ending on `round_end`
    (a round ending early in the next month still counts: "Q4 2019-20" may end on 1 April)."""
    return round_end.month in _REPORTING_MONTHS.get(frequency, frozenset())


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


def format_difference(value: Decimal, unit: str = "") -> str:
    """A gap or a tolerance in the indicator's unit, where a gap between two percentages is in
    percentage points: "1.5 percentage points", "2 days"."""
    if unit.strip() == "%":
        return f"{format_number(value)} percentage point{'' if value == 1 else 's'}"
    return format_number(value, unit)


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
    difference = lambda number: format_difference(number, unit)  # noqa: E731
    if value is None:
        return Status(IndicatorStatus.NO_DATA, "No approved value for this round.")
    if target is None:
        return Status(
            IndicatorStatus.NO_TARGET,
            f"No target is set for this round, so the value reported ({show(value)}) is not "
            "judged.",
        )
    higher = direction == Direction.HIGHER
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


# The largest figure the database holds: 18 digits, 4 of them after the point.
MAX_DECIMAL_PLACES = 4
MAX_WHOLE_DIGITS = 14

# Figures -----------------------------------------------------------------------------------------
_FIGURE_RE = re.compile(
    r"^(?P<sign>[-+]?)\s*(?P<currency>[£$€]?)\s*(?P<sign2>[-+]?)"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(?P<percent>%?)$"
)


class FigureError(ValueError):
    """A figure that cannot be read, with the reason in words."""


def parse_figure(value: object, *, unit: str = "") -> Decimal:
    """A figure as people write it: "19.55%", "20,393", "£1,200", "-3", 26 or 0.5 from a
    spreadsheet cell. With `unit`, a "%" or "£" the unit does not have is refused rather than
    dropped. Raises FigureError saying what is wrong."""
    if isinstance(value, bool):
        raise FigureError("Enter a number, for example 19.55%, 20,393 or £1,200.")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = " ".join(str(value or "").replace("\u2212", "-").replace("\u00a0", " ").split())
        if not text:
            raise FigureError("Enter a number.")
        found = _FIGURE_RE.match(text)
        if not found or (found["sign"] and found["sign2"]):
            raise FigureError(
                f"“{text[:40]}” is not a number. Write it like 19.55%, 20,393 or £1,200."
            )
        unit = unit.strip()
        if found["percent"] and unit and unit != "%":
            raise FigureError(f"“{text}” is a percentage, but this indicator is in {unit}.")
        if found["currency"] and unit and unit != found["currency"]:
            raise FigureError(f"“{text}” is an amount of money, but this indicator is in {unit}.")
        sign = "-" if "-" in (found["sign"] + found["sign2"]) else ""
        try:
            number = Decimal(sign + found["number"].replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - the pattern allows only digits
            raise FigureError(f"“{text}” is not a number.") from exc
    if not number.is_finite():
        raise FigureError("Enter a number.")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        raise FigureError(f"Give the figure to at most {MAX_DECIMAL_PLACES} decimal places.")
    if abs(number) >= Decimal(10) ** MAX_WHOLE_DIGITS:
        raise FigureError("The figure is too large.")
    return number


def status_at(
    targets: list[Target],
    *,
    round_id: int,
    round_end: dt.date,
    value: Decimal | None,
    tolerance: Decimal | None,
    direction: str,
    unit: str = "",
) -> tuple[Target | None, Status]:
    """The target a round is judged against (`target_in_force`) and `value`'s status there
    (`indicator_status`): what the indicator pages, the value's own page and the board report
    all show."""
    target = target_in_force(targets, round_id=round_id, round_end=round_end)
    status = indicator_status(
        value=value,
        target=target.value if target else None,
        tolerance=tolerance,
        direction=direction,
        unit=unit,
    )
    return target, status
