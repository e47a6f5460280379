"""Reads for pages: each returns everything a page needs in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import pgettext

from frameworks.models import (
    RAG,
    DeadlineKind,
    Framework,
    Milestone,
    MilestonePost,
    PeriodState,
    Post,
    PostRole,
    ProgressUpdate,
    ReportingPeriod,
    Theme,
    UpdateState,
    person_name,
    progress_mean,
)
from frameworks.roles import visible_updates
from frameworks.rules import allowed
from frameworks.templatetags.tracker import overdue_tag, rag_tag, state_tag


def row_urls(name: str):
    """`reverse(name, kwargs={"pk": pk})` for the many rows of one page: one reverse, then each
    row's pk put in its place (reverse() was a fifth of the time of a 250-row table)."""
    marker = 2_147_483_647
    head, tail = reverse(name, kwargs={"pk": marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def shortener(length: int) -> Callable[[str], str]:
    """Django's `truncatechars:length` for the many rows of one page, without its walk through
    each character where it is not needed (text that fits, or plain ASCII with no combining
    characters to skip) and with the translated ellipsis looked up once, not per row."""
    ellipsis = pgettext("String to return when truncating text", "%(truncated_text)s…")
    keep = calculate_truncate_chars_length(length, ellipsis)

    def shorten(text: str) -> str:
        if len(text) <= length:
            return text
        if text.isascii():
            return add_truncation_text(text[:keep], ellipsis)
        return Truncator(text).chars(length, truncate=ellipsis)

    return shorten


LEADS_PREFETCH = Prefetch(
    "milestone__leads", queryset=MilestonePost.objects.select_related("post").order_by("order")
)


def _update_base() -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.select_related(
        "milestone__theme", "milestone__framework", "period__framework"
    )


# Officer: "Your returns" --------------------------------------------------------------------
@dataclass
class ReturnsGroup:
    period: ReportingPeriod
    updates: list[ProgressUpdate] = field(default_factory=list)

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
        update.is_overdue = update_is_overdue(update, today)
        group = groups.setdefault(update.period_id, ReturnsGroup(period=update.period))
        group.updates.append(update)
    return list(groups.values())


# One return ---------------------------------------------------------------------------------
def update_get_for_user(*, pk: int, user) -> ProgressUpdate:
    """The return with everything its page shows, or 404 when this user may not see it."""
    return get_object_or_404(
        visible_updates(user)
        # The people (saved_by, submitted_by, reviewed_by) load lazily: joining three more
        # tables made PostgreSQL spend longer planning this query than running it.
        .select_related("milestone__theme", "milestone__framework", "period", "previous__period")
        .prefetch_related(LEADS_PREFETCH),
        pk=pk,
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


# Policy team: rounds and the returns dashboard ----------------------------------------------
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
    is_late: bool
    state_filter: str

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def state_label(self) -> str:
        return UpdateState(self.state_filter).label if self.state_filter else ""


# What the returns table reads of each return's milestone (the rest is not loaded).
DASHBOARD_FIELDS = (
    "code",
    "title",
    "deadline_date",
    "revised_deadline_text",
    "revised_deadline_date",
)


def _lead_links(*, framework_id: int) -> QuerySet:
    """(milestone id, post title, role) of every lead and supporting post of a framework's
    milestones, each milestone's in lead order: what `lead_cells` and `lead_only_cells` read."""
    return (
        MilestonePost.objects.filter(milestone__framework_id=framework_id)
        .order_by("milestone_id", "order", "pk")
        .values_list("milestone_id", "post__title", "role")
    )


def approved_update_rows(*, framework: Framework) -> list[tuple[int, int, str]]:
    """Every approved update of a framework's milestones as (milestone id, round id, rag), in
    round order (one query, on the index on round and state: every update of a framework's
    milestone is in one of the framework's rounds)."""
    return list(
        ProgressUpdate.objects.filter(period__framework=framework, state=UpdateState.APPROVED)
        .order_by("period__start_date")
        .values_list("milestone_id", "period_id", "rag")
    )


def lead_only_cells(links) -> dict[int, str]:
    """The returns table's Lead cell for each milestone, from (milestone id, post title, role)
    rows in lead order: the lead posts' escaped titles, each followed by a line break unless it
    is the milestone's last post (supporting posts are not shown)."""
    rows: dict[int, list[tuple[str, str]]] = {}
    for milestone_id, title, role in links:
        rows.setdefault(milestone_id, []).append((title, role))
    cells = {}
    for milestone_id, posts in rows.items():
        last = len(posts) - 1
        cells[milestone_id] = mark_safe(
            "".join(
                f"{conditional_escape(title)}{'<br>' if i != last else ''}"
                for i, (title, role) in enumerate(posts)
                if role == PostRole.LEAD
            )
        )
    return cells


def period_dashboard(*, pk: int, state: str = "") -> PeriodDashboard:
    """Returns per lead post (not started, draft, submitted, returned, approved, late)."""
    period = get_object_or_404(ReportingPeriod.objects.select_related("framework"), pk=pk)
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
    updates = list(updates)
    leads = lead_only_cells(_lead_links(framework_id=period.framework_id))
    today = timezone.localdate()
    review_url = row_urls("frameworks:update-review")
    short_title = shortener(120)
    rags: dict = {}
    states: dict = {}
    for update in updates:
        update.period = period
        milestone = update.milestone
        milestone.framework = period.framework
        update.is_overdue = update_is_overdue(update, today)
        update.review_url = review_url(update.pk)
        milestone.short_title = short_title(milestone.title)
        update.lead_cell = leads.get(milestone.pk, "")
        key = (update.rag, update.rag_text)
        if key not in rags:
            rags[key] = rag_tag(*key)
        update.rag_cell = rags[key]
        if update.state not in states:
            states[update.state] = state_tag(update.state)
        update.state_cell = states[update.state]
    return PeriodDashboard(
        period=period,
        posts=list(posts.values()),
        totals=totals,
        updates=updates,
        is_late=period.is_late(),
        state_filter=state,
    )


# Frameworks and milestones ------------------------------------------------------------------
def _approved_updates(framework: Framework | None = None) -> QuerySet[ProgressUpdate]:
    """The outer milestone's approved updates. With its framework: only that framework's rounds
    (where all of them are), so PostgreSQL joins a dozen rounds per milestone, not every round
    of every plan (a hash of all rounds for each of 250 milestones: 15 ms -> 2.5 ms)."""
    updates = ProgressUpdate.objects.filter(milestone=OuterRef("pk"), state=UpdateState.APPROVED)
    if framework is not None:
        updates = updates.filter(period__framework_id=framework.pk)
    return updates


def _latest_update(field_name: str, framework: Framework | None = None) -> Subquery:
    return Subquery(
        _approved_updates(framework).order_by("-period__start_date").values(field_name)[:1]
    )


def milestones_with_status(*, framework: Framework) -> QuerySet[Milestone]:
    """A framework's milestones in plan order with their leads, `latest_rag` and
    `latest_period` (the label of the round that status comes from)."""
    return (
        Milestone.objects.filter(framework=framework)
        .select_related("theme")
        .prefetch_related(Prefetch("leads", queryset=MilestonePost.objects.select_related("post")))
        .annotate(
            latest_rag=_latest_update("rag", framework),
            latest_period=_latest_update("period__label", framework),
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
    open_period: ReportingPeriod | None
    # For `insight.framework_dashboard`, so it does not read them again: the rounds in start
    # order and every approved update of the plan as (milestone id, round id, rag) in round order.
    periods: list[ReportingPeriod] = field(default_factory=list)
    approved: list[tuple[int, int, str]] = field(default_factory=list)


def milestone_is_overdue(milestone: Milestone, today: dt.date) -> bool:
    """Flagged overdue: its deadline has passed and it is neither complete nor cancelled."""
    rag = getattr(milestone, "latest_rag", None)
    if rag in (RAG.COMPLETED, RAG.CANCELLED):
        return False
    return rag == RAG.OVERDUE or milestone.deadline_passed(today=today)


# What the overview's table and lists read of a milestone (the rest is not loaded).
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


def lead_cells(links) -> dict[int, str]:
    """Each milestone's leads as the table cell shows them, from (milestone id, post title, role)
    rows in lead order: escaped titles, " (supporting)" after supporting posts, one per line."""
    cells: dict[int, list[str]] = {}
    for milestone_id, title, role in links:
        text = conditional_escape(title)
        cells.setdefault(milestone_id, []).append(
            f"{text} (supporting)" if role == PostRole.SUPPORTING else text
        )
    return {pk: mark_safe("<br>".join(texts)) for pk, texts in cells.items()}


def status_cell(cache: dict, rag: str | None, is_overdue: bool) -> str:
    """`{% rag_tag rag %}`, followed by `{% overdue_tag %}` when flagged overdue and not marked
    Overdue: built once per combination, not per row."""
    key = (rag, is_overdue)
    if key not in cache:
        html = rag_tag(rag)
        if is_overdue and rag != RAG.OVERDUE:
            html = mark_safe(f"{html} {overdue_tag()}")
        cache[key] = html
    return cache[key]


def framework_overview(*, slug: str, user) -> FrameworkOverview:
    """A framework's themes and milestones as this user may read them (404 if they may not).

    Each milestone's `latest_rag` (its latest approved update's status) comes from one read of
    the plan's approved updates, which `insight.framework_dashboard` uses too, not from a
    correlated subquery per milestone (PostgreSQL joined every round of every plan for each)."""
    framework = get_object_or_404(Framework, slug=slug)
    if not allowed(user, "frameworks.read_framework", framework):
        raise Http404("No such framework.")
    today = timezone.localdate()
    by_theme: dict[int, ThemeMilestones] = {}
    themes = list(framework.themes.order_by("order", "name"))
    for theme in themes:
        by_theme[theme.pk] = ThemeMilestones(theme=theme, milestones=[])
    periods = list(framework.periods.order_by("start_date"))
    approved = approved_update_rows(framework=framework)
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
    leads = lead_cells(_lead_links(framework_id=framework.pk))
    url = row_urls("frameworks:milestone-detail")
    short_title, shorter_title = shortener(140), shortener(110)
    statuses: dict = {}
    for milestone in milestones:
        milestone.theme = by_theme[milestone.theme_id].theme
        milestone.framework = framework
        milestone.latest_rag = latest.get(milestone.pk)
        milestone.is_overdue = milestone_is_overdue(milestone, today)
        milestone.url = url(milestone.pk)
        milestone.short_title = short_title(milestone.title)  # in the table
        milestone.shorter_title = shorter_title(milestone.title)  # in the lists above it
        milestone.lead_cell = leads.get(milestone.pk, "")
        milestone.status_cell = status_cell(statuses, milestone.latest_rag, milestone.is_overdue)
        # The deadline as the table and the lists show it: the revised one if set, else the
        # original (each formatted once, not per use).
        milestone.deadline_shown = milestone.deadline_display
        milestone.revised_shown = milestone.revised_deadline_display
        milestone.current_deadline = milestone.revised_shown or milestone.deadline_shown
        if milestone.is_overdue:
            overdue.append(milestone)
        counts[milestone.latest_rag or ""] += 1
        by_theme[milestone.theme_id].milestones.append(milestone)
    return FrameworkOverview(
        framework=framework,
        themes=[group for group in by_theme.values()],
        counts=counts,
        overdue=overdue,
        open_period=next((p for p in periods if p.state == PeriodState.OPEN), None),
        periods=periods,
        approved=approved,
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
    updates: list[ProgressUpdate]
    is_overdue: bool


def milestone_history(*, pk: int, user) -> MilestoneHistory:
    """A milestone and its updates across rounds, newest first. Others' drafts stay private."""
    milestone = get_object_or_404(
        Milestone.objects.select_related("theme", "framework")
        .prefetch_related(
            Prefetch(
                "leads",
                queryset=MilestonePost.objects.select_related("post").prefetch_related(
                    "post__holders"
                ),
            )
        )
        .annotate(latest_rag=_latest_update("rag")),
        pk=pk,
    )
    if not allowed(user, "frameworks.read_milestone", milestone):
        raise Http404("No such milestone.")
    updates = (
        ProgressUpdate.objects.filter(milestone=milestone)
        .exclude(state=UpdateState.NOT_STARTED)
        .select_related("period", "submitted_by", "reviewed_by")
        .order_by("-period__start_date")
    )
    if not allowed(user, "frameworks.see_work_in_progress", milestone):
        updates = updates.filter(state=UpdateState.APPROVED)
    return MilestoneHistory(
        milestone=milestone,
        updates=list(updates),
        is_overdue=milestone_is_overdue(milestone, timezone.localdate()),
    )


def update_is_overdue(update: ProgressUpdate, today: dt.date) -> bool:
    """A return's milestone is overdue when its deadline passed and it is not complete."""
    if update.rag in (RAG.COMPLETED, RAG.CANCELLED):
        return False
    return update.rag == RAG.OVERDUE or update.milestone.deadline_passed(today=today)


# Exports ------------------------------------------------------------------------------------
def _deadline_data(obj, prefix: str) -> dict | None:
    """A deadline as exported: {text, date, precision, kind}; None if there is none."""
    text, date = getattr(obj, f"{prefix}_text"), getattr(obj, f"{prefix}_date")
    kind = getattr(obj, f"{prefix}_kind")
    if not (text or date) and kind in ("", DeadlineKind.NOT_SET) and prefix != "deadline":
        return None
    return {
        "text": text,
        "date": date.isoformat() if date else None,
        "precision": getattr(obj, f"{prefix}_precision"),
        "kind": kind,
    }


def framework_export_data(*, framework: Framework) -> dict:
    """The whole plan as plain data, in plan order (five queries): the framework, its rounds,
    themes, milestones with every field, and each milestone's approved updates (returns still in
    progress are not the plan's record). The README documents the schema."""
    milestones = (
        Milestone.objects.filter(framework=framework)
        .select_related("theme")
        .prefetch_related(
            Prefetch("leads", queryset=MilestonePost.objects.select_related("post")),
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.filter(state=UpdateState.APPROVED)
                .select_related("period")
                .order_by("period__start_date"),
            ),
        )
        .order_by("theme__order", "order", "pk")
    )
    themes: dict[int, dict] = {
        theme.pk: {"code": theme.code, "name": theme.name, "milestones": []}
        for theme in framework.themes.order_by("order", "name")
    }
    for milestone in milestones:
        themes[milestone.theme_id]["milestones"].append(
            {
                "code": milestone.code,
                "title": milestone.title,
                "existing_activity": milestone.existing_activity,
                "source_reference": milestone.source_reference,
                "leads": [
                    {"post": link.post.title, "role": link.role} for link in milestone.leads.all()
                ],
                "deadline": _deadline_data(milestone, "deadline"),
                "revised_deadline": _deadline_data(milestone, "revised_deadline"),
                "monitoring_groups": milestone.monitoring_groups,
                "risk": milestone.risk,
                "updates": [
                    {
                        "period": update.period.label,
                        "rag": update.rag,
                        "rag_text": update.rag_text,
                        "narrative": update.narrative,
                        "new_deadline": update.new_deadline_text or None,
                        "percent_complete": update.percent_complete,
                        "state": update.state,
                    }
                    for update in milestone.updates.all()
                ],
            }
        )
    return {
        "framework": framework.name,
        "description": framework.description,
        "owner": framework.owner,
        "periods": [
            {
                "label": period.label,
                "start_date": period.start_date.isoformat(),
                "end_date": period.end_date.isoformat(),
                "due_date": period.due_date.isoformat(),
                "state": period.state,
            }
            for period in framework.periods.order_by("start_date")
        ],
        "themes": list(themes.values()),
    }


def export_periods(*, framework: Framework, period: str = "") -> tuple[str, str]:
    """The round to export as current (the latest with updates, unless named) and the one before."""
    periods = list(
        framework.periods.filter(updates__isnull=False).distinct().order_by("-start_date")
    )
    labels = [p.label for p in periods]
    if period:
        matches = [p for p in labels if p.casefold() == period.casefold()]
        if not matches:
            raise ValueError(f"{framework.name} has no round “{period}” with updates.")
        index = labels.index(matches[0])
    else:
        if not labels:
            return "", ""
        index = 0
    previous = labels[index + 1] if index + 1 < len(labels) else ""
    return labels[index], previous


def group_progress(*, framework: Framework, period: ReportingPeriod) -> dict[int, int | None]:
    """Each theme's (recommendation group's) progress in a round: the mean of its milestones'
    % complete, truncated to a whole percent; None where no milestone gives one."""
    values: dict[int, list[int]] = {}
    rows = ProgressUpdate.objects.filter(
        period=period, milestone__framework=framework, percent_complete__isnull=False
    ).values_list("milestone__theme_id", "percent_complete")
    for theme_id, percent in rows:
        values.setdefault(theme_id, []).append(percent)
    return {theme.pk: progress_mean(values.get(theme.pk, [])) for theme in framework.themes.all()}


# Audit trail ---------------------------------------------------------------------------------
@dataclass
class HistoryEvent:
    when: dt.datetime
    who: str
    what: str
    details: list[str] = field(default_factory=list)
    reason: str = ""


FIELD_WORDS = {
    "title": "Title",
    "deadline_text": "Deadline",
    "revised_deadline_text": "Revised deadline",
    "existing_activity": "Existing activity",
    "theme": "Theme",
    "code": "Code",
    "risk": "Risk",
    "monitoring_groups": "Monitoring groups",
    "narrative": "Update",
    "rag": "RAG status",
    "new_deadline_text": "New deadline",
    "percent_complete": "% complete",
    "review_comment": "Reviewer's comment",
}
STATE_WORDS = {
    UpdateState.NOT_STARTED: "Return opened",
    UpdateState.DRAFT: "Draft saved",
    UpdateState.SUBMITTED: "Submitted for review",
    UpdateState.RETURNED: "Returned to the officer",
    UpdateState.APPROVED: "Approved",
}


def _who(record) -> str:
    return person_name(record.history_user, "System or import")


def _show(value) -> str:
    if value in (None, "", []):
        return "(blank)"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    text = str(value)
    if text in RAG.values:
        return RAG(text).label
    return text if len(text) <= 160 else text[:157] + "…"


def _changes(record, previous, fields: dict[str, str]) -> list[str]:
    if previous is None:
        return []
    delta = record.diff_against(previous, included_fields=list(fields))
    return [
        f"{fields[change.field]}: {_show(change.old)} → {_show(change.new)}"
        for change in delta.changes
    ]


def milestone_timeline(*, pk: int, user) -> tuple[Milestone, list[HistoryEvent]]:
    """Every edit of a milestone, its leads and its updates across rounds, newest first
    (four queries)."""
    milestone = get_object_or_404(Milestone.objects.select_related("framework"), pk=pk)
    if not allowed(user, "frameworks.read_milestone", milestone):
        raise Http404("No such milestone.")
    events: list[HistoryEvent] = []
    previous = None
    milestone_fields = {
        k: v for k, v in FIELD_WORDS.items() if k in {f.name for f in Milestone._meta.fields}
    }
    for record in milestone.history.select_related("history_user").order_by("history_date"):
        if record.history_type == "+":
            what = "Milestone created"
        elif record.history_type == "-":
            what = "Milestone deleted"
        else:
            what = "Milestone edited"
        details = _changes(record, previous, milestone_fields)
        if record.history_type == "~" and not details:
            previous = record
            continue
        events.append(HistoryEvent(record.history_date, _who(record), what, details,
                                   record.history_change_reason or ""))  # fmt: skip
        previous = record
    for record in MilestonePost.history.filter(milestone_id=pk).select_related(
        "history_user", "post"
    ):
        verb = {"+": "Lead added", "-": "Lead removed", "~": "Lead changed"}[record.history_type]
        post = record.post.title if record.post else "a post since deleted"
        events.append(HistoryEvent(record.history_date, _who(record), f"{verb}: {post}",
                                   [], record.history_change_reason or ""))  # fmt: skip
    update_fields = {
        k: v for k, v in FIELD_WORDS.items() if k in {f.name for f in ProgressUpdate._meta.fields}
    }
    see_drafts = allowed(user, "frameworks.see_work_in_progress", milestone)
    last: dict[int, object] = {}
    for record in (
        ProgressUpdate.history.filter(milestone_id=pk)
        .select_related("history_user", "period")
        .order_by("history_date")
    ):
        before = last.get(record.id)
        last[record.id] = record
        if not see_drafts and record.state != UpdateState.APPROVED:
            continue
        label = record.period.label if record.period else "a deleted round"
        if before is not None and before.state == record.state:
            what = f"{label}: return edited"
        else:
            what = f"{label}: {STATE_WORDS.get(record.state, record.state)}"
        details = _changes(record, before, update_fields)
        if before is None and record.state == UpdateState.APPROVED:
            details = [f"RAG status: {_show(record.rag or record.rag_text)}"]
            if record.new_deadline_text:
                details.append(f"New deadline: {record.new_deadline_text}")
        events.append(HistoryEvent(record.history_date, _who(record), what, details,
                                   record.history_change_reason or ""))  # fmt: skip
    events.sort(key=lambda event: event.when, reverse=True)
    return milestone, events


# Finding milestones ---------------------------------------------------------------------------
import typing  # noqa: E402 - this section is appended; the names are for annotations only


def milestone_search(*, framework: Framework, user, params) -> tuple[MilestoneFilter, Page]:
    """One page (25 rows) of a framework's milestones, filtered and sorted by `params` (the query
    string), with the filter set for the form and its errors. The caller has checked that the user
    may read the framework; officers who may not read all of it see their posts' milestones.

    Queries: the theme and lead choices, the count and the page with its leads, whatever the
    number of milestones. Each row has `latest_rag`, `latest_period`, `last_update_at`,
    `effective_deadline` and `is_overdue`."""
    from django.core.paginator import Paginator
    from django.db.models import Case, F, When
    from django.db.models.functions import Coalesce

    from frameworks.filters import MilestoneFilter

    milestones = milestones_with_status(framework=framework)
    if not allowed(user, "frameworks.read_all_milestones", framework):
        milestones = milestones.filter(
            Exists(MilestonePost.objects.filter(milestone=OuterRef("pk"), post__holders=user))
        )
    approved = _approved_updates(framework)
    has_revised = ~Q(revised_deadline_text="") | Q(revised_deadline_date__isnull=False)
    milestones = milestones.annotate(
        previous_rag=Subquery(approved.order_by("-period__start_date").values("rag")[1:2]),
        last_update_at=Subquery(
            approved.annotate(at=Coalesce("reviewed_at", "submitted_at"))
            .filter(at__isnull=False)
            .order_by("-at")
            .values("at")[:1]
        ),
        effective_deadline=Case(
            When(has_revised, then=F("revised_deadline_date")), default=F("deadline_date")
        ),
    )
    filterset = MilestoneFilter(params, queryset=milestones, framework=framework, user=user)
    page = Paginator(filterset.qs, 25).get_page(params.get("page"))
    page.object_list = list(page.object_list)
    today = timezone.localdate()
    for milestone in page.object_list:
        milestone.is_overdue = milestone_is_overdue(milestone, today)
    return filterset, page


if typing.TYPE_CHECKING:  # names for milestone_search's annotation only
    from django.core.paginator import Page

    from frameworks.filters import MilestoneFilter
