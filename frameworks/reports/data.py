"""The data behind a board report, as plain JSON-ready values: the published snapshot.

Everything the PDF, the preview and the spreadsheet show is computed here, once, from the
database (a fixed number of queries whatever the size of the plan). Rendering reads only the
snapshot, so a published report reprints identically however the data changes later.

Statuses are keyed by the domain's vocabulary (`frameworks.domain.status`): a RAG value,
`NO_STATUS` ("UNKNOWN") or `NO_RETURN` ("NONE"). Those values are the keys of stored snapshots
(`PublishedReport.snapshot`, schema `SCHEMA`), so they never change. Deadlines read as
`Deadline.display` says.

The measures sections (progress by outcome, indicators, the maturity table) are in the snapshot
only when the framework has them; a snapshot of an earlier schema has none of their keys and
prints without them. Numbers are stored as text ("19.55"), never floats, and a chart as its
inputs: `render` draws it. May import: Django, the domain, the models and the selectors of the
measures (`selectors.indicators`, `selectors.maturity`: one place for who is on target and how
a standard moved, shared with the pages).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from frameworks.domain.indicators import format_difference, format_number
from frameworks.domain.overdue import deadline_passed_while_open
from frameworks.domain.status import DONE, NO_RETURN, NO_STATUS, STATUS_LABELS
from frameworks.models import (
    RAG,
    STATUTORY_SECTIONS,
    BoardReport,
    Direction,
    Framework,
    Milestone,
    MilestoneOutcome,
    MilestonePost,
    Outcome,
    PostRole,
    Return,
    ReturnState,
    Round,
    progress_mean,
)
from frameworks.selectors.indicators import indicator_rows
from frameworks.selectors.maturity import maturity_table

# 2: meeting time blank when unknown; statutory sections' "not applicable"
# 3: "outcomes", "indicators" and "maturity", each when the framework has them
SCHEMA = 3
# The order statuses are counted, charted and listed in.
RAG_ORDER = [
    RAG.COMPLETED,
    RAG.IN_PROGRESS,
    RAG.ONGOING,
    RAG.OVERDUE,
    RAG.NOT_STARTED,
    RAG.CANCELLED,
    NO_STATUS,
    NO_RETURN,
]
RAG_LABEL = STATUS_LABELS


def status_label(key: str, raw: str = "") -> tuple[str, str]:
    """A status as a board report shows it: (its key, with no update for a blank one; its word,
    the officer's own text when the status was not understood or left out)."""
    key = key or NO_RETURN
    shows_raw = raw and key in (NO_RETURN, NO_STATUS)
    return key, raw if shows_raw else RAG_LABEL.get(key, raw or "No update")


def _new_deadline(return_: Return) -> str:
    return return_.new_deadline.display_if_set


def status_at(
    returns: list[tuple[int, dt.date, str]], round: Round
) -> tuple[str, int | None, bool]:
    """A milestone's status at a round, from its approved updates as (round id, round start,
    rag) in round order: its update in that round, else a completion carried forward from an
    earlier round, else no update. Returns (status, index of the update used, carried?)."""
    latest_before = None
    # Read once: the overview asks this of every milestone at every round (3,500 calls for a
    # 250-milestone plan), and `pk` is a property.
    round_pk, round_start = round.pk, round.start_date
    for index, (round_id, start, rag) in enumerate(returns):
        if round_id == round_pk:
            return rag or NO_STATUS, index, False
        if start < round_start:
            latest_before = index
    if latest_before is not None and returns[latest_before][2] in DONE:
        return returns[latest_before][2], latest_before, True
    return NO_RETURN, None, False


def _status_as_of(returns: list[Return], round: Round | None) -> dict:
    """`status_at`, with the update behind it (none when carried forward)."""
    if round is None:
        return {"rag": "", "rag_text": "", "update": None, "carried_from": ""}
    rows = [(u.round_id, u.round.start_date, u.rag) for u in returns]
    rag, index, carried = status_at(rows, round)
    if index is None:
        return {"rag": rag, "rag_text": "", "update": None, "carried_from": ""}
    source = returns[index]
    return {
        "rag": rag,
        "rag_text": source.rag_text,
        "update": None if carried else source,
        "carried_from": source.round.label if carried else "",
    }


def _counts(values: list[str]) -> dict[str, int]:
    counter = Counter(values)
    return {key: counter.get(key, 0) for key in RAG_ORDER}


def report_text(report: BoardReport) -> dict[str, Any]:
    """The words people wrote. A statutory section is its comments, or "not applicable" when a
    person marked it so, or blank: the template then says "To be completed" (only a draft can
    be blank: publishing is refused until each is written or marked)."""
    text = {
        "title": report.title,
        "report_of": report.report_of,
        "classification": report.get_classification_display(),
        "exempt_paragraph": report.get_exempt_paragraph_display()
        if report.exempt_paragraph
        else "",
        "lead_member": report.lead_member,
        "originating_officers": report.originating_officers,
        "wards_affected": report.wards_affected,
        "key_decision_reason": report.key_decision_reason,
        "strategic_priority": report.strategic_priority,
        "executive_summary": report.executive_summary,
        "recommendations": [
            line.strip() for line in report.recommendations.splitlines() if line.strip()
        ],
        "officer_contact": report.officer_contact,
    }
    for field, not_applicable, _heading in STATUTORY_SECTIONS:
        text[field] = getattr(report, field)
        text[not_applicable] = getattr(report, not_applicable)
    return text


def summary_sentence(total: int, counts: dict[str, int], previous: dict[str, int] | None) -> str:
    parts = []
    for key in RAG_ORDER:
        n = counts.get(key, 0)
        if not n:
            continue
        label = RAG_LABEL[key].lower()
        if key == NO_RETURN:
            text = f"{n} {'have' if n != 1 else 'has'} no update"
        elif key == NO_STATUS:
            text = f"{n} {'have' if n != 1 else 'has'} an update but no status"
        else:
            text = f"{n} {'are' if n != 1 else 'is'} {label}"
        if previous is not None:
            text += f" ({previous.get(key, 0)} at the previous round)"
        parts.append(text)
    if not parts:
        return "There are no milestones in this plan."
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"Of the {total} milestones, {listed}."


def build_snapshot(*, report: BoardReport, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the report shows, computed now. Queries: a fixed handful."""
    framework, round = report.framework, report.round
    meeting = report.meeting
    previous = (
        Round.objects.filter(framework=framework, start_date__lt=round.start_date)
        .order_by("-start_date")
        .first()
    )
    milestones = list(
        Milestone.objects.filter(framework=framework)
        .select_related("theme")
        .prefetch_related(
            Prefetch(
                "leads",
                queryset=MilestonePost.objects.select_related("post").order_by("order", "pk"),
            )
        )
        .order_by("theme__order", "theme__name", "order", "pk")
    )
    by_milestone: dict[int, list[Return]] = defaultdict(list)
    for approved in (
        Return.objects.filter(
            milestone__framework=framework,
            round__start_date__lte=round.start_date,
            state=ReturnState.APPROVED,
        )
        .select_related("round")
        .order_by("round__start_date")
    ):
        by_milestone[approved.milestone_id].append(approved)

    meeting_day = meeting.date
    has_percent = False
    themes: dict[int, dict[str, Any]] = {}
    exceptions: dict[str, list] = {"overdue": [], "slipped": [], "no_update": []}
    movements = []
    current_all, previous_all = [], []
    rows_by_id: dict[int, dict[str, Any]] = {}  # in plan order
    for milestone in milestones:
        returns = by_milestone.get(milestone.pk, [])
        now = _status_as_of(returns, round)
        before = _status_as_of(returns, previous)
        return_: Return | None = now["update"]
        earlier = [u for u in returns if u.round.start_date < round.start_date]
        old_deadline = next(
            (_new_deadline(u) for u in reversed(earlier) if _new_deadline(u)),
            milestone.deadline.with_default_kind().display,
        )
        new_deadline = _new_deadline(return_) if return_ else ""
        effective_date = (
            return_.new_deadline_date if return_ and return_.new_deadline_date else None
        ) or next(
            (u.new_deadline_date for u in reversed(earlier) if u.new_deadline_date),
            milestone.deadline_date,
        )
        percent = return_.percent_complete if return_ else None
        has_percent = has_percent or percent is not None
        leads = [
            link.post.title + (" (supporting)" if link.role == PostRole.SUPPORTING else "")
            for link in milestone.leads.all()
        ]
        row = {
            "code": milestone.code,
            "title": milestone.title,
            "theme": milestone.theme.name,
            "leads": leads,
            "deadline": old_deadline,
            "new_deadline": new_deadline,
            "previous_rag": before["rag"] if previous else "",
            "previous_narrative": before["update"].narrative if before["update"] else "",
            "previous_rag_text": before["rag_text"],
            "rag": now["rag"],
            "rag_text": now["rag_text"],
            "carried_from": now["carried_from"],
            "narrative": return_.narrative if return_ else "",
            "percent": percent,
            "deadline_passed": deadline_passed_while_open(
                status=now["rag"], deadline_date=effective_date, today=meeting_day
            ),
            "monitoring_groups": list(milestone.monitoring_groups),
        }
        theme = themes.setdefault(
            milestone.theme_id,
            {
                "code": milestone.theme.code,
                "name": milestone.theme.name,
                "milestones": [],
            },
        )
        theme["milestones"].append(row)
        rows_by_id[milestone.pk] = row
        current_all.append(now["rag"])
        previous_all.append(before["rag"])
        brief = {"code": row["code"], "title": row["title"], "theme": row["theme"],
                 "leads": leads}  # fmt: skip
        if now["rag"] == RAG.OVERDUE:
            exceptions["overdue"].append({**brief, "deadline": old_deadline,
                                          "new_deadline": new_deadline,
                                          "narrative": row["narrative"]})  # fmt: skip
        if new_deadline and new_deadline != old_deadline:
            exceptions["slipped"].append({**brief, "old": old_deadline, "new": new_deadline})
        if now["rag"] == NO_RETURN:
            exceptions["no_update"].append(brief)
        if previous and before["rag"] != now["rag"]:
            movements.append({**brief, "from": before["rag"], "to": now["rag"]})

    outcomes = _outcomes(framework, rows_by_id)
    indicators = _indicators(framework, round)
    maturity = _maturity(framework, meeting_day)

    theme_list = []
    for theme in themes.values():
        rows = theme["milestones"]
        theme["counts"] = _counts([r["rag"] for r in rows])
        theme["previous_counts"] = _counts([r["previous_rag"] for r in rows]) if previous else None
        theme["progress"] = progress_mean(r["percent"] for r in rows)
        theme_list.append(theme)

    counts = _counts(current_all)
    previous_counts = _counts(previous_all) if previous else None
    generated = as_of or timezone.now()
    return {
        "schema": SCHEMA,
        "framework": framework.name,
        "period": round.label,
        "previous_period": previous.label if previous else None,
        "board": meeting.board.name,
        "meeting": {
            "date": f"{meeting.date.day} {meeting.date:%B %Y}",
            "time": meeting.time_display,  # blank until known: never a guess
            "venue": meeting.venue,
            "iso": meeting.date.isoformat(),
        },
        "generated_at": timezone.localtime(generated).isoformat(timespec="seconds"),
        "text": report_text(report),
        "has_percent": has_percent,
        "has_codes": any(m.code for m in milestones),
        "total": len(milestones),
        "counts": counts,
        "previous_counts": previous_counts,
        "change": (
            {key: counts[key] - previous_counts[key] for key in RAG_ORDER}
            if previous_counts
            else None
        ),
        "sentence": summary_sentence(len(milestones), counts, previous_counts),
        "themes": theme_list,
        "exceptions": exceptions,
        "movements": movements,
        # Each only when the framework has them (schema 3).
        **({"outcomes": outcomes} if outcomes else {}),
        **({"indicators": indicators} if indicators else {}),
        **({"maturity": maturity} if maturity else {}),
    }


# The measures sections ------------------------------------------------------------------------


def commitment_count(statuses: list[str]) -> str:
    """An outcome's count line: "4 commitments: 2 completed, 1 in progress, 1 no update"."""
    if not statuses:
        return "No commitment serves this outcome yet."
    counts = Counter(statuses)
    parts = [f"{counts[key]} {RAG_LABEL[key].lower()}" for key in RAG_ORDER if counts.get(key)]
    total = len(statuses)
    return f"{total} commitment{'' if total == 1 else 's'}: {', '.join(parts)}"


def _outcomes(framework: Framework, rows_by_id: dict[int, dict[str, Any]]) -> list[dict]:
    """Per theme, each outcome with the milestones serving it (in plan order) and their status
    at the report's round, as the appendix has it. Two queries; none for a plan without
    outcomes but the first. Milestones serving no outcome are not repeated here."""
    outcomes = list(
        Outcome.objects.filter(framework=framework)
        .select_related("theme")
        .order_by("theme__order", "theme__name", "order", "pk")
    )
    if not outcomes:
        return []
    served: dict[int, set[int]] = defaultdict(set)
    links = MilestoneOutcome.objects.filter(outcome__framework=framework)
    for outcome_id, milestone_id in links.values_list("outcome_id", "milestone_id"):
        served[outcome_id].add(milestone_id)
    themes: dict[int, dict[str, Any]] = {}
    for outcome in outcomes:
        rows = [row for pk, row in rows_by_id.items() if pk in served[outcome.pk]]
        commitments = [
            {
                "code": row["code"],
                "title": row["title"],
                "theme": row["theme"],  # the appendix row is found by theme, code and title
                "rag": row["rag"],
                "rag_text": row["rag_text"],
                "carried_from": row["carried_from"],
            }
            for row in rows
        ]
        theme = themes.setdefault(
            outcome.theme_id,
            {"code": outcome.theme.code, "name": outcome.theme.name, "outcomes": []},
        )
        theme["outcomes"].append(
            {
                "code": outcome.code,
                "title": outcome.title,
                "commitments": commitments,
                "counts": _counts([row["rag"] for row in rows]),
                "count_line": commitment_count([row["rag"] for row in rows]),
            }
        )
    return list(themes.values())


def _text(value) -> str:
    """A name as the snapshot keeps it ("" for none), whether given as text or a model."""
    return "" if value is None else str(value)


def _number(value) -> str | None:
    """A Decimal as the snapshot keeps it: text, so JSON never turns it into a float."""
    return None if value is None else str(value)


def tolerance_text(tolerance, unit: str) -> str:
    """The tolerance band as the indicators table prints it: a gap between percentages is in
    percentage points, as the status's reason says it."""
    return "" if tolerance is None else format_difference(tolerance, unit)


def _indicators(framework: Framework, round: Round) -> list[dict]:
    """Each indicator at the report's round (value, target in force, tolerance, status and why,
    owner) with its trend up to that round: the chart's inputs, drawn by `render`."""
    rows = indicator_rows(framework=framework, round=round)
    result = []
    for row in rows:
        indicator = row.indicator
        unit = indicator.unit
        points = row.points  # every round up to the report's, oldest first
        at = next((point for point in points if point.round_id == round.pk), None)
        result.append(
            {
                "number": indicator.number,
                "name": indicator.name,
                "unit": unit,
                "direction": indicator.direction,
                "direction_label": Direction(indicator.direction).label,
                "owner": indicator.owner.title if indicator.owner else "",
                "tolerance": _number(indicator.tolerance),
                "tolerance_text": tolerance_text(indicator.tolerance, unit),
                "round_reported": at is not None,
                "value": _number(at.value) if at else None,
                "value_text": format_number(at.value, unit) if at else "",
                "target": _number(at.target) if at else None,
                "target_text": format_number(at.target, unit) if at else "",
                "status": at.status.value.value if at else "NO_DATA",
                "status_label": at.status.label if at else "No data",
                "reason": at.status.reason
                if at
                else f"The indicator does not report in {round.label}.",
                "note": at.note if at else "",
                "points": [
                    {
                        "round": point.round_label,
                        "value": _number(point.value),
                        "value_text": format_number(point.value, unit),
                        "target": _number(point.target),
                        "target_text": format_number(point.target, unit),
                        "status": point.status.value.value,
                        "status_label": point.status.label,
                    }
                    for point in points
                ],
            }
        )
    return result


def _maturity(framework: Framework, day: dt.date) -> dict[str, Any] | None:
    """The latest maturity assessment on or before the meeting: each standard's level and its
    movement since the assessment before, and the scale the levels are on."""
    table = maturity_table(framework=framework, as_of=day)
    if table is None:
        return None

    def dated(assessment) -> dict[str, str]:
        day = assessment.assessed_on
        return {
            "title": assessment.title,
            "date": f"{day.day} {day:%B %Y}",
            "iso": day.isoformat(),
            "source": assessment.source,
        }

    return {
        **dated(table.assessment),
        "previous": dated(table.previous) if table.previous else None,
        "scale": [
            {"name": level.name, "description": level.description, "rank": level.rank}
            for level in sorted(table.scale, key=lambda level: -level.rank)
        ],
        "rows": [
            {
                "standard": _text(row.standard),
                "description": _text(row.description),
                "level": _text(row.level),
                "outside_scale": bool(row.outside_scale),
                "previous_level": _text(row.previous_level),
                "movement": {
                    "direction": row.movement.direction,
                    "words": row.movement.words,
                    "arrow": row.movement.arrow,
                },
            }
            for row in table.rows
        ],
    }
