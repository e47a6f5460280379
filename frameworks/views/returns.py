"""Officers' returns: the task list, the update page with autosave, and the review page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frameworks import selectors
from frameworks.forms import ReturnForm, ReviewForm
from frameworks.models import ReturnState
from frameworks.roles import DEMOCRATIC_SERVICES, POLICY_TEAM, can_edit_return
from frameworks.rules import allowed, review_refusal
from frameworks.services.reminders import reminders_for
from frameworks.services.returns import (
    ReturnConflict,
    describe_change,
    return_approve,
    return_save_draft,
    return_send_back,
    return_submit,
)
from frameworks.views._helpers import (
    TrackerRequest,
    add_service_errors,
    decide_again,
    policy_team_required,
)

AUTOSAVE_STATES = (ReturnState.NOT_STARTED, ReturnState.DRAFT, ReturnState.RETURNED)


def _return_for(request: TrackerRequest, pk: int):
    """The return this person may see, or 404 (also when it is another post's return)."""
    return_ = selectors.return_get_for_user(pk=pk, user=request.user)
    if return_ is None:
        raise Http404("No such return.")
    return return_


@require_safe
def home(request: TrackerRequest) -> HttpResponse:
    """Each role lands on its own work: the policy team on the rounds, democratic services on
    the reports, an admin who is neither on the imports, everyone else on their returns."""
    user = request.user
    # By the teams a person is in, not by permissions: a superuser may do everything, but lands
    # on the admin's work.
    teams = set(user.groups.values_list("name", flat=True))
    if POLICY_TEAM in teams:
        return redirect("frameworks:round-list")
    if DEMOCRATIC_SERVICES in teams:
        return redirect("frameworks:report-list")
    if user.is_staff and not user.posts.exists():
        return redirect("frameworks:import-list")
    return redirect("frameworks:return-list")


@require_safe
def return_list(request: TrackerRequest) -> HttpResponse:
    groups = selectors.officer_returns(user=request.user)
    return render(
        request,
        "frameworks/return_list.html",
        {"groups": groups, "reminders": reminders_for(user=request.user)},
    )


def _return_context(request, return_, form, conflict=None) -> dict:
    editable = can_edit_return(request.user, return_)
    return {
        "return": return_,
        "milestone": return_.milestone,
        "previous": return_.previous,
        "form": form,
        "editable": editable,
        "autosave": editable and return_.state in AUTOSAVE_STATES,
        "autosave_seconds": settings.TRACKER_AUTOSAVE_SECONDS,
        "conflict": conflict,
        "is_overdue": return_.is_flagged_overdue(timezone.localdate()),
        "can_review": return_.state == ReturnState.SUBMITTED
        and allowed(request.user, "frameworks.review_return", return_),
    }


@require_http_methods(["GET", "POST"])
def return_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    return_ = _return_for(request, pk)
    conflict = None
    if request.method == "POST":
        if not can_edit_return(request.user, return_):
            raise PermissionDenied("You cannot change this return.")
        form = ReturnForm(request.POST)
        if form.is_valid():
            submitting = request.POST.get("action") == "submit"
            service = return_submit if submitting else return_save_draft
            try:
                service(
                    return_=return_,
                    user=request.user,
                    data=form.to_input(),
                    expected_version=form.cleaned_data["version"],
                )
            except ReturnConflict as exc:
                conflict = exc.current
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = ReturnForm(data)
                form.is_valid()
                form.add_error(
                    None,
                    "Someone else saved this return after you opened it. Their text is shown "
                    "above yours: copy anything you need, then save again to replace it.",
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if submitting:
                    messages.success(
                        request, f"Return submitted for review: {return_.milestone.title[:80]}"
                    )
                    return redirect("frameworks:return-list")
                messages.success(request, "Draft saved. It has not been submitted yet.")
                return redirect("frameworks:return-edit", pk=return_.pk)
    else:
        form = ReturnForm(initial=ReturnForm.initial_for(return_))
    return render(
        request, "frameworks/return_form.html", _return_context(request, return_, form, conflict)
    )


@require_POST
def return_autosave(request: TrackerRequest, pk: int) -> HttpResponse:
    """htmx autosave of a draft. Without JavaScript the page's own Save button does this."""
    return_ = _return_for(request, pk)
    if not can_edit_return(request.user, return_):
        raise PermissionDenied("You cannot change this return.")
    if not request.htmx:
        return redirect("frameworks:return-edit", pk=return_.pk)
    context = {"return": return_, "saved": False, "message": ""}
    form = ReturnForm(request.POST)
    if return_.state not in AUTOSAVE_STATES:
        context["message"] = "Not saved automatically: use the buttons below."
    elif not form.is_valid():
        context["message"] = "Not saved automatically: " + " ".join(
            str(e) for errors in form.errors.values() for e in errors
        )
    else:
        try:
            return_ = return_save_draft(
                return_=return_,
                user=request.user,
                data=form.to_input(),
                expected_version=form.cleaned_data["version"],
            )
        except ReturnConflict:
            context["message"] = (
                "Not saved: someone else changed this return. Save with the button below "
                "to see their text beside yours."
            )
        except ValidationError as exc:
            context["message"] = "Not saved automatically: " + " ".join(exc.messages)
        else:
            context.update({"return": return_, "saved": True})
    return render(request, "frameworks/return_form.html#autosave-status", context)


@policy_team_required
@require_http_methods(["GET", "POST"])
def return_review(request: TrackerRequest, pk: int) -> HttpResponse:
    """Approve or return a submitted return: only as read (its version), and only by a member of
    the policy team who neither submitted it nor holds a post for its milestone."""
    return_ = _return_for(request, pk)
    read_before = None
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            approving = form.cleaned_data["decision"] == ReviewForm.APPROVE
            service = return_approve if approving else return_send_back
            try:
                service(
                    return_=return_,
                    user=request.user,
                    comment=form.cleaned_data["comment"],
                    expected_version=form.cleaned_data["version"],
                )
            except ReturnConflict as exc:
                read_before = selectors.return_as_read(
                    return_=return_, version=form.cleaned_data["version"]
                )
                return_ = _return_for(request, pk)
                still = return_.state == ReturnState.SUBMITTED
                form = decide_again(
                    request,
                    return_,
                    f"This return changed after you opened it: {describe_change(exc.current)}. "
                    "Nothing has been approved or returned"
                    + (": read the current update below, then decide again." if still else "."),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                title = return_.milestone.title[:80]
                messages.success(
                    request,
                    f"Approved: {title}" if approving else f"Returned to the officer: {title}",
                )
                # On to the next return waiting for review, else back to the round.
                _, after, _ = selectors.submitted_neighbours(return_=return_)
                if after is not None:
                    return redirect("frameworks:return-review", pk=after)
                return redirect("frameworks:round-detail", pk=return_.round_id)
    else:
        form = ReviewForm(initial={"version": return_.version})
    submitted = return_.state == ReturnState.SUBMITTED
    refusal = review_refusal(request.user, return_) if submitted else ""
    return render(
        request,
        "frameworks/return_detail.html",
        {
            "return": return_,
            "milestone": return_.milestone,
            "previous": return_.previous,
            "form": form,
            "can_review": submitted and not refusal,
            "refusal": refusal,
            "read_before": read_before,
            "is_overdue": return_.is_flagged_overdue(timezone.localdate()),
            "neighbours": selectors.submitted_neighbours(return_=return_),
        },
    )
