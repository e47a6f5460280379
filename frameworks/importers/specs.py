"""What a file is read into: a `LegacyPlan` (its themes, outcomes, milestones and their updates
as they will be stored, the rounds of a JSON export, every problem located by sheet, row and
column) and the names of the fields a file can carry, by which the importer compares and writes
(`MILESTONE_FIELDS`, `RETURN_FIELDS`, `OUTCOMES`).

May import: the domain; no Django. Imported by `layout_rows`, `json_export` and `extract`;
other code imports these names from `frameworks.importers.extract`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from frameworks.domain.deadlines import Deadline, parse_deadline

THEME_NAME_MAX = 200  # the Theme.name column
PREVIOUS = "previous"
CURRENT = "current"
JSON = "json"

# The fields a file can carry, by the names the importer compares and writes.
THEME, TITLE, CODE, ACTIVITY, LEADS, DEADLINE = (
    "theme",
    "title",
    "code",
    "existing_activity",
    "leads",
    "deadline",
)
REVISED, GROUPS, RISK, SOURCE = "revised_deadline", "monitoring_groups", "risk", "source_reference"
NARRATIVE, STATUS, NEW_DEADLINE, PERCENT = "narrative", "rag", "new_deadline", "percent_complete"
OUTCOMES = "outcomes"  # the outcomes a milestone serves (a pledge's "So that")
MILESTONE_FIELDS = (THEME, CODE, TITLE, ACTIVITY, LEADS, DEADLINE, REVISED, GROUPS, RISK, SOURCE)
RETURN_FIELDS = (NARRATIVE, STATUS, NEW_DEADLINE, PERCENT)


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str
    field: str | None = None  # the import option it is about (`round`, `framework`…), if any

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "field": self.field,
        }


@dataclass
class ReturnSpec:
    round: str  # PREVIOUS or CURRENT for a spreadsheet; the round's label in a JSON export
    narrative: str = ""
    rag: str = ""
    rag_text: str = ""
    new_deadline: Deadline | None = None
    percent_complete: int | None = None
    carries: frozenset[str] = frozenset(RETURN_FIELDS)


@dataclass
class MilestoneSpec:
    row: int
    theme: str
    title: str
    theme_code: str = ""
    code: str = ""
    existing_activity: str = ""
    lead_text: str = ""
    leads: list[tuple[str, str]] = field(default_factory=list)
    deadline: Deadline = field(default_factory=lambda: parse_deadline(None))
    revised_deadline: Deadline | None = None
    monitoring_groups: list[str] = field(default_factory=list)
    risk: str = ""
    source_reference: str = ""
    returns: list[ReturnSpec] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)  # titles of its theme's outcomes it serves


@dataclass
class ThemeSpec:
    name: str
    code: str = ""
    printed_percent: int | None = None


@dataclass
class OutcomeSpec:
    """A result a theme aims at (a pledge's "So that …"), where the file first gives it."""

    row: int
    theme: str
    title: str


@dataclass
class RoundSpec:
    """A round as a JSON export describes it."""

    label: str
    start_date: dt.date
    end_date: dt.date
    due_date: dt.date
    closed: bool = True


@dataclass
class LegacyPlan:
    layout: str = ""
    sheet: str = ""
    header_row: int | None = None
    carries: frozenset[str] = frozenset()  # the milestone fields this file carries
    themes: list[ThemeSpec] = field(default_factory=list)
    outcomes: list[OutcomeSpec] = field(default_factory=list)
    milestones: list[MilestoneSpec] = field(default_factory=list)
    rounds: list[RoundSpec] = field(default_factory=list)
    about: dict[str, str] = field(default_factory=dict)  # a new framework's description, owner
    measures: Any = None  # indicators, maturity…: `importers.measures.Measures`, if carried
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    def warn(self, row: int | None, column: str | None, message: str) -> None:
        self.warnings.append(Problem(self.sheet, row, column, message))

    def error(self, row: int | None, column: str | None, message: str, field=None) -> None:
        self.errors.append(Problem(self.sheet, row, column, message, field))
