"""The benchmark's workbooks: the Excel-saved copy holds the same rows, written as Excel does."""

import zipfile

from frameworks.bench.imports import build_tracker_workbook, excel_saved_copy
from frameworks.importers.readers import open_source


def test_the_excel_saved_copy_has_the_same_rows_in_a_shared_string_table(tmp_path):
    written = build_tracker_workbook(tmp_path / "tracker.xlsx", 100)

    saved = excel_saved_copy(written, tmp_path / "tracker-excel.xlsx")

    def rows(path):
        return list(open_source(path.read_bytes(), filename=path.name).sheets[0].rows())

    assert rows(saved) == rows(written)
    assert len(rows(saved)) == 103  # title, blank row, header, 100 milestones
    with zipfile.ZipFile(saved) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        assert b"inlineStr" not in sheet and b't="s"' in sheet
        assert b'<dimension ref="A1:I103"/>' in sheet
        assert b"(copy 2)" in archive.read("xl/sharedStrings.xml")
