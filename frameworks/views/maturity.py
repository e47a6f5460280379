"""Maturity self-assessment pages: a framework's scale, standards and assessments; one
assessment (levels, movement, evidence and recommendations); typing or importing an assessment;
changing a judgement, settling a level written outside the scale, and making a recommendation a
milestone.

Reading follows the framework (`frameworks.read_framework`: 404 for a framework a person may not
read); writing needs `frameworks.manage_measures` (the policy team and administrators; 403).
"""

from __future__ import annotations

import base64
import datetime as dt

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frameworks.forms.maturity import (
    AssessmentForm,
    AssessmentImportForm,
    JudgementForm,
    JudgementResolveForm,
    MaturityLevelForm,
    MaturityStandardForm,
)
from frameworks.models import Framework, MaturityLevel, MaturityStandard, Recommendation
from frameworks.rules import allowed
from frameworks.selectors.maturity import assessment_detail as read_assessment
from frameworks.selectors.maturity import assessment_list as read_assessments
from frameworks.selectors.maturity import judgement_get
from frameworks.services import maturity as services
from frameworks.views._helpers import TrackerRequest, add_service_errors, require_perm

MANAGE = "frameworks.manage_measures"
measures_required = require_perm(
    MANAGE, "Only the policy team and administrators keep maturity assessments."
)
# The import's preview carries the file back to the confirm step, signed, for this long.
PREVIEW_SALT = "frameworks.maturity.import"
PREVIEW_MAX_AGE = 2 * 60 * 60


def _readable(request: TrackerRequest, slug: str) -> Framework:
    framework = get_object_or_404(Framework, slug=slug)
    if not allowed(request.user, "frameworks.read_framework", framework):
        raise Http404("No such framework.")
    return framework


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _blocks(text: str) -> list[tuple[str, object]]:
    """Stored bulleted text as the page shows it: ("p", text) and ("ul", [BulletItem…])."""
    out: list[tuple[str, object]] = []
    for block in services.bullet_text(text).blocks:
        if isinstance(block, str):
            out.append(("p", block))
        elif out and out[-1][0] == "ul":
            out[-1][1].append(block)  # type: ignore[attr-defined]
        else:
            out.append(("ul", [block]))
    return out


