"""The policy team's rounds: list, create, open, the returns dashboard, chase a post, close."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from frameworks import exports, selectors
from frameworks.forms import ConfirmForm, RoundForm
from frameworks.models import Framework, Post, ReturnState, Round, RoundState, person_name
from frameworks.roles import is_policy_team
from frameworks.services import reminders as reminder_services
from frameworks.services import rounds as round_services
from frameworks.services.rounds import RoundConflict
from frameworks.views._helpers import (
    XLSX,
    TrackerRequest,
    add_service_errors,
    download,
    policy_team_required,
    rounds_reader_required,
)
from frameworks.views.presenters import dashboard_rows


@rounds_reader_required
@require_safe
def round_list(request: TrackerRequest) -> HttpResponse:
    return render(
        request,
        "frameworks/round_list.html",
        {
            "frameworks": selectors.rounds_by_framework(),
            "can_manage": is_policy_team(request.user),
        },
    )


@policy_team_required
@require_http_methods(["GET", "POST"])
def round_create(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    form = RoundForm(request.POST or None, instance=Round(framework=framework))
    if request.method == "POST" and form.is_valid():
        try:
            round = round_services.round_create(framework=framework, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Round {round.label} created. Open it when ready.")
            return redirect(round)
    return render(request, "frameworks/round_form.html", {"form": form, "framework": framework})


@rounds_reader_required
@vary_on_headers("HX-Request", "HX-Target")
@require_safe
def round_detail(request: TrackerRequest, pk: int) -> HttpResponse:
    round = get_object_or_404(Round.objects.select_related("framework"), pk=pk)
    dashboard = _dashboard(request, round)
    context = {
        "dashboard": dashboard,
        "rows": dashboard_rows(dashboard),
        "round": dashboard.round,
        "states": ReturnState.choices,
        "can_manage": is_policy_team(request.user),
    }
    if request.htmx and request.htmx.target == "returns-table":
        return render(request, "frameworks/round_detail.html#returns-table", context)
    context["values"] = selectors.round_indicator_values(round=round)
    if request.htmx and request.htmx.target == "returns-table":
        return render(request, "frameworks/round_detail.html#returns-table", context)
    return render(request, "frameworks/round_detail.html", context)


def _dashboard(request: TrackerRequest, round: Round) -> selectors.RoundDashboard:
    """The round's dashboard, filtered as the query string says (state, post, directorate)."""
    post = request.GET.get("post", "")
    return selectors.round_dashboard(
        round=round,
        state=request.GET.get("state", ""),
        post=int(post) if post.isdigit() else None,
        directorate=request.GET.get("directorate", ""),
    )


@rounds_reader_required
@require_safe
def round_xlsx(request: TrackerRequest, pk: int) -> HttpResponse:
    """The dashboard as a spreadsheet, filtered as the page was: returns by post, and the
    returns themselves, for chasing offline or sending on."""
    round = get_object_or_404(Round.objects.select_related("framework"), pk=pk)
    dashboard = _dashboard(request, round)
    name = f"{slugify(round.framework.name)}-{slugify(round.label)}-returns.xlsx"
    return download(exports.round_dashboard_xlsx(dashboard), XLSX, name)


def _round_transition(request: TrackerRequest, pk: int, *, action: str) -> HttpResponse:
    """Confirm opening or closing a round. The page carries the round's version: if someone
    opened, closed or changed it meanwhile, nothing is done and the page says what happened."""
    round = get_object_or_404(Round.objects.select_related("framework"), pk=pk)
    error = None
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        service = round_services.round_open if action == "open" else round_services.round_close
        try:
            if not form.is_valid():
                raise ValidationError(list(form.non_field_errors()))
            round = service(
                round=round, user=request.user, expected_version=form.cleaned_data["version"]
            )
        except RoundConflict as exc:
            round, error = exc.current, exc.message
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Round {round.label} {round_services.round_outcome(round)}")
            return redirect(round)
    outstanding = round.returns.outstanding().count()
    ready = round.state == (RoundState.DRAFT if action == "open" else RoundState.OPEN)
    return render(
        request,
        "frameworks/round_confirm.html",
        {
            "round": round,
            "action": action,
            "error": error,
            "outstanding": outstanding,
            "ready": ready,
        },
    )


@policy_team_required
@require_http_methods(["GET", "POST"])
def round_open(request: TrackerRequest, pk: int) -> HttpResponse:
    return _round_transition(request, pk, action="open")


@policy_team_required
@require_http_methods(["GET", "POST"])
def round_close(request: TrackerRequest, pk: int) -> HttpResponse:
    return _round_transition(request, pk, action="close")


@policy_team_required
@require_POST
def round_chase(request: TrackerRequest, pk: int, post: int) -> HttpResponse:
    """Send one post's holders the reminder for their outstanding returns in this round (and
    the values of the indicators the post owns), now.
    A form button on the round's page; once a day per person, so a second click sends nothing."""
    round = get_object_or_404(Round.objects.select_related("framework"), pk=pk)
    chased = get_object_or_404(Post, pk=post)
    try:
        run = reminder_services.post_chase(round=round, post=chased, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(round)
    people = ", ".join(
        sorted(person_name(e.recipient, e.recipient.username) for e in run.reminders)
    )
    if run.reminders:
        messages.success(request, f"Reminder sent to {people} ({chased.title}).")
    elif run.already_sent:
        messages.info(
            request, f"{chased.title} has already been chased today: nothing more was sent."
        )
    elif run.failed:
        messages.error(
            request, f"The reminder to {chased.title} could not be sent. Try again later."
        )
    else:
        nobody = ", ".join(sorted(run.no_email)) or "nobody holds it"
        messages.info(
            request,
            f"Nothing was sent: {chased.title} has no returns or indicator values left to "
            f"submit, or no holder with an email address ({nobody}).",
        )
    return redirect(round)
