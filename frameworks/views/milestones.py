"""Finding milestones: one framework's milestones, filtered, sorted and paged."""

from __future__ import annotations

from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap, retarget

from frameworks import selectors
from frameworks.models import Framework
from frameworks.rules import allowed
from frameworks.views._helpers import TrackerRequest

# Sortable columns: the sort key each header links to.
SORTABLE_COLUMNS = ("title", "deadline", "rag", "updated")


def _sort_headers(active: str) -> dict[str, dict[str, str]]:
    """For each sortable column, the `sort` its header links to and its `aria-sort` value."""
    headers = {}
    for key in SORTABLE_COLUMNS:
        if active == key:
            headers[key] = {"next": f"-{key}", "aria": "ascending"}
        elif active == f"-{key}":
            headers[key] = {"next": key, "aria": "descending"}
        else:
            headers[key] = {"next": key, "aria": ""}
    return headers


@vary_on_headers("HX-Request", "HX-Target")
@require_safe
def milestone_list(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    if not allowed(request.user, "frameworks.read_framework", framework):
        raise Http404("No such framework.")
    filterset, page = selectors.milestone_search(
        framework=framework, user=request.user, params=request.GET
    )
    active_sort = filterset.active_sort
    context = {
        "framework": framework,
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "query": filterset.query(),
        "active_sort": active_sort,
        "sort_param": "" if active_sort == "theme" else active_sort,
        "sort_headers": _sort_headers(active_sort),
    }
    target = request.htmx.target if request.htmx else None
    if target not in ("milestone-table", "milestone-search"):
        return render(request, "frameworks/milestone_list.html", context)
    if target == "milestone-table" and not filterset.errors:
        response = render(request, "frameworks/milestone_list.html#table", context)
    else:
        # Errors belong beside the fields and in the summary above them, so swap the form too.
        # While they show, the form targets #milestone-search, so fixing them clears them.
        response = render(request, "frameworks/milestone_list.html#search", context)
        if target == "milestone-table":
            response = reswap(retarget(response, "#milestone-search"), "outerHTML")
    return push_url(response, _bookmark(request, filterset.query(), page.number))


def _bookmark(request: TrackerRequest, query: QueryDict, page_number: int) -> str:
    """The address for the browser's history: the valid, non-empty filters (a form sends every
    field, empty or not), the sort and the page."""
    if page_number > 1:
        query["page"] = str(page_number)
    return f"{request.path}?{query.urlencode()}" if query else request.path
