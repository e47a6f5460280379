"""Deadlines: the `Deadline` value object, and reading one from what an officer wrote.

A deadline is four values, stored as four columns under one prefix (`deadline_*` and
`revised_deadline_*` on a milestone, `new_deadline_*` on a return): the words as written
(`text`), and as understood (`date`, `precision`, `kind`). `Deadline` carries the four together;
the models read and write it by prefix (`milestone.deadline`, `milestone.revised_deadline`,
`return_.new_deadline`), so nothing copies the columns one by one.

* `Deadline.from_text` (`parse_deadline`) – the raw text is always kept; a date is stored only
  when the deadline *is* a date (kind DATE). Month-precision dates are the last day of the month
  ("Apr-20" = "by April").
* `Deadline.display` (`format_deadline`) – how it reads on a page and in reports.
* `Deadline.passed(today)` – its date is before today.
* `effective_deadline` – the deadline in force: the revised one when set, else the original.

Plain Python, no Django (see the package docstring). May import: the standard library and
`frameworks.domain.text` / `.vocabulary`. Imported by the models, importers, services and
reports.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Final

from frameworks.domain.text import REPEATED_CELLS, one_line
from frameworks.domain.vocabulary import DatePrecision, DeadlineKind

__all__ = [
    "NO_PRECISION",
    "TEXT_MAX",
    "Deadline",
    "date_passed",
    "effective_deadline",
    "format_deadline",
    "parse_deadline",
]

NO_PRECISION: Final = ""  # the precision of a deadline without a date
TEXT_MAX: Final = 255  # the `*_deadline_text` columns


def format_deadline(*, text: str, date: dt.date | None, precision: str, kind: str) -> str:
    """How a deadline reads on a page: a parsed date in words, else the officer's own text."""
    if date and kind == DeadlineKind.DATE:
        if precision == DatePrecision.MONTH:
            return date.strftime("%B %Y")
        return f"{date.day} {date.strftime('%B %Y')}"
    if text:
        return text
    # Calling an Enum looks a member up by value; mypy checks the call against `__new__`, which
    # makes the members (`Vocabulary.__new__(value, label)`).
    return DeadlineKind(kind).label if kind else ""  # type: ignore[call-arg]


def date_passed(date: dt.date | None, today: dt.date) -> bool:
    """A deadline date has passed when it is before today (a deadline of today has not)."""
    return bool(date and date < today)


@dataclass(frozen=True)
class Deadline:
    """A deadline as written (`text`) and as understood (`date`, `precision`, `kind`).

    `precision` is "" when there is no date; `kind` is "" for a revised or new deadline that was
    never given (the original deadline's kind is then NOT_SET)."""

    text: str = ""
    date: dt.date | None = None
    precision: str = NO_PRECISION
    kind: str = ""

    PARTS: ClassVar[tuple[str, ...]] = ("text", "date", "precision", "kind")

    # Reading -------------------------------------------------------------------------------
    @classmethod
    def from_text(
        cls, value: str | dt.date | dt.datetime | None, *, default_year: int | None = None
    ) -> Deadline:
        """What an officer or a cell wrote, understood (`parse_deadline`)."""
        return parse_deadline(value, default_year=default_year)

    # What it is ----------------------------------------------------------------------------
    @property
    def is_blank(self) -> bool:
        """No words and no date: no deadline was given."""
        return not self.text and not self.date

    @property
    def date_unread(self) -> bool:
        """Written as a date, but no date could be read from it (no year, or no such day)."""
        return bool(self.text) and self.kind == DeadlineKind.DATE and self.date is None

    def passed(self, today: dt.date) -> bool:
        """Its date is before `today` (never for a deadline without a date)."""
        return date_passed(self.date, today)

    # How it reads --------------------------------------------------------------------------
    @property
    def display(self) -> str:
        """How it reads on a page and in reports (`format_deadline`): "31 March 2021",
        "April 2020", else the words as written, else the kind ("Ongoing", "Not set")."""
        return format_deadline(
            text=self.text, date=self.date, precision=self.precision, kind=self.kind
        )

    def with_default_kind(self) -> Deadline:
        """This deadline, a missing kind read as DATE (so a date without a kind reads as one)."""
        return self if self.kind else replace(self, kind=DeadlineKind.DATE)

    @property
    def display_if_set(self) -> str:
        """How a revised or new deadline reads: "" when none was given, else `display`
        (a missing kind read as DATE)."""
        return "" if self.is_blank else self.with_default_kind().display

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready form: the date as ISO 8601 or None."""
        return {
            "text": self.text,
            "date": self.date.isoformat() if self.date else None,
            "precision": self.precision,
            "kind": self.kind,
        }

    # Storing -------------------------------------------------------------------------------
    def for_storage(self) -> Deadline:
        """As the columns keep it: the text cut to the column's length, and no precision
        without a date."""
        return replace(
            self,
            text=self.text[:TEXT_MAX],
            precision=self.precision if self.date else NO_PRECISION,
        )

    @classmethod
    def fields(cls, prefix: str) -> tuple[str, ...]:
        """The model fields holding a deadline (`deadline`, `revised_deadline`,
        `new_deadline`): for `update_fields` and `only()`."""
        return tuple(f"{prefix}_{part}" for part in cls.PARTS)

    def columns(self, prefix: str) -> dict[str, Any]:
        """{field name: value} for the deadline stored under `prefix`."""
        return {f"{prefix}_{part}": getattr(self, part) for part in self.PARTS}

    @classmethod
    def read(cls, obj: object, prefix: str) -> Deadline:
        """The deadline `obj` stores under `prefix`."""
        return cls(*(getattr(obj, name) for name in cls.fields(prefix)))

    def write(self, obj: object, prefix: str) -> None:
        """Store this deadline on `obj` under `prefix` (all four fields)."""
        for name, value in self.columns(prefix).items():
            setattr(obj, name, value)


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days of the calendar quarter `day` is in (a financial-year quarter
    too: they share their months)."""
    month = (day.month - 1) // 3 * 3 + 1
    after = dt.date(day.year + (month == 10), 1 if month == 10 else month + 3, 1)
    return dt.date(day.year, month, 1), after - dt.timedelta(days=1)


