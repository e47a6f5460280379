"""Board reports for democratic services and the policy team: create, edit, preview, download
(PDF and xlsx), publish, and the list of published versions per board."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_safe

from frameworks.forms import ReportCreateForm, ReportTextForm
from frameworks.models import Board, BoardReport, PublishedReport, ReportBuild
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_html, render_xlsx
from frameworks.services import reports as report_services
from frameworks.views._helpers import add_service_errors, reports_required

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _name(report: BoardReport, ext: str, version: int | None = None) -> str:
    day = timezone.localtime(report.meeting.starts_at).date().isoformat()
    suffix = f"-v{version}" if version else ""
    return f"{slugify(report.framework.name)}-{slugify(report.period.label)}-{day}{suffix}.{ext}"


@reports_required
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    boards = Board.objects.prefetch_related(
        "meetings__reports__published", "meetings__reports__period"
    )
    drafts = BoardReport.objects.select_related("meeting__board", "period", "framework").filter(
        published__isnull=True
    )
    return render(request, "frameworks/boardreport_list.html", {"boards": boards, "drafts": drafts})


@reports_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    form = ReportCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = dt.datetime.combine(
            data["meeting_date"], data["meeting_time"] or dt.time(18, 30),
            tzinfo=timezone.get_current_timezone(),
        )  # fmt: skip
        try:
            meeting = report_services.meeting_get_or_create(
                board_name=data["board"], starts_at=starts_at, venue=data["venue"]
            )
            report = report_services.board_report_create(
                framework=data["framework"],
                period=data["period_obj"],
                meeting=meeting,
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Report created. Check its text, then preview it.")
            return redirect(report)
    return render(request, "frameworks/boardreport_form.html", {"form": form, "creating": True})


def _report(pk: int) -> BoardReport:
    return get_object_or_404(
        BoardReport.objects.select_related("framework", "period", "meeting__board"), pk=pk
    )


@reports_required
@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    published = report.published.select_related("published_by").defer("pdf", "snapshot")
    builds = report.builds.defer("pdf")[:3]
    return render(
        request,
        "frameworks/boardreport_detail.html",
        {
            "report": report,
            "published": published,
            "builds": builds,
            "background": report_services.needs_background_build(report),
        },
    )


@reports_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    form = ReportTextForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        report_services.board_report_update(report=report, **form.cleaned_data)
        messages.success(request, "Report text saved.")
        return redirect(report)
    return render(request, "frameworks/boardreport_form.html", {"form": form, "report": report})


@reports_required
@require_safe
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    return HttpResponse(
        render_html(build_snapshot(report=report), preview_of=report.get_absolute_url())
    )


@reports_required
@require_safe
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF from today's data; large reports are built in the background."""
    report = _report(pk)
    if report_services.needs_background_build(report):
        build = report_services.report_build_start(report=report, user=request.user)
        return redirect("frameworks:report-build", pk=report.pk, build=build.pk)
    rendered = report_services.board_report_pdf(report=report)
    return _file(rendered.content, PDF, _name(report, "pdf"))


@reports_required
@require_safe
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    return _file(render_xlsx(build_snapshot(report=report)), XLSX, _name(report, "xlsx"))


@reports_required
@require_safe
def report_build(request: HttpRequest, pk: int, build: int) -> HttpResponse:
    """Progress of a background build; htmx polls the status block, which offers the file."""
    report = _report(pk)
    job = get_object_or_404(report.builds.defer("pdf"), pk=build)
    template = "frameworks/reportbuild_detail.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"report": report, "build": job})


@reports_required
@require_safe
def report_build_pdf(request: HttpRequest, pk: int, build: int) -> HttpResponse:
    report = _report(pk)
    job = get_object_or_404(report.builds, pk=build, state=ReportBuild.State.DONE)
    return _file(bytes(job.pdf), PDF, _name(report, "pdf"))


@reports_required
@require_http_methods(["GET", "POST"])
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    if request.method == "POST":
        published = report_services.board_report_publish(report=report, user=request.user)
        messages.success(
            request,
            f"Published version {published.version} for the meeting: {published.pages} pages.",
        )
        return redirect(report)
    return render(request, "frameworks/boardreport_publish.html", {"report": report})


@reports_required
@require_safe
def published_pdf(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """A reprint of a published version: the frozen bytes, whatever changed since."""
    published = get_object_or_404(
        PublishedReport.objects.select_related(
            "report__framework", "report__period", "report__meeting"
        ),
        report_id=pk,
        version=version,
    )
    try:
        content = report_services.published_report_reprint(published=published)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(published.report)
    return _file(content, PDF, _name(published.report, "pdf", version))