# Reading -----------------------------------------------------------------------------------
@require_safe
def assessment_list(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = _readable(request, slug)
    return render(
        request,
        "frameworks/assessment_list.html",
        {
            "overview": read_assessments(framework=framework),
            "framework": framework,
            "can_manage": allowed(request.user, MANAGE),
        },
    )


@require_safe
def assessment_detail(request: TrackerRequest, pk: int) -> HttpResponse:
    detail = read_assessment(pk=pk, user=request.user)
    if detail is None:
        raise Http404("No such assessment.")
    sections = []
    for entry in detail.entries:
        improvements = services.bullet_text(entry.judgement.improvements)
        sections.append(
            {
                "entry": entry,
                "evidence": _blocks(entry.judgement.evidence),
                # Paragraphs around the list; the list itself is the recommendations.
                "improvement_notes": [b for b in improvements.blocks if isinstance(b, str)]
                if improvements.items
                else [],
            }
        )
    return render(
        request,
        "frameworks/assessment_detail.html",
        {
            "detail": detail,
            "assessment": detail.assessment,
            "framework": detail.framework,
            "sections": sections,
            "can_manage": allowed(request.user, MANAGE),
        },
    )


# The scale and the standards ---------------------------------------------------------------
@measures_required
@require_http_methods(["GET", "POST"])
def maturity_level_create(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = _readable(request, slug)
    form = MaturityLevelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            level = services.maturity_level_add(
                framework=framework,
                name=data["name"],
                description=data["description"],
                rank=data["rank"],
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{level.name} is on the scale at position {level.rank}.")
            return redirect("frameworks:assessment-list", slug=framework.slug)
    scale = list(MaturityLevel.objects.filter(framework=framework).order_by("rank"))
    return render(
        request,
        "frameworks/maturitylevel_form.html",
        {"form": form, "framework": framework, "scale": scale},
    )


@measures_required
@require_http_methods(["GET", "POST"])
def maturity_standard_create(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = _readable(request, slug)
    form = MaturityStandardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            standard = services.maturity_standard_add(
                framework=framework,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{standard.name} is one of the standards.")
            return redirect("frameworks:assessment-list", slug=framework.slug)
    return render(
        request, "frameworks/maturitystandard_form.html", {"form": form, "framework": framework}
    )


@measures_required
@require_http_methods(["GET", "POST"])
def maturity_standard_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    standard = get_object_or_404(MaturityStandard.objects.select_related("framework"), pk=pk)
    initial = {"name": standard.name, "description": standard.description}
    form = MaturityStandardForm(
        request.POST or None, initial={**initial, "version": standard.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.maturity_standard_update(
                standard=standard,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['name']} is saved.")
            return redirect("frameworks:assessment-list", slug=standard.framework.slug)
    return render(
        request,
        "frameworks/maturitystandard_form.html",
        {"form": form, "framework": standard.framework, "standard": standard},
    )


# Assessments -------------------------------------------------------------------------------
@measures_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: TrackerRequest, slug: str) -> HttpResponse:
    framework = _readable(request, slug)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.assessment_create(
                framework=framework,
                title=data["title"],
                assessed_on=data["assessed_on"],
                source=data["source"],
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{assessment} is started: judge each standard.")
            return redirect(assessment.get_absolute_url())
    return render(
        request,
        "frameworks/assessment_form.html",
        {"form": form, "framework": framework, "standards": framework.maturity_standards.count()},
    )


def _preview_token(
    *, framework: Framework, data: bytes, file_name: str, options: dict, fingerprint: str
) -> str:
    return signing.dumps(
        {
            "framework": framework.pk,
            "file": base64.b64encode(data).decode("ascii"),
            "name": file_name,
            "title": options["title"],
            "assessed_on": options["assessed_on"].isoformat(),
            "source": options["source"],
            "fingerprint": fingerprint,
        },
        salt=PREVIEW_SALT,
        compress=True,
    )


def _render_preview(request, framework, *, plan, form, options, data, file_name, stale=False):
    date_problem = services.assessment_date_refusal(
        framework=framework, assessed_on=options["assessed_on"]
    )
    can_import = not plan.errors and not date_problem
    return render(
        request,
        "frameworks/assessment_import_preview.html",
        {
            "framework": framework,
            "plan": plan,
            "form": form,
            "options": options,
            "date_problem": date_problem,
            "stale": stale,
            "token": _preview_token(
                framework=framework,
                data=data,
                file_name=file_name,
                options=options,
                fingerprint=plan.fingerprint,
            )
            if can_import
            else "",
        },
    )


@measures_required
@require_http_methods(["GET", "POST"])
def assessment_import(request: TrackerRequest, slug: str) -> HttpResponse:
    """Upload → preview (what will be created, problems with their rows, levels not on the
    scale) → confirm. The preview's confirm button posts the file back, signed, with the
    fingerprint of the plan it showed; a changed plan is shown again, not imported."""
    framework = _readable(request, slug)
    if request.method == "POST" and "token" in request.POST:
        return _confirm_import(request, framework)
    form = AssessmentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        plan = services.maturity_import_plan(framework=framework, data=data, file_name=upload.name)
        options = {k: form.cleaned_data[k] for k in ("title", "assessed_on", "source")}
        return _render_preview(
            request,
            framework,
            plan=plan,
            form=form,
            options=options,
            data=data,
            file_name=upload.name,
        )
    return render(
        request, "frameworks/assessment_import.html", {"form": form, "framework": framework}
    )


def _confirm_import(request: TrackerRequest, framework: Framework) -> HttpResponse:
    try:
        payload = signing.loads(request.POST["token"], salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        messages.error(request, "The preview was more than two hours old: upload the file again.")
        return redirect("frameworks:assessment-import", slug=framework.slug)
    except signing.BadSignature:
        messages.error(request, "The preview could not be read back: upload the file again.")
        return redirect("frameworks:assessment-import", slug=framework.slug)
    if payload.get("framework") != framework.pk:
        messages.error(request, "That preview was for another framework: upload the file here.")
        return redirect("frameworks:assessment-import", slug=framework.slug)
    data = base64.b64decode(payload["file"])
    options = {
        "title": payload["title"],
        "assessed_on": dt.date.fromisoformat(payload["assessed_on"]),
        "source": payload["source"],
    }
    form = AssessmentImportForm(initial=options)
    try:
        assessment = services.maturity_import_apply(
            framework=framework,
            data=data,
            file_name=payload["name"],
            user=request.user,
            fingerprint=payload["fingerprint"],
            **options,
        )
    except services.ImportChanged as changed:
        return _render_preview(
            request,
            framework,
            plan=changed.plan,
            form=form,
            options=options,
            data=data,
            file_name=payload["name"],
            stale=True,
        )
    except ValidationError:
        plan = services.maturity_import_plan(
            framework=framework, data=data, file_name=payload["name"]
        )
        return _render_preview(
            request,
            framework,
            plan=plan,
            form=form,
            options=options,
            data=data,
            file_name=payload["name"],
        )
    outside = assessment.judgements.filter(level__isnull=True).exclude(level_text="").count()
    if outside == 1:
        note = " 1 level is not on the scale: add it to the scale or map it below."
    elif outside:
        note = f" {outside} levels are not on the scale: add them to the scale or map them below."
    else:
        note = ""
    messages.success(request, f"{assessment} is imported.{note}")
    return redirect(assessment.get_absolute_url())


# Judgements and recommendations --------------------------------------------------------------
def _judgement(pk: int):
    judgement = judgement_get(pk=pk)
    if judgement is None:
        raise Http404("No such judgement.")
    return judgement


def _scale(judgement) -> list[MaturityLevel]:
    return list(
        MaturityLevel.objects.filter(framework_id=judgement.assessment.framework_id).order_by(
            "rank"
        )
    )


def _back(judgement) -> str:
    return f"{judgement.assessment.get_absolute_url()}#standard-{judgement.standard_id}"


@measures_required
@require_http_methods(["GET", "POST"])
def judgement_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    judgement = _judgement(pk)
    scale = _scale(judgement)
    if judgement.outside_scale:
        level = "written"
    elif judgement.level_id:
        level = str(judgement.level_id)
    else:
        level = "none"
    initial = {
        "level": level,
        "evidence": judgement.evidence,
        "improvements": judgement.improvements,
        "version": judgement.version,
    }
    form = JudgementForm(request.POST or None, initial=initial, judgement=judgement, scale=scale)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.judgement_update(
                judgement=judgement,
                user=request.user,
                expected_version=data["version"],
                level=form.chosen_level(),
                evidence=data["evidence"],
                improvements=data["improvements"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The judgement of {judgement.standard.name} is saved.")
            return redirect(_back(judgement))
    return render(
        request,
        "frameworks/judgement_form.html",
        {"form": form, "judgement": judgement, "assessment": judgement.assessment},
    )


@measures_required
@require_http_methods(["GET", "POST"])
def judgement_resolve(request: TrackerRequest, pk: int) -> HttpResponse:
    judgement = _judgement(pk)
    if not judgement.outside_scale:
        messages.info(
            request, f"The level of {judgement.standard.name} is on the scale: nothing to resolve."
        )
        return redirect(_back(judgement))
    scale = _scale(judgement)
    form = JudgementResolveForm(
        request.POST or None,
        initial={"version": judgement.version},
        judgement=judgement,
        scale=scale,
    )
    if request.method == "POST" and form.is_valid():
        try:
            resolved = services.judgement_level_resolve(
                judgement=judgement,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                **form.resolution(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            written = judgement.level_text
            assert resolved.level is not None
            if resolved.level.name == written:
                done = f"“{written}” is on the scale at position {resolved.level.rank}"
            else:
                done = f"“{written}” is mapped to {resolved.level.name}"
            messages.success(request, f"{done} for {judgement.standard.name}.")
            return redirect(_back(judgement))
    return render(
        request,
        "frameworks/judgement_resolve.html",
        {
            "form": form,
            "judgement": judgement,
            "assessment": judgement.assessment,
            "scale": scale,
        },
    )


@measures_required
@require_POST
def recommendation_adopt(request: TrackerRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("judgement__assessment"), pk=pk
    )
    back = _back(recommendation.judgement)
    try:
        milestone = services.recommendation_adopt(
            recommendation=recommendation, user=request.user, expected_version=_version(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"“{milestone.title}” is a milestone in {milestone.theme.name}. Open it to add its "
            "lead and deadline.",
        )
    return redirect(back)
