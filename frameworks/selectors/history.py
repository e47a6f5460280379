"""Reads for the audit trail: a milestone's history, its leads' and its updates', in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from frameworks.domain.deadlines import Deadline
from frameworks.models import (
    RAG,
    Milestone,
    MilestonePost,
    Return,
    ReturnState,
    person_name,
)
from frameworks.rules import allowed


@dataclass
class HistoryEvent:
    when: dt.datetime
    who: str
    what: str
    details: list[str] = field(default_factory=list)
    reason: str = ""


FIELD_WORDS = {
    "title": "Title",
    "deadline_text": "Deadline",
    "revised_deadline_text": "Revised deadline",
    "existing_activity": "Existing activity",
    "theme": "Theme",
    "code": "Code",
    "risk": "Risk",
    "monitoring_groups": "Monitoring groups",
    "narrative": "Update",
    "rag": "RAG status",
    "new_deadline_text": "New deadline",
    "percent_complete": "% complete",
    "review_comment": "Reviewer's comment",
}

STATE_WORDS = {
    ReturnState.NOT_STARTED: "Return opened",
    ReturnState.DRAFT: "Draft saved",
    ReturnState.SUBMITTED: "Submitted for review",
    ReturnState.RETURNED: "Returned to the officer",
    ReturnState.APPROVED: "Approved",
}


def _who(record) -> str:
    return person_name(record.history_user, "System or import")


def _show(value) -> str:
    if value in (None, "", []):
        return "(blank)"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    text = str(value)
    if text in RAG.values:
        return RAG(text).label
    return text if len(text) <= 160 else text[:157] + "…"


# A deadline is four fields; the history names it by its text field and shows it as pages do.
DEADLINE_PREFIX = {
    "deadline_text": "deadline",
    "revised_deadline_text": "revised_deadline",
    "new_deadline_text": "new_deadline",
}


def _deadline_shown(record, prefix: str) -> str:
    return Deadline.read(record, prefix).display_if_set or "(blank)"


def _changes(record, previous, fields: dict[str, str]) -> list[str]:
    """What changed from `previous` to `record` in `fields`, in words. A deadline counts as
    changed when any of its four fields did, and reads as on the pages ("November 2020")."""
    if previous is None:
        return []
    delta = record.diff_against(previous, included_fields=list(fields))
    changed = {change.field: change for change in delta.changes}
    lines = []
    for name in fields:
        prefix = DEADLINE_PREFIX.get(name)
        if prefix is not None:
            before, after = _deadline_shown(previous, prefix), _deadline_shown(record, prefix)
            if before != after:
                lines.append(f"{fields[name]}: {before} → {after}")
        elif name in changed:
            change = changed[name]
            lines.append(f"{fields[name]}: {_show(change.old)} → {_show(change.new)}")
    return lines


def milestone_timeline(*, pk: int, user) -> tuple[Milestone, list[HistoryEvent]] | None:
    """Every edit of a milestone, its leads and its updates across rounds, newest first
    (four queries). None when there is no such milestone or this user may not read it."""
    milestone = Milestone.objects.select_related("framework").filter(pk=pk).first()
    if milestone is None or not allowed(user, "frameworks.read_milestone", milestone):
        return None
    events: list[HistoryEvent] = []
    previous = None
    milestone_fields = {
        k: v for k, v in FIELD_WORDS.items() if k in {f.name for f in Milestone._meta.fields}
    }
    for record in milestone.history.select_related("history_user").order_by("history_date"):
        if record.history_type == "+":
            what = "Milestone created"
        elif record.history_type == "-":
            what = "Milestone deleted"
        else:
            what = "Milestone edited"
        details = _changes(record, previous, milestone_fields)
        if record.history_type == "~" and not details:
            previous = record
            continue
        events.append(HistoryEvent(record.history_date, _who(record), what, details,
                                   record.history_change_reason or ""))  # fmt: skip
        previous = record
    for record in MilestonePost.history.filter(milestone_id=pk).select_related(
        "history_user", "post"
    ):
        verb = {"+": "Lead added", "-": "Lead removed", "~": "Lead changed"}[record.history_type]
        post = record.post.title if record.post else "a post since deleted"
        events.append(HistoryEvent(record.history_date, _who(record), f"{verb}: {post}",
                                   [], record.history_change_reason or ""))  # fmt: skip
    update_fields = {
        k: v for k, v in FIELD_WORDS.items() if k in {f.name for f in Return._meta.fields}
    }
    see_drafts = allowed(user, "frameworks.see_work_in_progress", milestone)
    last: dict[int, Any] = {}  # historical records: models django-simple-history makes
    for record in (
        Return.history.filter(milestone_id=pk)
        .select_related("history_user", "round")
        .order_by("history_date")
    ):
        before = last.get(record.id)
        last[record.id] = record
        if not see_drafts and record.state != ReturnState.APPROVED:
            continue
        label = record.round.label if record.round else "a deleted round"
        if before is not None and before.state == record.state:
            what = f"{label}: return edited"
        else:
            what = f"{label}: {STATE_WORDS.get(record.state, record.state)}"
        details = _changes(record, before, update_fields)
        if before is None and record.state == ReturnState.APPROVED:
            details = [f"RAG status: {_show(record.rag or record.rag_text)}"]
            if new_deadline := Deadline.read(record, "new_deadline").display_if_set:
                details.append(f"New deadline: {new_deadline}")
        events.append(HistoryEvent(record.history_date, _who(record), what, details,
                                   record.history_change_reason or ""))  # fmt: skip
    events.sort(key=lambda event: event.when, reverse=True)
    return milestone, events
