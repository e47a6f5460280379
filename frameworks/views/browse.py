"""Reading frameworks and milestones."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from frameworks import selectors
from frameworks.models import RAG


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "frameworks/framework_list.html", {"frameworks": selectors.framework_list()}
    )


@login_required
def framework_detail(request: HttpRequest, slug: str) -> HttpResponse:
    overview = selectors.framework_overview(slug=slug)
    return render(
        request,
        "frameworks/framework_detail.html",
        {
            "overview": overview,
            "framework": overview.framework,
            "rag_order": [*RAG.values, ""],
        },
    )


@login_required
def milestone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    history = selectors.milestone_history(pk=pk, user=request.user)
    return render(
        request,
        "frameworks/milestone_detail.html",
        {"history": history, "milestone": history.milestone},
    )
