"""An import's life as an ImportBatch: the uploaded file is stored at once (so correcting an
option never needs a second upload), previewed, and imported once.

    UPLOADED → PREVIEWING → PREVIEWED or REFUSED → APPLYING → APPLIED   (or FAILED)

Each state change is an `import_batch_<action>` function: one transaction that locks the batch
row (`select_for_update`), checks the state it expects and moves it on, so two clicks on
*Import* apply a file once. Files over `BACKGROUND_BYTES` are previewed and applied by the
background worker (`frameworks.tasks`); no web request parses them.

`import_batch_run_preview` and `import_batch_run_apply` do the work itself, in the request for a
small file or in the task for a large one. They are deliberately not one transaction: the
preview only reads, and the import is its own transaction (`legacy_import`), so the stage it is
at can be written into `progress` for the person waiting.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from frameworks.importers.readers import ImportFileError, Limits, unpacked_size
from frameworks.models import ImportBatch
from frameworks.rules import allowed
from frameworks.services.imports import ImportReport, legacy_import

logger = logging.getLogger(__name__)

BACKGROUND_BYTES = 1024 * 1024  # larger files are previewed and imported by the worker
# …and so are workbooks whose parts unpack to more than this: repeated text packs into a small
# file (a 20,000-row tracker saved by Excel can be under 1 MB). 2 MB is about 1,500 rows of the
# council's tracker written with its text in each cell, about 9,000 with shared strings: a few
# seconds in a web request at most.
BACKGROUND_UNPACKED_BYTES = 2 * 1024 * 1024
LIMITS = Limits()

State = ImportBatch.State
# States in which the stored file can be previewed again with other options.
REUSABLE = (State.UPLOADED, State.PREVIEWED, State.REFUSED, State.FAILED)
BUSY = (State.PREVIEWING, State.APPLYING)
WAITING = "Waiting for the background worker to start"


class ImportBatchStateError(Exception):
    """The batch is not in a state that allows this (applied already, or being worked on)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportOptions:
    """What the person chose on the form (the import's options)."""

    framework_name: str
    layout: str = "auto"
    round_label: str = ""
    previous_round_label: str = ""
    sheet: str = ""


def in_background(batch: ImportBatch) -> bool:
    """Whether this batch's file is large enough to be read by the background worker."""
    if batch.size > BACKGROUND_BYTES:
        return True
    return unpacked_size(bytes(batch.content or b"")) > BACKGROUND_UNPACKED_BYTES


def with_stored_bytes(queryset):
    """Annotate `stored_bytes`: how much of the upload is still stored (0 once applied or
    refused as unreadable), without loading it."""
    return queryset.annotate(stored_bytes=Length("content"))


def can_reuse(*, batch: ImportBatch, user) -> bool:
    """May `user` preview this stored file again (a correction), without uploading it again?
    Its uploader may, and so may anyone who imports files (the policy team, administrators)."""
    stored = getattr(batch, "stored_bytes", None)
    if stored is None:
        stored = len(batch.content or b"")
    if batch.state not in REUSABLE or not stored:
        return False
    return batch.uploaded_by_id == user.pk or allowed(user, "frameworks.import_files")


def option_problems(batch: ImportBatch) -> bool:
    """Did the preview find problems with the chosen options (framework, rounds, sheet…)?"""
    return any(p.get("field") not in (None, "file") for p in batch.report.get("errors", []))


def _locked(batch_id: int, *, states, action: str) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.state not in states:
        raise ImportBatchStateError(_refusal(batch, action))
    return batch


def _refusal(batch: ImportBatch, action: str) -> str:
    if batch.state == State.APPLIED:
        return f"{batch.file_name} has already been imported: it cannot be {action} again."
    if batch.state == State.PREVIEWING:
        return f"{batch.file_name} is being checked already: wait for the preview."
    if batch.state == State.APPLYING:
        return f"{batch.file_name} is being imported already: wait for it to finish."
    return f"{batch.file_name} cannot be {action} now ({batch.get_state_display().lower()})."


