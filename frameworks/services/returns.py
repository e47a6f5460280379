"""Writes to progress updates (returns): save a draft, submit, approve, return.

Every function is atomic, locks the row it changes, and refuses a stale `expected_version`
(optimistic concurrency), so an officer's words are never silently overwritten and a reviewer
never approves or returns text they did not read. `expected_version=None` skips that check: only
for callers with no page a person read (demo data, commands, tests).

The rules a return is checked against (reading a deadline, when In progress needs a new one)
are the domain's (`frameworks.domain`). May import: Django, the domain, the models and
`frameworks.rules`; never the importers, selectors or views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from frameworks.domain.deadlines import Deadline
from frameworks.domain.overdue import in_progress_needs_new_deadline
from frameworks.domain.vocabulary import DeadlineKind
from frameworks.models import (
    RAG,
    Milestone,
    ProgressUpdate,
    ReportingPeriod,
    UpdateState,
    person_name,
)
from frameworks.rules import review_refusal

MAX_NARRATIVE_LENGTH = 20_000


class UpdateConflict(Exception):
    """Someone else saved this return since the form was loaded."""

    def __init__(self, current: ProgressUpdate) -> None:
        super().__init__("This return was changed by someone else after you opened it.")
        self.current = current


def moment_in_words(moment: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """A time as the pages give it, in local time: "10:02" today, else "10:02 on 3 March 2021"."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(now or timezone.now()).date():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def describe_change(update: ProgressUpdate) -> str:
    """Who last changed a return and how, from its audit trail: "Sam Ahmed resubmitted it at
    10:02". For telling a reviewer why the page they read is out of date."""
    record = update.history.order_by("-history_date", "-history_id").first()
    who_id = record.history_user_id if record else None
    actors: dict[str, tuple[int | None, str]] = {
        UpdateState.SUBMITTED: (update.submitted_by_id, "resubmitted it"),
        UpdateState.DRAFT: (
            update.saved_by_id,
            "saved it as a draft, so it is no longer submitted",
        ),
        UpdateState.RETURNED: (update.reviewed_by_id, "returned it to the officer"),
        UpdateState.APPROVED: (update.reviewed_by_id, "approved it"),
    }
    actor_id, verb = actors.get(update.state, (None, "changed it"))
    if who_id != actor_id:
        verb = "changed it"
    who = person_name(record.history_user if record else None, "Someone else")
    when = record.history_date if record else update.updated_at
    return f"{who} {verb} at {moment_in_words(when)}"


@dataclass(frozen=True)
class UpdateInput:
    narrative: str = ""
    rag: str = ""
    new_deadline: str = ""
    percent_complete: int | None = None


