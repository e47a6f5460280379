"""Blank workbooks, one per layout, with the headings the importer recognises."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from frameworks.importers.layouts import LAYOUTS

STATUSES = "Completed, In progress, Overdue, Ongoing, Not started or Cancelled"
GUIDANCE = {
    "deadline": "For example Apr-20, 31/03/2021, Ongoing or TBC",
    "timescale": "For example Apr-20, 31/03/2021, Ongoing or TBC",
    "previous_rag": STATUSES,
    "rag": STATUSES,
    "status": STATUSES,
    "progress": "How much? How well? What impact? Next step",
    "lead": "Posts separated by / (joint leads) or 'with support from'",
    "owners": "People separated by ;",
    "groups": "Groups separated by ;",
    "commitment": (
        "One commitment a row. Start each pledge with a row holding only its heading, "
        "for example Pledge 1: Involve"
    ),
    "outcome": "The outcome it serves. Leave blank to continue the outcome above",
}


WIDTHS = {"code": 12, "commitment": 80, "outcome": 60}


def blank_workbook(layout: str) -> bytes:
    """An .xlsx with the layout's header row (raises KeyError for an unknown layout)."""
    columns = LAYOUTS[layout]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet, the active one
    sheet.title = layout.capitalize()
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        heading = column.label
        if column.key in GUIDANCE and not (layout == "actions" and column.key == "progress"):
            heading = f"{heading}\n{GUIDANCE[column.key]}"
        cell = sheet.cell(row=1, column=index, value=heading)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[cell.column_letter].width = WIDTHS.get(column.key, 40)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