# State changes ----------------------------------------------------------------------------------
@transaction.atomic
def import_batch_upload(
    *, user, file_name: str, data: bytes, batch_id: int | None = None
) -> ImportBatch:
    """Store an uploaded file: a new batch, or the file of a batch being corrected replaced."""
    values = {
        "file_name": file_name[:255],
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "content": data,
        "state": State.UPLOADED,
        "report": {},
        "comparison": "",
        "progress": "",
        "uploaded_by": user,
    }
    if batch_id is None:
        return ImportBatch.objects.create(framework_name="", **values)
    batch = _locked(batch_id, states=REUSABLE, action="replaced")
    for name, value in values.items():
        setattr(batch, name, value)
    batch.uploaded_at = timezone.now()
    batch.save()
    return batch


@transaction.atomic
def import_batch_start_preview(*, batch_id: int, options: ImportOptions) -> ImportBatch:
    """Record the chosen options and mark the batch PREVIEWING; a large file's preview is
    queued for the background worker once this commits."""
    batch = _locked(batch_id, states=REUSABLE, action="checked")
    if not batch.content:
        raise ImportBatchStateError(f"{batch.file_name} is no longer stored: upload it again.")
    batch.framework_name = " ".join(options.framework_name.split())[:200]
    batch.requested_layout = options.layout
    batch.round_label = " ".join(options.round_label.split())[:60]
    batch.previous_round_label = " ".join(options.previous_round_label.split())[:60]
    batch.sheet_name = options.sheet[:100]
    batch.state = State.PREVIEWING
    batch.report, batch.comparison = {}, ""
    background = in_background(batch)
    batch.progress = WAITING if background else "Reading the file"
    batch.save()
    if background:
        from frameworks.tasks import import_preview_task

        transaction.on_commit(lambda: import_preview_task.enqueue(batch.pk))
    return batch


@transaction.atomic
def import_batch_record_preview(*, batch_id: int, report: ImportReport) -> ImportBatch:
    """The preview's result: PREVIEWED (with what the import must find again), or REFUSED
    with the problems, the file kept so the options can be corrected."""
    batch = _locked(batch_id, states=(State.PREVIEWING,), action="previewed")
    batch.report = report.as_dict()
    batch.comparison = report.comparison() if report.ok else ""
    batch.layout = report.layout
    batch.sha256 = report.sha256 or batch.sha256
    batch.state = State.PREVIEWED if report.ok else State.REFUSED
    batch.progress = ""
    batch.save()
    return batch


@transaction.atomic
def import_batch_refuse_file(*, batch_id: int, error: ImportFileError) -> ImportBatch:
    """The file cannot be read at all: REFUSED, and the bytes are not kept."""
    batch = _locked(batch_id, states=BUSY, action="refused")
    batch.report = {
        "file_error": {"message": error.message, "code": error.code},
        "errors": [
            {"sheet": "", "row": None, "column": None, "message": error.message, "field": "file"}
        ],
        "warnings": [],
    }
    batch.comparison, batch.content, batch.progress = "", b"", ""
    batch.state = State.REFUSED
    batch.save()
    return batch


@transaction.atomic
def import_batch_start_apply(*, batch_id: int, user, queue: bool = True) -> ImportBatch:
    """*Import* was pressed: PREVIEWED → APPLYING, once (a second click finds APPLYING or
    APPLIED and is refused). A large file's import is queued once this commits, unless
    `queue` is False (the work is already running where it is: a task)."""
    batch = _locked(batch_id, states=(State.PREVIEWED,), action="imported")
    if not batch.content or batch.report.get("errors"):
        raise ImportBatchStateError(f"{batch.file_name} cannot be imported: check it again.")
    background = in_background(batch)
    batch.state = State.APPLYING
    batch.progress = WAITING if background and queue else "Importing"
    batch.save(update_fields=["state", "progress"])
    if background and queue:
        from frameworks.tasks import import_apply_task

        user_id = getattr(user, "pk", None)
        transaction.on_commit(lambda: import_apply_task.enqueue(batch.pk, user_id))
    return batch


@transaction.atomic
def import_batch_record_not_applied(*, batch_id: int, report: ImportReport) -> ImportBatch:
    """The import wrote nothing: the tracker changed since the preview (the report is the new
    preview: PREVIEWED again), or there were problems (REFUSED, the file kept)."""
    batch = _locked(batch_id, states=(State.APPLYING,), action="imported")
    batch.report = report.as_dict() | {"not_applied": True}
    batch.comparison = report.comparison() if report.ok else ""
    batch.state = State.PREVIEWED if report.ok else State.REFUSED
    batch.progress = ""
    batch.save()
    return batch


