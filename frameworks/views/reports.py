"""Board reports for democratic services and the policy team: create, edit, preview, download
(PDF and xlsx), publish, and the list of published versions per board."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frameworks.forms import BoardForm, PublishForm, ReportCreateForm, ReportTextForm
from frameworks.models import Board, BoardReport, Meeting, PublishedReport, ReportBuild
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_html, render_xlsx
from frameworks.rules import allowed
from frameworks.services import boards
from frameworks.services import reports as report_services
from frameworks.views._helpers import (
    XLSX,
    TrackerRequest,
    add_service_errors,
    boards_required,
    download,
    reports_required,
)

PDF = "application/pdf"


def _name(report: BoardReport, ext: str, version: int | None = None) -> str:
    day = report.meeting.date.isoformat()
    suffix = f"-v{version}" if version else ""
    return f"{slugify(report.framework.name)}-{slugify(report.round.label)}-{day}{suffix}.{ext}"


@reports_required
@require_safe
def report_list(request: TrackerRequest) -> HttpResponse:
    published = PublishedReport.objects.defer("pdf", "snapshot").order_by("-version")
    boards = (
        Board.objects.filter(meetings__reports__published__isnull=False)
        .distinct()
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.filter(reports__published__isnull=False).distinct(),
            ),
            Prefetch(
                "meetings__reports",
                queryset=BoardReport.objects.filter(published__isnull=False)
                .distinct()
                .select_related("round"),
            ),
            Prefetch("meetings__reports__published", queryset=published),
        )
    )
    drafts = BoardReport.objects.select_related("meeting__board", "round", "framework").filter(
        published__isnull=True
    )
    return render(
        request,
        "frameworks/boardreport_list.html",
        {
            "boards": boards,
            "drafts": drafts,
            "can_manage_boards": allowed(request.user, "frameworks.manage_boards"),
        },
    )


@reports_required
@require_http_methods(["GET", "POST"])
def report_create(request: TrackerRequest) -> HttpResponse:
    form = ReportCreateForm(request.POST or None, initial=_create_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        round = form.chosen_round
        try:
            with transaction.atomic():
                meeting = boards.meeting_get_or_create(
                    board=data["board"],
                    date=data["meeting_date"],
                    time=data["meeting_time"],
                    venue=data["venue"],
                    user=request.user,
                )
                report = report_services.board_report_create(
                    framework=round.framework, round=round, meeting=meeting, user=request.user
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Report created. Write its text, then preview it.")
            return redirect(report)
    return render(
        request,
        "frameworks/boardreport_form.html",
        {
            "form": form,
            "creating": True,
            "can_manage_boards": allowed(request.user, "frameworks.manage_boards"),
        },
    )


def _create_initial(request: TrackerRequest) -> dict:
    """A link from a round's page can say which round the report is about."""
    round = request.GET.get("round", "")
    return {"round": int(round)} if round.isdigit() else {}


def _report(pk: int) -> BoardReport:
    return get_object_or_404(
        BoardReport.objects.select_related("framework", "round", "meeting__board"), pk=pk
    )


@reports_required
@require_safe
def report_detail(request: TrackerRequest, pk: int) -> HttpResponse:
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
            "problems": report_services.board_report_publish_problems(report),
        },
    )


def _merged_after_conflict(
    form: ReportTextForm, conflict: report_services.ReportConflict, posted: QueryDict
) -> ReportTextForm:
    """The person's edits laid over the report as it is now. A field only the other person
    changed takes their text (saving again must not revert it); a field both changed keeps
    this person's text, with theirs shown beside it, for the person to decide. `posted` is
    what the form was bound to."""
    current = conflict.current
    theirs = {change.field: change for change in conflict.changed}
    data = posted.copy()
    now = ReportTextForm(instance=current)  # the report as it is now, as the form shows it
    both = []
    for field in report_services.EDITABLE_FIELDS:
        change = theirs.get(field)
        if change is None:
            continue
        mine = form.cleaned_data.get(field)
        if mine == change.seen or (mine in ("", None, False) and change.seen in ("", None, False)):
            value = now[field].value()
            if isinstance(value, bool):
                if value:
                    data[field] = "on"
                else:
                    data.pop(field, None)
            else:
                data[field] = "" if value is None else str(value)
        elif mine != change.now:
            both.append(change)
    data["version"] = str(current.version)
    merged = ReportTextForm(data, instance=_report(current.pk))
    merged.is_valid()
    for change in both:
        merged.add_error(
            change.field,
            f"{change.by} changed this after you opened the page. Their text is shown at the "
            "top of the page; keep yours or copy theirs in, then save again.",
        )
    return merged


