"""Writes to reporting rounds: create, open (creating every return), close."""

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
    PeriodState,
    ProgressUpdate,
    ReportingPeriod,
    UpdateState,
)


@transaction.atomic
def reporting_period_create(
    *,
    framework: Framework,
    label: str,
    start_date: dt.date,
    end_date: dt.date,
    due_date: dt.date,
) -> ReportingPeriod:
    period = ReportingPeriod(
        framework=framework,
        label=" ".join(label.split()),
        start_date=start_date,
        end_date=end_date,
        due_date=due_date,
        state=PeriodState.DRAFT,
    )
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def reporting_period_open(*, period: ReportingPeriod, user) -> ReportingPeriod:
    """Open a round: one return for every milestone still open, carrying the last RAG forward.

    Completed and cancelled milestones drop out of the round but stay in the framework's history.
    """
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state != PeriodState.DRAFT:
        raise ValidationError(f"{period.label} is {period.get_state_display().lower()}, not draft.")
    if ReportingPeriod.objects.filter(
        framework_id=period.framework_id, state=PeriodState.OPEN
    ).exists():
        raise ValidationError(
            "Another round of this framework is already open. Close it before opening this one."
        )
    latest = (
        ProgressUpdate.objects.filter(
            milestone=OuterRef("pk"), period__start_date__lt=period.start_date
        )
        .exclude(state=UpdateState.NOT_STARTED)
        .order_by("-period__start_date")
    )
    milestones = (
        Milestone.objects.filter(framework_id=period.framework_id)
        .open()
        .exclude(updates__period=period)
        .annotate(
            previous_id=Subquery(latest.values("pk")[:1]),
            previous_rag=Subquery(latest.values("rag")[:1]),
        )
    )
    bulk_create_with_history(
        [
            ProgressUpdate(
                milestone=milestone,
                period=period,
                previous_id=milestone.previous_id,
                rag=milestone.previous_rag
                if milestone.previous_rag and milestone.previous_rag != RAG.COMPLETED
                else "",
                state=UpdateState.NOT_STARTED,
            )
            for milestone in milestones
        ],
        ProgressUpdate,
        default_user=user,
        default_change_reason=f"Round {period.label} opened",
    )
    period.state = PeriodState.OPEN
    period.opened_at = timezone.now()
    period.opened_by = user
    period._history_user = user
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError as exc:  # a concurrent open of another round won the race
        raise ValidationError(
            "Another round of this framework is already open. Close it before opening this one."
        ) from exc
    return period


@transaction.atomic
def reporting_period_close(*, period: ReportingPeriod, user) -> ReportingPeriod:
    """Close a round. Returns not submitted stay as they are and show as missing."""
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state != PeriodState.OPEN:
        raise ValidationError(f"{period.label} is not open, so it cannot be closed.")
    period.state = PeriodState.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = user
    period._history_user = user
    period.save()
    return period
