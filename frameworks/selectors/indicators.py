"""Reads for indicators (KPIs): each indicator of a framework with its value, target and status
at every round, and one indicator as a person may see it.

Only approved values count: a value still in someone's return (draft, submitted or returned)
is not shown here. The status is the domain's (`frameworks.domain.indicators`), computed from
the approved value, the target in force and the tolerance; never stored.

A fixed number of queries whatever the number of indicators, rounds or values.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from frameworks.domain.indicators import (
    Status,
    Target,
    due_in_round,
    status_at,
)
from frameworks.domain.vocabulary import IndicatorStatus
from frameworks.models import (
    Framework,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Outcome,
    ReturnState,
    Round,
    RoundState,
)
from frameworks.rules import allowed

REPORTS = {"QUARTERLY": "quarterly", "HALF_YEARLY": "half-yearly", "ANNUAL": "annually"}


@dataclass(frozen=True)
class IndicatorPoint:
    round_id: int
    round_label: str
    round_end: dt.date
    value: Decimal | None  # the approved value, else None
    note: str
    target: Decimal | None  # target_in_force
    status: Status  # frameworks.domain.indicators.indicator_status


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator  # owner and outcomes prefetched
    points: list[IndicatorPoint]  # every round of the framework up to `round`, oldest first

    @property
    def latest(self) -> IndicatorPoint | None:
        """The point at the round asked for (or the last round)."""
        return self.points[-1] if self.points else None

    @property
    def last_reported(self) -> IndicatorPoint | None:
        """The most recent point with an approved value."""
        return next((p for p in reversed(self.points) if p.value is not None), None)


def _indicators(framework: Framework):
    return (
        Indicator.objects.filter(framework=framework)
        .select_related("owner", "framework")
        .prefetch_related(
            Prefetch("outcomes", queryset=Outcome.objects.select_related("theme")),
            Prefetch(
                "targets",
                queryset=IndicatorTarget.objects.select_related("round").order_by(
                    "round__start_date", "year", "pk"
                ),
            ),
        )
        .order_by("order", "pk")
    )


def _rounds(framework: Framework, round: Round | None) -> list[Round]:
    rounds = Round.objects.filter(framework=framework).order_by("start_date", "pk")
    if round is not None:
        rounds = rounds.filter(start_date__lte=round.start_date)
    found = list(rounds)
    if round is not None:  # rounds starting the same day as `round` but after it
        index = next((i for i, r in enumerate(found) if r.pk == round.pk), None)
        if index is not None:
            found = found[: index + 1]
    return found


def _rows(indicators: list[Indicator], rounds: list[Round]) -> list[IndicatorRow]:
    approved: dict[int, dict[int, tuple[Decimal | None, str]]] = defaultdict(dict)
    if indicators and rounds:
        values = IndicatorValue.objects.filter(
            indicator__in=indicators, round__in=rounds, state=ReturnState.APPROVED
        ).values_list("indicator_id", "round_id", "value", "note")
        for indicator_id, round_id, value, note in values:
            approved[indicator_id][round_id] = (value, note)
    rows = []
    for indicator in indicators:
        targets = [
            Target(value=t.value, round_id=t.round_id, year=t.year) for t in indicator.targets.all()
        ]
        points = []
        for round in rounds:
            value, note = approved[indicator.pk].get(round.pk, (None, ""))
            target, status = status_at(
                targets,
                round_id=round.pk,
                round_end=round.end_date,
                value=value,
                tolerance=indicator.tolerance,
                direction=indicator.direction,
                unit=indicator.unit,
            )
            if value is None and not due_in_round(indicator.frequency, round.end_date):
                status = Status(
                    IndicatorStatus.NO_DATA,
                    f"It reports {REPORTS[indicator.frequency]}, so no value is due in "
                    f"{round.label}.",
                )
            points.append(
                IndicatorPoint(
                    round_id=round.pk,
                    round_label=round.label,
                    round_end=round.end_date,
                    value=value,
                    note=note,
                    target=target.value if target else None,
                    status=status,
                )
            )
        rows.append(IndicatorRow(indicator=indicator, points=points))
    return rows


def indicator_rows(*, framework: Framework, round: Round | None = None) -> list[IndicatorRow]:
    """Every indicator of `framework` in order, each with a point for every round of the
    framework up to `round` (inclusive; every round when None), oldest first. Five queries."""
    return _rows(list(_indicators(framework)), _rounds(framework, round))


def indicator_row(*, indicator: Indicator, round: Round | None = None) -> IndicatorRow:
    """One indicator's row, as `indicator_rows` gives it (its targets as prefetched by
    `indicator_get_for_user`, else read)."""
    return _rows([indicator], _rounds(indicator.framework, round))[0]


def indicator_get_for_user(*, pk: int, user) -> Indicator | None:
    """The indicator with its framework, owner, outcomes and targets, or None if there is none
    or `user` may not read its framework."""
    indicator = (
        Indicator.objects.select_related("framework", "owner")
        .prefetch_related(
            Prefetch("outcomes", queryset=Outcome.objects.select_related("theme")),
            Prefetch("targets", queryset=IndicatorTarget.objects.select_related("round")),
        )
        .filter(pk=pk)
        .first()
    )
    if indicator is None or not allowed(user, "frameworks.read_framework", indicator.framework):
        return None
    return indicator


def default_round(*, framework: Framework) -> Round | None:
    """The round the indicator list shows first: the latest with an approved value of one of
    the framework's indicators, else the latest opened, else none."""
    with_values = (
        Round.objects.filter(
            framework=framework,
            indicator_values__state=ReturnState.APPROVED,
            indicator_values__indicator__framework=framework,
        )
        .order_by("-start_date", "-pk")
        .first()
    )
    if with_values is not None:
        return with_values
    return (
        Round.objects.filter(framework=framework)
        .exclude(state=RoundState.DRAFT)
        .order_by("-start_date", "-pk")
        .first()
    )
