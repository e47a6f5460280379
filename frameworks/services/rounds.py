"""Writes to reporting rounds: create, open (creating every return), close.

Opening and closing lock the round, refuse a stale `expected_version` (the version of the
confirm page the person read) and bump it. `expected_version=None` skips that check: only for
callers with no page a person read (demo data, commands, tests).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from frameworks.models import (
    RAG,
    Framework,
    Milestone,
    Return,
    ReturnState,
    Round,
    RoundState,
    person_name,
)
from frameworks.services.indicator_values import indicator_values_create_for_round
from frameworks.services.returns import moment_in_words


class RoundConflict(Exception):
    """The round was opened, closed or changed by someone else since the page was loaded."""

    def __init__(self, current: Round) -> None:
        self.current = current
        self.message = (
            f"{current.label} was {_what_happened(current)} after you loaded this page; "
            "nothing was changed."
        )
        super().__init__(self.message)


def _what_happened(round: Round) -> str:
    """The round's last change, from its audit trail: "opened by Jane Smith at 10:02"."""
    record = round.history.order_by("-history_date", "-history_id").first()
    verb = "changed"
    if record is None:
        who, when = None, round.updated_at
    else:
        who, when = record.history_user, record.history_date
        if round.state == RoundState.OPEN and record.history_user_id == round.opened_by_id:
            verb = "opened"
        elif round.state == RoundState.CLOSED and record.history_user_id == round.closed_by_id:
            verb = "closed"
    return f"{verb} by {person_name(who, 'someone else')} at {moment_in_words(when)}"


def round_outcome(round: Round) -> str:
    """What opening or closing a round did, for the message after it: "is open: 34 returns
    created." or "is closed."."""
    if round.state != RoundState.OPEN:
        return "is closed."
    count = round.returns.count()
    values = round.indicator_values.count()
    created = f"{count} return{'' if count == 1 else 's'}"
    if values:
        created += f" and {values} indicator value{'' if values == 1 else 's'}"
    return f"is open: {created} created."


def _locked(round: Round, expected_version: int | None) -> Round:
    current = Round.objects.select_for_update().get(pk=round.pk)
    if expected_version is not None and current.version != expected_version:
        raise RoundConflict(current)
    return current


def _label_taken(framework: Framework, label: str) -> str:
    """If this framework already has a round called `label` (in any case): the error saying so."""
    existing = (
        Round.objects.filter(framework=framework, label__iexact=label)
        .values_list("label", flat=True)
        .first()
    )
    return "" if existing is None else f"This framework already has a round called {existing}."


@transaction.atomic
def round_create(
    *,
    framework: Framework,
    label: str,
    start_date: dt.date,
    end_date: dt.date,
    due_date: dt.date,
) -> Round:
    """Create a draft round. A name the framework already has (in any case or spacing, or
    created a moment ago in another tab) is an error on the name, never a crash."""
    label = " ".join(label.split())
    round = Round(
        framework=framework,
        label=label,
        start_date=start_date,
        end_date=end_date,
        due_date=due_date,
        state=RoundState.DRAFT,
    )
    errors: dict = {}
    try:
        # The fields and clean() (the dates). The unique name is checked below, in any case.
        round.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if taken := _label_taken(framework, label):
        errors.setdefault("label", []).append(taken)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():  # a savepoint: this transaction stays usable after a refusal
            round.save()
    except IntegrityError as exc:  # another session created it between the check and the insert
        if taken := _label_taken(framework, label):
            raise ValidationError({"label": taken}) from exc
        raise ValidationError(
            "The round could not be created because another change was saved at the same "
            "moment. Check the list of rounds, then try again."
        ) from exc
    return round


@transaction.atomic
def round_open(*, round: Round, user, expected_version: int | None) -> Round:
    """Open a round: one return for every milestone still open, carrying the last RAG forward,
    and one value for every indicator due in the round (with an owner post to give it).

    Completed and cancelled milestones drop out of the round but stay in the framework's history.
    """
    round = _locked(round, expected_version)
    if round.state != RoundState.DRAFT:
        raise ValidationError(f"{round.label} is {round.get_state_display().lower()}, not draft.")
    if Round.objects.filter(framework_id=round.framework_id, state=RoundState.OPEN).exists():
        raise ValidationError(
            "Another round of this framework is already open. Close it before opening this one."
        )
    latest = (
        Return.objects.filter(milestone=OuterRef("pk"), round__start_date__lt=round.start_date)
        .exclude(state=ReturnState.NOT_STARTED)
        .order_by("-round__start_date")
    )
    milestones = (
        Milestone.objects.filter(framework_id=round.framework_id)
        .open()
        .exclude(returns__round=round)
        .annotate(
            previous_id=Subquery(latest.values("pk")[:1]),
            previous_rag=Subquery(latest.values("rag")[:1]),
        )
    )
    bulk_create_with_history(
        [
            Return(
                milestone=milestone,
                round=round,
                previous_id=milestone.previous_id,
                rag=milestone.previous_rag
                if milestone.previous_rag and milestone.previous_rag != RAG.COMPLETED
                else "",
                state=ReturnState.NOT_STARTED,
            )
            for milestone in milestones
        ],
        Return,
        default_user=user,
        default_change_reason=f"Round {round.label} opened",
    )
    indicator_values_create_for_round(round=round, user=user)
    round.state = RoundState.OPEN
    round.opened_at = timezone.now()
    round.opened_by = user
    round.version += 1  # the row is locked (select_for_update), so this cannot race
    round._history_user = user
    try:
        with transaction.atomic():
            round.save()
    except IntegrityError as exc:  # a concurrent open of another round won the race
        raise ValidationError(
            "Another round of this framework is already open. Close it before opening this one."
        ) from exc
    return round


@transaction.atomic
def round_close(*, round: Round, user, expected_version: int | None) -> Round:
    """Close a round. Returns not submitted stay as they are and show as missing."""
    round = _locked(round, expected_version)
    if round.state != RoundState.OPEN:
        raise ValidationError(f"{round.label} is not open, so it cannot be closed.")
    round.state = RoundState.CLOSED
    round.closed_at = timezone.now()
    round.closed_by = user
    round.version += 1  # the row is locked (select_for_update), so this cannot race
    round._history_user = user
    round.save()
    return round
