"""A framework's measures as tables, for the .xlsx export's sheets after the tracker and the
CSV export's files: outcomes (one row per milestone serving each), indicators, their targets
and values, the maturity scale, standards and assessments (one row per recommendation).

The tables are built from the export's plain data (`selectors.framework_export_data`) and
headed as the importer reads them back (`frameworks.importers.measures.SHEETS`). A table the
framework has nothing for is left out. Figures are numbers and dates are dates (a spreadsheet
sorts and sums them); words are the vocabularies' labels ("Lower is better", "Quarterly").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from frameworks.domain.vocabulary import Direction, Frequency
from frameworks.importers.measures import (
    INDICATORS_SHEET,
    MATURITY_SHEET,
    OUTCOMES_SHEET,
    SCALE_SHEET,
    SHEETS,
    STANDARDS_SHEET,
    TARGETS_SHEET,
    VALUES_SHEET,
)

# Column widths in characters: narrow for numbers, codes, dates and levels; wide for names
# and prose (wrapped).
WIDTHS = {
    OUTCOMES_SHEET: [22, 10, 50, 12, 50, 22],
    INDICATORS_SHEET: [9, 40, 9, 40, 16, 11, 12, 30, 11, 30, 13, 45],
    TARGETS_SHEET: [9, 40, 14, 14, 11],
    VALUES_SHEET: [9, 40, 14, 11, 60],
    SCALE_SHEET: [7, 20, 60],
    STANDARDS_SHEET: [30, 70],
    MATURITY_SHEET: [30, 12, 30, 30, 14, 14, 60, 60, 50, 12, 40],
}


@dataclass(frozen=True)
class Table:
    name: str
    headings: list[str]
    widths: list[int]
    rows: list[list[Any]]


def _figure(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _label(vocabulary, value: str) -> str:
    return vocabulary(value).label if value else ""


def measures_tables(data: dict[str, Any]) -> list[Table]:
    """The measures tables of an export's data, in sheet order, each only if it has rows."""
    tables = {
        OUTCOMES_SHEET: _outcome_rows(data),
        **_indicator_rows(data.get("indicators") or []),
        **_maturity_rows(data.get("maturity") or {}),
    }
    return [
        Table(name, SHEETS[name], WIDTHS[name], tables[name]) for name in SHEETS if tables.get(name)
    ]


def _outcome_rows(data: dict[str, Any]) -> list[list[Any]]:
    """A row per milestone serving each outcome (plan order), or one for an outcome none serves
    yet. The milestone's theme is given when it is not the outcome's."""
    serving: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for theme in data["themes"]:
        for milestone in theme["milestones"]:
            for outcome in milestone.get("outcomes") or []:
                key = (outcome["theme"], outcome["title"])
                serving.setdefault(key, []).append((theme["name"], milestone))
    rows = []
    for theme in data["themes"]:
        for outcome in theme.get("outcomes") or []:
            first = [theme["name"], outcome["code"], outcome["title"]]
            milestones = serving.get((theme["name"], outcome["title"]), [])
            if not milestones:
                rows.append([*first, "", "", ""])
            for milestone_theme, milestone in milestones:
                other = milestone_theme if milestone_theme != theme["name"] else ""
                rows.append([*first, milestone["code"], milestone["title"], other])
    return rows


def _indicator_rows(indicators: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    main, targets, values = [], [], []
    for item in indicators:
        named = [item["number"], item["name"]]
        main.append(
            [
                *named,
                item["unit"],
                item["definition"],
                _label(Direction, item["direction"]),
                _figure(item["baseline_value"]),
                _day(item["baseline_date"]),
                item["baseline_source"],
                _figure(item["tolerance"]),
                item["owner"],
                _label(Frequency, item["frequency"]),
                "\n".join(outcome["title"] for outcome in item["outcomes"]),
            ]
        )
        for target in item["targets"]:
            targets.append(
                [*named, target["period"] or "", target["year"], _figure(target["value"])]
            )
        for value in item["values"]:
            values.append([*named, value["period"], _figure(value["value"]), value["note"]])
    return {INDICATORS_SHEET: main, TARGETS_SHEET: targets, VALUES_SHEET: values}


def _maturity_rows(maturity: dict[str, Any]) -> dict[str, list[list[Any]]]:
    rows = []
    for assessment in maturity.get("assessments") or []:
        first = [assessment["title"], _day(assessment["assessed_on"]), assessment["source"]]
        for judgement in assessment["judgements"]:
            judged = [
                *first,
                judgement["standard"],
                judgement["level"] or "",
                judgement["level_text"],
                judgement["evidence"],
                judgement["improvements"],
            ]
            recommendations = judgement["recommendations"] or [{"text": "", "milestone": None}]
            for recommendation in recommendations:
                milestone = recommendation["milestone"] or {"code": "", "title": ""}
                rows.append(
                    [*judged, recommendation["text"], milestone["code"], milestone["title"]]
                )
    return {
        SCALE_SHEET: [
            [level["rank"], level["name"], level["description"]]
            for level in maturity.get("scale") or []
        ],
        STANDARDS_SHEET: [
            [standard["name"], standard["description"]]
            for standard in maturity.get("standards") or []
        ],
        MATURITY_SHEET: rows,
    }
