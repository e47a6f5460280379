"""Reads for indicator values in the quarterly returns: an owner's values to give, one value with
what its page shows beside the form, and a round's values for the policy team. Data only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from frameworks.domain.indicators import Status, Target, status_at
from frameworks.models import IndicatorValue, Post, ReturnState, RoundState
from frameworks.roles import is_policy_team


def _visible_values(user) -> QuerySet[IndicatorValue]:
    """Values this user may open, as for returns (`roles.visible_returns`): all of them for the
    policy team, else those of the indicators whose owner post they hold."""
    values = IndicatorValue.objects.all()
    if is_policy_team(user):
        return values
    if not user.is_authenticated:
        return values.none()
    holds = Post.holders.through.objects.filter(post_id=OuterRef("indicator__owner"), user=user)
    return values.filter(Exists(holds))


def officer_indicator_values(*, user) -> list[IndicatorValue]:
    """The values this user's posts give in open rounds, in the indicators' order."""
    return list(
        IndicatorValue.objects.filter(round__state=RoundState.OPEN)
        .for_holder(user)
        .select_related("indicator", "round__framework")
        .order_by("round_id", "indicator__order", "indicator__pk")
        .distinct()
    )


@dataclass(frozen=True)
class ValuePage:
    """One value with what its edit and review pages show beside it."""

    value: IndicatorValue
    previous: IndicatorValue | None  # the last approved value before this round
    target: Target | None
    status: Status  # of the figure now on the form, against the round's target


def indicator_value_get_for_user(*, pk: int, user) -> ValuePage | None:
    """The value, its indicator, its previous approved value and the round's target; None when
    this user may not see it."""
    value = (
        _visible_values(user)
        .select_related("indicator__owner", "indicator__framework", "round__framework")
        .filter(pk=pk)
        .first()
    )
    if value is None:
        return None
    indicator = value.indicator
    previous = (
        IndicatorValue.objects.filter(
            indicator=indicator,
            state=ReturnState.APPROVED,
            round__start_date__lt=value.round.start_date,
        )
        .select_related("round")
        .order_by("-round__start_date")
        .first()
    )
    targets = [
        Target(value=t.value, round_id=t.round_id, year=t.year) for t in indicator.targets.all()
    ]
    target, status = status_at(
        targets,
        round_id=value.round_id,
        round_end=value.round.end_date,
        value=value.value,
        tolerance=indicator.tolerance,
        direction=indicator.direction,
        unit=indicator.unit,
    )
    return ValuePage(value=value, previous=previous, target=target, status=status)


def round_indicator_values(*, round) -> list[IndicatorValue]:
    """A round's indicator values with their indicators and owner posts, in the indicators'
    order (one query)."""
    return list(
        IndicatorValue.objects.filter(round=round)
        .select_related("indicator__owner")
        .order_by("indicator__order", "indicator__pk")
    )


def next_submitted_value(*, value: IndicatorValue) -> int | None:
    """The next value in the round waiting for review, after this one, in the indicators' order;
    else the first still waiting; None when there is none."""
    waiting = list(
        IndicatorValue.objects.filter(round_id=value.round_id, state=ReturnState.SUBMITTED)
        .exclude(pk=value.pk)
        .order_by("indicator__order", "indicator__pk")
        .values_list("indicator__order", "indicator__pk", "pk")
    )
    here = (value.indicator.order, value.indicator_id)
    after = [row for row in waiting if row[:2] > here]
    chosen = after or waiting
    return chosen[0][2] if chosen else None
