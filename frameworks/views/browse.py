"""Reading frameworks and milestones."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from frameworks import insight, selectors
from frameworks.models import RAG


@require_safe
def framework_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frameworks/framework_list.html",
        {"frameworks": selectors.framework_list(user=request.user)},
    )


@require_safe
def framework_detail(request: HttpRequest, slug: str) -> HttpResponse:
    overview = selectors.framework_overview(slug=slug, user=request.user)
    milestones = [m for group in overview.themes for m in group.milestones]
    dashboard = insight.framework_dashboard(
        framework=overview.framework,
        milestone_ids=[m.pk for m in milestones],
        periods=overview.periods,
        approved=overview.approved,
        milestones=[
            (m.pk, m.theme_id, m.theme.code, m.theme.name)
            for m in milestones  # already in theme order
        ],
    )
    slipped = [
        m
        for m in milestones
        if m.has_revised_deadline and m.revised_deadline_text != m.deadline_text
    ]
    return render(
        request,
        "frameworks/framework_detail.html",
        {
            "overview": overview,
            "framework": overview.framework,
            "dashboard": dashboard,
            "slipped": slipped,
            "rag_order": [*RAG.values, ""],
        },
    )


@require_safe
def milestone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    history = selectors.milestone_history(pk=pk, user=request.user)
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
def milestone_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit trail of one milestone, newest first."""
    milestone, events = selectors.milestone_timeline(pk=pk, user=request.user)
    return render(
        request,
        "frameworks/milestone_history.html",
        {"milestone": milestone, "events": events},
    )
