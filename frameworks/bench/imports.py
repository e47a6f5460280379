"""Import throughput: a large tracker workbook, imported, beside openpyxl's raw read-only time.

The same rows are measured in two workbooks, because openpyxl's own read speed depends on how
the file was written:

* **openpyxl-written** (`build_tracker_workbook`): openpyxl writes every text cell as an inline
  string and, in write-only mode, no `<dimension>`; reading an inline string builds openpyxl's
  rich-text objects, and a sheet without `<dimension>` is parsed through once more just to size it
  when the workbook opens. Spreadsheets exported by other programs are often written like this.
* **Excel-saved** (`excel_saved_copy`): what Excel writes: text in one shared-string table, cells
  holding its index, and the sheet's size in `<dimension>`. openpyxl reads it about three times
  faster; the import's own work (cleaning, checking, writing) is the same.
"""

from __future__ import annotations

import re
import statistics
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, transaction
from openpyxl import Workbook, load_workbook

from frameworks.importers.readers import Limits
from frameworks.services import bulk
from frameworks.services.imports import legacy_import

GOAL = 0.7  # the import's rows/s over the raw read's
LEGACY_TRACKER = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "legacy"
    / "tracker-ward-councillor-support.xlsx"
)


def build_tracker_workbook(path: Path, rows: int) -> Path:
    """A tracker of `rows` milestones made from the 73 rows of the council's own tracker."""
    source = load_workbook(LEGACY_TRACKER, read_only=True, data_only=True).active
    all_rows = list(source.iter_rows(values_only=True))
    header_index = next(i for i, r in enumerate(all_rows) if r and r[0] == "Theme")
    header = all_rows[header_index]
    data = [r for r in all_rows[header_index + 1 :] if r and any(r)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tracker")
    sheet.append(["Progress tracker (benchmark copy)"])
    sheet.append([])
    sheet.append(list(header))
    for n in range(rows):
        row = list(data[n % len(data)])
        row += [None] * (len(header) - len(row))
        row[1] = f"{row[1]} (copy {n // len(data) + 1})"
        sheet.append(row)
    workbook.save(path)
    return path


_INLINE_CELL = re.compile(
    rb'<c r="([A-Z]+)(\d+)"( s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t>'
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


def excel_saved_copy(path: Path, dest: Path) -> Path:
    """The openpyxl-written workbook at `path` as Excel saves it: its text in a shared-string
    table and each sheet's size in `<dimension>`. The cells' values are unchanged."""
    strings: dict[bytes, int] = {}
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = _shared_cells(data, strings)
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
    return dest


def _shared_cells(sheet: bytes, strings: dict[bytes, int]) -> bytes:
    last_column, last_row = b"A", 1

    def shared(cell: re.Match[bytes]) -> bytes:
        nonlocal last_column, last_row
        column, row, style, text = cell.groups()
        if (len(column), column) > (len(last_column), last_column):
            last_column = column
        last_row = max(last_row, int(row))
        index = strings.setdefault(text, len(strings))
        return b'<c r="%s%s"%s t="s"><v>%d</v></c>' % (column, row, style or b"", index)

    sheet = _INLINE_CELL.sub(shared, sheet)
    if b"inlineStr" in sheet:
        raise ValueError("A text cell was not moved to the shared-string table.")
    dimension = b'<dimension ref="A1:%s%d"/>' % (last_column, last_row)
    return sheet.replace(b"<sheetViews>", dimension + b"<sheetViews>", 1)


def raw_read_seconds(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for sheet in workbook.worksheets:
        for _ in sheet.iter_rows(values_only=True):
            count += 1
    workbook.close()
    return time.perf_counter() - started, count


def _import(path: Path) -> tuple[float, int, float]:
    """Wall seconds, milestones, and the CPU seconds of this (the importing) process: the
    sheet's reader process is not in them."""
    data = path.read_bytes()
    cpu = time.process_time()
    started = time.perf_counter()
    report = legacy_import(
        data=data,
        file_name=path.name,
        framework_name="Benchmark tracker",
        period_label="Q2 2020-21",
        previous_period_label="Q4 2019-20",
        dry_run=True,  # does every write, then rolls back
        limits=Limits(max_bytes=200 * 1024 * 1024, max_rows=1_000_000),
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if report.errors:
        raise RuntimeError(f"Benchmark import failed: {report.errors[:3]}")
    return elapsed, report.created.milestones, cpu


Writes = list[tuple]  # (model, fields, objects, constants): the bulk writer's calls


@contextmanager
def _captured_writes() -> Iterator[Writes]:
    """Record each call of the bulk writer (`services.bulk._insert`) while an import runs."""
    writes: Writes = []
    insert = bulk._insert

    def capture(connection, model, fields, objects, constants) -> None:
        writes.append((model, fields, list(objects), dict(constants)))
        insert(connection, model, fields, objects, constants)

    bulk._insert = capture
    try:
        yield writes
    finally:
        bulk._insert = insert


def write_seconds(writes: Writes) -> float:
    """The import's writes alone: the rows it wrote (`_captured_writes`) written again by the
    same bulk writer with nothing else done, in a transaction then rolled back, as a dry run's."""
    started = time.perf_counter()
    with transaction.atomic():
        for model, fields, objects, constants in writes:
            bulk._insert(connection, model, fields, objects, constants)
        transaction.set_rollback(True)
    return time.perf_counter() - started


def run(*, workdir: Path, rows: int = 20_000, repeats: int = 3) -> dict:
    written = build_tracker_workbook(workdir / f"tracker-{rows}.xlsx", rows)
    saved = excel_saved_copy(written, workdir / f"tracker-{rows}-excel.xlsx")
    return {
        "rows": rows,
        "repeats": repeats,
        "goal_import_vs_raw": GOAL,
        "workbooks": {
            "openpyxl-written": _measure(written, rows, repeats),
            "Excel-saved": _measure(saved, rows, repeats),
        },
    }


def _measure(path: Path, rows: int, repeats: int) -> dict:
    with _captured_writes() as writes:
        _import(path)
    raw, imported, cpu, written = [], [], [], []
    for _ in range(repeats):
        raw.append(raw_read_seconds(path)[0])
        seconds, milestones, cpu_seconds = _import(path)
        imported.append(seconds)
        cpu.append(cpu_seconds)
        written.append(write_seconds(writes))
    raw_rate = rows / statistics.median(raw)
    import_rate = rows / statistics.median(imported)
    # A second floor: reading the file and writing the import's rows, one after the other,
    # with nothing in between (no cleaning, checking, matching or building).
    read_and_write = statistics.median(raw) + statistics.median(written)
    return {
        "file_bytes": path.stat().st_size,
        "raw_read_seconds": raw,
        "import_seconds": imported,
        # The importing process is busy this share of the import: near 1, its own CPU (not the
        # reading process or the database server) is what bounds the import.
        "import_cpu_seconds": cpu,
        "import_busy_share": round(statistics.median(cpu) / statistics.median(imported), 2),
        "raw_rows_per_second": round(raw_rate),
        "import_rows_per_second": round(import_rate),
        "import_vs_raw": round(import_rate / raw_rate, 3),
        "rows_written": sum(len(objects) for _, _, objects, _ in writes),
        "write_seconds": written,
        "import_vs_read_and_write": round(read_and_write / statistics.median(imported), 3),
        "milestones_per_run": milestones,
    }
