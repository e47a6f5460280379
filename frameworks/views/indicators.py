"""Indicators (KPIs): a framework's indicators with their latest value, target and status; one
indicator with its trend across rounds and why it has its status; adding and changing
indicators and their targets (the policy team and administrators); importing values from a
spreadsheet with a preview, then a confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frameworks.forms.indicators import (
    IndicatorForm,
    IndicatorTargetForm,
    IndicatorValueConfirmForm,
    IndicatorValueImportForm,
)
from frameworks.models import Framework, Indicator, IndicatorTarget, Round
from frameworks.reports.charts import indicator_trend_svg
from frameworks.rules import allowed
from frameworks.selectors.indicators import (
    IndicatorRow,
    default_round,
    indicator_get_for_user,
    indicator_row,
    indicator_rows,
)
from frameworks.services import indicators as services
from frameworks.views._helpers import TrackerRequest, add_service_errors, require_perm

measures_required = require_perm(
    "frameworks.manage_measures",
    "Only the policy team and administrators keep a framework's indicators.",
)
TOKEN_SALT = "frameworks.indicatorvalue-import"
TOKEN_AGE = 2 * 60 * 60  # seconds a preview can be confirmed for


def _readable_framework(request: TrackerRequest, slug: str) -> Framework:
    framework = get_object_or_404(Framework, slug=slug)
    if not allowed(request.user, "frameworks.read_framework", framework):
        raise Http404("No such framework.")
    return framework


def _can_manage(request: TrackerRequest) -> bool:
    return allowed(request.user, "frameworks.manage_measures")


def _can_import(request: TrackerRequest) -> bool:
    return _can_manage(request) or allowed(request.user, "frameworks.import_files")


@require_safe
def indicator_list(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = _readable_framework(request, slug)
    rounds = list(Round.objects.filter(framework=framework).order_by("-start_date", "-pk"))
    asked = request.GET.get("round", "")
    chosen = next((r for r in rounds if str(r.pk) == asked), None)
    if chosen is None:
        chosen = default_round(framework=framework)
    return render(
        request,
        "frameworks/indicator_list.html",
        {
            "framework": framework,
            "rows": indicator_rows(framework=framework, round=chosen)
            if chosen
            else [  # no round has been opened yet: the indicators, with nothing reported
                IndicatorRow(indicator=indicator, points=[])
                for indicator in framework.indicators.select_related("owner").order_by("order")
            ],
            "rounds": rounds,
            "chosen": chosen,
            "can_manage": _can_manage(request),
            "can_import": _can_import(request),
        },
    )


@require_safe
def indicator_detail(request: TrackerRequest, pk: int) -> HttpResponse:
    indicator = indicator_get_for_user(pk=pk, user=request.user)
    if indicator is None:
        raise Http404("No such indicator.")
    latest_round = default_round(framework=indicator.framework)
    row = indicator_row(indicator=indicator, round=latest_round) if latest_round else None
    points = row.points if row else []
    chart = indicator_trend_svg(
        title=f"{indicator}: trend across rounds",
        unit=indicator.unit,
        direction=indicator.direction,
        points=[(p.round_label, p.value, p.target) for p in points],
    )
    targets = sorted(
        indicator.targets.all(),
        key=lambda t: (t.round is None, t.round.start_date if t.round else t.year, t.year),
    )
    return render(
        request,
        "frameworks/indicator_detail.html",
        {
            "indicator": indicator,
            "framework": indicator.framework,
            "row": row,
            "latest": row.latest if row else None,
            "last_reported": row.last_reported if row else None,
            "points": points,
            "chart": mark_safe(chart),  # every text in it is escaped (charts.py)
            "targets": targets,
            "outcomes": list(indicator.outcomes.all()),
            "can_manage": _can_manage(request),
        },
    )


@measures_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    form = IndicatorForm(request.POST or None, framework=framework)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_create(
                framework=framework, user=request.user, data=form.indicator_input()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{indicator} is added. Set its targets next.")
            return redirect(indicator)
    return render(request, "frameworks/indicator_form.html", {"form": form, "framework": framework})


def _indicator(pk: int) -> Indicator:
    return get_object_or_404(Indicator.objects.select_related("framework", "owner"), pk=pk)


@measures_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    indicator = _indicator(pk)
    form = IndicatorForm(
        request.POST or None,
        framework=indicator.framework,
        initial=IndicatorForm.initial_for(indicator),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(
                indicator=indicator,
                user=request.user,
                data=form.indicator_input(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['name']} is saved.")
            return redirect(indicator)
    return render(
        request,
        "frameworks/indicator_form.html",
        {"form": form, "framework": indicator.framework, "indicator": indicator},
    )


@measures_required
@require_http_methods(["GET", "POST"])
def indicator_targets(request: TrackerRequest, pk: int) -> HttpResponse:
    indicator = _indicator(pk)
    removing = request.method == "POST" and "remove" in request.POST
    form = IndicatorTargetForm(
        None if removing else (request.POST or None),
        indicator=indicator,
        initial={"version": indicator.version},
    )
    if removing:
        target = get_object_or_404(
            IndicatorTarget.objects.select_related("round"),
            pk=request.POST.get("remove") if request.POST["remove"].isdecimal() else 0,
            indicator=indicator,
        )
        version = request.POST.get("version", "")
        try:
            services.indicator_target_set(
                indicator=indicator,
                user=request.user,
                round=target.round,
                year=target.year,
                value=None,
                expected_version=int(version) if version.isdecimal() else -1,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            period = target.round.label if target.round else target.year
            messages.success(request, f"The target for {period} is removed.")
        return redirect("frameworks:indicator-targets", pk=indicator.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.indicator_target_set(
                indicator=indicator,
                user=request.user,
                round=data["round"],
                year=data["year"],
                value=data["value"],
                expected_version=data["version"] if data["version"] is not None else -1,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            period = data["round"].label if data["round"] else data["year"]
            if data["value"] is None:
                messages.success(request, f"The target for {period} is removed.")
            else:
                messages.success(request, f"The target for {period} is saved.")
            return redirect("frameworks:indicator-targets", pk=indicator.pk)
    targets = sorted(
        indicator.targets.select_related("round"),
        key=lambda t: (t.round is None, t.round.start_date if t.round else t.year, t.year),
    )
    return render(
        request,
        "frameworks/indicator_targets.html",
        {
            "indicator": indicator,
            "framework": indicator.framework,
            "form": form,
            "targets": targets,
        },
    )


# Importing values ----------------------------------------------------------------------------
def _import_allowed(request: TrackerRequest, slug: str) -> Framework:
    if not _can_import(request):
        raise PermissionDenied("Only the policy team and administrators import indicator values.")
    return _readable_framework(request, slug)


def _preview(
    request: TrackerRequest, plan: services.ImportPlan, *, changed: bool = False
) -> HttpResponse:
    token = signing.dumps(
        {
            "framework": plan.framework.pk,
            "user": request.user.pk,
            "file": plan.file_name,
            "rows": [row.as_list() for row in plan.value_rows],
            "fingerprint": plan.fingerprint,
        },
        salt=TOKEN_SALT,
        compress=True,
    )
    Action = services.Action
    return render(
        request,
        "frameworks/indicatorvalue_import_preview.html",
        {
            "framework": plan.framework,
            "plan": plan,
            "new": plan.of(Action.NEW),
            "changes": plan.of(Action.CHANGE),
            "replacing": plan.of(Action.REPLACE),
            "same": plan.of(Action.SAME),
            "to_import": plan.of(Action.NEW) + plan.of(Action.CHANGE),
            "form": IndicatorValueConfirmForm(initial={"token": token}),
            "changed": changed,
        },
    )


@require_http_methods(["GET", "POST"])
def indicatorvalue_import(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = _import_allowed(request, slug)
    form = IndicatorValueImportForm(request.POST or None, request.FILES or None)
    problems: list[services.ImportProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        plan = services.indicator_values_preview(
            framework=framework, data=upload.read(), file_name=upload.name or "values"
        )
        if not plan.errors:
            return _preview(request, plan)
        problems = plan.errors
        form.add_error("file", f"{upload.name} cannot be imported: nothing has been imported.")
    return render(
        request,
        "frameworks/indicatorvalue_import.html",
        {"framework": framework, "form": form, "problems": problems},
    )


@require_POST
def indicatorvalue_import_confirm(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = _import_allowed(request, slug)
    form = IndicatorValueConfirmForm(request.POST)
    payload = None
    if form.is_valid():
        try:
            payload = signing.loads(form.cleaned_data["token"], salt=TOKEN_SALT, max_age=TOKEN_AGE)
        except signing.BadSignature:
            payload = None
    if (
        not payload
        or payload.get("framework") != framework.pk
        or payload.get("user") != request.user.pk
    ):
        messages.error(
            request, "This preview has expired or is not yours: nothing was imported. Upload the "
            "file again."
        )  # fmt: skip
        return redirect("frameworks:indicatorvalue-import", slug=framework.slug)
    rows = [services.ValueRow.from_list(row) for row in payload["rows"]]
    try:
        result = services.indicator_values_import(
            framework=framework,
            user=request.user,
            file_name=payload["file"],
            rows=rows,
            fingerprint=payload["fingerprint"],
            replace_app_values=form.cleaned_data["replace"],
        )
    except services.ImportChanged as exc:
        if not exc.plan.rows:
            messages.error(
                request, "An indicator or round in the file was deleted after your preview: "
                "nothing was imported. Upload the file again."
            )  # fmt: skip
            return redirect("frameworks:indicatorvalue-import", slug=framework.slug)
        return _preview(request, exc.plan, changed=True)
    messages.success(request, f"Imported {payload['file']}: {result.summary}")
    return redirect("frameworks:indicator-list", slug=framework.slug)
