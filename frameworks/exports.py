"""Exports of a framework: JSON (everything), and the tracker layout as .xlsx or .csv.

The .xlsx imports back to the same data (`import_legacy --layout tracker`). Every text cell that
a spreadsheet could take for a formula (starting with =, +, -, @, a tab or a carriage return) is
written as text, so nothing exported can run in Excel. The .xlsx is also laid out to be sent on
and printed as it is (`tracker_xlsx_rows`): styling only, never a value the import would read.

A plan's measures (outcomes, indicators with their targets and values, maturity assessments)
follow the tracker: as sheets after it in the .xlsx, and as CSV files beside tracker.csv in the
CSV export (`csv_export`), which is a .zip because a CSV file holds one table. Both import back
whole (`frameworks.importers.measures`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from frameworks.exports_measures import Table, measures_tables
from frameworks.importers.measures import csv_name
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

# Column widths (in characters) by what a column holds: narrow for codes, statuses, deadlines and
# the percentage; wide, and wrapped, for the milestone and the two narratives. About 230
# characters in all: printed to the width of a landscape A4 page the text stays readable.
TRACKER_WIDTHS = {
    "Theme": 16,
    "Code": 8,
    "Key Milestone": 40,
    "Lead": 22,
    "Deadline": 13,
    "Previous progress update": 45,
    "Previous RAG Status": 13,
    "New Deadline": 13,
    "Progress to date": 50,
    "RAG Status": 13,
    "% complete": 9,
}
NARROW = {"Code", "Deadline", "Previous RAG Status", "New Deadline", "RAG Status", "% complete"}
STATUS_COLUMNS = ("Previous RAG Status", "RAG Status")  # in `statuses` order: (previous, now)

# A status cell as the board report's PDF tints it (static/report/print.css, `.tag-*`): (fill,
# text colour), dark text on a light tint. "UNKNOWN" is an update whose status was not understood
# or left blank; no update ("NONE") is not tinted. tests/reports/test_report_xlsx.py holds these
# to print.css.
STATUS_TINTS = {
    RAG.COMPLETED: ("CCE2D8", "005A30"),
    RAG.IN_PROGRESS: ("FFF7BF", "594D00"),
    RAG.ONGOING: ("BBD4EA", "0C2D4A"),
    RAG.OVERDUE: ("F4CDC6", "2A0B06"),
    RAG.NOT_STARTED: ("E5E6E7", "0B0C0C"),
    RAG.CANCELLED: ("E5E6E7", "0B0C0C"),
    "UNKNOWN": ("F3F2F1", "0B0C0C"),
}
HEADER_FILL = "F3F2F1"  # the PDF's table headings (print.css `th`)
HEADER_ROW = 3  # after a title and a blank row


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


def _status_cell(return_: dict[str, Any] | None) -> str:
    return status_text(return_["rag"], return_["rag_text"]) if return_ else ""


def _status_key(return_: dict[str, Any] | None) -> str:
    """The tint of an update's status: its RAG, else "UNKNOWN" for a status that was written but
    not understood, else "" (nothing written: no tint)."""
    if not return_:
        return ""
    return return_["rag"] or ("UNKNOWN" if return_["rag_text"] else "")


def tracker_rows(data: dict[str, Any], *, round: str, previous: str) -> list[list[Any]]:
    return [row for row, _ in _tracker_rows(data, round=round, previous=previous)]


def _tracker_rows(
    data: dict[str, Any], *, round: str, previous: str
) -> list[tuple[list[Any], tuple[str, str]]]:
    """Each tracker row with the tints of its (previous, current) status."""
    rows = []
    for theme in data["themes"]:
        for milestone in theme["milestones"]:
            by_round = {u["period"]: u for u in milestone["updates"]}
            before, now = by_round.get(previous), by_round.get(round)
            row = [
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
            rows.append((row, (_status_key(before), _status_key(now))))
    return rows


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert (for CSV: a leading apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(sheet, value: Any) -> Cell:
    """A workbook cell; text is stored as text, never a formula, whatever it starts with."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def tracker_xlsx(data: dict[str, Any], *, round: str, previous: str) -> bytes:
    """The tracker sheet, then a sheet per table of the plan's measures (`measures_tables`)."""
    pairs = _tracker_rows(data, round=round, previous=previous)
    return tracker_xlsx_rows(
        f"{data['framework']} – progress tracker: {round}",
        [row for row, _ in pairs],
        statuses=[status for _, status in pairs],
        tables=measures_tables(data),
    )


