"""Reads for frameworks and milestones: the plan's overview, the list of plans, one milestone
with its updates, and the milestone search. Data only: the pages' cells are built in
`frameworks.views.presenters`; whether a user may read a framework is checked by the view."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from frameworks.domain.overdue import effective_deadline_date_sql
from frameworks.filters import MilestoneFilter, overdue_condition
from frameworks.models import (
    Framework,
    Milestone,
    MilestoneOutcome,
    MilestonePost,
    Return,
    ReturnState,
    Round,
    RoundState,
    Theme,
)
from frameworks.rules import allowed
from frameworks.selectors.base import (
    _approved_returns,
    _latest_return,
    _lead_links,
    approved_return_rows,
    milestone_is_overdue,
)


def milestones_with_status(*, framework: Framework) -> QuerySet[Milestone]:
    """A framework's milestones in plan order with their leads, `latest_rag` and
    `latest_round` (the label of the round that status comes from)."""
    # django-stubs takes the annotation for a second `latest_rag`: it fills the declared one.
    return (
        Milestone.objects.filter(framework=framework)  # type: ignore[no-redef]
        .select_related("theme")
        .prefetch_related(Prefetch("leads", queryset=MilestonePost.objects.select_related("post")))
        .annotate(
            latest_rag=_latest_return("rag", framework),
            latest_round=_latest_return("round__label", framework),
        )
        .order_by("theme__order", "order", "pk")
    )


@dataclass
class ThemeMilestones:
    theme: Theme
    milestones: list[Milestone]

    @property
    def counts(self) -> Counter:
        return Counter(m.latest_rag or "" for m in self.milestones)


@dataclass
class FrameworkOverview:
    framework: Framework
    themes: list[ThemeMilestones]
    counts: Counter
    overdue: list[Milestone]
    open_round: Round | None
    # For `insight.framework_dashboard`, so it does not read them again: the rounds in start
    # order and every approved update of the plan as (milestone id, round id, rag) in round order.
    rounds: list[Round] = field(default_factory=list)
    approved: list[tuple[int, int, str]] = field(default_factory=list)
    # (milestone id, post title, role) of every lead, in lead order.
    lead_links: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def overdue_ids(self) -> set[int]:
        return {milestone.pk for milestone in self.overdue}


OVERVIEW_FIELDS = (
    "theme_id",
    "code",
    "title",
    "deadline_text",
    "deadline_date",
    "deadline_precision",
    "deadline_kind",
    "revised_deadline_text",
    "revised_deadline_date",
    "revised_deadline_precision",
    "revised_deadline_kind",
)


def framework_overview(*, framework: Framework, user) -> FrameworkOverview:
    """A framework's themes and milestones as this user may read them (the caller has checked
    that they may read the framework).

    Each milestone's `latest_rag` (its latest approved update's status) comes from one read of
    the plan's approved updates, which `insight.framework_dashboard` uses too, not from a
    correlated subquery per milestone (PostgreSQL joined every round of every plan for each)."""
    today = timezone.localdate()
    by_theme: dict[int, ThemeMilestones] = {}
    themes = list(framework.themes.order_by("order", "name"))
    for theme in themes:
        by_theme[theme.pk] = ThemeMilestones(theme=theme, milestones=[])
    rounds = list(framework.rounds.order_by("start_date"))
    approved = approved_return_rows(framework=framework)
    latest = {milestone_id: rag for milestone_id, _, rag in approved}  # the last in round order
    overdue = []
    counts: Counter = Counter()
    # The themes are read above: each milestone gets its own, not a copy joined per row.
    milestones = (
        Milestone.objects.filter(framework=framework)
        .only(*OVERVIEW_FIELDS)
        .order_by("theme__order", "order", "pk")
    )
    if not allowed(user, "frameworks.read_all_milestones", framework):
        milestones = milestones.filter(posts__holders=user).distinct()
    for milestone in milestones:
        # The theme and framework are read above: set on each milestone, not joined per row.
        milestone.theme = by_theme[milestone.theme_id].theme
        milestone.framework = framework
        milestone.latest_rag = latest.get(milestone.pk)  # as the annotation would give it
        if milestone_is_overdue(milestone, today):
            overdue.append(milestone)
        counts[milestone.latest_rag or ""] += 1
        by_theme[milestone.theme_id].milestones.append(milestone)
    return FrameworkOverview(
        framework=framework,
        themes=[group for group in by_theme.values()],
        counts=counts,
        overdue=overdue,
        open_round=next((p for p in rounds if p.state == RoundState.OPEN), None),
        rounds=rounds,
        approved=approved,
        lead_links=list(_lead_links(framework_id=framework.pk)),
    )


def framework_list(*, user) -> QuerySet[Framework]:
    """Frameworks this user may read: all of them for the policy team, democratic services and
    admins; for officers, those open to officers and those where they hold a post."""
    frameworks = Framework.objects.all()
    if not allowed(user, "frameworks.prepare_reports") and not user.is_staff:
        frameworks = frameworks.filter(
            Q(officers_read_all=True)
            | Exists(
                MilestonePost.objects.filter(
                    milestone__framework=OuterRef("pk"), post__holders=user
                )
            )
        )
    return frameworks.annotate(
        milestone_count=Count("milestones", distinct=True),
        theme_count=Count("themes", distinct=True),
    ).order_by("name")


@dataclass
class MilestoneHistory:
    milestone: Milestone
    returns: list[Return]
    is_overdue: bool


def milestone_history(*, pk: int, user) -> MilestoneHistory | None:
    """A milestone and its updates across rounds, newest first. Others' drafts stay private.
    None when there is no such milestone or this user may not read it."""
    milestone = (  # django-stubs takes the annotation below for a second `latest_rag`
        Milestone.objects.select_related(  # type: ignore[no-redef]
            "theme",
            "framework",
            "recommendation__judgement__assessment",
            "recommendation__judgement__standard",
        )
        .prefetch_related(
            Prefetch(
                "leads",
                queryset=MilestonePost.objects.select_related("post").prefetch_related(
                    "post__holders"
                ),
            ),
            Prefetch("outcome_links", queryset=MilestoneOutcome.objects.select_related("outcome")),
        )
        .annotate(latest_rag=_latest_return("rag"))
        .filter(pk=pk)
        .first()
    )
    if milestone is None or not allowed(user, "frameworks.read_milestone", milestone):
        return None
    returns = (
        Return.objects.filter(milestone=milestone)
        .exclude(state=ReturnState.NOT_STARTED)
        .select_related("round", "submitted_by", "reviewed_by")
        .order_by("-round__start_date")
    )
    if not allowed(user, "frameworks.see_work_in_progress", milestone):
        returns = returns.filter(state=ReturnState.APPROVED)
    return MilestoneHistory(
        milestone=milestone,
        returns=list(returns),
        is_overdue=milestone_is_overdue(milestone, timezone.localdate()),
    )


def milestone_search(*, framework: Framework, user, params) -> tuple[MilestoneFilter, Page]:
    """One page (25 rows) of a framework's milestones, filtered and sorted by `params` (the query
    string), with the filter set for the form and its errors. The caller has checked that the user
    may read the framework; officers who may not read all of it see their posts' milestones.

    Queries: the theme and lead choices, the count and the page with its leads, whatever the
    number of milestones. Each row has `latest_rag`, `latest_round`, `last_return_at`,
    `effective_deadline` and `flagged_overdue` (the overdue rule, in SQL)."""
    milestones = milestones_with_status(framework=framework)
    if not allowed(user, "frameworks.read_all_milestones", framework):
        milestones = milestones.filter(
            Exists(MilestonePost.objects.filter(milestone=OuterRef("pk"), post__holders=user))
        )
    approved = _approved_returns(framework)
    milestones = milestones.annotate(
        previous_rag=Subquery(approved.order_by("-round__start_date").values("rag")[1:2]),
        last_return_at=Subquery(
            approved.annotate(at=Coalesce("reviewed_at", "submitted_at"))
            .filter(at__isnull=False)
            .order_by("-at")
            .values("at")[:1]
        ),
        effective_deadline=effective_deadline_date_sql(),
    ).annotate(flagged_overdue=overdue_condition(timezone.localdate()))
    filterset = MilestoneFilter(params, queryset=milestones, framework=framework, user=user)
    page = Paginator(filterset.qs, 25).get_page(params.get("page"))
    page.object_list = list(page.object_list)
    return filterset, page
