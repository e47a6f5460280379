"""A framework's JSON export (`export_framework --format json`) read back into a plan that
carries every field (`extract_json`), and `looks_like_json`, which tells such a file from a
spreadsheet.

Its outcomes, indicators and maturity assessment are read by `measures` (`Measures`, in
`plan.measures`). May import: the domain, `specs` and `measures`; no Django. Imported by
`extract` only; other code imports these names from `frameworks.importers.extract`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from frameworks.domain.deadlines import Deadline, parse_deadline
from frameworks.domain.text import clean_text, one_line
from frameworks.domain.vocabulary import PostRole
from frameworks.importers.measures import measures_from_json
from frameworks.importers.specs import (
    JSON,
    MILESTONE_FIELDS,
    THEME_NAME_MAX,
    LegacyPlan,
    MilestoneSpec,
    ReturnSpec,
    RoundSpec,
    ThemeSpec,
)


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
        # Outcomes, indicators and the maturity assessment (exports since issue 19).
        plan.measures = measures_from_json(document, plan)
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
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
