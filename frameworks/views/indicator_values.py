"""Indicator values in the quarterly return: the owner gives the figure (beside last round's
value and the target) and the policy team approves or returns it, as for milestones."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from frameworks import selectors
from frameworks.forms import IndicatorValueForm, ReviewForm
from frameworks.models import ReturnState
from frameworks.rules import allowed, indicator_review_refusal
from frameworks.selectors.indicator_values import ValuePage
from frameworks.services.indicator_values import (
    IndicatorValueConflict,
    indicator_value_approve,
    indicator_value_save_draft,
    indicator_value_send_back,
    indicator_value_submit,
)
from frameworks.views._helpers import (
    TrackerRequest,
    add_service_errors,
    decide_again,
    policy_team_required,
)


def _page_for(request: TrackerRequest, pk: int) -> ValuePage:
    page = selectors.indicator_value_get_for_user(pk=pk, user=request.user)
    if page is None:
        raise Http404("No such indicator value.")
    return page


def _context(request: TrackerRequest, page: ValuePage, form, **extra) -> dict:
    value = page.value
    return {
        "page": page,
        "value": value,
        "indicator": value.indicator,
        "form": form,
        "editable": allowed(request.user, "frameworks.edit_indicator_value", value),
        "can_review": value.state == ReturnState.SUBMITTED
        and allowed(request.user, "frameworks.review_indicator_value", value),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def indicatorvalue_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    page = _page_for(request, pk)
    value = page.value
    shown = {"unit": value.indicator.unit, "round_label": value.round.label}
    conflict = None
    if request.method == "POST":
        if not allowed(request.user, "frameworks.edit_indicator_value", value):
            raise PermissionDenied("You cannot change this value.")
        form = IndicatorValueForm(request.POST, **shown)
        if form.is_valid():
            submitting = request.POST.get("action") == "submit"
            service = indicator_value_submit if submitting else indicator_value_save_draft
            try:
                service(
                    value=value,
                    user=request.user,
                    data=form.to_input(),
                    expected_version=form.cleaned_data["version"],
                )
            except IndicatorValueConflict as exc:
                conflict = exc.current
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = IndicatorValueForm(data, **shown)
                form.is_valid()
                form.add_error(
                    None,
                    "Someone else saved this value after you opened it. Their figure is shown "
                    "above yours: check it, then save again to replace it.",
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if submitting:
                    messages.success(request, f"Value submitted for review: {value.indicator}")
                    return redirect("frameworks:return-list")
                messages.success(request, "Draft saved. It has not been submitted yet.")
                return redirect("frameworks:indicatorvalue-edit", pk=value.pk)
    else:
        form = IndicatorValueForm(initial=IndicatorValueForm.initial_for(value), **shown)
    return render(
        request,
        "frameworks/indicatorvalue_form.html",
        _context(request, page, form, conflict=conflict),
    )


@policy_team_required
@require_http_methods(["GET", "POST"])
def indicatorvalue_review(request: TrackerRequest, pk: int) -> HttpResponse:
    """Approve or return a submitted value: only as read (its version), and only by a member of
    the policy team who neither submitted it nor holds the indicator's owner post."""
    page = _page_for(request, pk)
    value = page.value
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            approving = form.cleaned_data["decision"] == ReviewForm.APPROVE
            service = indicator_value_approve if approving else indicator_value_send_back
            try:
                service(
                    value=value,
                    user=request.user,
                    comment=form.cleaned_data["comment"],
                    expected_version=form.cleaned_data["version"],
                )
            except IndicatorValueConflict as exc:
                page = _page_for(request, pk)
                value = page.value
                form = decide_again(
                    request,
                    exc.current,
                    "This value changed after you opened it. Nothing has been approved or "
                    "returned: read the current value below, then decide again.",
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Approved: {value.indicator}"
                    if approving
                    else f"Returned to the officer: {value.indicator}",
                )
                after = selectors.next_submitted_value(value=value)
                if after is not None:
                    return redirect("frameworks:indicatorvalue-review", pk=after)
                return redirect("frameworks:round-detail", pk=value.round_id)
    else:
        form = ReviewForm(initial={"version": value.version})
    submitted = value.state == ReturnState.SUBMITTED
    refusal = indicator_review_refusal(request.user, value) if submitted else ""
    return render(
        request,
        "frameworks/indicatorvalue_detail.html",
        _context(request, page, form, can_review=submitted and not refusal, refusal=refusal),
    )
