"""Writes to indicator values given in a quarterly return: save a draft, submit, approve, send
back. The same workflow and guarantees as a milestone's return (`frameworks.services.returns`):
atomic, the row locked (its round first), a stale `expected_version` refused, the audit trail's
who set. `expected_version=None` skips the version check: only for callers with no page a
person read (demo data, commands, tests).

Opening a round creates the values due in it (`indicator_values_create_for_round`, called by
`round_open`): one for every indicator of the framework with an owner post whose frequency
reports in that round (`frameworks.domain.indicators.due_in_round`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from frameworks.domain.indicators import FigureError, due_in_round, parse_figure
from frameworks.models import Indicator, IndicatorValue, ReturnState, Round
from frameworks.rules import indicator_review_refusal

MAX_NOTE_LENGTH = 5_000


class IndicatorValueConflict(Exception):
    """Someone else saved this value since the page was loaded."""

    def __init__(self, current: IndicatorValue) -> None:
        super().__init__("This value was changed by someone else after you opened it.")
        self.current = current


def _figure(text: str, unit: str) -> Decimal | None:
    """The figure typed, or None when the box is blank; a ValidationError on `value` saying
    what is wrong otherwise (`frameworks.domain.indicators.parse_figure`)."""
    if not text.strip():
        return None
    try:
        return parse_figure(text, unit=unit)
    except FigureError as exc:
        raise ValidationError({"value": str(exc)}) from exc


@dataclass(frozen=True)
class IndicatorValueInput:
    value: str = ""
    note: str = ""


def _locked(value: IndicatorValue, expected_version: int | None) -> IndicatorValue:
    """The value, locked, with its round locked first (the order every writer locks in: rounds,
    then returns and values, then milestones; see `services.returns._locked`)."""
    list(
        Round.objects.select_for_update(of=("self",))
        .filter(pk=value.round_id)
        .order_by()
        .values("pk")
    )
    current = (
        IndicatorValue.objects.select_for_update(of=("self",))
        .select_related("round", "indicator")
        .get(pk=value.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise IndicatorValueConflict(current)
    return current


def _edit(value: IndicatorValue, user, data: IndicatorValueInput, expected_version: int | None):
    current = _locked(value, expected_version)
    if current.state == ReturnState.APPROVED:
        raise ValidationError("This value has been approved and can no longer be changed.")
    if not current.round.is_open:
        raise ValidationError(
            f"The round {current.round.label} is not open, so its values cannot be changed."
        )
    if len(data.note) > MAX_NOTE_LENGTH:
        raise ValidationError({"note": f"Note must be {MAX_NOTE_LENGTH:,} characters or fewer."})
    current.value = _figure(data.value, current.indicator.unit)
    current.note = data.note.strip()
    current.saved_at = timezone.now()
    current.saved_by = user
    current.version += 1  # the row is locked (select_for_update), so this cannot race
    current._history_user = user
    return current


@transaction.atomic
def indicator_value_save_draft(
    *, value: IndicatorValue, user, data: IndicatorValueInput, expected_version: int | None
) -> IndicatorValue:
    """Keep the owner's work without submitting it. A returned value stays Returned."""
    current = _edit(value, user, data, expected_version)
    if current.state in (ReturnState.NOT_STARTED, ReturnState.SUBMITTED):
        current.state = ReturnState.DRAFT
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def indicator_value_submit(
    *, value: IndicatorValue, user, data: IndicatorValueInput, expected_version: int | None
) -> IndicatorValue:
    """Submit a value for review: it needs a figure."""
    current = _edit(value, user, data, expected_version)
    if current.value is None:
        raise ValidationError({"value": f"Enter the figure for {current.round.label}."})
    current.state = ReturnState.SUBMITTED
    current.submitted_at = current.saved_at
    current.submitted_by = user
    current.save()
    current.refresh_from_db()
    return current


def _reviewable(value: IndicatorValue, user, expected_version: int | None, action: str):
    current = _locked(value, expected_version)
    refusal = indicator_review_refusal(user, current)
    if refusal:
        raise ValidationError(refusal)
    if current.state != ReturnState.SUBMITTED:
        raise ValidationError(
            f"Only submitted values can be {action}; this one is {current.get_state_display()}."
        )
    return current


@transaction.atomic
def indicator_value_approve(
    *, value: IndicatorValue, user, comment: str = "", expected_version: int | None
) -> IndicatorValue:
    """Approve a submitted value, as read at `expected_version`: from now on it counts for the
    indicator's status and trend."""
    current = _reviewable(value, user, expected_version, "approved")
    current.state = ReturnState.APPROVED
    current.reviewed_at = timezone.now()
    current.reviewed_by = user
    current.review_comment = comment.strip()
    current.version += 1
    current._history_user = user
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def indicator_value_send_back(
    *, value: IndicatorValue, user, comment: str, expected_version: int | None
) -> IndicatorValue:
    """Send a submitted value back to its owner with a comment saying what to change."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Enter a comment saying what the officer should change."})
    current = _reviewable(value, user, expected_version, "returned")
    current.state = ReturnState.RETURNED
    current.reviewed_at = timezone.now()
    current.reviewed_by = user
    current.review_comment = comment
    current.version += 1
    current._history_user = user
    current.save()
    current.refresh_from_db()
    return current


def indicator_values_create_for_round(*, round: Round, user) -> int:
    """The values due in a round being opened (the caller holds the round's lock, inside its
    transaction): one per indicator with an owner post that reports in this round and has no
    value for it yet. Returns how many were created."""
    indicators = (
        Indicator.objects.filter(framework_id=round.framework_id, owner__isnull=False)
        .exclude(values__round=round)
        .only("pk", "frequency")
    )
    created = bulk_create_with_history(
        [
            IndicatorValue(indicator=indicator, round=round, state=ReturnState.NOT_STARTED)
            for indicator in indicators
            if due_in_round(indicator.frequency, round.end_date)
        ],
        IndicatorValue,
        default_user=user,
        default_change_reason=f"Round {round.label} opened",
    )
    return len(created)