@transaction.atomic
def import_batch_fail(*, batch_id: int, stage: str) -> ImportBatch | None:
    """Something unexpected stopped a preview or an import: FAILED with a plain message. Nothing
    was imported (an import is one transaction). The file is kept, to try again."""
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None or batch.state not in BUSY:
        return batch  # already finished (or deleted): nothing to record
    what = "Checking the file" if batch.state == State.PREVIEWING else "The import"
    where = f" while {stage[:1].lower()}{stage[1:]}" if stage else ""
    batch.progress = f"{what} stopped unexpectedly{where}. Nothing was imported."[:255]
    batch.state = State.FAILED
    batch.save(update_fields=["state", "progress"])
    return batch


def import_batch_set_progress(*, batch_id: int, stage: str) -> None:
    """The stage a background preview or import is at, for the progress page. One UPDATE, not
    a transaction of its own: written as the stage starts, so the page shows it at once."""
    ImportBatch.objects.filter(pk=batch_id).update(progress=stage[:255])


# The work itself --------------------------------------------------------------------------------
def _arguments(batch: ImportBatch) -> dict:
    return {
        "data": bytes(batch.content),
        "file_name": batch.file_name,
        "framework_name": batch.framework_name,
        "layout": batch.requested_layout,
        "round_label": batch.round_label,
        "previous_round_label": batch.previous_round_label,
        "sheet": batch.sheet_name or None,
        "limits": LIMITS,
    }


class _Stages:
    """Hears the importer's stages; writes them to the batch when someone is watching."""

    def __init__(self, batch_id: int, *, write: bool):
        self.batch_id, self.write, self.last = batch_id, write, ""

    def __call__(self, stage: str) -> None:
        self.last = stage
        if self.write:
            import_batch_set_progress(batch_id=self.batch_id, stage=stage)


def import_batch_run_preview(*, batch_id: int) -> ImportBatch | None:
    """Preview (a dry run) a PREVIEWING batch and record the result. Never leaves it
    PREVIEWING: an unexpected error makes it FAILED (and is logged); None if the batch was
    deleted meanwhile."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != State.PREVIEWING:
        return batch  # replaced or finished meanwhile
    stages = _Stages(batch_id, write=in_background(batch))
    try:
        report = legacy_import(**_arguments(batch), dry_run=True, progress=stages)
    except ImportFileError as exc:
        return import_batch_refuse_file(batch_id=batch_id, error=exc)
    except Exception:
        logger.exception("Previewing import batch %s failed", batch_id)
        return import_batch_fail(batch_id=batch_id, stage=stages.last)
    return import_batch_record_preview(batch_id=batch_id, report=report)


def import_batch_run_apply(*, batch_id: int, user) -> ImportBatch | None:
    """Import an APPLYING batch (a PREVIEWED one is claimed first, as a queued task may find
    it): written only if the comparison is still the one previewed. Never leaves it APPLYING;
    None if the batch was deleted meanwhile."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state == State.PREVIEWED:
        try:
            batch = import_batch_start_apply(batch_id=batch_id, user=user, queue=False)
        except ImportBatchStateError:
            return ImportBatch.objects.get(pk=batch_id)
    if batch.state != State.APPLYING:
        return batch
    expected = batch.comparison or None
    # `legacy_import` saves this object as the APPLIED record: with no comparison or progress.
    batch.comparison = batch.progress = ""
    stages = _Stages(batch_id, write=in_background(batch))
    try:
        report = legacy_import(
            **_arguments(batch), user=user, batch=batch, expected=expected, progress=stages
        )
    except ImportFileError as exc:  # it was readable when previewed; refused all the same
        return import_batch_refuse_file(batch_id=batch_id, error=exc)
    except Exception:
        logger.exception("Importing batch %s failed", batch_id)
        return import_batch_fail(batch_id=batch_id, stage=stages.last)
    if report.stale or not report.ok:
        return import_batch_record_not_applied(batch_id=batch_id, report=report)
    return ImportBatch.objects.get(pk=batch_id)
