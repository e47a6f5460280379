"""Reads for returns and rounds: an officer's task list, one return, the rounds and a round's
returns dashboard. Data only: the pages' cells are built in `frameworks.views.presenters`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from frameworks.models import (
    Framework,
    MilestonePost,
    PeriodState,
    Post,
    PostRole,
    ProgressUpdate,
    ReportingPeriod,
    UpdateState,
)
from frameworks.roles import visible_updates
from frameworks.selectors.base import (
    LEADS_PREFETCH,
    _lead_links,
    _update_base,
)


@dataclass
class ReturnsGroup:
    period: ReportingPeriod
    updates: list[ProgressUpdate] = field(default_factory=list)
    overdue: set[int] = field(default_factory=set)  # the returns whose milestone is overdue

    @property
    def counts(self) -> Counter:
        return Counter(update.state for update in self.updates)

    @property
    def completed_count(self) -> int:
        return sum(
            1 for u in self.updates if u.state in (UpdateState.SUBMITTED, UpdateState.APPROVED)
        )


def officer_returns(*, user) -> list[ReturnsGroup]:
    """Returns in open rounds for the posts this user holds, grouped by round, in plan order."""
    updates = (
        _update_base()
        .filter(period__state=PeriodState.OPEN)
        .for_holder(user)
        .prefetch_related(LEADS_PREFETCH)
        .order_by(
            "period__framework__name",
            "-period__start_date",
            "milestone__theme__order",
            "milestone__order",
            "milestone__pk",
        )
    )
    groups: dict[int, ReturnsGroup] = {}
    today = timezone.localdate()
    for update in updates:
        group = groups.setdefault(update.period_id, ReturnsGroup(period=update.period))
        group.updates.append(update)
        if update.is_flagged_overdue(today):
            group.overdue.add(update.pk)
    return list(groups.values())


def update_get_for_user(*, pk: int, user) -> ProgressUpdate | None:
    """The return with everything its page shows; None when this user may not see it."""
    return (
        visible_updates(user)
        # The people (saved_by, submitted_by, reviewed_by) load lazily: joining three more
        # tables made PostgreSQL spend longer planning this query than running it.
        .select_related("milestone__theme", "milestone__framework", "period", "previous__period")
        .prefetch_related(LEADS_PREFETCH)
        .filter(pk=pk)
        .first()
    )


def update_as_read(*, update: ProgressUpdate, version: int | None):
    """The return as it was at `version` (its audit trail's record), for showing a reviewer what
    they read before it changed; None when there is no such record."""
    if version is None:
        return None
    return (
        update.history.filter(version=version)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )


def periods_by_framework() -> list[tuple[Framework, list[ReportingPeriod]]]:
    frameworks = Framework.objects.prefetch_related(
        Prefetch(
            "periods",
            queryset=ReportingPeriod.objects.annotate(
                returns=Count("updates"),
                done=Count(
                    "updates",
                    filter=Q(updates__state__in=[UpdateState.SUBMITTED, UpdateState.APPROVED]),
                ),
            ).order_by("-start_date"),
        )
    )
    return [(framework, list(framework.periods.all())) for framework in frameworks]


@dataclass
class PostReturns:
    post_id: int
    title: str
    counts: Counter = field(default_factory=Counter)
    holders: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def outstanding(self) -> int:
        return (
            self.counts[UpdateState.NOT_STARTED]
            + self.counts[UpdateState.DRAFT]
            + self.counts[UpdateState.RETURNED]
        )

    @property
    def cells(self) -> list[str]:
        """The dashboard row's numbers: due, not started, draft, returned, submitted, approved.
        As text, which renders as the numbers would (no thousands separator): a 125-post table
        spent longer localising its 750 integers than drawing the rest of the row."""
        counts = self.counts
        return [
            str(n)
            for n in (
                self.total,
                counts[UpdateState.NOT_STARTED],
                counts[UpdateState.DRAFT],
                counts[UpdateState.RETURNED],
                counts[UpdateState.SUBMITTED],
                counts[UpdateState.APPROVED],
            )
        ]


@dataclass
class PeriodDashboard:
    period: ReportingPeriod
    posts: list[PostReturns]
    totals: Counter
    updates: list[ProgressUpdate]
    overdue: set[int]  # the returns whose milestone is overdue
    lead_links: list[tuple[int, str, str]]  # (milestone id, post title, role), in lead order
    is_late: bool
    state_filter: str

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def state_label(self) -> str:
        return UpdateState(self.state_filter).label if self.state_filter else ""


DASHBOARD_FIELDS = (
    "code",
    "title",
    "deadline_date",
    "revised_deadline_text",
    "revised_deadline_date",
)


def period_dashboard(*, period: ReportingPeriod, state: str = "") -> PeriodDashboard:
    """Returns per lead post (not started, draft, submitted, returned, approved, late), and the
    round's returns (filtered by state) with what the table needs of each milestone."""
    rows = (
        MilestonePost.objects.filter(milestone__updates__period=period, role=PostRole.LEAD)
        .values("post_id", "post__title", "milestone__updates__state")
        .annotate(n=Count("milestone__updates"))
        .order_by("post__title")
    )
    posts: dict[int, PostReturns] = {}
    for row in rows:
        entry = posts.setdefault(
            row["post_id"], PostReturns(post_id=row["post_id"], title=row["post__title"])
        )
        entry.counts[row["milestone__updates__state"]] += row["n"]
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
        dict(
            ProgressUpdate.objects.filter(period=period)
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
    )
    # Every row is of this round: it is set on each, not joined and built again per row. Only
    # what the table shows is read: no theme object per row (its name is enough), the leads as
    # text.
    updates = (
        ProgressUpdate.objects.filter(period=period)
        .select_related("milestone")
        .only("rag", "rag_text", "state", *(f"milestone__{name}" for name in DASHBOARD_FIELDS))
        .annotate(theme_name=F("milestone__theme__name"))
        .order_by("milestone__theme__order", "milestone__order", "milestone__pk")
    )
    if state in UpdateState.values:
        updates = updates.filter(state=state)
    else:
        state = ""
    update_rows: list[ProgressUpdate] = list(updates)
    today = timezone.localdate()
    for update in update_rows:  # every row is of this round: set, not joined again per row
        update.period = period
        update.milestone.framework = period.framework
    return PeriodDashboard(
        period=period,
        posts=list(posts.values()),
        totals=totals,
        updates=update_rows,
        overdue={update.pk for update in update_rows if update.is_flagged_overdue(today)},
        lead_links=list(_lead_links(framework_id=period.framework_id)),
        is_late=period.is_late(),
        state_filter=state,
    )
