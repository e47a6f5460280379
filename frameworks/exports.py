"""Exports of a framework: JSON (everything), and the tracker layout as .xlsx or .csv.

The .xlsx imports back to the same data (`import_legacy --layout tracker`). Every text cell that
a spreadsheet could take for a formula (starting with =, +, -, @, a tab or a carriage return) is
written as text, so nothing exported can run in Excel.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from frameworks.models import RAG, PostRole

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

TRACKER_HEADINGS = [
    "Theme",
    "Code",
    "Key Milestone",
    "Lead",
    "Deadline",
    "Previous progress update",
    "Previous RAG Status",
    "New Deadline",
    "Progress to date",
    "RAG Status",
    "% complete",
]


def lead_cell(leads: list[dict[str, str]]) -> str:
    """Posts as a council writes them: leads joined by " / ", then "with support from" the rest."""
    lead = [item["post"] for item in leads if item["role"] == PostRole.LEAD]
    supporting = [item["post"] for item in leads if item["role"] == PostRole.SUPPORTING]
    text = " / ".join(lead)
    if supporting:
        text += " with support from " + " / ".join(supporting)
    return text


def status_text(rag: str, rag_text: str) -> str:
    """A status as the council wrote it, else its RAG label ("" if there is none)."""
    return rag_text or (RAG(rag).label if rag else "")


def _status_cell(update: dict[str, Any] | None) -> str:
    return status_text(update["rag"], update["rag_text"]) if update else ""


def tracker_rows(data: dict[str, Any], *, period: str, previous: str) -> list[list[Any]]:
    rows = []
    for theme in data["themes"]:
        for milestone in theme["milestones"]:
            by_period = {u["period"]: u for u in milestone["updates"]}
            before, now = by_period.get(previous), by_period.get(period)
            rows.append(
                [
                    theme["name"],
                    milestone["code"],
                    milestone["title"],
                    lead_cell(milestone["leads"]),
                    milestone["deadline"]["text"],
                    before["narrative"] if before else "",
                    _status_cell(before),
                    (now["new_deadline"] or "") if now else "",
                    now["narrative"] if now else "",
                    _status_cell(now),
                    now["percent_complete"] if now else None,
                ]
            )
    return rows


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert (for CSV: a leading apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def tracker_xlsx(data: dict[str, Any], *, period: str, previous: str) -> bytes:
    return tracker_xlsx_rows(
        f"{data['framework']} – progress tracker: {period}",
        tracker_rows(data, period=period, previous=previous),
    )


def tracker_xlsx_rows(title: str, rows: list[list[Any]]) -> bytes:
    """A tracker-layout workbook: a title row, a blank row, the headings, then `rows`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tracker")
    sheet.column_dimensions["C"].width = 60
    sheet.column_dimensions["F"].width = 60
    sheet.column_dimensions["I"].width = 60
    sheet.append([title])
    sheet.append([])
    bold = Font(bold=True)
    header = []
    for heading in TRACKER_HEADINGS:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tracker_csv(data: dict[str, Any], *, period: str, previous: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TRACKER_HEADINGS)
    for row in tracker_rows(data, period=period, previous=previous):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return buffer.getvalue()
