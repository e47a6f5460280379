"""From a file to a `LegacyPlan`: themes, milestones and their updates as they will be stored,
which fields the file carries, and every problem located by sheet, row and column. Nothing here
touches the database.

A spreadsheet is read in one pass (`extract_plan`); a JSON export of a framework is read by
`extract_json`. Each plan says which fields its layout carries (`LegacyPlan.carries` and
`ReturnSpec.carries`): the importer compares and writes only those, so a column that is not in
the file changes nothing.

Cells are read by the domain's rules (`frameworks.domain`: text, deadlines, status words) and
the importers' own (`parsing`: percentages, leads). May import: the domain and the rest of
`frameworks.importers`; no Django, no models (plain values in, plain values out).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from frameworks.domain.deadlines import Deadline, parse_deadline
from frameworks.domain.status import is_bare_status, parse_status
from frameworks.domain.text import clean_text, one_line
from frameworks.domain.vocabulary import RAG, DeadlineKind, PostRole
from frameworks.importers import layouts
from frameworks.importers.parsing import parse_percent, split_leads
from frameworks.importers.readers import Sheet, Source

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
MILESTONE_FIELDS = (THEME, CODE, TITLE, ACTIVITY, LEADS, DEADLINE, REVISED, GROUPS, RISK, SOURCE)
RETURN_FIELDS = (NARRATIVE, STATUS, NEW_DEADLINE, PERCENT)


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str
    field: str | None = None  # the import option it is about (`period`, `framework`…), if any

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


@dataclass
class ThemeSpec:
    name: str
    code: str = ""
    printed_percent: int | None = None


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
    milestones: list[MilestoneSpec] = field(default_factory=list)
    rounds: list[RoundSpec] = field(default_factory=list)
    about: dict[str, str] = field(default_factory=dict)  # a new framework's description, owner
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    def warn(self, row: int | None, column: str | None, message: str) -> None:
        self.warnings.append(Problem(self.sheet, row, column, message))

    def error(self, row: int | None, column: str | None, message: str, field=None) -> None:
        self.errors.append(Problem(self.sheet, row, column, message, field))


def _expected(layout: str) -> str:
    return " | ".join(c.label for c in layouts.LAYOUTS[layout] if c.required)


def _locate(source: Source, layout: str, sheet_name: str | None, plan: LegacyPlan):
    sheets: list[Sheet] = source.sheets
    if sheet_name:
        sheets = [s for s in source.sheets if s.name == sheet_name]
        if not sheets:
            names = ", ".join(f"“{s.name}”" for s in source.sheets)
            plan.error(
                None, None, f"There is no sheet called “{sheet_name}”. Sheets: {names}.", "sheet"
            )
            return None, None
    candidates = layouts.LAYOUT_NAMES if layout == "auto" else (layout,)
    best: tuple[Sheet, layouts.HeaderMatch] | None = None
    for sheet in sheets:
        match = layouts.find_header(sheet.rows(), candidates)
        if match and (
            best is None or (match.complete, match.score) > (best[1].complete, best[1].score)
        ):
            best = (sheet, match)
    if best is None:
        where = f"sheet “{sheets[0].name}”" if len(sheets) == 1 else "any sheet"
        if layout == "auto":
            wanted = "; or ".join(f"{name}: {_expected(name)}" for name in layouts.LAYOUT_NAMES)
        else:
            wanted = _expected(layout)
        plan.error(
            None,
            None,
            f"No recognisable header row in the first {layouts.HEADER_SEARCH_ROWS} rows of "
            f"{where}. Expected the headings {wanted}.",
            None if layout == "auto" else "layout",
        )
        return None, None
    sheet, match = best
    plan.sheet, plan.layout, plan.header_row = sheet.name, match.layout, match.row
    for column in match.missing:
        plan.error(
            match.row,
            column.label,
            f"Required column “{column.label}” is missing from the header row (row {match.row}).",
        )
    return sheet, match


def _data_rows(
    sheet: Sheet, match: layouts.HeaderMatch
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Rows after the header: blank rows and repeated header rows skipped."""
    header: tuple[str, ...] = ()
    for number, cells in sheet.rows():
        if number < match.row:
            continue
        if number == match.row:
            header = tuple(layouts.normalise_heading(c) for c in cells)
            continue
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        if layouts.is_repeated_header(cells, header):
            continue
        yield number, cells


