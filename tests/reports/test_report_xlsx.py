"""The report's spreadsheet as democratic services send it on: one sheet in the tracker layout
(it imports back), headings frozen and filtered, widths by content, statuses tinted as in the
PDF with their words kept, and set to print landscape on A4."""

import io
import re

import pytest
from openpyxl import load_workbook

from frameworks import exports, selectors
from frameworks.domain.status import NO_STATUS
from frameworks.models import Framework
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import PRINT_CSS, _status_word, render_xlsx
from frameworks.services.imports import legacy_import
from tests.reports import test_board_report as board_report
from tests.services.test_import_rules import snapshot as database_state

# The demo framework and its Q2 2020-21 board report, as the board report's own tests make them.
demo = board_report.demo
report = board_report.report

HEADER_ROW = 3
COLUMN = {heading: index for index, heading in enumerate(exports.TRACKER_HEADINGS, start=1)}


def letter(heading: str) -> str:
    return "ABCDEFGHIJK"[COLUMN[heading] - 1]


@pytest.fixture
def snapshot(report):
    return build_snapshot(report=report)


@pytest.fixture
def sheet(snapshot):
    workbook = load_workbook(io.BytesIO(render_xlsx(snapshot)))
    assert workbook.sheetnames == ["Tracker"]  # one sheet, with a Theme column
    return workbook.active


def milestones(snapshot) -> list[dict]:
    return [row for theme in snapshot["themes"] for row in theme["milestones"]]


def rgb(colour) -> str:
    return colour.rgb[-6:].upper()


def test_headings_are_frozen_filtered_styled_and_columns_sized_by_content(snapshot, sheet):
    rows = milestones(snapshot)
    assert len(rows) == 73
    assert [cell.value for cell in sheet[HEADER_ROW]] == exports.TRACKER_HEADINGS
    assert sheet.freeze_panes == "C4"  # below the headings, after Theme and Code
    assert sheet.auto_filter.ref == f"A3:K{HEADER_ROW + len(rows)}"
    assert sheet.max_row == HEADER_ROW + len(rows)
    for cell in sheet[HEADER_ROW]:
        assert cell.font.bold and cell.alignment.wrap_text
        assert rgb(cell.fill.fgColor) == exports.HEADER_FILL
    width = {h: sheet.column_dimensions[letter(h)].width for h in exports.TRACKER_HEADINGS}
    for narrow in ("Code", "RAG Status", "Previous RAG Status", "% complete", "Deadline"):
        assert width[narrow] <= 14, narrow
    for wide in ("Key Milestone", "Previous progress update", "Progress to date"):
        assert width[wide] >= 40, wide
    first = HEADER_ROW + 1
    for heading in ("Key Milestone", "Progress to date"):
        assert sheet[f"{letter(heading)}{first}"].alignment.wrap_text
    themes = {sheet.cell(row=r, column=1).value for r in range(first, sheet.max_row + 1)}
    assert themes == {theme["name"] for theme in snapshot["themes"]}
    assert sheet.cell(row=1, column=1).value.startswith(snapshot["framework"])


def test_it_prints_landscape_on_a4_to_the_page_width_with_the_headings_on_every_page(sheet):
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (int(sheet.page_setup.fitToWidth), int(sheet.page_setup.fitToHeight)) == (1, 0)
    assert sheet.print_title_rows == "$3:$3"
    assert "&P" in sheet.oddFooter.right.text


def test_status_cells_are_tinted_as_the_pdf_and_keep_their_words(snapshot, sheet):
    seen = set()
    for number, row in enumerate(milestones(snapshot), start=HEADER_ROW + 1):
        for heading, key, raw, shown in (
            ("RAG Status", row["rag"], row["rag_text"], not row["carried_from"]),
            ("Previous RAG Status", row["previous_rag"], row["previous_rag_text"], True),
        ):
            cell = sheet[f"{letter(heading)}{number}"]
            word = _status_word(key, raw) if shown else ""
            assert (cell.value or "") == word  # the word is kept, as written
            if word and key in exports.STATUS_TINTS:
                fill, text = exports.STATUS_TINTS[key]
                assert (rgb(cell.fill.fgColor), rgb(cell.font.color)) == (fill, text), cell
                assert cell.font.bold
                seen.add((heading, key))
            else:
                assert cell.fill.fill_type is None, cell
    for key in ("COMPLETED", "IN_PROGRESS", "ONGOING", "OVERDUE"):
        assert ("RAG Status", key) in seen, key
    assert ("Previous RAG Status", "OVERDUE") in seen
    overdue = next(
        number
        for number, row in enumerate(milestones(snapshot), start=HEADER_ROW + 1)
        if row["rag"] == "OVERDUE"
    )
    cell = sheet[f"J{overdue}"]
    assert cell.value == "Overdue" and rgb(cell.fill.fgColor) == "F4CDC6"
    assert rgb(cell.font.color) == "2A0B06"  # dark text on the light red


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_tints_are_the_pdfs_and_the_text_on_them_keeps_contrast():
    css = {}
    for selectors_text, body in re.findall(r"((?:\.tag-[A-Z_]+,?\s*)+)\{([^}]*)\}", PRINT_CSS):
        background = re.search(r"background:\s*#([0-9a-fA-F]{6})", body)
        colour = re.search(r"(?<![-\w])color:\s*#([0-9a-fA-F]{6})", body)
        for key in re.findall(r"\.tag-([A-Z_]+)", selectors_text):
            if background and colour:
                css[key] = (background[1].upper(), colour[1].upper())
    assert set(exports.STATUS_TINTS) == set(css)  # NONE (no update) has no tint in either
    for key, (fill, text) in exports.STATUS_TINTS.items():
        assert css[key] == (fill, text), key
        lighter, darker = sorted((_luminance(fill), _luminance(text)), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, key  # WCAG AA for normal text
    assert NO_STATUS in exports.STATUS_TINTS


def test_the_report_spreadsheet_imports_back_with_no_changes(demo, snapshot):
    before = database_state(demo)
    result = legacy_import(
        data=render_xlsx(snapshot),
        file_name="report.xlsx",
        framework_name=demo.name,
        round_label=snapshot["period"],
        previous_round_label=snapshot["previous_period"],
    )
    assert result.ok, result.errors
    assert (result.changes, result.conflicts, result.kept) == ([], [], [])
    assert database_state(demo) == before


def test_framework_exports_get_the_same_layout(demo):
    framework = Framework.objects.get(pk=demo.pk)
    data = selectors.framework_export_data(framework=framework)
    sheet = load_workbook(
        io.BytesIO(exports.tracker_xlsx(data, round="Q2 2020-21", previous="Q4 2019-20"))
    ).active
    rows = sum(len(theme["milestones"]) for theme in data["themes"])
    assert sheet.freeze_panes == "C4" and sheet.auto_filter.ref == f"A3:K{3 + rows}"
    tinted = {
        rgb(sheet[f"J{n}"].fill.fgColor)
        for n in range(4, 4 + rows)
        if sheet[f"J{n}"].fill.fill_type == "solid"
    }
    assert {"CCE2D8", "FFF7BF", "BBD4EA"} <= tinted


def test_a_title_a_spreadsheet_would_run_as_a_formula_is_text():
    sheet = load_workbook(io.BytesIO(exports.tracker_xlsx_rows("=1+1", []))).active
    assert sheet["A1"].value == "=1+1" and sheet["A1"].data_type == "s"
    assert sheet.auto_filter.ref == "A3:K3"
