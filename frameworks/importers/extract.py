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

Here: `extract_plan`, which finds the header row and hands the rows after it to the layout's
reader (`layout_rows.EXTRACTORS`). The plan's dataclasses and the fields' names are in `specs`,
the JSON export's reader in `json_export`; other code imports all of them from here.
"""

from __future__ import annotations

from frameworks.importers import layouts
from frameworks.importers.json_export import extract_json, looks_like_json
from frameworks.importers.layout_rows import EXTRACTORS
from frameworks.importers.readers import Sheet, Source
from frameworks.importers.specs import (
    ACTIVITY,
    CODE,
    CURRENT,
    DEADLINE,
    GROUPS,
    JSON,
    LEADS,
    MILESTONE_FIELDS,
    NARRATIVE,
    NEW_DEADLINE,
    OUTCOMES,
    PERCENT,
    PREVIOUS,
    RETURN_FIELDS,
    REVISED,
    RISK,
    SOURCE,
    STATUS,
    THEME,
    THEME_NAME_MAX,
    TITLE,
    LegacyPlan,
    MilestoneSpec,
    OutcomeSpec,
    Problem,
    ReturnSpec,
    RoundSpec,
    ThemeSpec,
)

__all__ = [
    "ACTIVITY",
    "CODE",
    "CURRENT",
    "DEADLINE",
    "EXTRACTORS",
    "GROUPS",
    "JSON",
    "LEADS",
    "MILESTONE_FIELDS",
    "NARRATIVE",
    "NEW_DEADLINE",
    "OUTCOMES",
    "PERCENT",
    "PREVIOUS",
    "RETURN_FIELDS",
    "REVISED",
    "RISK",
    "SOURCE",
    "STATUS",
    "THEME",
    "THEME_NAME_MAX",
    "TITLE",
    "LegacyPlan",
    "MilestoneSpec",
    "OutcomeSpec",
    "Problem",
    "ReturnSpec",
    "RoundSpec",
    "ThemeSpec",
    "extract_json",
    "extract_plan",
    "looks_like_json",
]


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
