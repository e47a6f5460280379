"""The import benchmark's tools: the Excel-saved copy of a workbook, and the write floor."""

import zipfile

from frameworks.bench.imports import (
    _captured_writes,
    _import,
    build_tracker_workbook,
    excel_saved_copy,
    write_seconds,
)
from frameworks.importers.readers import open_source
from frameworks.models import Milestone, ProgressUpdate


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


def test_the_write_floor_writes_the_imports_rows_again_and_leaves_nothing(db, tmp_path):
    written = build_tracker_workbook(tmp_path / "tracker.xlsx", 30)
    with _captured_writes() as writes:
        _import(written)
    counts = {model.__name__: len(objects) for model, _, objects, _ in writes}

    seconds = write_seconds(writes)

    assert counts["Milestone"] == counts["HistoricalMilestone"] == 30
    assert counts["ProgressUpdate"] == counts["HistoricalProgressUpdate"] > 0
    assert seconds > 0
    assert not Milestone.objects.exists() and not ProgressUpdate.history.exists()
