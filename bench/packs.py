"""Agenda pack: a board meeting's pack of about 100 pages (two board reports and two uploaded
papers) beside its floor, measured in the same run: the same reports rendered alone plus a
plain pypdf merge of the same PDFs. The pack is built as the background task builds it
(`agenda_pack_build`, with its progress callback); the goal is within 1.2x of the floor.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import time

GOAL_RATIO = 1.2


def _paper(pages: int, title: str) -> bytes:
    """Papers as an officer would upload them: a slide deck of `pages` pages."""
    from weasyprint import HTML

    slides = "".join(
        f'<section style="break-after: page"><h1>{title}</h1><p>Slide {n} of {pages}: '
        "Questions for the Board, what the evaluation found and what happens next.</p></section>"
        for n in range(1, pages + 1)
    )
    return HTML(string=f'<html lang="en-GB"><body>{slides}</body></html>').write_pdf()


def _meeting(milestones: int):
    from frameworks.models import AgendaItem
    from frameworks.services import boards, meetings, reports
    from tests.builders import make_framework

    stamp = time.time_ns()
    board = boards.board_get_or_create(name=f"Benchmark Board {stamp}", user=None)
    meeting = boards.meeting_get_or_create(board=board, date=dt.date(2023, 12, 11))
    meetings.agenda_item_add(meeting=meeting, title="Welcome and Apologies", user=None)
    for n in (1, 2):
        framework = make_framework(name=f"Benchmark pack plan {n} {stamp}", milestones=milestones)
        report = reports.board_report_create(
            framework=framework,
            round=framework.rounds.order_by("-start_date").first(),
            meeting=meeting,
        )
        meetings.agenda_item_add(
            meeting=meeting,
            title=f"Progress report {n}",
            kind=AgendaItem.Kind.REPORT,
            report=report,
            user=None,
        )
    for title, pages in (("Community Engagement Strategy", 12), ("Partnership Working", 9)):
        meetings.agenda_item_add(
            meeting=meeting,
            title=title,
            kind=AgendaItem.Kind.PAPER,
            paper=_paper(pages, title),
            paper_name=f"{title}.pdf",
            user=None,
        )
    return meeting


def _floor(meeting) -> tuple[float, int]:
    """The reports rendered alone, then a plain merge of them and the papers."""
    from pypdf import PdfReader, PdfWriter

    from frameworks.reports.agenda import IN_PACK_CSS
    from frameworks.reports.data import build_snapshot
    from frameworks.reports.render import render_pdf

    started = time.perf_counter()
    parts = []
    for item in meeting.agenda_items.select_related("report").order_by("position"):
        if item.report:
            parts.append(
                render_pdf(build_snapshot(report=item.report), extra_css=IN_PACK_CSS).content
            )
        elif item.paper:
            parts.append(bytes(item.paper))
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return time.perf_counter() - started, len(writer.pages)


def _pack(meeting) -> tuple[float, int, int]:
    from frameworks.services.meetings import agenda_pack_build

    calls = []
    started = time.perf_counter()
    _, built = agenda_pack_build(meeting=meeting, progress=lambda done, total: calls.append(done))
    return time.perf_counter() - started, built.pages, len(calls)


def run(*, quick: bool = False) -> dict:
    milestones = 60 if quick else 180  # about 100 pages in all
    meeting = _meeting(milestones)
    _floor(meeting)  # warm: fonts loaded once for both sides
    packs, floors = [], []
    # Interleaved, so both see the same machine state; a median of five, as one render of the
    # same report varies by a tenth from run to run on the 2-core bench machine.
    for _ in range(2 if quick else 5):
        packs.append(_pack(meeting))
        floors.append(_floor(meeting))
    pack = statistics.median(p[0] for p in packs)
    floor = statistics.median(f[0] for f in floors)
    return {
        "milestones_per_report": milestones,
        "pages": packs[0][1],
        "floor_pages": floors[0][1],
        "progress_calls": packs[0][2],
        "seconds": round(pack, 2),
        "floor_seconds": round(floor, 2),
        "ratio_to_floor": round(pack / floor, 3),
        "goal_ratio": GOAL_RATIO,
    }
