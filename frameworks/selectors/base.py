"""Reads shared by the selector modules: the querysets a page starts from, the approved updates
behind a milestone's status, and the overdue flag as each page reads it."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from frameworks.models import (
    Framework,
    Milestone,
    MilestonePost,
    Return,
    ReturnQuerySet,
    ReturnState,
)

LEADS_PREFETCH = Prefetch(
    "milestone__leads", queryset=MilestonePost.objects.select_related("post").order_by("order")
)


def _return_base() -> ReturnQuerySet:
    return Return.objects.select_related(
        "milestone__theme", "milestone__framework", "round__framework"
    )


def _lead_links(*, framework_id: int) -> QuerySet:
    """(milestone id, post title, role) of every lead and supporting post of a framework's
    milestones, each milestone's in lead order: what `lead_cells` and `lead_only_cells` read."""
    return (
        MilestonePost.objects.filter(milestone__framework_id=framework_id)
        .order_by("milestone_id", "order", "pk")
        .values_list("milestone_id", "post__title", "role")
    )


def approved_return_rows(*, framework: Framework) -> list[tuple[int, int, str]]:
    """Every approved update of a framework's milestones as (milestone id, round id, rag), in
    round order (one query, on the index on round and state: every update of a framework's
    milestone is in one of the framework's rounds)."""
    return list(
        Return.objects.filter(round__framework=framework, state=ReturnState.APPROVED)
        .order_by("round__start_date")
        .values_list("milestone_id", "round_id", "rag")
    )


def _approved_returns(framework: Framework | None = None) -> QuerySet[Return]:
    """The outer milestone's approved updates. With its framework: only that framework's rounds
    (where all of them are), so PostgreSQL joins a dozen rounds per milestone, not every round
    of every plan (a hash of all rounds for each of 250 milestones: 15 ms -> 2.5 ms)."""
    returns = Return.objects.filter(milestone=OuterRef("pk"), state=ReturnState.APPROVED)
    if framework is not None:
        returns = returns.filter(round__framework_id=framework.pk)
    return returns


def _latest_return(field_name: str, framework: Framework | None = None) -> Subquery:
    return Subquery(
        _approved_returns(framework).order_by("-round__start_date").values(field_name)[:1]
    )


def milestone_is_overdue(milestone: Milestone, today: dt.date) -> bool:
    """The overdue rule (`frameworks.domain.overdue`) for a milestone read with its
    `latest_rag`."""
    return milestone.is_flagged_overdue(getattr(milestone, "latest_rag", None), today)
