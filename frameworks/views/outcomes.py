"""A framework's progress by outcome: what its commitments are for, and how far they have got."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from frameworks import selectors
from frameworks.models import Framework
from frameworks.rules import allowed
from frameworks.views._helpers import TrackerRequest


@require_safe
def outcome_list(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    if not allowed(request.user, "frameworks.read_framework", framework):
        raise Http404("No such framework.")
    return render(
        request,
        "frameworks/outcome_list.html",
        {
            "framework": framework,
            "themes": selectors.outcome_progress(framework=framework, user=request.user),
        },
    )