def _getter(match: layouts.HeaderMatch):
    columns = match.columns

    def get(cells: tuple[object, ...], key: str) -> object:
        index = columns.get(key)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    return get


def _labels(layout: str) -> dict[str, str]:
    """Column key -> the heading a message names it by, for one layout."""
    return {c.key: c.label for c in layouts.LAYOUTS[layout]}


def _present(match: layouts.HeaderMatch, pairs: dict[str, str]) -> frozenset[str]:
    """The fields whose columns (key -> field) are in the header row."""
    return frozenset(name for key, name in pairs.items() if key in match.columns)


def _deadline(plan, row, column, value, *, default_year=None) -> Deadline:
    parsed = parse_deadline(value, default_year=default_year)
    if parsed.date_unread:
        if not re.search(r"\d", parsed.text):
            message = f"“{parsed.text[:80]}” gives no year, so no date is set; it is kept as text."
        else:
            message = f"Could not read a date in “{parsed.text[:80]}”; it is kept as text."
        plan.warn(row, column, message)
    elif parsed.text and parsed.kind == DeadlineKind.CONDITIONAL and not parsed.date:
        plan.warn(
            row, column, f"“{parsed.text[:80]}” is read as a condition, not a date; kept as text."
        )
    return parsed


def _status(plan, row, column, value) -> tuple[str, str]:
    rag, raw = parse_status(None if value is None else str(value))
    if raw and not rag:
        plan.warn(row, column, f"Unknown status “{raw[:80]}” is kept as written.")
    return rag, raw


def _percent(plan, row, column, value) -> int | None:
    try:
        return parse_percent(value)
    except ValueError as exc:
        plan.error(row, column, str(exc))
        return None


# Tracker -------------------------------------------------------------------------------------
def _tracker(plan: LegacyPlan, sheet: Sheet, match: layouts.HeaderMatch) -> None:
    get = _getter(match)
    label = _labels(layouts.TRACKER).__getitem__
    plan.carries = frozenset({THEME, TITLE, LEADS, DEADLINE}) | _present(match, {"code": CODE})
    previous_carries = frozenset({NARRATIVE, STATUS})
    current_carries = previous_carries | _present(
        match, {"new_deadline": NEW_DEADLINE, "percent": PERCENT}
    )
    themes: dict[str, ThemeSpec] = {}
    for row, cells in _data_rows(sheet, match):
        title = clean_text(get(cells, "title"))
        theme = one_line(get(cells, "theme"))[:THEME_NAME_MAX]
        if not title:
            plan.error(row, label("title"), "This row has no key milestone.")
            continue
        if not theme:
            plan.error(row, label("theme"), "This row has no theme.")
            continue
        _theme(plan, themes, theme)
        lead_text = one_line(get(cells, "lead"))
        if not lead_text:
            plan.warn(row, label("lead"), "No lead is given for this milestone.")
        spec = MilestoneSpec(
            row=row,
            theme=theme,
            title=title,
            code=one_line(get(cells, "code")),
            lead_text=lead_text,
            leads=split_leads(lead_text),
            deadline=_deadline(plan, row, label("deadline"), get(cells, "deadline")),
        )
        previous_text = clean_text(get(cells, "previous_update"))
        previous_rag, previous_raw = _status(
            plan, row, label("previous_rag"), get(cells, "previous_rag")
        )
        if previous_text or previous_raw:
            spec.returns.append(
                ReturnSpec(
                    PREVIOUS, previous_text, previous_rag, previous_raw, carries=previous_carries
                )
            )
        new_deadline_value = get(cells, "new_deadline")
        new_deadline = None
        if new_deadline_value is not None and str(new_deadline_value).strip():
            if (
                isinstance(new_deadline_value, str)
                and is_bare_status(new_deadline_value)
                and parse_status(new_deadline_value)[0] != RAG.ONGOING
            ):
                plan.warn(
                    row,
                    label("new_deadline"),
                    f"“{one_line(new_deadline_value)}” is a status, not a deadline; ignored.",
                )
            else:
                new_deadline = _deadline(plan, row, label("new_deadline"), new_deadline_value)
        progress = clean_text(get(cells, "progress"))
        rag, raw = _status(plan, row, label("rag"), get(cells, "rag"))
        if progress and not raw and is_bare_status(progress):
            plan.warn(
                row,
                label("progress"),
                f"“{progress}” is a status word with no update and no RAG status; "
                "no update is recorded for this round.",
            )
            progress = ""
        percent = _percent(plan, row, label("percent"), get(cells, "percent"))
        if progress or raw:
            spec.returns.append(
                ReturnSpec(CURRENT, progress, rag, raw, new_deadline, percent, current_carries)
            )
        elif new_deadline is not None:
            plan.warn(
                row,
                label("new_deadline"),
                "A new deadline is given but there is no current update; it is ignored.",
            )
        plan.milestones.append(spec)


