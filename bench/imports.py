"""The import: preview time, a large import in the background, and django-import-export beside it.

All on tracker workbooks made from the council's own tracker (`build_tracker_workbook`), saved
as Excel saves them (text in a shared-string table), in one run per database (`FULL`; `QUICK`
is the same on fewer rows and runs):

1. **Preview** of a 1,000-row workbook (`legacy_import(..., dry_run=True)`): the next round's
   file over a framework that already holds those milestones and their previous round (the
   common case), and the first import into an empty framework. One warm-up, then 20 timed runs
   each; p50/p95 by nearest rank. Goal: p95 under 1 s.
2. **Background import** of 20,000 rows, with progress. When `frameworks.tasks` has an import
   apply task, the batch is queued through django-tasks' database backend and a real
   `manage.py db_worker --batch` process is timed until it has applied it, the batch's row
   polled for its progress meanwhile; the same import is also timed in this process with a
   `progress` callback, each stage recorded with the time it was heard. Median of 3. Goal:
   done in under 30 s.
3. **django-import-export**: the import a Django team would write instead
   (`import_export_baseline`) and ours, on the same 2,000-row workbook, both writing their rows
   and history for real (then deleted). Goal: ours at least 3x its rows per second. Not on
   20,000 rows: that would take it several minutes per database, and its rows per second fall
   as the framework grows (each row's milestone is looked up by title among the framework's
   milestones: 94 rows/s at 1,000 rows, 67 at 5,000, on SQLite), so fewer rows flatter it.

Every framework made here is named "Bench import …" and deleted, history and all, when measured.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from openpyxl import Workbook, load_workbook

from bench import import_export_baseline, percentile
from bench.data import delete_frameworks
from frameworks.importers.readers import Limits
from frameworks.models import (
    Framework,
    ImportBatch,
    Milestone,
    MilestonePost,
    Post,
    Return,
    Round,
    Theme,
)
from frameworks.services.imports import legacy_import

ROOT = Path(__file__).resolve().parents[1]
LEGACY_TRACKER = ROOT / "fixtures" / "legacy" / "tracker-ward-councillor-support.xlsx"
PERIOD, PREVIOUS_PERIOD = "Q2 2020-21", "Q4 2019-20"
PREFIX = "Bench import "
LIMITS = Limits(max_bytes=200 * 1024 * 1024, max_rows=1_000_000)
GOALS = {"preview_p95_ms": 1000, "background_seconds": 30, "vs_import_export": 3}
FULL = {"preview_rows": 1000, "preview_runs": 20, "background_rows": 20_000,
        "background_runs": 3, "baseline_rows": 2000}  # fmt: skip
QUICK = {"preview_rows": 1000, "preview_runs": 5, "background_rows": 3000,
         "background_runs": 1, "baseline_rows": 150}  # fmt: skip
HISTORY = (Framework, Round, Theme, Post, Milestone, MilestonePost, Return)
WORKER_TIMEOUT = 300  # seconds


# The workbook ----------------------------------------------------------------------------------
def build_tracker_workbook(path: Path, rows: int, *, current_round: bool = True) -> Path:
    """A tracker of `rows` milestones made from the 73 rows of the council's own tracker, each
    copy's titles numbered "(copy N)", saved as Excel saves it. Without `current_round` the
    current round's columns (new deadline, progress, status) are left blank: the file of the
    round before."""
    source = load_workbook(LEGACY_TRACKER, read_only=True, data_only=True).active
    all_rows = list(source.iter_rows(values_only=True))
    header_index = next(i for i, r in enumerate(all_rows) if r and r[0] == "Theme")
    header = all_rows[header_index]
    data = [r for r in all_rows[header_index + 1 :] if r and any(r)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Progress tracker (benchmark copy)"])
    sheet.append([])
    sheet.append(list(header))
    for n in range(rows):
        row = list(data[n % len(data)])
        row += [None] * (len(header) - len(row))
        row[1] = f"{row[1]} (copy {n // len(data) + 1})"
        if not current_round:
            row[6:9] = [None, None, None]
        sheet.append(row)
    written = io.BytesIO()
    workbook.save(written)
    path.write_bytes(shared_strings(written.getvalue()))
    return path


_INLINE_CELL = re.compile(
    rb'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t>'
    rb"</is></c>",
    re.DOTALL,
)
_SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_SHARED_STRINGS_REL = (
    b'<Relationship Id="rIdSharedStrings" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
)


def shared_strings(xlsx: bytes) -> bytes:
    """An openpyxl-saved workbook as Excel saves it: its text in one shared-string table, each
    text cell holding its index. (openpyxl writes every text cell as an inline string, in
    normal and write-only mode alike.) The cells' values are unchanged."""
    strings: dict[bytes, int] = {}

    def shared(cell: re.Match[bytes]) -> bytes:
        reference, style, text = cell.groups()
        index = strings.setdefault(text, len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (reference, style or b"", index)

    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = _INLINE_CELL.sub(shared, data)
                if b"inlineStr" in data:
                    raise ValueError("A text cell was not moved to the shared-string table.")
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", _SHARED_STRINGS_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _SHARED_STRINGS_REL + b"</Relationships>")
            out.writestr(info, data)
        table = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in strings)
        out.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="%d" uniqueCount="%d">%s</sst>' % (len(strings), len(strings), table),
        )
    return output.getvalue()


