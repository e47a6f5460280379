"""Board-report throughput: the full pack beside WeasyPrint's floor (a plain table of the same
rows), each measured in a fresh process so peak memory is the report's own.

The floor is WeasyPrint's default rendering of a plain table, made comparable with the pack in
what the pack cannot choose differently: the same font family and body text size, the same A4
page and margins, and the same PDF output (tagged PDF/UA-1, which the council must publish).
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import resource
import statistics
import time

from django.db import connections

RUNS = 3
# A 1,000-milestone pack and its floor take about 40 s a pair on the 2-core bench machine: two
# pairs there keep the whole report suite near 150 s (make bench has 10 minutes for everything).
LARGE, LARGE_RUNS = 1000, 2


def _report_for(framework):
    from frameworks.services import boards, reports

    name = "Transformation and Improvement Board"
    board = boards.board_get_or_create(name=name, user=None)
    meeting = boards.meeting_get_or_create(board=board, date=dt.date(2021, 3, 15))
    return reports.board_report_create(
        framework=framework,
        round=framework.rounds.order_by("-start_date").first(),
        meeting=meeting,
    )


# The pack's font, body size and portrait page (static/report/print.css): a plain table in the
# same type on the same paper. Nothing else is styled: the table keeps WeasyPrint's defaults.
FLOOR_STYLE = (
    "@page { size: A4 portrait; margin: 22mm 18mm 20mm 18mm }"
    ' html { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10.5pt }'
)


def _floor_html(snapshot: dict) -> str:
    from django.utils.html import escape

    rows = "".join(
        f"<tr><td>{escape(m['title'])}</td><td>{escape('; '.join(m['leads']))}</td>"
        f"<td>{escape(m['deadline'])}</td><td>{escape(m['rag'])}</td>"
        f"<td>{escape(m['narrative'])}</td></tr>"
        for theme in snapshot["themes"]
        for m in theme["milestones"]
    )
    return (
        '<html lang="en-GB"><head><meta charset="utf-8"><title>Floor</title>'
        f"<style>{FLOOR_STYLE}</style></head><body>"
        "<table><thead><tr><th>Milestone</th><th>Lead</th><th>Deadline</th><th>Status</th>"
        f"<th>Update</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )


def _measure(kind: str, report_id: int, queue) -> None:
    """Child process: time one render and report its peak memory (or the error)."""
    try:
        _measure_unsafe(kind, report_id, queue)
    except Exception as exc:
        queue.put({"error": repr(exc)})
        raise


class _QuietFontSubsetting(logging.Filter):
    """WeasyPrint warns once per font that it subsets with fontTools (no HarfBuzz-Subset on
    this machine): true, known, and noise in the benchmark's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Using fontTools instead of HarfBuzz-Subset")


def _measure_unsafe(kind: str, report_id: int, queue) -> None:
    import django

    django.setup()
    logging.getLogger("weasyprint").addFilter(_QuietFontSubsetting())
    from weasyprint import HTML

    from frameworks.models import BoardReport
    from frameworks.reports.data import build_snapshot
    from frameworks.reports.render import PDF_VARIANT, render_pdf

    connections.close_all()
    report = BoardReport.objects.get(pk=report_id)
    snapshot = build_snapshot(report=report)
    started = time.perf_counter()
    if kind == "report":
        rendered = render_pdf(build_snapshot(report=report))
        pages = rendered.pages
    else:
        # The kind of PDF render_pdf asks of WeasyPrint, so both sides pay for the same.
        document = HTML(string=_floor_html(snapshot)).render(pdf_variant=PDF_VARIANT)
        document.write_pdf(pdf_variant=PDF_VARIANT)
        pages = len(document.pages)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": seconds, "pages": pages, "peak_mb": round(peak_mb, 1)})


def _in_child(kind: str, report_id: int) -> dict:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    connections.close_all()
    process = context.Process(target=_measure, args=(kind, report_id, queue))
    process.start()
    result = queue.get(timeout=900)
    process.join()
    if "error" in result:
        raise RuntimeError(f"The {kind} render failed: {result['error']}")
    return result


def run(*, sizes: tuple[int, ...] = (300, 1000), runs: int = RUNS) -> dict:
    from tests.builders import make_framework

    results = {}
    for size in sizes:
        framework = make_framework(name=f"Benchmark plan {size} {time.time_ns()}", milestones=size)
        report = _report_for(framework)
        reports, floors = [], []
        size_runs = min(runs, LARGE_RUNS) if size >= LARGE else runs
        for _ in range(size_runs):  # interleaved, so both see the same machine state
            reports.append(_in_child("report", report.pk))
            floors.append(_in_child("floor", report.pk))
        seconds = statistics.median(r["seconds"] for r in reports)
        floor = statistics.median(r["seconds"] for r in floors)
        pages = reports[0]["pages"]
        results[str(size)] = {
            "milestones": size,
            "seconds": round(seconds, 2),
            "pages": pages,
            "pages_per_second": round(pages / seconds, 1),
            "peak_mb": max(r["peak_mb"] for r in reports),
            "floor_seconds": round(floor, 2),
            "floor_pages": floors[0]["pages"],
            "floor_peak_mb": max(r["peak_mb"] for r in floors),
            "ratio_to_floor": round(seconds / floor, 2),
            "goal_ratio": 1.3,
            "runs": size_runs,
        }
    return results
