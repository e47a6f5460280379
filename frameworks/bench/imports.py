"""Import throughput: a large tracker workbook, imported, beside openpyxl's raw read-only time."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

from frameworks.importers.readers import Limits
from frameworks.services.imports import legacy_import

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


def raw_read_seconds(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for sheet in workbook.worksheets:
        for _ in sheet.iter_rows(values_only=True):
            count += 1
    workbook.close()
    return time.perf_counter() - started, count


def import_seconds(path: Path) -> tuple[float, int]:
    return _import(path)[:2]


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


def run(*, workdir: Path, rows: int = 20_000, repeats: int = 3) -> dict:
    path = build_tracker_workbook(workdir / f"tracker-{rows}.xlsx", rows)
    raw, imported, cpu = [], [], []
    for _ in range(repeats):
        raw.append(raw_read_seconds(path)[0])
        seconds, milestones, cpu_seconds = _import(path)
        imported.append(seconds)
        cpu.append(cpu_seconds)
    raw_rate = rows / statistics.median(raw)
    import_rate = rows / statistics.median(imported)
    return {
        "rows": rows,
        "file_bytes": path.stat().st_size,
        "repeats": repeats,
        "raw_read_seconds": raw,
        "import_seconds": imported,
        # The importing process is busy this share of the import: near 1, its own CPU (not the
        # reader process or the database server) is what bounds the import.
        "import_cpu_seconds": cpu,
        "import_busy_share": round(statistics.median(cpu) / statistics.median(imported), 2),
        "raw_rows_per_second": round(raw_rate),
        "import_rows_per_second": round(import_rate),
        "import_vs_raw": round(import_rate / raw_rate, 3),
        "goal_import_vs_raw": 0.7,
        "milestones_per_run": milestones,
    }