# Measuring -------------------------------------------------------------------------------------
def _import(path: Path, framework: str, *, dry_run: bool, progress=None):
    report = legacy_import(
        data=path.read_bytes(),
        file_name=path.name,
        framework_name=framework,
        round_label=PERIOD,
        previous_round_label=PREVIOUS_PERIOD,
        dry_run=dry_run,
        limits=LIMITS,
        progress=progress,
    )
    if report.errors:
        raise RuntimeError(f"The benchmark's import failed: {report.errors[:3]}")
    return report


def history_rows() -> int:
    """Every audit (history) row of the models an import writes."""
    return sum(model.history.model.objects.count() for model in HISTORY)


def written(name: str, history_before: int) -> dict[str, int]:
    """What a framework holds, and the history rows written since `history_before`."""
    framework = Framework.objects.get(name=name)
    milestones = Milestone.objects.filter(framework=framework)
    return {
        "themes": Theme.objects.filter(framework=framework).count(),
        "milestones": milestones.count(),
        "leads": MilestonePost.objects.filter(milestone__framework=framework).count(),
        "returns": Return.objects.filter(milestone__framework=framework).count(),
        "history": history_rows() - history_before,
    }


def delete_framework(name: str) -> None:
    """Delete a framework made here, its rows and their history rows (posts stay)."""
    delete_frameworks(Framework.objects.filter(name=name))


def _leftovers() -> None:
    """Frameworks (and queued batches) an interrupted run left behind."""
    for name in Framework.objects.filter(name__startswith=PREFIX).values_list("name", flat=True):
        delete_framework(name)
    ImportBatch.objects.filter(framework_name__startswith=PREFIX).delete()


def _analyze() -> None:
    tables = [model._meta.db_table for model in HISTORY if model is not Post]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            cursor.execute("ANALYZE")


def preview(workdir: Path, rows: int, runs: int) -> dict:
    """Goal 1: the preview's time, p50/p95 over `runs` runs after a warm-up."""
    full = build_tracker_workbook(workdir / f"preview-{rows}.xlsx", rows)
    before = build_tracker_workbook(
        workdir / f"preview-{rows}-previous.xlsx", rows, current_round=False
    )
    there = f"{PREFIX}preview ({rows:,} milestones there)"
    delete_framework(there)
    _import(before, there, dry_run=False)  # the milestones and their previous round
    _analyze()  # fresh planner statistics, as autovacuum keeps them
    cases = {}
    try:
        for case, name in (("next_round", there), ("first_import", f"{PREFIX}preview (new)")):
            _import(full, name, dry_run=True)  # warm-up
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                report = _import(full, name, dry_run=True)
                samples.append((time.perf_counter() - started) * 1000)
            cases[case] = {
                "p50_ms": percentile(samples, 50),
                "p95_ms": percentile(samples, 95),
                "samples_ms": [round(s, 1) for s in samples],
                "created": vars(report.created),
                "updated": vars(report.updated),
                "unchanged": vars(report.unchanged),
            }
    finally:
        delete_framework(there)
    return {
        "rows": rows,
        "runs": runs,
        "cases": cases,
        "goal_p95_ms": GOALS["preview_p95_ms"],
        "met": all(c["p95_ms"] < GOALS["preview_p95_ms"] for c in cases.values()),
    }