def tracker_xlsx_rows(
    title: str,
    rows: list[list[Any]],
    *,
    statuses: Sequence[tuple[str, str]] | None = None,
    tables: Sequence[Table] = (),
) -> bytes:
    """A tracker-layout workbook: a title row, a blank row, the headings, then `rows`; laid out to
    be sent on and printed as it is. `statuses` gives each row's (previous, current) status key
    (a RAG value, "UNKNOWN" or "") for tinting the two status cells; the words are the rows' own.

    - One sheet, with the Theme column, rather than a sheet per theme: it is the tracker layout,
      so it imports back (`import_legacy --layout tracker`); and one list sorts and filters
      across themes, while a board member after one theme picks it in the Theme filter.
    - Frozen below the headings and after Theme and Code, so the headings stay on screen going
      down and each row's theme and code stay on screen going across to the narratives.
    - An auto-filter over the headings and every row; widths by what a column holds (narrow for
      code, statuses, deadlines and %; wide and wrapped for the milestone and narratives);
      headings bold, tinted as the PDF's, wrapped.
    - Status cells tinted as the PDF's (`STATUS_TINTS`), the word kept: a tint alone does not
      survive black-and-white printing, or reach someone who cannot tell the colours apart.
    - Printed landscape on A4, fitted to the page width (as many pages long as it takes), the
      headings repeated on every page, gridlines on, "Page n of m" at the foot.

    A write-only worksheet writes its view (frozen panes), columns and page properties before
    its first row, hence all are set before `append`; the filter, print titles and page setup
    are written after the rows.
    """
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    workbook.properties.creator = "Action Tracker"
    sheet = workbook.create_sheet("Tracker")
    last = get_column_letter(len(TRACKER_HEADINGS))
    for index, heading in enumerate(TRACKER_HEADINGS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = TRACKER_WIDTHS[heading]
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4 (ECMA-376 paper size 9)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as the rows take
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.gridLines = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.oddFooter.right.text = "Page &P of &N"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(rows)}"

    heading_cell = _cell(sheet, title)  # a framework named "=…" is text too
    heading_cell.font = Font(bold=True, size=14)
    sheet.append([heading_cell])
    sheet.append([])
    header_font = Font(bold=True)
    header_fill = PatternFill(fill_type="solid", fgColor=HEADER_FILL)
    header_alignment = Alignment(wrap_text=True, vertical="top")
    header_border = Border(bottom=Side(style="medium"))
    header = []
    for heading in TRACKER_HEADINGS:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment, cell.border = header_alignment, header_border
        header.append(cell)
    sheet.append(header)

    wrap = Alignment(wrap_text=True, vertical="top")
    narrow = Alignment(wrap_text=True, vertical="top", horizontal="center")
    aligned = [
        narrow if heading in NARROW and heading not in STATUS_COLUMNS else wrap
        for heading in TRACKER_HEADINGS
    ]
    status_at = [TRACKER_HEADINGS.index(heading) for heading in STATUS_COLUMNS]
    tints = {
        key: (PatternFill(fill_type="solid", fgColor=fill), Font(bold=True, color=text))
        for key, (fill, text) in STATUS_TINTS.items()
    }
    for number, row in enumerate(rows):
        cells = []
        for column, value in enumerate(row):
            cell = _cell(sheet, value)
            if column < len(aligned):
                cell.alignment = aligned[column]
            cells.append(cell)
        for column, key in zip(status_at, statuses[number] if statuses else (), strict=False):
            if column < len(cells) and cells[column].value and key in tints:
                cells[column].fill, cells[column].font = tints[key]
        sheet.append(cells)
    for table in tables:
        _table_sheet(workbook, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_text(headings: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return buffer.getvalue()


def tracker_csv(data: dict[str, Any], *, round: str, previous: str) -> str:
    return _csv_text(TRACKER_HEADINGS, tracker_rows(data, round=round, previous=previous))


def csv_export(data: dict[str, Any], *, round: str, previous: str) -> bytes:
    """The CSV export: a .zip of CSV files (UTF-8 with a byte-order mark, which Excel needs to
    read accents), tracker.csv and one file per table of the plan's measures
    (outcomes.csv, indicators.csv, indicator-targets.csv, indicator-values.csv,
    maturity-scale.csv, maturity-standards.csv, maturity.csv). A CSV file holds one table, so
    a plan with measures is several files; one .zip is one download and one upload, and the
    import reads it as a workbook whose sheets are its files. The same data gives the same
    bytes (fixed member times)."""
    files = [("tracker.csv", tracker_csv(data, round=round, previous=previous))]
    files += [
        (csv_name(table.name), _csv_text(table.headings, table.rows))
        for table in measures_tables(data)
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8-sig"))
    return buffer.getvalue()


def _table_sheet(workbook: Workbook, table: Table) -> None:
    """A sheet of a write-only workbook holding one table: bold tinted headings, frozen below
    them, an auto-filter over every row, column widths, wrapped text; text is never a formula."""
    sheet = workbook.create_sheet(table.name)
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.headings))}{len(table.rows) + 1}"
    bold = Font(bold=True)
    fill = PatternFill(fill_type="solid", fgColor=HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    header = []
    for heading in table.headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        cells = []
        for value in row:
            cell = _cell(sheet, value)
            if isinstance(value, str):
                cell.alignment = wrap
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)