def _theme(plan: LegacyPlan, themes: dict[str, ThemeSpec], name: str) -> None:
    """A theme heading, added to the plan where it first appears."""
    if name not in themes:
        themes[name] = ThemeSpec(name=name)
        plan.themes.append(themes[name])


# Framework -----------------------------------------------------------------------------------
_BULLET = re.compile(r"^\s*[•\-–*]\s*")


def _split_actions(text: str) -> list[str]:
    """One cell listing several actions becomes one milestone per action.

    Bullet lines are actions (any lines before the first bullet introduce each of them); plain
    lines are actions too, except that lines after one ending in ":" list what it includes.
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return [" ".join(text.split())]
    bullets = [i for i, line in enumerate(lines) if _BULLET.match(line)]
    if bullets:
        intro = " ".join(lines[: bullets[0]])
        items: list[str] = []
        for i, line in enumerate(lines[bullets[0] :], start=bullets[0]):
            if i in bullets:
                items.append(_BULLET.sub("", line))
            else:  # a wrapped continuation of the bullet above
                items[-1] += " " + line
        return [f"{intro} {item}".strip() for item in items]
    items = []
    listing = False
    for line in lines:
        if listing:
            items[-1] += ("; " if not items[-1].endswith(":") else " ") + line
        else:
            items.append(line)
            listing = line.endswith(":")
    return items


def _framework(plan: LegacyPlan, sheet: Sheet, match: layouts.HeaderMatch) -> None:
    get = _getter(match)
    label = _labels(layouts.FRAMEWORK).__getitem__
    plan.carries = frozenset({THEME, TITLE, LEADS}) | _present(
        match, {"activity": ACTIVITY, "timescale": DEADLINE}
    )
    theme: str | None = None
    themes: dict[str, ThemeSpec] = {}
    for row, cells in _data_rows(sheet, match):
        filled = [c for c in cells if c is not None and str(c).strip()]
        action = clean_text(get(cells, "action"))
        lead_text = one_line(get(cells, "lead"))
        activity = clean_text(get(cells, "activity"))
        if len(filled) == 1 and not lead_text and not get(cells, "timescale"):
            theme = one_line(filled[0])[:THEME_NAME_MAX]
            _theme(plan, themes, theme)
            continue
        if not action:
            if activity:
                plan.warn(
                    row,
                    label("action"),
                    "Existing activity with no new action: not imported as a milestone.",
                )
            continue
        if theme is None:
            plan.error(row, label("action"), "This action comes before any theme heading row.")
            continue
        titles = _split_actions(action)
        timescale = get(cells, "timescale")
        timescales: Sequence[object] = [timescale] * len(titles)
        if isinstance(timescale, str) and len(titles) > 1:
            parts = [p.strip() for p in timescale.split("\n") if p.strip()]
            if len(parts) == len(titles):
                timescales = parts
        for title, when in zip(titles, timescales, strict=True):
            plan.milestones.append(
                MilestoneSpec(
                    row=row,
                    theme=theme,
                    title=title,
                    existing_activity=activity,
                    lead_text=lead_text,
                    leads=split_leads(lead_text),
                    deadline=_deadline(plan, row, label("timescale"), when),
                )
            )


# Actions -------------------------------------------------------------------------------------
_ACTION_CODE = re.compile(r"^(?P<group>[A-Z]+\d*)\.(?P<number>\d+)$")
_GROUP_CODE = re.compile(r"^[A-Z]+\d*(?:\s*&\s*[A-Z]+\d*)*$")


def _split_list(value: object) -> list[str]:
    return [part for part in (one_line(p) for p in re.split(r"[;\n]", str(value or ""))) if part]


def _actions(plan: LegacyPlan, sheet: Sheet, match: layouts.HeaderMatch) -> None:
    get = _getter(match)
    label = _labels(layouts.ACTIONS).__getitem__
    plan.carries = frozenset({THEME, TITLE, CODE}) | _present(
        match, {"owners": LEADS, "groups": GROUPS, "risk": RISK}
    )
    return_carries = frozenset({STATUS, PERCENT}) | _present(match, {"note": NARRATIVE})
    groups: dict[str, ThemeSpec] = {}  # member code ("R1") -> group
    current: ThemeSpec | None = None
    for row, cells in _data_rows(sheet, match):
        code = one_line(get(cells, "code"))
        title = clean_text(get(cells, "title"))
        if not code:
            plan.error(row, label("code"), "This row has no code.")
            continue
        action = _ACTION_CODE.match(code.replace(" ", ""))
        if action is None:
            if not _GROUP_CODE.match(code):
                plan.error(row, label("code"), f"“{code}” is not a recommendation or action code.")
                continue
            current = ThemeSpec(
                name=(title or code)[:THEME_NAME_MAX],
                code=code,
                printed_percent=_percent(plan, row, label("progress"), get(cells, "progress")),
            )
            plan.themes.append(current)
            for member in re.split(r"\s*&\s*", code):
                groups[member] = current
            continue
        group = groups.get(action["group"]) or current
        if group is None:
            plan.error(row, label("code"), f"Action {code} comes before any recommendation row.")
            continue
        if not title:
            plan.error(row, label("title"), f"Action {code} has no title.")
            continue
        owners = _split_list(get(cells, "owners"))
        rag, raw = _status(plan, row, label("status"), get(cells, "status"))
        note = clean_text(get(cells, "note"))
        percent = _percent(plan, row, label("progress"), get(cells, "progress"))
        spec = MilestoneSpec(
            row=row,
            theme=group.name,
            theme_code=group.code,
            code=code,
            title=title,
            lead_text="; ".join(owners),
            leads=[(owner, PostRole.LEAD) for owner in owners],
            monitoring_groups=_split_list(get(cells, "groups")),
            risk=clean_text(get(cells, "risk")),
        )
        if note or raw or percent is not None:
            spec.returns.append(ReturnSpec(CURRENT, note, rag, raw, None, percent, return_carries))
        plan.milestones.append(spec)


# JSON export (`export_framework --format json`) -----------------------------------------------
def _json_deadline(value: Any) -> Deadline | None:
    """A deadline object of the export ({text, date, precision, kind}), or None."""
    if not value:
        return None
    if isinstance(value, str):  # a new deadline is written as its text
        return parse_deadline(value)
    text = one_line(value.get("text"))
    date = dt.date.fromisoformat(value["date"]) if value.get("date") else None
    parsed = parse_deadline(text or date)
    if date is None and not text:
        return None
    return Deadline(
        text=text or parsed.text,
        date=date,
        precision=value.get("precision") or (parsed.precision if date else ""),
        kind=value.get("kind") or parsed.kind,
    )


def extract_json(data: bytes, plan: LegacyPlan | None = None) -> LegacyPlan:
    """A framework exported as JSON, read back into a plan that carries every field."""
    plan = plan or LegacyPlan(layout=JSON, sheet="JSON")
    plan.layout, plan.sheet = JSON, plan.sheet or "JSON"
    plan.carries = frozenset(MILESTONE_FIELDS)
    try:
        document = json.loads(data.decode("utf-8-sig"))
        if not isinstance(document, dict) or not isinstance(document.get("themes"), list):
            raise ValueError("it has no list of themes")
        plan.about = {k: str(document.get(k) or "") for k in ("description", "owner")}
        for round in document.get("periods") or []:
            plan.rounds.append(
                RoundSpec(
                    label=one_line(round["label"]),
                    start_date=dt.date.fromisoformat(round["start_date"]),
                    end_date=dt.date.fromisoformat(round["end_date"]),
                    due_date=dt.date.fromisoformat(round["due_date"]),
                    closed=round.get("state", "CLOSED") == "CLOSED",
                )
            )
        number = 0
        for theme in document["themes"]:
            name = one_line(theme["name"])[:THEME_NAME_MAX]
            plan.themes.append(ThemeSpec(name=name, code=one_line(theme.get("code"))))
            for item in theme["milestones"]:
                number += 1
                plan.milestones.append(_json_milestone(plan, number, name, theme, item))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        plan.error(
            None,
            None,
            f"This JSON file is not a framework exported by Action Tracker ({_reason(exc)}). "
            "Export the framework again (Export > JSON) and upload that file.",
        )
    return plan


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"the field {exc.args[0]!r} is missing"
    return str(exc).split("\n")[0][:200]


def _json_milestone(plan, number, theme_name, theme, item) -> MilestoneSpec:
    spec = MilestoneSpec(
        row=number,
        theme=theme_name,
        theme_code=one_line(theme.get("code")),
        title=clean_text(item["title"]),
        code=one_line(item.get("code")),
        existing_activity=clean_text(item.get("existing_activity")),
        lead_text=" / ".join(one_line(lead["post"]) for lead in item.get("leads", [])),
        leads=[
            (one_line(lead["post"]), lead.get("role") or PostRole.LEAD) for lead in item["leads"]
        ],
        deadline=_json_deadline(item.get("deadline")) or parse_deadline(None),
        revised_deadline=_json_deadline(item.get("revised_deadline")),
        monitoring_groups=[one_line(g) for g in item.get("monitoring_groups", []) if g],
        risk=clean_text(item.get("risk")),
        source_reference=one_line(item.get("source_reference")),
    )
    if not spec.title:
        plan.error(number, "title", "This milestone has no title.")
    for return_ in item.get("updates", []):
        if return_.get("state", "APPROVED") != "APPROVED":
            continue  # only approved updates are the plan's record
        spec.returns.append(
            ReturnSpec(
                round=one_line(return_["period"]),
                narrative=clean_text(return_.get("narrative")),
                rag=return_.get("rag") or "",
                rag_text=one_line(return_.get("rag_text")),
                new_deadline=_json_deadline(return_.get("new_deadline")),
                percent_complete=return_.get("percent_complete"),
            )
        )
    return spec


def looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


EXTRACTORS = {
    layouts.TRACKER: _tracker,
    layouts.FRAMEWORK: _framework,
    layouts.ACTIONS: _actions,
}


def extract_plan(source: Source, *, layout: str = "auto", sheet: str | None = None) -> LegacyPlan:
    """Read a legacy spreadsheet into a plan. Problems are collected, never raised (but for
    unreadable files, which `readers` refuses before this)."""
    plan = LegacyPlan()
    found, match = _locate(source, layout, sheet, plan)
    if found is None or plan.errors:
        return plan
    EXTRACTORS[plan.layout](plan, found, match)
    if not plan.milestones and not plan.errors:
        plan.error(None, None, f"The sheet “{plan.sheet}” has a header row but no milestones.")
    _check_duplicates(plan)
    return plan


def _check_duplicates(plan: LegacyPlan) -> None:
    seen_codes: dict[str, int] = {}
    for spec in plan.milestones:
        if spec.code:
            if spec.code in seen_codes:
                plan.error(
                    spec.row,
                    "Code",
                    f"Code {spec.code} is used twice "
                    f"(rows {seen_codes[spec.code]} and {spec.row}).",
                )
            seen_codes.setdefault(spec.code, spec.row)