def in_process(path: Path, rows: int, name: str) -> dict:
    """The import as the worker would run it, here, timing each progress stage."""
    delete_framework(name)
    history = history_rows()
    stages: list[dict] = []
    started = time.perf_counter()

    def heard(stage: str) -> None:
        stages.append({"at": round(time.perf_counter() - started, 2), "stage": stage})

    report = _import(path, name, dry_run=False, progress=heard)
    seconds = time.perf_counter() - started
    stages.append({"at": round(seconds, 2), "stage": "Done"})
    counts = written(name, history)
    delete_framework(name)
    if counts["milestones"] != rows:
        raise RuntimeError(f"The import wrote {counts['milestones']} milestones, not {rows}.")
    return {"seconds": seconds, "stages": stages, "written": counts, "summary": report.summary}


def apply_task():
    """The import apply task of `frameworks.tasks`, if it has one yet."""
    from frameworks import tasks

    for name in ("import_apply_task", "apply_import_task", "import_task"):
        if hasattr(tasks, name):
            return getattr(tasks, name)
    return None


def in_worker(path: Path, rows: int, name: str, task) -> dict:
    """Queue the import as a batch and time a real `db_worker --batch` process applying it,
    polling the batch's row for its state and progress meanwhile."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    delete_framework(name)
    data = path.read_bytes()
    batch = ImportBatch.objects.create(
        file_name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        framework_name=name,
        round_label=PERIOD,
        previous_round_label=PREVIOUS_PERIOD,
    )
    watched = [
        f.attname
        for f in ImportBatch._meta.concrete_fields
        if f.attname not in ("content", "report", "sha256", "size")
    ]
    history = history_rows()
    started = time.perf_counter()
    result = task.enqueue(batch.pk)
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "db_worker"]
    command += ["--batch", "--no-startup-delay", "--queue-name", task.queue_name, "-v0"]
    worker = subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.DEVNULL)
    progress: list[dict] = []  # each change to the batch's row, with when it was seen
    last = ImportBatch.objects.filter(pk=batch.pk).values(*watched).get()
    applied_at = None
    try:
        while True:
            done = worker.poll() is not None
            seen = ImportBatch.objects.filter(pk=batch.pk).values(*watched).first() or {}
            now = round(time.perf_counter() - started, 2)
            changed = {k: str(v) for k, v in seen.items() if last.get(k) != v}
            if changed:
                progress.append({"at": now, **changed})
                last = seen
            if applied_at is None and seen.get("state") == ImportBatch.State.APPLIED:
                applied_at = now
            if done:
                break
            if now > WORKER_TIMEOUT:
                raise RuntimeError(f"The worker did not finish in {WORKER_TIMEOUT} s.")
            time.sleep(0.1)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    wall = time.perf_counter() - started
    task_row = DBTaskResult.objects.get(pk=result.id)
    outcome = {
        "task": task.module_path,
        "task_status": task_row.status,
        "seconds_to_applied": applied_at,
        "worker_process_seconds": round(wall, 2),
        "task_run_seconds": (
            round((task_row.finished_at - task_row.started_at).total_seconds(), 2)
            if task_row.finished_at and task_row.started_at
            else None
        ),
        "progress": progress,
    }
    if task_row.status != TaskResultStatus.SUCCESSFUL or applied_at is None:
        outcome["error"] = (task_row.traceback or "The batch was not applied.")[-2000:]
        DBTaskResult.objects.filter(pk=result.id).delete()
        ImportBatch.objects.filter(pk=batch.pk).delete()
        delete_framework(name)
        return outcome
    outcome["written"] = written(name, history)
    DBTaskResult.objects.filter(pk=result.id).delete()
    delete_framework(name)
    return outcome


def background(workdir: Path, rows: int, runs: int) -> dict:
    """Goal 2: `rows` rows imported for real, in the worker when there is a task for it."""
    path = build_tracker_workbook(workdir / f"tracker-{rows}.xlsx", rows)
    name = f"{PREFIX}background ({rows:,} rows)"
    task = apply_task()
    worker_runs: list[dict] = []
    while task and len(worker_runs) < runs:
        worker_runs.append(in_worker(path, rows, name, task))
        if "error" in worker_runs[-1]:
            break  # it is reported; the figure is then the in-process one
    worked = [r for r in worker_runs if "error" not in r]
    # With a worker measured, one run here is enough to see the stages; without, it is the figure.
    local = [in_process(path, rows, name) for _ in range(1 if worked else runs)]
    seconds = statistics.median(r["seconds"] for r in local)
    result = {
        "rows": rows,
        "runs": runs,
        "goal_seconds": GOALS["background_seconds"],
        "in_process": {
            "seconds": [round(r["seconds"], 2) for r in local],
            "median_seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "stages": local[-1]["stages"],
            "written": local[-1]["written"],
            "summary": local[-1]["summary"],
        },
    }
    if not task:
        result["worker"] = {"skipped": "frameworks.tasks has no import apply task yet"}
    elif not worked:
        result["worker"] = {"failed": worker_runs[-1]}
    else:
        median = statistics.median(r["seconds_to_applied"] for r in worked)
        result["worker"] = {
            "seconds_to_applied": [r["seconds_to_applied"] for r in worked],
            "median_seconds": median,
            "rows_per_second": round(rows / median),
            "task_run_seconds": [r["task_run_seconds"] for r in worked],
            "progress": worked[-1]["progress"],
            "written": worked[-1]["written"],
        }
    measured = result["worker"].get("median_seconds", seconds)
    result["measured_in"] = "worker" if worked else "in_process"
    result["met"] = measured < GOALS["background_seconds"]
    return result


def versus_import_export(workdir: Path, rows: int, runs: int) -> dict:
    """Goal 3: our import and django-import-export's on the same file, both for real."""
    path = build_tracker_workbook(workdir / f"tracker-{rows}.xlsx", rows)
    ours_name, theirs_name = f"{PREFIX}ours ({rows:,} rows)", f"{PREFIX}theirs ({rows:,} rows)"
    ours = [in_process(path, rows, ours_name) for _ in range(runs)]
    delete_framework(theirs_name)
    history = history_rows()
    started = time.perf_counter()
    imported = import_export_baseline.import_tracker(
        path.read_bytes(),
        framework_name=theirs_name,
        round_label=PERIOD,
        previous_round_label=PREVIOUS_PERIOD,
    )
    theirs_seconds = time.perf_counter() - started
    theirs_written = written(theirs_name, history)
    delete_framework(theirs_name)
    ours_seconds = statistics.median(r["seconds"] for r in ours)
    ratio = theirs_seconds / ours_seconds  # = our rows/s over theirs, on the same rows
    return {
        "rows": rows,
        "goal_ratio": GOALS["vs_import_export"],
        "ours": {
            "seconds": [round(r["seconds"], 2) for r in ours],
            "rows_per_second": round(rows / ours_seconds),
            "written": ours[-1]["written"],
        },
        "theirs": {
            "library": "django-import-export " + _version("django-import-export"),
            "seconds": round(theirs_seconds, 2),
            "rows_per_second": round(rows / theirs_seconds, 1),
            "dataset_rows": imported,
            "written": theirs_written,
        },
        "ratio": round(ratio, 2),
        "met": ratio >= GOALS["vs_import_export"],
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def run(*, workdir: Path, quick: bool = False) -> dict:
    scale = QUICK if quick else FULL
    _leftovers()
    parts = {
        "preview": lambda: preview(workdir, scale["preview_rows"], scale["preview_runs"]),
        "background": lambda: background(
            workdir, scale["background_rows"], scale["background_runs"]
        ),
        "import_export": lambda: versus_import_export(
            workdir, scale["baseline_rows"], scale["background_runs"]
        ),
    }
    results: dict = {"scale": scale}
    for name, measure in parts.items():
        started = time.perf_counter()
        results[name] = measure()
        results[name]["suite_seconds"] = round(time.perf_counter() - started, 1)
    return results
