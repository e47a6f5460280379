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

from frameworks.domain.deadlines import Deadline, example_deadline
from frameworks.domain.overdue import in_progress_needs_new_deadline
from frameworks.domain.vocabulary import DeadlineKind
from frameworks.models import (
    RAG,
    Milestone,
    Return,
    ReturnState,
    Round,
    person_name,
)
from frameworks.rules import review_refusal

MAX_NARRATIVE_LENGTH = 20_000


class ReturnConflict(Exception):
    """Someone else saved this return since the form was loaded."""

    def __init__(self, current: Return) -> None:
        super().__init__("This return was changed by someone else after you opened it.")
        self.current = current


def moment_in_words(moment: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """A time as the pages give it, in local time: "10:02" today, else "10:02 on 3 March 2021"."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(now or timezone.now()).date():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def describe_change(return_: Return) -> str:
    """Who last changed a return and how, from its audit trail: "Sam Ahmed resubmitted it at
    10:02". For telling a reviewer why the page they read is out of date."""
    record = return_.history.order_by("-history_date", "-history_id").first()
    who_id = record.history_user_id if record else None
    actors: dict[str, tuple[int | None, str]] = {
        ReturnState.SUBMITTED: (return_.submitted_by_id, "resubmitted it"),
        ReturnState.DRAFT: (
            return_.saved_by_id,
            "saved it as a draft, so it is no longer submitted",
        ),
        ReturnState.RETURNED: (return_.reviewed_by_id, "returned it to the officer"),
        ReturnState.APPROVED: (return_.reviewed_by_id, "approved it"),
    }
    actor_id, verb = actors.get(return_.state, (None, "changed it"))
    if who_id != actor_id:
        verb = "changed it"
    who = person_name(record.history_user if record else None, "Someone else")
    when = record.history_date if record else return_.updated_at
    return f"{who} {verb} at {moment_in_words(when)}"


@dataclass(frozen=True)
class ReturnInput:
    narrative: str = ""
    rag: str = ""
    new_deadline: str = ""
    percent_complete: int | None = None


def _locked(return_: Return, expected_version: int | None) -> Return:
    """The return, locked, with its round locked first: every writer locks rounds, then
    returns, then milestones (an import does too), so two writers never wait on each other.
    One statement locking all three took them in whatever order the join gave, and deadlocked
    with an import about one run in ten on PostgreSQL. Only the round's own row: its default
    ordering joins the framework, whose row an import holds, and an unqualified FOR UPDATE would
    lock that too."""
    list(
        Round.objects.select_for_update(of=("self",))
        .filter(pk=return_.round_id)
        .order_by()
        .values("pk")
    )
    current = (
        Return.objects.select_for_update(of=("self",))
        .select_related("round", "milestone")
        .get(pk=return_.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ReturnConflict(current)
    return current


def _check_editable(return_: Return) -> None:
    if return_.state == ReturnState.APPROVED:
        raise ValidationError("This return has been approved and can no longer be changed.")
    if not return_.round.is_open:
        raise ValidationError(
            f"The round {return_.round.label} is not open, so its returns cannot be changed."
        )


def _parsed_new_deadline(text: str) -> Deadline:
    text = " ".join(text.split())
    if not text:
        return Deadline()
    if len(text) > 255:
        raise ValidationError({"new_deadline": "New deadline must be 255 characters or fewer."})
    return Deadline.from_text(text)


def _apply(return_: Return, data: ReturnInput, user, now: dt.datetime) -> None:
    if len(data.narrative) > MAX_NARRATIVE_LENGTH:
        raise ValidationError(
            {"narrative": f"Progress update must be {MAX_NARRATIVE_LENGTH:,} characters or fewer."}
        )
    if data.rag and data.rag not in RAG.values:
        raise ValidationError({"rag": "Select a RAG status from the list."})
    if data.percent_complete is not None and not 0 <= data.percent_complete <= 100:
        raise ValidationError({"percent_complete": "Percent complete must be between 0 and 100."})
    new_deadline = _parsed_new_deadline(data.new_deadline)
    return_.narrative = data.narrative.strip()
    return_.rag = data.rag
    return_.percent_complete = data.percent_complete
    return_.new_deadline = new_deadline
    return_.saved_at = now
    return_.saved_by = user
    return_.version += 1  # the row is locked (select_for_update), so this cannot race


def _edit(
    return_: Return, user, data: ReturnInput, expected_version: int | None
) -> tuple[Return, dt.datetime]:
    """Lock the return, refuse stale or read-only ones, and apply the officer's input."""
    current = _locked(return_, expected_version)
    _check_editable(current)
    now = timezone.now()
    _apply(current, data, user, now)
    return current, now


def _check_ready_to_submit(return_: Return, milestone: Milestone, today: dt.date) -> None:
    errors: dict[str, str] = {}
    if not return_.narrative:
        errors["narrative"] = "Enter a progress update: how much, how well, what impact, next step."
    if not return_.rag:
        errors["rag"] = "Select a RAG status."
    month, day = example_deadline(today)
    as_date = f"as a month and year or a full date, for example {month} or {day}"
    if return_.new_deadline.date_unread:
        errors["new_deadline"] = f"Enter the new deadline {as_date}."
    in_force = milestone.deadline_in_force
    if in_progress_needs_new_deadline(
        status=return_.rag,
        deadline_date=in_force.date,
        new_deadline_date=return_.new_deadline_date,
        today=today,
    ):
        passed = Deadline(date=in_force.date, precision=in_force.precision, kind=DeadlineKind.DATE)
        written = return_.new_deadline
        if written.text and written.date is None:  # words such as "end of Q4"
            errors["new_deadline"] = (
                f"“{written.text}” is not a date the tracker can check. The deadline "
                f"({passed.display}) has passed: to report In progress, enter the new deadline "
                f"{as_date}, or select Overdue."
            )
        elif written.date is not None:  # a new deadline that has passed too
            errors["new_deadline"] = (
                f"The new deadline ({written.display}) has passed too. To report In progress, "
                f"enter a new deadline that is today or later, or select Overdue."
            )
        else:
            errors["new_deadline"] = (
                f"The deadline ({passed.display}) has passed. To report In progress, enter the "
                f"new deadline {as_date}, or select Overdue."
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def return_save_draft(
    *, return_: Return, user, data: ReturnInput, expected_version: int | None
) -> Return:
    """Keep the officer's work without submitting it. A returned update stays Returned."""
    current, _ = _edit(return_, user, data, expected_version)
    if current.state in (ReturnState.NOT_STARTED, ReturnState.SUBMITTED):
        current.state = ReturnState.DRAFT
    current._history_user = user  # the audit trail's who, also outside a web request
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def return_submit(
    *, return_: Return, user, data: ReturnInput, expected_version: int | None
) -> Return:
    """Submit a return for review. Either the whole submission is stored or nothing is."""
    current, now = _edit(return_, user, data, expected_version)
    _check_ready_to_submit(current, current.milestone, timezone.localdate())
    current.state = ReturnState.SUBMITTED
    current.submitted_at = now
    current.submitted_by = user
    current._history_user = user  # the audit trail's who, also outside a web request
    current.save()
    current.refresh_from_db()
    return current


def _reviewable(return_: Return, user, expected_version: int | None, action: str) -> Return:
    """Lock the return; refuse it if it changed since the reviewer read it, if the reviewer is
    not independent of it (`frameworks.review_return`), or if it is not submitted."""
    current = _locked(return_, expected_version)
    refusal = review_refusal(user, current)
    if refusal:
        raise ValidationError(refusal)
    if current.state != ReturnState.SUBMITTED:
        raise ValidationError(
            f"Only submitted returns can be {action}; this one is {current.get_state_display()}."
        )
    return current


@transaction.atomic
def return_approve(
    *, return_: Return, user, comment: str = "", expected_version: int | None
) -> Return:
    """Approve a submitted return, as read at `expected_version`; an approved new deadline
    becomes the milestone's deadline."""
    current = _reviewable(return_, user, expected_version, "approved")
    now = timezone.now()
    current.state = ReturnState.APPROVED
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
    *, return_: Return, user, comment: str, expected_version: int | None
) -> Return:
    """Send a submitted return, as read at `expected_version`, back to the officer with a
    comment saying what to change."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Enter a comment saying what the officer should change."})
    current = _reviewable(return_, user, expected_version, "returned")
    current.state = ReturnState.RETURNED
    current.reviewed_at = timezone.now()
    current.reviewed_by = user
    current.review_comment = comment
    current.version = current.version + 1
    current._history_user = user  # the audit trail's who, also outside a web request
    current.save()
    current.refresh_from_db()
    return current
