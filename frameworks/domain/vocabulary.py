"""The fixed vocabularies the database stores, once: each value with its label.

Plain `StrEnum`s, no Django (see the package docstring). `frameworks.models` builds its
`TextChoices` (`RAG`, `DeadlineKind`, `DatePrecision`, `PostRole`, `ImportLayout`) from these,
so a value or a label is changed here and only here. A member is a `str`: it compares equal to
its value, stores and serialises as it.

May import: the standard library only. Imported by the rest of the domain, `frameworks.models`
and the importers.
"""

from __future__ import annotations

import enum


class Vocabulary(enum.StrEnum):
    """A `StrEnum` whose members carry a label, written `NAME = "VALUE", "Label"`."""

    label: str

    def __new__(cls, value: str, label: str) -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class RAG(Vocabulary):
    """Normalised status of a milestone in a round. Colours follow the councils' own definitions."""

    COMPLETED = "COMPLETED", "Completed"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    OVERDUE = "OVERDUE", "Overdue"
    ONGOING = "ONGOING", "Ongoing"
    NOT_STARTED = "NOT_STARTED", "Not started"
    CANCELLED = "CANCELLED", "Cancelled"


class DeadlineKind(Vocabulary):
    """What a deadline is: only DATE carries a date."""

    DATE = "DATE", "Date"
    ONGOING = "ONGOING", "Ongoing"
    TBC = "TBC", "To be confirmed"
    IMMEDIATE = "IMMEDIATE", "Immediate"
    CONDITIONAL = "CONDITIONAL", "Conditional"
    NOT_SET = "NOT_SET", "Not set"


class DatePrecision(Vocabulary):
    """How exact a deadline's date is. A deadline without a date has precision "" (none)."""

    DAY = "DAY", "Day"
    MONTH = "MONTH", "Month"


class PostRole(Vocabulary):
    LEAD = "LEAD", "Lead"
    SUPPORTING = "SUPPORTING", "Supporting"


class ImportLayout(Vocabulary):
    """The legacy spreadsheet layouts the importer reads (`frameworks.importers.layouts` holds
    their columns; a test checks each label names its layout's first headings in order)."""

    FRAMEWORK = (
        "framework",
        "Framework (What do we do? | What (more) could we do? | Lead | Timescale)",
    )
    TRACKER = "tracker", "Progress tracker (Theme | Key Milestone | Lead | Deadline | …)"
    ACTIONS = "actions", "Actions export (Code | Title | Status | Progress | Owners | …)"
    PLEDGES = "pledges", "Pledges (We will | So that)"


class Direction(Vocabulary):
    """Which way an indicator improves."""

    HIGHER = "HIGHER", "Higher is better"
    LOWER = "LOWER", "Lower is better"


class Frequency(Vocabulary):
    """How often an indicator reports: in which quarterly rounds its owner gives a value
    (`frameworks.domain.indicators.due_in_round`)."""

    QUARTERLY = "QUARTERLY", "Quarterly"
    HALF_YEARLY = "HALF_YEARLY", "Half-yearly"
    ANNUAL = "ANNUAL", "Annual"


class IndicatorStatus(Vocabulary):
    """An indicator's status at a round, computed from its value, target and tolerance; never
    stored (`frameworks.domain.indicators.indicator_status`)."""

    ON_TARGET = "ON_TARGET", "On target"
    WITHIN_TOLERANCE = "WITHIN_TOLERANCE", "Within tolerance"
    OFF_TARGET = "OFF_TARGET", "Off target"
    NO_TARGET = "NO_TARGET", "No target set"
    NO_DATA = "NO_DATA", "No data"
