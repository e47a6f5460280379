"""The rows of each legacy spreadsheet layout (tracker, framework, actions, pledges) read into a
plan's themes, outcomes, milestones and their updates: `EXTRACTORS`, by layout, each given the
sheet and the header row that `extract` found. Cells are read by the domain's rules (text,
deadlines, status words) and `parsing`'s (percentages, leads, lists, pledge headings); a cell that
can't be read is a warning or an error on the plan, never an exception.

May import: the domain, `layouts`, `parsing`, `readers` and `specs`; no Django. Imported by
`extract` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from frameworks.domain.deadlines import Deadline, parse_deadline
from frameworks.domain.status import is_bare_status, parse_status
from frameworks.domain.text import clean_text, one_line
from frameworks.domain.vocabulary import RAG, DeadlineKind, PostRole
from frameworks.importers import layouts
from frameworks.importers.parsing import list_text, parse_percent, pledge_heading, split_leads
from frameworks.importers.readers import Sheet
from frameworks.importers.specs import (
    ACTIVITY,
    CODE,
    CURRENT,
    DEADLINE,
    GROUPS,
    LEADS,
    NARRATIVE,
    NEW_DEADLINE,
    OUTCOMES,
    PERCENT,
    PREVIOUS,
    RISK,
    STATUS,
    THEME,
    THEME_NAME_MAX,
    TITLE,
    LegacyPlan,
    MilestoneSpec,
    OutcomeSpec,
    ReturnSpec,
    ThemeSpec,
)


# What the layouts share -----------------------------------------------------------------------
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


# Pledges -------------------------------------------------------------------------------------
def _pledge_rows(
    sheet: Sheet, match: layouts.HeaderMatch
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """The pledge heading rows above the header row (the first pledge's heading comes before its
    table's headings), then the rows after it as `_data_rows` gives them."""
    for number, cells in sheet.rows():
        if number >= match.row:
            break
        if _heading(cells) is not None:
            yield number, cells
    yield from _data_rows(sheet, match)


def _heading(cells: tuple[object, ...]) -> tuple[str, str] | None:
    """A row holding only a pledge's heading ("Pledge 2: Be open and connected")."""
    filled = [c for c in cells if c is not None and str(c).strip()]
    return pledge_heading(filled[0]) if len(filled) == 1 else None


def _pledges(plan: LegacyPlan, sheet: Sheet, match: layouts.HeaderMatch) -> None:
    """A framework of pledges, as 002 prints it: each pledge a heading row ("Pledge 1: Involve")
    and a `We will | So that` table, one commitment a row. A blank "So that" continues the
    outcome above in the same pledge; a pledge's heading repeated (its table goes on over a
    page) continues that pledge, with or without the headings again. Commitments become
    milestones (no lead, no deadline: those are added in the app or by importing a tracker),
    each serving its outcome."""
    get = _getter(match)
    label = _labels(layouts.PLEDGES).__getitem__
    plan.carries = frozenset({THEME, TITLE, OUTCOMES})
    themes: dict[str, ThemeSpec] = {}
    outcomes: set[tuple[str, str]] = set()
    current: dict[str, str] = {}  # theme -> the outcome its next blank "So that" continues
    theme: ThemeSpec | None = None
    for row, cells in _pledge_rows(sheet, match):
        heading = _heading(cells)
        if heading is not None:
            theme = _pledge(plan, themes, row, *heading)
            continue
        commitment = list_text(get(cells, "commitment"))
        outcome = one_line(list_text(get(cells, "outcome")))
        if not commitment:
            if outcome:
                plan.error(
                    row,
                    label("outcome"),
                    f"“{outcome[:80]}” has no “We will” commitment beside it: give the "
                    "commitment it is the outcome of, in the same row.",
                )
            continue
        if theme is None:
            plan.error(
                row,
                label("commitment"),
                "This commitment comes before any pledge heading: add a row above it with only "
                "its pledge's heading, for example “Pledge 1: Involve”.",
            )
            continue
        if outcome:
            current[theme.name] = outcome
            if (theme.name, outcome.casefold()) not in outcomes:
                outcomes.add((theme.name, outcome.casefold()))
                plan.outcomes.append(OutcomeSpec(row=row, theme=theme.name, title=outcome))
        elif theme.name not in current:
            plan.error(
                row,
                label("outcome"),
                f"This is the first commitment of “{theme.name}” and its “So that” is blank: "
                "give the outcome it serves (a blank “So that” continues the outcome above).",
            )
            continue
        plan.milestones.append(
            MilestoneSpec(
                row=row, theme=theme.name, title=commitment, outcomes=[current[theme.name]]
            )
        )
    served = {m.theme for m in plan.milestones}
    for spec in plan.themes:
        if spec.name not in served and not plan.errors:
            plan.warn(None, None, f"The pledge “{spec.name}” has no commitments.")


def _pledge(
    plan: LegacyPlan, themes: dict[str, ThemeSpec], row: int, code: str, name: str
) -> ThemeSpec:
    """A pledge heading: a new theme, or the same pledge's heading repeated (its table goes on
    over a page), which continues it. One number for two names, or two numbers for one name,
    is a mistake in the file, said on its row."""
    name = name[:THEME_NAME_MAX]
    theme = themes.get(f"#{code}") if code else None
    theme = theme or themes.get(name.casefold())
    if theme is None:
        theme = ThemeSpec(name=name, code=code)
        themes[name.casefold()] = theme
        if code:
            themes[f"#{code}"] = theme
        plan.themes.append(theme)
    elif theme.name.casefold() != name.casefold() or (code and theme.code != code):
        plan.error(
            row,
            None,
            f"“{name}” (pledge {code or 'with no number'}) does not match the pledge it "
            f"repeats, “{theme.name}” (pledge {theme.code or 'with no number'}): give each "
            "pledge one number and one name.",
        )
    return theme


EXTRACTORS = {
    layouts.TRACKER: _tracker,
    layouts.FRAMEWORK: _framework,
    layouts.ACTIONS: _actions,
    layouts.PLEDGES: _pledges,
}
