"""Reading frameworks and milestones."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from frameworks import insight, selectors
from frameworks.models import RAG, Framework
from frameworks.rules import allowed
from frameworks.views._helpers import TrackerRequest
from frameworks.views.presenters import overview_rows


@require_safe
def framework_list(request: TrackerRequest) -> HttpResponse:
    return render(
        request,
        "frameworks/framework_list.html",
        {"frameworks": selectors.framework_list(user=request.user)},
    )


@require_safe
def framework_detail(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    if not allowed(request.user, "frameworks.read_framework", framework):
        raise Http404("No such framework.")
    overview = selectors.framework_overview(framework=framework, user=request.user)
    milestones = [m for group in overview.themes for m in group.milestones]
    rows = overview_rows(overview)
    dashboard = insight.framework_dashboard(
        framework=overview.framework,
        milestone_ids=[m.pk for m in milestones],
        rounds=overview.rounds,
        approved=overview.approved,
        milestones=[
            (m.pk, m.theme_id, m.theme.code, m.theme.name)
            for m in milestones  # already in theme order
        ],
    )
    slipped = [
        rows[m.pk]
        for m in milestones
        if m.has_revised_deadline and m.revised_deadline_text != m.deadline_text
    ]
    return render(
        request,
        "frameworks/framework_detail.html",
        {
            "overview": overview,
            "theme_rows": [
                (group, [rows[m.pk] for m in group.milestones]) for group in overview.themes
            ],
            "overdue": [rows[m.pk] for m in overview.overdue],
            "framework": overview.framework,
            "dashboard": dashboard,
            "slipped": slipped,
            "rag_order": [*RAG.values, ""],
            "measures": selectors.framework_measures(framework=framework),
        },
    )


@require_safe
def milestone_detail(request: TrackerRequest, pk: int) -> HttpResponse:
    history = selectors.milestone_history(pk=pk, user=request.user)
    if history is None:
        raise Http404("No such milestone.")
    return render(
        request,
        "frameworks/milestone_detail.html",
        {
            "history": history,
            "milestone": history.milestone,
            "why": insight.why_this_rag(milestone=history.milestone),
        },
    )


@require_safe
def milestone_history(request: TrackerRequest, pk: int) -> HttpResponse:
    """The audit trail of one milestone, newest first."""
    timeline = selectors.milestone_timeline(pk=pk, user=request.user)
    if timeline is None:
        raise Http404("No such milestone.")
    milestone, events = timeline
    return render(
        request,
        "frameworks/milestone_history.html",
        {"milestone": milestone, "events": events},
    )
