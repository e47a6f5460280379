"""Small workbooks built in memory for import tests (vocabulary from the council papers)."""

from __future__ import annotations

import io

from openpyxl import Workbook

TRACKER_HEADER = [
    "Theme",
    "Key Milestone",
    "Lead",
    "Deadline\nIf this column has not already been completed, please ensure the deadline is added",
    "Previous progress update\nPlease provide a brief overview following OBA principles",
    "Previous RAG Status\nPlease provide the RAG Status of the Key milestone",
    "New Deadline",
    "Progress to date\nPlease provide a brief overview following OBA principles",
    "RAG Status\nPlease provide the RAG Status of the Key milestone",
]

CCFA = [
    "<b>Overview and Scrutiny</b>",
    "Develop and promote the Councillor Call for Action (CCfA)",
    "Divisional Director SPP",
    "Mar-20",
    "A formal Councillor Call for Action process is being developed.",
    "<b>In progress</b>",
    "Nov-20",
    "A draft Councillor Call for Action has now been completed.",
    "<b>In progress</b>",
]
HUB = [
    "Members' Support",
    "Promote the Members Hub internally",
    "Divisional Director Communications and Marketing",
    "Apr-20",
    "An online form will be created so information can be submitted by service areas.",
    "In progress",
    "",
    "We held the survey in March 2020 and received one response.",
    "Completed",
]
VAWG = [
    "Community Safety",
    "Training Programme for Members on VAWG",
    "Divisional Director Community Safety",
    "May",
    "VAWG training opportunities are available to members.",
    "Completed",
]


def xlsx(rows: list[list[object]], *, sheet: str = "Tracker", title: str | None = None) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tracker(*rows: list[object], title: str = "Ward Councillor Support Framework tracker") -> bytes:
    return xlsx([TRACKER_HEADER, *rows], title=title)
