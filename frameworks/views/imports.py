"""Importing legacy spreadsheets: upload, preview (a dry run), confirm; blank templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frameworks.forms import ImportForm
from frameworks.importers import templates as blank_templates
from frameworks.importers.readers import ImportFileError, Limits
from frameworks.models import ImportBatch
from frameworks.services.imports import legacy_import
from frameworks.views._helpers import importer_required

LIMITS = Limits()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@importer_required
@require_safe
def import_list(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.select_related("uploaded_by", "framework").defer("content")[:50]
    return render(request, "frameworks/importbatch_list.html", {"batches": batches})


@importer_required
@require_http_methods(["GET", "POST"])
def import_create(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > LIMITS.max_bytes:
            form.add_error(
                "file",
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{LIMITS.max_bytes // 1024 // 1024} MB. Split it or remove old rounds.",
            )
        else:
            data = upload.read()
            options = {
                "file_name": upload.name,
                "framework_name": form.cleaned_data["framework"],
                "layout": form.cleaned_data["layout"],
                "period_label": form.cleaned_data["period"],
                "previous_period_label": form.cleaned_data["previous_period"],
                "sheet": form.cleaned_data["sheet"] or None,
            }
            try:
                report = legacy_import(data=data, dry_run=True, limits=LIMITS, **options)
            except ImportFileError as exc:
                form.add_error("file", exc.message)
            else:
                batch = ImportBatch.objects.create(
                    file_name=upload.name[:255],
                    sha256=report.sha256,
                    size=len(data),
                    content=data if report.ok else b"",
                    framework_name=report.framework or options["framework_name"],
                    layout=report.layout,
                    requested_layout=options["layout"],
                    sheet_name=options["sheet"] or "",
                    period_label=options["period_label"],
                    previous_period_label=options["previous_period_label"],
                    state=ImportBatch.State.PREVIEWED if report.ok else ImportBatch.State.REFUSED,
                    report=report.as_dict(),
                    uploaded_by=request.user,
                )
                return redirect(batch)
    return render(request, "frameworks/importbatch_form.html", {"form": form})


@importer_required
@require_safe
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("framework", "uploaded_by"), pk=pk)
    report = batch.report
    count_rows = [
        (label, report[key])
        for label, key in (
            ("Create", "created"),
            ("Change", "updated"),
            ("Already there", "unchanged"),
        )
        if key in report
    ]
    if batch.state == ImportBatch.State.APPLIED:
        count_rows = [
            (label.replace("Create", "Created").replace("Change", "Changed"), counts)
            for label, counts in count_rows
        ]
    return render(
        request,
        "frameworks/importbatch_detail.html",
        {"batch": batch, "report": report, "count_rows": count_rows},
    )


@importer_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.state != ImportBatch.State.PREVIEWED or not batch.content:
        messages.error(request, "This import has already been applied or cannot be applied.")
        return redirect(batch)
    try:
        report = legacy_import(
            data=bytes(batch.content),
            file_name=batch.file_name,
            framework_name=batch.framework_name,
            layout=batch.requested_layout,
            period_label=batch.period_label,
            previous_period_label=batch.previous_period_label,
            sheet=batch.sheet_name or None,
            user=request.user,
            batch=batch,
            limits=LIMITS,
        )
    except ImportFileError as exc:  # the stored bytes were readable at preview time
        messages.error(request, exc.message)
        return redirect(batch)
    if report.errors:
        batch.report = report.as_dict()
        batch.save(update_fields=["report"])
        messages.error(request, "Nothing was imported: the data changed since the preview.")
        return redirect(batch)
    messages.success(request, f"Imported {batch.file_name}. {report.summary}")
    batch.refresh_from_db()
    return redirect(batch.framework or batch)


@importer_required
@require_safe
def import_template(request: HttpRequest, layout: str) -> HttpResponse:
    try:
        content = blank_templates.blank_workbook(layout)
    except KeyError as exc:
        raise Http404("No such layout.") from exc
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{layout}-template.xlsx"'
    return response