def next_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days of the quarter after the one `today` is in."""
    return quarter_of(quarter_of(today)[1] + dt.timedelta(days=1))


def quarter_label(day: dt.date) -> str:
    """The financial-year quarter `day` is in, as councils name rounds: "Q4 2026-27"."""
    year = day.year if day.month >= 4 else day.year - 1
    return f"Q{(day.month - 4) % 12 // 3 + 1} {year}-{(year + 1) % 100:02d}"


def example_deadline(today: dt.date) -> tuple[str, str]:
    """A deadline to show as an example, as a month and as a full date: the first 31 December
    at least three months ahead, so an example copied into a form is never already past."""
    year = today.year + (1 if today >= dt.date(today.year, 9, 30) else 0)
    day = dt.date(year, 12, 31)
    return f"{day:%B %Y}", f"{day:%d/%m/%Y}"


def effective_deadline(original: Deadline, revised: Deadline) -> Deadline:
    """The deadline in force: the revised one when one was given (words or a date), else the
    original."""
    return original if revised.is_blank else revised


# parse_deadline ------------------------------------------------------------------------------
_MONTHS: Final = {calendar.month_abbr[number].lower(): number for number in range(1, 13)}
_MONTH_RE: Final = r"(?P<{}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501
_YEAR_RE: Final = r"(?P<{}>\d{{4}}|\d{{2}})"
_ORDINAL: Final = r"(?:st|nd|rd|th)?"

# Each pattern: (compiled regex, precision). Order matters: the longest forms first.
_DATE_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # 2021-03-31
    (re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"), DatePrecision.DAY),
    # 31/03/2021, 31-03-21, 31.03.2021 (UK: day first)
    (
        re.compile(r"(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-]" + _YEAR_RE.format("year")),
        DatePrecision.DAY,
    ),
    # 01-Jul-19, 1 July 2019, 5th September 2019, 5 Sept, 2019
    (
        re.compile(
            r"(?P<day>\d{1,2})\s*" + _ORDINAL + r"[\s/-]*(?:of\s+)?" + _MONTH_RE.format("mname")
            + r"\.?,?[\s/-]*" + _YEAR_RE.format("year")
        ),
        DatePrecision.DAY,
    ),
    # July 1, 2019 / July 1st 2019
    (
        re.compile(
            _MONTH_RE.format("mname") + r"\.?\s+(?P<day>\d{1,2})" + _ORDINAL + r",?\s+"
            + r"(?P<year>\d{4})"
        ),
        DatePrecision.DAY,
    ),
    # Apr-20, September 2019, Sept. 2019, 03/2021
    (
        re.compile(_MONTH_RE.format("mname") + r"\.?[\s/-]*" + _YEAR_RE.format("year")),
        DatePrecision.MONTH,
    ),
    (re.compile(r"(?P<month>\d{1,2})/(?P<year>\d{4})"), DatePrecision.MONTH),
)  # fmt: skip
# Without a year (needs default_year): "13 May", "May".
_DAY_MONTH_RE: Final = re.compile(
    r"(?P<day>\d{1,2})\s*" + _ORDINAL + r"[\s-]*(?:of\s+)?" + _MONTH_RE.format("mname")
)
_MONTH_ONLY_RE: Final = re.compile(_MONTH_RE.format("mname"))

_TBC_RE: Final = re.compile(
    r"\b(?:tbc|tba|tbd|to be (?:confirmed|agreed|determined|decided|arranged|set))\b"
)
_ONGOING_RE: Final = re.compile(r"\bon[\s-]?going\b|\bcontinuous(?:ly)?\b")
_IMMEDIATE_RE: Final = re.compile(
    r"^(?:imminent(?:ly)?|immediate(?:ly)?|with immediate effect|asap"
    r"|as soon as possible|straight away)\b"
)
_CONDITIONAL_RE: Final = re.compile(
    r"^(?:when|whenever|once|if|as and when|subject to|dependent (?:on|upon)|depending (?:on|upon)"
    r"|depends (?:on|upon)|contingent (?:on|upon)|linked to|tied to|in line with|pending"
    r"|following|after|upon|on completion of)\b"
)
_LEADING_SEPARATOR_RE: Final = re.compile(r"\s*(?:[-–—:;,(]|\s)")


def _year(raw: str) -> int:
    year = int(raw)
    return 2000 + year if len(raw) == 2 else year


def _date_from_match(
    match: re.Match[str], precision: str, *, default_year: int | None
) -> tuple[dt.date | None, str]:
    """(date, precision) for a pattern match; (None, "") when the parts are not a real date."""
    groups = match.groupdict()
    name = groups.get("mname")
    month = _MONTHS[name[:3].lower()] if name else int(groups["month"])
    year = _year(groups["year"]) if groups.get("year") else default_year
    if year is None or not 1 <= month <= 12 or not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None, NO_PRECISION
    if precision == DatePrecision.MONTH:
        return dt.date(year, month, calendar.monthrange(year, month)[1]), DatePrecision.MONTH
    try:
        return dt.date(year, month, int(groups["day"])), DatePrecision.DAY
    except ValueError:
        return None, NO_PRECISION


def _full_date(low: str, *, default_year: int | None) -> tuple[bool, dt.date | None, str] | None:
    """Match the whole text as one date; (is_date, date, precision) or None."""
    candidate = low.rstrip(" .,;")
    for pattern, precision in _DATE_PATTERNS:
        match = pattern.fullmatch(candidate)
        if match:
            date, prec = _date_from_match(match, precision, default_year=default_year)
            if date:
                return True, date, prec
    if match := _DAY_MONTH_RE.fullmatch(candidate):
        if default_year is None:
            return True, None, NO_PRECISION
        date, prec = _date_from_match(match, DatePrecision.DAY, default_year=default_year)
        return True, date, prec
    if match := _MONTH_ONLY_RE.fullmatch(candidate):
        if default_year is None:
            return True, None, NO_PRECISION
        date, prec = _date_from_match(match, DatePrecision.MONTH, default_year=default_year)
        return True, date, prec
    return None


def _leading_date(low: str, *, default_year: int | None) -> tuple[dt.date | None, str] | None:
    """A date at the very start of the text, followed by more words.

    Returns (None, "") for a leading date without a year when there is no `default_year`.
    """
    for pattern, precision in _DATE_PATTERNS:
        match = pattern.match(low)
        if match and _LEADING_SEPARATOR_RE.match(low, match.end()):
            date, prec = _date_from_match(match, precision, default_year=default_year)
            if date:
                return date, prec
    # Without a year: "13 May Walkabout Programme", or a bare month only when clearly
    # separated ("June - Days of Action commence") so that "May be delayed" is not a date.
    match = _DAY_MONTH_RE.match(low)
    precision = DatePrecision.DAY
    if not (match and _LEADING_SEPARATOR_RE.match(low, match.end())):
        match = _MONTH_ONLY_RE.match(low)
        precision = DatePrecision.MONTH
        if not (match and re.match(r"\s*[-–—:,]", low[match.end() :])):
            return None
    if default_year is None:
        return None, NO_PRECISION
    return _date_from_match(match, precision, default_year=default_year)


def _last_explicit_date(low: str) -> tuple[dt.date, str] | None:
    """The last date in the text that names its year (day or month precision)."""
    found: list[tuple[int, dt.date, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, precision in _DATE_PATTERNS:
        for match in pattern.finditer(low):
            span = match.span()
            if any(start < span[1] and span[0] < end for start, end in taken):
                continue
            # Do not read a number that is part of a longer number as a date part.
            before = low[span[0] - 1] if span[0] else " "
            after = low[span[1]] if span[1] < len(low) else " "
            if before.isalnum() or after.isalnum():
                continue
            # An impossible date ("31/02/2021") still claims its span, so that a shorter
            # pattern ("02/2021") does not read part of it.
            taken.append(span)
            date, prec = _date_from_match(match, precision, default_year=None)
            if date:
                found.append((span[0], date, prec))
    if not found:
        return None
    _, date, prec = max(found, key=lambda item: item[0])
    return date, prec


@functools.lru_cache(maxsize=REPEATED_CELLS)
def parse_deadline(
    value: str | dt.date | dt.datetime | None, *, default_year: int | None = None
) -> Deadline:
    """Read a deadline cell. Never raises: text that is not understood is kept as text.

    The raw `text` is always kept (markup stripped, whitespace collapsed). Rules, first match wins:

    1. blank → NOT_SET.
    2. a true Excel date (`date`/`datetime`) → DATE, DAY precision, text "31/03/2021".
    3. the whole text is a date → DATE: "01-Jul-19", "31/03/2021" (UK day-first), "1 July 2019"
       are DAY; "Apr-20", "Jun-21", "September 2019" are MONTH and their date is the LAST day of
       the month (a month deadline means "by the end of April"). Two-digit years are 20xx.
       A month with no year ("May") uses `default_year`; without one the date stays None
       (kind DATE, precision "").
    4. "TBC", "To be confirmed", "TBC as part of work planning in October 2020" → TBC.
    5. "Ongoing", "Ongoing throughout 2019", "April 2019 and ongoing" → ONGOING.
    6. "Imminent", "Immediately" → IMMEDIATE.
    7. text starting with a condition ("When …", "Subject to …", "Dependent on …",
       "Linked to …", "Once …", "Pending …") → CONDITIONAL.
    8. a date at the start followed by more words → DATE with that date
       ("June 2020 in conjunction with OSC work programming" → June 2020, MONTH).
    9. otherwise the LAST date in the text that names its year → DATE ("Survey to be held in
       February and move over to the hub completed by April 2020." → April 2020, MONTH: the
       later date is when the milestone is due).
    10. anything else → CONDITIONAL (free text describing when; no date).

    Only kind DATE carries a date. ONGOING, TBC, IMMEDIATE and CONDITIONAL deadlines keep the
    date None even when the text names one ("April 2019 and ongoing"), so that such milestones
    are never reported as past their deadline; the text still shows the month.
    """
    if value is None:
        return Deadline("", None, NO_PRECISION, DeadlineKind.NOT_SET)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Deadline(value.strftime("%d/%m/%Y"), value, DatePrecision.DAY, DeadlineKind.DATE)
    text = one_line(value)
    if not text:
        return Deadline("", None, NO_PRECISION, DeadlineKind.NOT_SET)
    low = text.lower()

    def kind_only(kind: str) -> Deadline:
        return Deadline(text, None, NO_PRECISION, kind)

    if (whole := _full_date(low, default_year=default_year)) is not None:
        _, date, precision = whole
        return Deadline(text, date, precision, DeadlineKind.DATE)
    if _TBC_RE.search(low):
        return kind_only(DeadlineKind.TBC)
    if _ONGOING_RE.search(low):
        return kind_only(DeadlineKind.ONGOING)
    if _IMMEDIATE_RE.search(low):
        return kind_only(DeadlineKind.IMMEDIATE)
    if _CONDITIONAL_RE.search(low):
        return kind_only(DeadlineKind.CONDITIONAL)
    if (leading := _leading_date(low, default_year=default_year)) is not None:
        return Deadline(text, leading[0], leading[1], DeadlineKind.DATE)
    if (last := _last_explicit_date(low)) is not None:
        return Deadline(text, last[0], last[1], DeadlineKind.DATE)
    return kind_only(DeadlineKind.CONDITIONAL)
