"""Reads for insight: where a plan stands by round, the trend, and why each RAG is what it is.

Statuses "as of a round" follow the board report's rule (`reports.data`): a milestone's
approved update in that round, else a completion carried forward, else no update. The rules
stated here in words (done, flagged overdue, the deadline in force) are the domain's
(`frameworks.domain`). May import: Django, the domain, the models, selectors and reports.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from frameworks.domain.status import NO_RETURN, NO_STATUS, STATUS_LABELS, is_done
from frameworks.models import (
    Framework,
    Milestone,
    Return,
    ReturnState,
    Round,
    RoundState,
)
from frameworks.reports import charts
from frameworks.reports.data import RAG_ORDER, status_at
from frameworks.selectors import approved_return_rows


def _as_of(returns: list[tuple[int, dt.date, str]], round: Round) -> str:
    return status_at(returns, round)[0]


def _latest(returns: list[tuple[int, dt.date, str]], round: Round) -> tuple[str, int | None]:
    """A milestone's latest approved status at or before `round`, whatever it is, and the round
    it comes from: what the plan's headline shows while a round is open and its returns are
    still being written."""
    found: tuple[str, int | None] = (NO_RETURN, None)
    for round_id, start, rag in returns:  # in round order
        if start <= round.start_date:
            found = (rag or NO_STATUS, round_id)
    return found


@dataclass
class Dashboard:
    framework: Framework
    round: Round | None
    rounds: list[dict]
    themes: list[dict]
    counts: dict[str, int]
    keys: list[str]
    trend_keys: list[str] = field(default_factory=list)
    returns: dict[str, int] = field(default_factory=dict)
    # While a round is open: the headline is each milestone's latest approved status, and
    # `sources` says which rounds those come from as (label, milestones), newest first.
    latest: bool = False
    sources: list[tuple[str, int]] = field(default_factory=list)
    theme_chart: str = ""
    trend_chart: str = ""


def framework_dashboard(
    *,
    framework: Framework,
    milestone_ids: list[int],
    rounds: list[Round] | None = None,
    approved: list[tuple[int, int, str]] | None = None,
    milestones: list[tuple[int, int, str, str]] | None = None,
) -> Dashboard:
    """RAG by theme (while a round is open, each milestone's latest approved status; else the
    latest round's), the trend across the rounds reported and the open round's returns
    progress. Four queries whatever the size of the plan (three without an open round),
    one when the caller has read them already (`selectors.framework_overview`): `rounds` in
    start-date order, `approved` (every approved update of the plan as (milestone id, round id,
    rag) in round order) and `milestones` ((id, theme id, theme code, theme name) in theme
    order)."""
    if rounds is None:
        rounds = list(framework.rounds.order_by("start_date"))
    open_round = next((p for p in rounds if p.state == RoundState.OPEN), None)
    # The rounds' start dates come from `rounds`, not converted again for each of thousands
    # of rows.
    if approved is None:
        approved = approved_return_rows(framework=framework)
    wanted = set(milestone_ids)
    start_of = {each.pk: each.start_date for each in rounds}
    by_milestone: dict[int, list[tuple[int, dt.date, str]]] = defaultdict(list)
    for milestone_id, round_id, rag in approved:
        by_milestone[milestone_id].append((round_id, start_of[round_id], rag))
    with_returns = {round_id for _, round_id, _ in approved}
    shown = open_round or next((p for p in reversed(rounds) if p.pk in with_returns), None)
    if milestones is None:
        milestones = list(
            Milestone.objects.filter(framework=framework)
            .order_by("theme__order", "theme__name")
            .values_list("pk", "theme_id", "theme__code", "theme__name")
        )
    milestones = [row for row in milestones if row[0] in wanted]
    trend: list[dict[str, Any]] = [
        {
            "label": each.label,
            "counts": Counter(_as_of(by_milestone.get(m[0], []), each) for m in milestones),
        }
        for each in rounds
        if each.pk in with_returns and each != open_round
    ]
    latest = shown is not None and shown == open_round
    themes: dict[int, dict] = {}
    counts: Counter = Counter()
    sources: Counter = Counter()
    for pk, theme_id, theme_code, theme_name in milestones:
        if shown is None:
            status = NO_RETURN
        elif latest:
            status, source = _latest(by_milestone.get(pk, []), shown)
            if source is not None:
                sources[source] += 1
        else:
            status = _as_of(by_milestone.get(pk, []), shown)
        theme = themes.setdefault(
            theme_id, {"code": theme_code, "name": theme_name, "counts": Counter()}
        )
        theme["counts"][status] += 1
        counts[status] += 1
    keys = [k for k in RAG_ORDER if counts.get(k)]
    returns: dict[str, int] = {}
    if open_round is not None:
        totals = Return.objects.filter(round=open_round).aggregate(
            total=Count("pk"),
            done=Count("pk", filter=Q(state__in=[ReturnState.SUBMITTED, ReturnState.APPROVED])),
            approved=Count("pk", filter=Q(state=ReturnState.APPROVED)),
        )
        returns = {
            **totals,
            "percent": round(100 * totals["done"] / totals["total"]) if totals["total"] else 0,
        }
    label = "latest approved status" if latest else (shown.label if shown else "no round yet")
    label_of = {each.pk: each.label for each in rounds}
    return Dashboard(
        framework=framework,
        round=shown,
        rounds=trend,
        themes=list(themes.values()),
        counts=dict(counts),
        keys=keys,
        trend_keys=[k for k in RAG_ORDER if any(r["counts"].get(k) for r in trend)],
        returns=returns,
        latest=latest,
        sources=[
            (label_of[pk], sources[pk])
            for pk in sorted(sources, key=lambda pk: start_of[pk], reverse=True)
        ],
        theme_chart=mark_safe(
            charts.by_theme(list(themes.values()), title=f"Milestones by theme and status, {label}")
        ),
        trend_chart=mark_safe(
            charts.trend(trend, title=f"Milestones by status in each round, {framework.name}")
        )
        if rounds
        else "",
    )


# Why this RAG --------------------------------------------------------------------------------
def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def is_stale(last_return: dt.datetime | None, today: dt.date) -> bool:
    if last_return is None:
        return True
    return (today - timezone.localtime(last_return).date()).days > settings.TRACKER_STALE_DAYS


def why_this_rag(*, milestone: Milestone, today: dt.date | None = None) -> list[str]:
    """The facts behind a milestone's status, in words, from its approved updates (one query)."""
    today = today or timezone.localdate()
    returns = list(
        milestone.returns.filter(state=ReturnState.APPROVED)
        .select_related("round")
        .order_by("round__start_date")
    )
    facts: list[str] = []
    latest = returns[-1] if returns else None
    status = latest.rag if latest else ""
    deadline = milestone.deadline_in_force.date
    shown = milestone.revised_deadline.display_if_set or milestone.deadline.display
    if deadline and not is_done(status):
        days = (today - deadline).days
        if days > 0:
            facts.append(f"Deadline {shown} passed {days} day{'s' if days != 1 else ''} ago.")
        elif days == 0:
            facts.append(f"Deadline {shown} is today.")
        else:
            facts.append(f"Deadline {shown} is in {-days} day{'s' if days != -1 else ''}.")
    elif shown:
        facts.append(f"Deadline: {shown}.")
    else:
        facts.append("No deadline has been set.")
    if milestone.has_revised_deadline:
        original = milestone.deadline.display
        set_in = next((u.round.label for u in reversed(returns) if u.new_deadline_text), "")
        facts.append(
            f"The original deadline was {original or 'not set'}; it was moved to "
            f"{milestone.revised_deadline.display_if_set}{f' in {set_in}' if set_in else ''}."
        )
    if latest is None:
        facts.append("There is no approved update yet.")
    else:
        when = latest.reviewed_at or latest.submitted_at
        stamp = f", approved {_day(timezone.localtime(when).date())}" if when else ""
        facts.append(f"Last update: {latest.round.label}{stamp}.")
        said = STATUS_LABELS.get(latest.rag, "") if latest.rag else ""
        raw = (
            f" (written as “{latest.rag_text}”)"
            if latest.rag_text and latest.rag_text != said
            else ""
        )
        facts.append(f"The officer set {said or 'no status'}{raw}.")
        if new_deadline := latest.new_deadline_display:
            facts.append(f"That update gave a new deadline: {new_deadline}.")
    if milestone.is_flagged_overdue(status, today):
        facts.append("It is flagged overdue: the deadline has passed and it is not complete.")
    if not is_done(status):
        last = (latest.reviewed_at or latest.submitted_at) if latest else None
        if is_stale(last, today):
            facts.append(
                f"It is flagged stale: no update for more than {settings.TRACKER_STALE_DAYS} days."
            )
    return facts