@reports_required
@require_http_methods(["GET", "POST"])
def report_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    form = ReportTextForm(request.POST or None, instance=report)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            report_services.board_report_update(
                report=report,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                **form.values(),
            )
        except report_services.ReportConflict as exc:
            conflict = exc
            form = _merged_after_conflict(form, exc, request.POST)
            form.add_error(
                None,
                "Someone else saved this report after you opened it, so nothing you wrote has "
                "been saved yet. What they changed is shown below; check it, then save again.",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Report text saved.")
            return redirect(report)
    return render(
        request,
        "frameworks/boardreport_form.html",
        {"form": form, "report": report, "conflict": conflict},
    )


@reports_required
@require_safe
def report_preview(request: TrackerRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    return HttpResponse(
        render_html(build_snapshot(report=report), preview_of=report.get_absolute_url())
    )


@reports_required
@require_safe
def report_pdf(request: TrackerRequest, pk: int) -> HttpResponse:
    """The PDF from today's data. A small report is laid out as it is asked for; a large one is
    built in the background, which only a POST starts: this page shows its builds."""
    report = _report(pk)
    if report_services.needs_background_build(report):
        builds = report.builds.select_related("requested_by").defer("pdf")[:5]
        return render(
            request, "frameworks/reportbuild_list.html", {"report": report, "builds": builds}
        )
    rendered = report_services.board_report_pdf(report=report)
    return download(rendered.content, PDF, _name(report, "pdf"))


@reports_required
@require_POST
def report_build_start(request: TrackerRequest, pk: int) -> HttpResponse:
    """Start a background build, or show the one already under way."""
    report = _report(pk)
    build, created = report_services.report_build_start(report=report, user=request.user)
    if not created:
        messages.info(request, "This PDF is already being built: here is its progress.")
    return redirect("frameworks:report-build", pk=report.pk, build=build.pk)


@reports_required
@require_safe
def report_xlsx(request: TrackerRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    return download(render_xlsx(build_snapshot(report=report)), XLSX, _name(report, "xlsx"))


@reports_required
@require_safe
def report_build(request: TrackerRequest, pk: int, build: int) -> HttpResponse:
    """Progress of a background build; htmx polls the status block, which offers the file."""
    report = _report(pk)
    job = get_object_or_404(report.builds.defer("pdf"), pk=build)
    template = "frameworks/reportbuild_detail.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"report": report, "build": job})


@reports_required
@require_safe
def report_build_pdf(request: TrackerRequest, pk: int, build: int) -> HttpResponse:
    report = _report(pk)
    job = get_object_or_404(report.builds, pk=build, state=ReportBuild.State.DONE)
    return download(bytes(job.pdf), PDF, _name(report, "pdf"))


@reports_required
@require_http_methods(["GET", "POST"])
def report_publish(request: TrackerRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    form = PublishForm(request.POST or None, initial={"version": report.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = report_services.board_report_publish(
                report=report,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                acknowledged=form.cleaned_data["acknowledged"],
            )
        except report_services.ReportConflict as exc:
            conflict = exc
            report = _report(pk)
            form = PublishForm(initial={"version": report.version})
            form.is_valid()
        except report_services.PublishNeedsConfirmation as exc:
            form.add_error(
                "acknowledged",
                "Confirm that you have read each warning before publishing: "
                + " ".join(w.message for w in exc.warnings),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            published = outcome.published
            if outcome.created:
                messages.success(
                    request,
                    f"Published version {published.version} for the meeting: "
                    f"{published.pages} pages.",
                )
            else:
                messages.info(
                    request,
                    f"Nothing has changed since version {published.version} was published, "
                    "so no new version was made. Version "
                    f"{published.version} is the one for the meeting.",
                )
            return redirect(report)
    warnings = report_services.board_report_publish_warnings(report)
    acknowledged = form.fields["acknowledged"]
    assert isinstance(acknowledged, forms.MultipleChoiceField)  # PublishForm's own field
    acknowledged.choices = [(w.code, w.message) for w in warnings]
    return render(
        request,
        "frameworks/boardreport_publish.html",
        {
            "report": report,
            "form": form,
            "warnings": warnings,
            "problems": report_services.board_report_publish_problems(report),
            "conflict": conflict,
        },
    )


@reports_required
@require_safe
def published_pdf(request: TrackerRequest, pk: int, version: int) -> HttpResponse:
    """A reprint of a published version: the frozen bytes, whatever changed since."""
    published = get_object_or_404(
        PublishedReport.objects.select_related(
            "report__framework", "report__round", "report__meeting"
        ),
        report_id=pk,
        version=version,
    )
    try:
        content = report_services.published_report_reprint(published=published)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(published.report)
    return download(content, PDF, _name(published.report, "pdf", version))


# Boards: a managed list the report form picks from -----------------------------------------


@boards_required
@require_safe
def board_list(request: TrackerRequest) -> HttpResponse:
    boards = Board.objects.annotate(meeting_count=Count("meetings"))
    return render(request, "frameworks/board_list.html", {"boards": boards})


@boards_required
@require_http_methods(["GET", "POST"])
def board_create(request: TrackerRequest) -> HttpResponse:
    form = BoardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            board = boards.board_create(name=form.cleaned_data["name"], user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{board.name} added to the list of boards.")
            return redirect("frameworks:board-list")
    return render(request, "frameworks/board_form.html", {"form": form})


@boards_required
@require_http_methods(["GET", "POST"])
def board_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    board = get_object_or_404(Board, pk=pk)
    form = BoardForm(request.POST or None, initial={"name": board.name, "version": board.version})
    if request.method == "POST" and form.is_valid():
        try:
            board = boards.board_rename(
                board=board,
                name=form.cleaned_data["name"],
                user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Renamed to {board.name}.")
            return redirect("frameworks:board-list")
    return render(request, "frameworks/board_form.html", {"form": form, "board": board})
