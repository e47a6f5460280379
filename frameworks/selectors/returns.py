"""Reads for returns and rounds: an officer's task list, one return, the rounds and a round's
returns dashboard. Data only: the pages' cells are built in `frameworks.views.presenters`."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from frameworks.models import (
    Framework,
    IndicatorValue,
    MilestonePost,
    Post,
    PostRole,
    Return,
    ReturnState,
    Round,
    RoundState,
)
from frameworks.roles import visible_returns
from frameworks.selectors.base import (
    LEADS_PREFETCH,
    _lead_links,
    _return_base,
)
from frameworks.selectors.indicator_values import officer_indicator_values


@dataclass
class ReturnsGroup:
    round: Round
    returns: list[Return] = field(default_factory=list)
    overdue: set[int] = field(default_factory=set)  # the returns whose milestone is overdue
    # The values of indicators this person's posts own, given in the same round.
    values: list[IndicatorValue] = field(default_factory=list)

    @property
    def values_done(self) -> int:
        return sum(
            1 for v in self.values if v.state in (ReturnState.SUBMITTED, ReturnState.APPROVED)
        )

    @property
    def counts(self) -> Counter:
        return Counter(return_.state for return_ in self.returns)

    @property
    def completed_count(self) -> int:
        return sum(
            1 for u in self.returns if u.state in (ReturnState.SUBMITTED, ReturnState.APPROVED)
        )


def officer_returns(*, user) -> list[ReturnsGroup]:
    """Returns in open rounds for the posts this user holds, grouped by round, in plan order,
    with the indicator values their posts give in each round."""
    returns = (
        _return_base()
        .filter(round__state=RoundState.OPEN)
        .for_holder(user)
        .prefetch_related(LEADS_PREFETCH)
        .order_by(
            "round__framework__name",
            "-round__start_date",
            "milestone__theme__order",
            "milestone__order",
            "milestone__pk",
        )
    )
    groups: dict[int, ReturnsGroup] = {}
    today = timezone.localdate()
    for return_ in returns:
        group = groups.setdefault(return_.round_id, ReturnsGroup(round=return_.round))
        group.returns.append(return_)
        if return_.is_flagged_overdue(today):
            group.overdue.add(return_.pk)
    for value in officer_indicator_values(user=user):
        group = groups.setdefault(value.round_id, ReturnsGroup(round=value.round))
        group.values.append(value)
    return list(groups.values())


def return_get_for_user(*, pk: int, user) -> Return | None:
    """The return with everything its page shows; None when this user may not see it."""
    return (
        visible_returns(user)
        # The people (saved_by, submitted_by, reviewed_by) load lazily: joining three more
        # tables made PostgreSQL spend longer planning this query than running it.
        .select_related("milestone__theme", "milestone__framework", "round", "previous__round")
        .prefetch_related(LEADS_PREFETCH)
        .filter(pk=pk)
        .first()
    )


def return_as_read(*, return_: Return, version: int | None):
    """The return as it was at `version` (its audit trail's record), for showing a reviewer what
    they read before it changed; None when there is no such record."""
    if version is None:
        return None
    return (
        return_.history.filter(version=version)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )


def rounds_by_framework() -> list[tuple[Framework, list[Round]]]:
    frameworks = Framework.objects.prefetch_related(
        Prefetch(
            "rounds",
            queryset=Round.objects.annotate(
                return_count=Count("returns"),
                done=Count(
                    "returns",
                    filter=Q(returns__state__in=[ReturnState.SUBMITTED, ReturnState.APPROVED]),
                ),
            ).order_by("-start_date"),
        )
    )
    return [(framework, list(framework.rounds.all())) for framework in frameworks]


@dataclass
class PostReturns:
    post_id: int
    title: str
    counts: Counter = field(default_factory=Counter)
    holders: list[str] = field(default_factory=list)
    # Of `counts`, the values of the indicators this post owns (given in the same return).
    values: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def outstanding(self) -> int:
        return (
            self.counts[ReturnState.NOT_STARTED]
            + self.counts[ReturnState.DRAFT]
            + self.counts[ReturnState.RETURNED]
        )

    @property
    def numbers(self) -> list[int]:
        """The dashboard row's numbers: due, not started, draft, returned, submitted, approved."""
        counts = self.counts
        return [
            self.total,
            counts[ReturnState.NOT_STARTED],
            counts[ReturnState.DRAFT],
            counts[ReturnState.RETURNED],
            counts[ReturnState.SUBMITTED],
            counts[ReturnState.APPROVED],
        ]

    @property
    def cells(self) -> list[str]:
        """`numbers` as text, which renders as the numbers would (no thousands separator): a
        125-post table spent longer localising its 750 integers than drawing the rest of the
        row."""
        return [str(n) for n in self.numbers]


@dataclass
class RoundDashboard:
    round: Round
    posts: list[PostReturns]
    totals: Counter
    returns: list[Return]
    overdue: set[int]  # the returns whose milestone is overdue
    lead_links: list[tuple[int, str, str]]  # (milestone id, post title, role), in lead order
    is_late: bool
    state_filter: str
    post_filter: int | None = None
    directorate_filter: str = ""
    # What the filters offer: the round's lead posts as (id, title), and their directorates.
    post_choices: list[tuple[int, str]] = field(default_factory=list)
    directorates: list[str] = field(default_factory=list)

    @property
    def filters(self) -> dict[str, str]:
        """The post and directorate chosen, as query parameters (for links that keep them)."""
        chosen = {"post": str(self.post_filter or ""), "directorate": self.directorate_filter}
        return {name: value for name, value in chosen.items() if value}

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def state_label(self) -> str:
        return ReturnState(self.state_filter).label if self.state_filter else ""


DASHBOARD_FIELDS = (
    "code",
    "title",
    "deadline_date",
    "revised_deadline_text",
    "revised_deadline_date",
)


def round_dashboard(
    *, round: Round, state: str = "", post: int | None = None, directorate: str = ""
) -> RoundDashboard:
    """Returns per lead post (not started, draft, submitted, returned, approved, late), and the
    round's returns (filtered by state) with what the table needs of each milestone. `post` and
    `directorate` narrow both to the milestones that post, or a post of that directorate, leads.
    A post's row also counts the round's values of the indicators it owns (given in the same
    return, chased with it): a post that only owns indicators has a row of its own."""
    # Per lead post and state, for every post (the filters' choices come from these rows too).
    rows: list[Mapping[str, Any]] = list(
        MilestonePost.objects.filter(milestone__returns__round=round, role=PostRole.LEAD)
        .values("post_id", "post__title", "post__directorate", "milestone__returns__state")
        .annotate(n=Count("milestone__returns"))
        .order_by("post__title")
    )
    # The same per owner post and state, for the round's indicator values.
    value_rows = [
        {
            "post_id": row["indicator__owner_id"],
            "post__title": row["indicator__owner__title"],
            "post__directorate": row["indicator__owner__directorate"],
            "milestone__returns__state": row["state"],
            "n": row["n"],
            "values": True,
        }
        for row in IndicatorValue.objects.filter(round=round, indicator__owner__isnull=False)
        .values(
            "indicator__owner_id",
            "indicator__owner__title",
            "indicator__owner__directorate",
            "state",
        )
        .annotate(n=Count("pk"))
        .order_by()
    ]
    value_only = {r["post_id"] for r in value_rows} - {r["post_id"] for r in rows}
    rows += value_rows
    post_choices = sorted({(r["post_id"], r["post__title"]) for r in rows}, key=lambda c: c[1])
    directorates = sorted({r["post__directorate"] for r in rows if r["post__directorate"]})
    post = post if post in {pk for pk, _ in post_choices} else None
    directorate = directorate if directorate in directorates else ""
    led = MilestonePost.objects.filter(milestone=OuterRef("milestone"), role=PostRole.LEAD)
    if post:
        led = led.filter(post_id=post)
    if directorate:
        led = led.filter(post__directorate=directorate)
    in_scope = Return.objects.filter(round=round)
    if post or directorate:
        in_scope = in_scope.filter(Exists(led))
    posts: dict[int, PostReturns] = {}
    for row in rows:
        if (post and row["post_id"] != post) or (
            directorate and row["post__directorate"] != directorate
        ):
            continue
        entry = posts.setdefault(
            row["post_id"], PostReturns(post_id=row["post_id"], title=row["post__title"])
        )
        entry.counts[row["milestone__returns__state"]] += row["n"]
        if row.get("values"):
            entry.values += row["n"]
    # Straight from the post-holder table: one row per holder, in a stable order. (Through
    # MilestonePost, DISTINCT also took in its default ordering's columns: a row per milestone.)
    holders = (
        Post.holders.through.objects.filter(post_id__in=posts.keys())
        .values_list("post_id", "user__first_name", "user__last_name", "user__username")
        .order_by("post_id", "user__last_name", "user__first_name", "user_id")
    )
    for post_id, first, last, username in holders:
        name = f"{first} {last}".strip() or username
        if name not in posts[post_id].holders:
            posts[post_id].holders.append(name)
    totals = Counter(
        dict(in_scope.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    )
    # Every row is of this round: it is set on each, not joined and built again per row. Only
    # what the table shows is read: no theme object per row (its name is enough), the leads as
    # text.
    returns = (
        in_scope.select_related("milestone")
        .only("rag", "rag_text", "state", *(f"milestone__{name}" for name in DASHBOARD_FIELDS))
        .annotate(theme_name=F("milestone__theme__name"))
        .order_by("milestone__theme__order", "milestone__order", "milestone__pk")
    )
    if state in ReturnState.values:
        returns = returns.filter(state=state)
    else:
        state = ""
    return_rows: list[Return] = list(returns)
    today = timezone.localdate()
    for return_ in return_rows:  # every row is of this round: set, not joined again per row
        return_.round = round
        return_.milestone.framework = round.framework
    post_rows = list(posts.values())
    if value_only:  # rows of posts owning indicators only: among the others, by title
        post_rows.sort(key=lambda p: p.title)
    return RoundDashboard(
        round=round,
        posts=post_rows,
        totals=totals,
        returns=return_rows,
        overdue={return_.pk for return_ in return_rows if return_.is_flagged_overdue(today)},
        lead_links=list(_lead_links(framework_id=round.framework_id)),
        is_late=round.is_late(),
        state_filter=state,
        post_filter=post,
        directorate_filter=directorate,
        post_choices=post_choices,
        directorates=directorates,
    )


def submitted_neighbours(*, return_: Return) -> tuple[int | None, int | None, int]:
    """For a reviewer going through a round: the submitted returns before and after this one
    (in the dashboard's order: theme, then milestone) and how many are submitted. One query;
    a return just decided is placed among those still waiting by the same order."""
    order = ("milestone__theme__order", "milestone__order", "milestone_id")
    submitted = list(
        Return.objects.filter(round_id=return_.round_id, state=ReturnState.SUBMITTED)
        .order_by(*order)
        .values_list(*order, "pk")
    )
    milestone = return_.milestone
    here = (milestone.theme.order, milestone.order, milestone.pk)
    keys = [row[:3] for row in submitted]
    before = submitted[: bisect_left(keys, here)]
    after = [row for row in submitted[bisect_left(keys, here) :] if row[3] != return_.pk]
    return (before[-1][3] if before else None, after[0][3] if after else None, len(submitted))
