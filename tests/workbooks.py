"""Small workbooks built in memory for import tests (vocabulary from the council papers)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape as xml_escape

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


# OpenDocument spreadsheets (.ods), written by hand: no library writes them here ----------------
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def ods_cell(value: object) -> str:
    """One `<table:table-cell>`: str, bool, int, float, date, datetime, timedelta or None."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        kind, attrs = "boolean", f'office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, int | float):
        kind, attrs = "float", f'office:value="{value}"'
    elif isinstance(value, dt.datetime | dt.date):
        kind, attrs = "date", f'office:date-value="{value.isoformat()}"'
    elif isinstance(value, dt.timedelta):
        minutes, seconds = divmod(int(value.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        kind, attrs = "time", f'office:time-value="PT{hours:02d}H{minutes:02d}M{seconds:02d}S"'
    else:
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{xml_escape(str(value))}</text:p></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="{kind}" {attrs}/>'


def ods(sheets: dict[str, list[list[object]]], *, content: str | None = None, manifest="") -> bytes:
    """An .ods with one table per item (rows in order, [] a blank row), or the given tables'
    XML as `content`; `manifest` is added to META-INF/manifest.xml's first file entry."""
    if content is None:
        content = "".join(
            f'<table:table table:name="{xml_escape(name)}">'
            + "".join(
                "<table:table-row>" + "".join(map(ods_cell, row or [None])) + "</table:table-row>"
                for row in rows
            )
            + "</table:table>"
            for name, rows in sheets.items()
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{content}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest_xml = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        f'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        f'manifest:media-type="{ODS_MIMETYPE}"/><manifest:file-entry '
        f'manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest}'
        "</manifest:file-entry></manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest_xml, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", document, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
