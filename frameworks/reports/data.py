"""The data behind a board report, as plain JSON-ready values: the published snapshot.

Everything the PDF, the preview and the spreadsheet show is computed here, once, from the
database (a fixed number of queries whatever the size of the plan). Rendering reads only the
snapshot, so a published report reprints identically however the data changes later.

Statuses are keyed by the domain's vocabulary (`frameworks.domain.status`): a RAG value,
`NO_STATUS` ("UNKNOWN") or `NO_RETURN` ("NONE"). Those values are the keys of stored snapshots
(`PublishedReport.snapshot`, schema `SCHEMA`), so they never change. Deadlines read as
`Deadline.display` says. May import: Django, the domain and the models.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from frameworks.domain.overdue import deadline_passed_while_open
from frameworks.domain.status import DONE, NO_RETURN, NO_STATUS, STATUS_LABELS
from frameworks.models import (
    RAG,
    STATUTORY_SECTIONS,
    BoardReport,
    Milestone,
    MilestonePost,
    PostRole,
    Return,
    ReturnState,
    Round,
    progress_mean,
)

SCHEMA = 2  # 2: meeting time blank when unknown; statutory sections' "not applicable"
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
    }