def _locked(update: ProgressUpdate, expected_version: int | None) -> ProgressUpdate:
    """The return, locked, with its round locked first: every writer locks rounds, then
    returns, then milestones (an import does too), so two writers never wait on each other.
    One statement locking all three took them in whatever order the join gave, and deadlocked
    with an import about one run in ten on PostgreSQL."""
    list(ReportingPeriod.objects.select_for_update().filter(pk=update.period_id).values("pk"))
    current = (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("period", "milestone")
        .get(pk=update.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise UpdateConflict(current)
    return current


def _check_editable(update: ProgressUpdate) -> None:
    if update.state == UpdateState.APPROVED:
        raise ValidationError("This return has been approved and can no longer be changed.")
    if not update.period.is_open:
        raise ValidationError(
            f"The round {update.period.label} is not open, so its returns cannot be changed."
        )


def _parsed_new_deadline(text: str) -> Deadline:
    text = " ".join(text.split())
    if not text:
        return Deadline()
    if len(text) > 255:
        raise ValidationError({"new_deadline": "New deadline must be 255 characters or fewer."})
    return Deadline.from_text(text)


def _apply(update: ProgressUpdate, data: UpdateInput, user, now: dt.datetime) -> None:
    if len(data.narrative) > MAX_NARRATIVE_LENGTH:
        raise ValidationError(
            {"narrative": f"Progress update must be {MAX_NARRATIVE_LENGTH:,} characters or fewer."}
        )
    if data.rag and data.rag not in RAG.values:
        raise ValidationError({"rag": "Select a RAG status from the list."})
    if data.percent_complete is not None and not 0 <= data.percent_complete <= 100:
        raise ValidationError({"percent_complete": "Percent complete must be between 0 and 100."})
    new_deadline = _parsed_new_deadline(data.new_deadline)
    update.narrative = data.narrative.strip()
    update.rag = data.rag
    update.percent_complete = data.percent_complete
    update.new_deadline = new_deadline
    update.saved_at = now
    update.saved_by = user
    update.version += 1  # the row is locked (select_for_update), so this cannot race


def _edit(
    update: ProgressUpdate, user, data: UpdateInput, expected_version: int | None
) -> tuple[ProgressUpdate, dt.datetime]:
    """Lock the return, refuse stale or read-only ones, and apply the officer's input."""
    current = _locked(update, expected_version)
    _check_editable(current)
    now = timezone.now()
    _apply(current, data, user, now)
    return current, now


def _check_ready_to_submit(update: ProgressUpdate, milestone: Milestone, today: dt.date) -> None:
    errors: dict[str, str] = {}
    if not update.narrative:
        errors["narrative"] = "Enter a progress update: how much, how well, what impact, next step."
    if not update.rag:
        errors["rag"] = "Select a RAG status."
    if update.new_deadline.date_unread:
        errors["new_deadline"] = (
            "Enter the new deadline as a month and year or a full date, "
            "for example March 2021 or 31/03/2021."
        )
    in_force = milestone.deadline_in_force
    if in_progress_needs_new_deadline(
        status=update.rag,
        deadline_date=in_force.date,
        new_deadline_date=update.new_deadline_date,
        today=today,
    ):
        passed = Deadline(date=in_force.date, precision=in_force.precision, kind=DeadlineKind.DATE)
        errors["new_deadline"] = (
            f"The deadline ({passed.display}) has passed. To report In progress, enter a new "
            "deadline that is today or later, or select Overdue."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def return_save_draft(
    *, update: ProgressUpdate, user, data: UpdateInput, expected_version: int | None
) -> ProgressUpdate:
    """Keep the officer's work without submitting it. A returned update stays Returned."""
    current, _ = _edit(update, user, data, expected_version)
    if current.state in (UpdateState.NOT_STARTED, UpdateState.SUBMITTED):
        current.state = UpdateState.DRAFT
    current._history_user = user  # the audit trail's who, also outside a web request
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def return_submit(
    *, update: ProgressUpdate, user, data: UpdateInput, expected_version: int | None
) -> ProgressUpdate:
    """Submit a return for review. Either the whole submission is stored or nothing is."""
    current, now = _edit(update, user, data, expected_version)
    _check_ready_to_submit(current, current.milestone, timezone.localdate())
    current.state = UpdateState.SUBMITTED
    current.submitted_at = now
    current.submitted_by = user
    current._history_user = user  # the audit trail's who, also outside a web request
    current.save()
    current.refresh_from_db()
    return current


def _reviewable(
    update: ProgressUpdate, user, expected_version: int | None, action: str
) -> ProgressUpdate:
    """Lock the return; refuse it if it changed since the reviewer read it, if the reviewer is
    not independent of it (`frameworks.review_update`), or if it is not submitted."""
    current = _locked(update, expected_version)
    refusal = review_refusal(user, current)
    if refusal:
        raise ValidationError(refusal)
    if current.state != UpdateState.SUBMITTED:
        raise ValidationError(
            f"Only submitted returns can be {action}; this one is {current.get_state_display()}."
        )
    return current


@transaction.atomic
def return_approve(
    *, update: ProgressUpdate, user, comment: str = "", expected_version: int | None
) -> ProgressUpdate:
    """Approve a submitted return, as read at `expected_version`; an approved new deadline
    becomes the milestone's deadline."""
    current = _reviewable(update, user, expected_version, "approved")
    now = timezone.now()
    current.state = UpdateState.APPROVED
    current.reviewed_at = now
    current.reviewed_by = user
    current.review_comment = comment.strip()
    current.version = current.version + 1
    current._history_user = user  # the audit trail's who, also outside a web request
    current.save()
    if current.new_deadline_text:
        milestone = Milestone.objects.select_for_update().get(pk=current.milestone_id)
        milestone.revised_deadline = current.new_deadline
        milestone._history_user = user
        milestone.save(update_fields=[*Deadline.fields("revised_deadline"), "updated_at"])
    current.refresh_from_db()
    return current


@transaction.atomic
def return_send_back(
    *, update: ProgressUpdate, user, comment: str, expected_version: int | None
) -> ProgressUpdate:
    """Send a submitted return, as read at `expected_version`, back to the officer with a
    comment saying what to change."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Enter a comment saying what the officer should change."})
    current = _reviewable(update, user, expected_version, "returned")
    current.state = UpdateState.RETURNED
    current.reviewed_at = timezone.now()
    current.reviewed_by = user
    current.review_comment = comment
    current.version = current.version + 1
    current._history_user = user  # the audit trail's who, also outside a web request
    current.save()
    current.refresh_from_db()
    return current