def round_dashboard_xlsx(dashboard: Any) -> bytes:
    """A round's dashboard (`selectors.RoundDashboard`) as a workbook: "Returns by post" (the
    counts per lead post) and "Returns" (each return: theme, code, milestone, lead, status as
    written, where it is in the workflow), each with bold headings, frozen below them and an
    auto-filter. Every text cell is text, never a formula."""
    round = dashboard.round
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{round.framework.name} – returns for {round.label}"
    workbook.properties.creator = "Action Tracker"
    leads: dict[int, list[dict[str, str]]] = {}
    for milestone_id, title, role in dashboard.lead_links:
        leads.setdefault(milestone_id, []).append({"post": title, "role": role})
    by_post = [
        [post.title, "; ".join(post.holders) or "Nobody", *post.numbers]
        + [post.outstanding if dashboard.is_late else 0]
        for post in dashboard.posts
    ]
    returns = [
        [
            getattr(return_, "theme_name", ""),
            return_.milestone.code,
            return_.milestone.title,
            lead_cell(leads.get(return_.milestone_id, [])),
            status_text(return_.rag, return_.rag_text),
            return_.get_state_display(),
        ]
        for return_ in dashboard.returns
    ]
    sheets = (
        (
            "Returns by post",
            [
                "Lead post",
                "Held by",
                "Due",
                "Not started",
                "Draft",
                "Returned",
                "Submitted",
                "Approved",
                "Late",
            ],  # fmt: skip
            [40, 30, 8, 12, 8, 10, 11, 10, 8],
            by_post,
        ),
        (
            "Returns",
            ["Theme", "Code", "Milestone", "Lead", "RAG status", "Return"],
            [22, 8, 60, 35, 16, 14],
            returns,
        ),
    )
    for name, headings, widths, rows in sheets:
        _table_sheet(workbook, Table(name, headings, widths, rows))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
