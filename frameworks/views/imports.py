"""Importing legacy spreadsheets: upload (the file is stored at once), choose the framework and
rounds, preview, confirm; progress of large files in the background worker; blank templates."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from frameworks.forms import NEW_FRAMEWORK, ImportForm
from frameworks.importers import templates as blank_templates
from frameworks.models import Framework, ImportBatch, Round
from frameworks.services import import_batches as batches
from frameworks.views._helpers import XLSX, TrackerRequest, download, importer_required

SHOWN = 500  # rows of each preview table; the page says how many more there are
CONTEXT = 12  # unchanged words shown either side of a change in a long text
FORM = "frameworks/importbatch_form.html"
DETAIL = "frameworks/importbatch_detail.html"
# Large fields a page never needs.
HEAVY = ("content", "comparison")


@importer_required
@require_safe
def import_list(request: TrackerRequest) -> HttpResponse:
    batches_ = ImportBatch.objects.select_related("uploaded_by", "framework").defer(
        *HEAVY, "report"
    )[:50]
    return render(request, "frameworks/importbatch_list.html", {"batches": batches_})


def _frameworks() -> list[tuple[int, str]]:
    return list(Framework.objects.order_by("name").values_list("pk", "name"))


def _rounds(framework: str | None) -> dict:
    """The round labels to offer: a chosen framework's, none for a new one, else everyone's."""
    if framework == NEW_FRAMEWORK:
        return {"round_scope": "new", "rounds": []}
    if framework and framework.isdecimal():
        rounds = Round.objects.filter(framework_id=int(framework)).order_by("-start_date")
        return {"round_scope": "framework", "rounds": list(rounds.values("label", "state"))}
    labels = Round.objects.order_by("-start_date").values_list("label", flat=True)
    return {"round_scope": "all", "rounds": [{"label": label} for label in dict.fromkeys(labels)]}


def _reusable(request: TrackerRequest, batch_id) -> ImportBatch | None:
    """The stored upload the form names, if this person may use it again."""
    if not str(batch_id or "").isdecimal():
        return None
    found = batches.with_stored_bytes(ImportBatch.objects.defer(*HEAVY))
    batch = found.filter(pk=int(batch_id)).first()
    if batch is None or not batches.can_reuse(batch=batch, user=request.user):
        return None
    return batch


@importer_required
@require_http_methods(["GET", "POST"])
def import_create(request: TrackerRequest) -> HttpResponse:
    frameworks = _frameworks()
    source = request.POST if request.method == "POST" else request.GET
    stored = _reusable(request, source.get("batch"))
    if request.method == "GET":
        if stored is not None and stored.framework_name:
            # Correcting an upload: the form as it was filled in, with its problems.
            data = ImportForm.data_for(stored, frameworks)
            form = ImportForm(data, frameworks=frameworks, stored=stored)
            if form.is_valid():
                form.add_import_problems(stored.report.get("errors", []))
        else:
            initial = {"framework": request.GET.get("framework", ""), "batch": stored and stored.pk}
            form = ImportForm(initial=initial, frameworks=frameworks, stored=stored)
        return _form_page(request, form)

    data = request.POST.copy()
    upload = request.FILES.get("file")
    if upload is not None and 0 < (upload.size or 0) <= batches.LIMITS.max_bytes:
        # Stored at once: whatever else is wrong, the correction will not need it again.
        stored = batches.import_batch_upload(
            user=request.user,
            file_name=upload.name or "",
            data=upload.read(),
            batch_id=stored.pk if stored else None,
        )
    data["batch"] = str(stored.pk) if stored else ""
    lost = bool(source.get("batch")) and stored is None
    form = ImportForm(data, request.FILES, frameworks=frameworks, stored=stored, stored_lost=lost)
    if not form.is_valid():
        return _form_page(request, form)
    assert stored is not None  # a valid form has a file: the one stored above, or before
    batch: ImportBatch | None
    try:
        batch = batches.import_batch_start_preview(batch_id=stored.pk, options=form.options())
    except batches.ImportBatchStateError as exc:
        form.add_error("file", exc.message)
        return _form_page(request, form)
    if batches.in_background(batch):
        return redirect(batch)  # the progress page
    batch = batches.import_batch_run_preview(batch_id=batch.pk)
    if batch is None:
        raise Http404("No such import: it was deleted.")
    if batch.report.get("file_error"):
        data["batch"] = ""  # the unreadable file is not kept: choose another
        form = ImportForm(data, request.FILES, frameworks=frameworks)
        form.is_valid()
        form.add_error("file", batch.report["file_error"]["message"])
        return _form_page(request, form)
    if batch.state == ImportBatch.State.REFUSED and batches.option_problems(batch):
        form.add_import_problems(batch.report["errors"])
        return _form_page(request, form)
    return redirect(batch)


def _form_page(request: TrackerRequest, form: ImportForm) -> HttpResponse:
    choice = form["framework"].value()
    context = {"form": form, "stored": form.stored, **_rounds(choice)}
    if context["round_scope"] == "framework":
        context["round_framework"] = form.frameworks.get(int(choice), "")
    return render(request, FORM, context)


@importer_required
@require_safe
def import_rounds(request: TrackerRequest) -> HttpResponse:
    """The chosen framework's rounds, for the round fields' suggestions (htmx). Without
    JavaScript the form suggests every framework's rounds; this link opens the form with
    this framework chosen."""
    framework = request.GET.get("framework", "")
    if not request.htmx:
        response = redirect("frameworks:import-create")
        if framework:
            response["Location"] += f"?framework={framework}" if framework.isalnum() else ""
        return response
    context = _rounds(framework)
    if context["round_scope"] == "framework":
        found = Framework.objects.filter(pk=int(framework)).values_list("name", flat=True)
        context["round_framework"] = found.first() or ""
    return render(request, f"{FORM}#round-options", context)


def _batch(pk: int) -> ImportBatch:
    found = ImportBatch.objects.select_related("framework", "uploaded_by", "applied_by")
    return get_object_or_404(batches.with_stored_bytes(found.defer(*HEAVY)), pk=pk)


def _shown(rows: list, *, compared: bool = False) -> dict:
    shown = rows[:SHOWN]
    if compared:
        shown = [row | _compared(row.get("before") or "", row.get("after") or "") for row in shown]
    return {"rows": shown, "more": max(len(rows) - SHOWN, 0), "total": len(rows)}


def _compared(before: str, after: str) -> dict:
    """Before and after as parts (text, changed), the unchanged words around a change cut
    short: a sentence added to the end of a long update must show, not only its start."""
    a, b = before.split(), after.split()
    if not a or not b:
        return {"before_parts": [(before, False)], "after_parts": [(after, True)]}
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    if matcher.ratio() < 0.3:  # rewritten: nothing in common worth lining up
        return {"before_parts": [(before, True)], "after_parts": [(after, True)]}
    before_parts, after_parts = [], []
    codes = matcher.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag == "equal":
            words = a[i1:i2]
            head = [] if n == 0 else words[:CONTEXT]
            tail = [] if n == len(codes) - 1 else words[-CONTEXT:]
            if len(words) > len(head) + len(tail):
                text = " ".join([*head, "…", *tail])
            else:
                text = " ".join(words)
            before_parts.append((text, False))
            after_parts.append((text, False))
            continue
        if i2 > i1:
            before_parts.append((" ".join(a[i1:i2]), True))
        if j2 > j1:
            after_parts.append((" ".join(b[j1:j2]), True))
    return {"before_parts": before_parts, "after_parts": after_parts}


@importer_required
@require_safe
def import_detail(request: TrackerRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    report = batch.report
    applied = batch.state == ImportBatch.State.APPLIED
    count_rows = [
        (label, report[key])
        for label, key in (
            ("Created" if applied else "Create", "created"),
            ("Changed" if applied else "Change", "updated"),
            ("Already there", "unchanged"),
        )
        if key in report
    ]
    errors = report.get("errors", [])
    context = {
        "batch": batch,
        "report": report,
        "count_rows": count_rows,
        # Outcomes are counted when the file carries them (the pledges layout).
        "show_outcomes": any(
            counts.get("outcomes") or counts.get("outcome_links") for _, counts in count_rows
        ),
        "busy": batch.state in batches.BUSY,
        "waiting": batch.progress == batches.WAITING,
        "can_correct": batches.can_reuse(batch=batch, user=request.user),
        "option_errors": [p for p in errors if p.get("field") not in (None, "file")],
        "file_errors": [p for p in errors if p.get("field") in (None, "file")],
        "changes": _shown(report.get("changes", []), compared=True),
        "conflicts": _shown(report.get("conflicts", [])),
        "kept": _shown(report.get("kept", []), compared=True),
        "option_labels": OPTION_LABELS,
    }
    return render(request, DETAIL, context)


OPTION_LABELS = {
    "framework": "Framework",
    "round": "Current round",
    "previous_round": "Previous round",
    "sheet": "Sheet",
    "layout": "Layout",
}


@importer_required
@require_safe
def import_progress(request: TrackerRequest, pk: int) -> HttpResponse:
    """The progress block, polled by htmx while the worker previews or imports; when it is
    done, htmx reloads the page (which then shows the result). Without JavaScript the
    progress page refreshes itself and links to itself."""
    batch = _batch(pk)
    if not request.htmx:
        return redirect(batch)
    if batch.state not in batches.BUSY:
        return HttpResponseClientRefresh()
    context = {"batch": batch, "busy": True, "waiting": batch.progress == batches.WAITING}
    return render(request, f"{DETAIL}#progress", context)


@importer_required
@require_POST
def import_confirm(request: TrackerRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.defer(*HEAVY), pk=pk)
    try:
        batch = batches.import_batch_start_apply(batch_id=batch.pk, user=request.user)
    except batches.ImportBatchStateError as exc:
        messages.error(request, exc.message)
        return redirect(batch)
    if batches.in_background(batch):
        return redirect(batch)  # the progress page
    done = batches.import_batch_run_apply(batch_id=batch.pk, user=request.user)
    if done is None:
        raise Http404("No such import: it was deleted.")
    if done.state != ImportBatch.State.APPLIED:
        return redirect(done)  # the page says what happened: nothing was imported
    messages.success(request, f"Imported {done.file_name}. {done.report.get('summary', '')}")
    return redirect(done.framework or done)


@importer_required
@require_safe
def import_template(request: TrackerRequest, layout: str) -> HttpResponse:
    try:
        content = blank_templates.blank_workbook(layout)
    except KeyError as exc:
        raise Http404("No such layout.") from exc
    return download(content, XLSX, f"{layout}-template.xlsx")
