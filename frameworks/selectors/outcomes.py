"""Reads for outcomes: a framework's progress by outcome (each outcome's commitments with their
latest approved status), and what a milestone serves. Data only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Subquery

from frameworks.domain.status import NO_RETURN, STATUS_LABELS
from frameworks.models import (
    Assessment,
    Framework,
    Indicator,
    Milestone,
    MilestoneOutcome,
    Outcome,
    Theme,
)
from frameworks.rules import allowed
from frameworks.selectors.base import approved_return_rows

# The order counts are given in ("2 completed, 1 in progress, 1 no update").
COUNT_ORDER = ["COMPLETED", "IN_PROGRESS", "ONGOING", "OVERDUE", "NOT_STARTED", "CANCELLED"]


@dataclass
class OutcomeProgress:
    outcome: Outcome
    milestones: list[Milestone]  # each with `latest_rag` ("" when no approved update)
    indicators: list[Indicator]

    @property
    def counts(self) -> Counter:
        return Counter(m.latest_rag or NO_RETURN for m in self.milestones)

    @property
    def summary(self) -> str:
        """ "4 commitments: 2 completed, 1 in progress, 1 no update"."""
        total = len(self.milestones)
        counts = self.counts
        parts = [
            f"{counts[key]} {STATUS_LABELS[key].lower()}"
            for key in [*COUNT_ORDER, NO_RETURN]
            if counts[key]
        ]
        head = f"{total} commitment{'' if total == 1 else 's'}"
        return f"{head}: {', '.join(parts)}" if parts else head


@dataclass
class ThemeOutcomes:
    theme: Theme
    outcomes: list[OutcomeProgress] = field(default_factory=list)


def outcome_progress(*, framework: Framework, user) -> list[ThemeOutcomes]:
    """A framework's outcomes by theme, each with the milestones serving it (those this user may
    read) and their latest approved status, and the indicators measuring it. Four queries,
    whatever the size of the plan."""
    latest = {
        milestone_id: rag for milestone_id, _, rag in approved_return_rows(framework=framework)
    }
    links = MilestoneOutcome.objects.select_related("milestone").order_by(
        "milestone__order", "milestone__pk"
    )
    if not allowed(user, "frameworks.read_all_milestones", framework):
        links = links.filter(milestone__posts__holders=user).distinct()
    outcomes = (
        Outcome.objects.filter(framework=framework)
        .select_related("theme")
        .prefetch_related(
            Prefetch("milestone_links", queryset=links, to_attr="links"),
            Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk")),
        )
        .order_by("theme__order", "theme__name", "order", "pk")
    )
    themes: dict[int, ThemeOutcomes] = {}
    for outcome in outcomes:
        milestones = []
        links_found: list[MilestoneOutcome] = outcome.links  # type: ignore[assignment]
        for link in links_found:
            milestone = link.milestone
            milestone.latest_rag = latest.get(milestone.pk) or ""
            milestones.append(milestone)
        group = themes.setdefault(outcome.theme_id, ThemeOutcomes(theme=outcome.theme))
        group.outcomes.append(
            OutcomeProgress(
                outcome=outcome, milestones=milestones, indicators=list(outcome.indicators.all())
            )
        )
    return list(themes.values())


def framework_measures(*, framework: Framework) -> dict[str, int]:
    """How many outcomes, indicators and maturity assessments a framework has (one query), for
    the links to their pages. Each is counted in its own subquery: joining all three and
    counting distinct rows multiplied them (outcomes × indicators × assessments)."""

    def count(model) -> Subquery:
        rows = model.objects.filter(framework=OuterRef("pk")).order_by()
        return Subquery(rows.values("framework").annotate(n=Count("pk")).values("n")[:1])

    models = {"outcomes": Outcome, "indicators": Indicator, "assessments": Assessment}
    counts = (
        Framework.objects.filter(pk=framework.pk)
        .annotate(**{f"{name}_count": count(model) for name, model in models.items()})
        .values_list(*(f"{name}_count" for name in models))
        .get()
    )
    return {name: n or 0 for name, n in zip(models, counts, strict=True)}
