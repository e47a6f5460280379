"""Removing what a benchmark made: frameworks, their rows and their history rows, in a few
statements. Shared by the page and import suites; needs Django set up (imported by them)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from frameworks.models import (
    Framework,
    ImportBatch,
    Milestone,
    MilestonePost,
    Return,
    Round,
    Theme,
)


@transaction.atomic
def delete_frameworks(frameworks: QuerySet[Framework]) -> None:
    """Delete `frameworks`, their rows and their history rows with raw deletes: no per-object
    signals, so no more history rows and minutes saved at 60,000 returns. Posts and users are
    shared by the data sets: they stay."""
    ids = list(frameworks.values_list("pk", flat=True))
    if not ids:
        return
    milestones = Milestone.objects.filter(framework__in=ids).values("pk")
    for model, lookup, value in (
        (Return.history.model, "milestone_id__in", milestones),
        (MilestonePost.history.model, "milestone_id__in", milestones),
        (Return, "milestone__framework__in", ids),
        (MilestonePost, "milestone__framework__in", ids),
        (Milestone.history.model, "framework_id__in", ids),
        (Milestone, "framework__in", ids),
        (Theme.history.model, "framework_id__in", ids),
        (Theme, "framework__in", ids),
        (Round.history.model, "framework_id__in", ids),
        (Round, "framework__in", ids),
        (ImportBatch, "framework__in", ids),
        (Framework.history.model, "id__in", ids),
        (Framework, "pk__in", ids),
    ):
        queryset = model.objects.filter(**{lookup: value})
        queryset._raw_delete(queryset.db)
