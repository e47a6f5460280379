"""Posts: the list the policy team and admins keep, and merging a post spelled two ways."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from frameworks import selectors
from frameworks.forms import PostMergeForm
from frameworks.services import posts as post_services
from frameworks.views._helpers import TrackerRequest, add_service_errors, posts_required


@posts_required
@require_safe
def post_list(request: TrackerRequest) -> HttpResponse:
    posts = list(selectors.post_list())
    return render(
        request,
        "frameworks/post_list.html",
        {"posts": posts, "lookalikes": selectors.lookalike_posts(posts)},
    )


@posts_required
@require_http_methods(["GET", "POST"])
def post_merge(request: TrackerRequest) -> HttpResponse:
    """Choose two posts (GET), see what will move, then merge (POST, with the versions seen)."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = PostMergeForm(data)
    chosen = form.is_valid()
    if chosen and request.method == "POST":
        survivor, duplicate = form.cleaned_data["survivor"], form.cleaned_data["duplicate"]
        try:
            kept = post_services.post_merge(
                survivor=survivor,
                duplicate=duplicate,
                user=request.user,
                survivor_version=form.cleaned_data["survivor_version"],
                duplicate_version=form.cleaned_data["duplicate_version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            chosen = False
        else:
            messages.success(request, f"“{duplicate.title}” is merged into “{kept.title}”.")
            return redirect("frameworks:post-list")
    survivor = duplicate = None
    if chosen:  # as the page shows them: with their holders and milestone counts
        ids = [form.cleaned_data["survivor"].pk, form.cleaned_data["duplicate"].pk]
        found = selectors.post_list().in_bulk(ids)
        survivor, duplicate = found.get(ids[0]), found.get(ids[1])
    return render(
        request,
        "frameworks/post_merge.html",
        {
            "form": form,
            "survivor": survivor,
            "duplicate": duplicate,
        },
    )
