"""The import benchmark's tools: the workbook, the django-import-export baseline beside our
importer, the clean-up after a measured import, and the percentile."""

import zipfile

import pytest

from bench import import_export_baseline as baseline
from bench import percentile
from bench.imports import (
    PERIOD,
    PREFIX,
    PREVIOUS_PERIOD,
    build_tracker_workbook,
    delete_framework,
    history_rows,
    in_process,
    written,
)
from frameworks.importers.readers import open_source
from frameworks.models import Framework, Milestone, Post, Return


def _rows(path):
    return list(open_source(path.read_bytes(), filename=path.name).sheets[0].rows())


def test_the_workbook_has_the_rows_asked_for_in_a_shared_string_table(tmp_path):
    path = build_tracker_workbook(tmp_path / "tracker.xlsx", 100)

    rows = [cells for _, cells in _rows(path)]
    assert len(rows) == 103  # title, blank row, header, 100 milestones
    assert rows[3][1].endswith("(copy 1)") and rows[-1][1].endswith("(copy 2)")
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        assert b"inlineStr" not in sheet and b't="s"' in sheet
        assert b"(copy 2)" in archive.read("xl/sharedStrings.xml")
    # tablib (openpyxl), as django-import-export reads it, sees the same 100 milestones.
    flat = baseline.datasets(
        path.read_bytes(), framework="F", round=PERIOD, previous_round=PREVIOUS_PERIOD
    )
    assert len(flat["milestones"]) == 100


def test_the_previous_rounds_workbook_leaves_the_current_round_blank(tmp_path):
    path = build_tracker_workbook(tmp_path / "before.xlsx", 10, current_round=False)

    data = [cells for _, cells in _rows(path)][3:]
    assert len(data) == 10
    assert not any(value for cells in data for value in cells[6:9])
    assert any(cells[4] for cells in data)  # the previous round is there


def test_the_baseline_writes_what_our_importer_writes(db, tmp_path):
    path = build_tracker_workbook(tmp_path / "tracker.xlsx", 12)
    ours = in_process(path, 12, f"{PREFIX}ours")
    assert [s["stage"] for s in ours["stages"]][0] == "Reading the file"
    assert ours["stages"][-1]["stage"] == "Done"
    assert not Framework.objects.filter(name=f"{PREFIX}ours").exists()  # deleted after

    history = history_rows()
    imported = baseline.import_tracker(
        path.read_bytes(),
        framework_name=f"{PREFIX}theirs",
        round_label=PERIOD,
        previous_round_label=PREVIOUS_PERIOD,
    )
    theirs = written(f"{PREFIX}theirs", history)

    assert imported["milestones"] == 12
    for count in ("themes", "milestones", "returns"):
        assert theirs[count] == ours["written"][count], count
    # Each row written has its history row (and theirs saves the shared posts again).
    rows = sum(theirs[k] for k in ("themes", "milestones", "leads", "returns"))
    assert theirs["history"] >= rows + 3  # the framework and its two rounds too


def test_deleting_a_bench_framework_leaves_no_rows_and_no_history(db, tmp_path):
    path = build_tracker_workbook(tmp_path / "tracker.xlsx", 5)
    history, posts = history_rows(), Post.history.count()
    baseline.import_tracker(
        path.read_bytes(),
        framework_name=f"{PREFIX}x",
        round_label=PERIOD,
        previous_round_label=PREVIOUS_PERIOD,
    )
    assert Milestone.objects.count() == 5

    delete_framework(f"{PREFIX}x")

    assert not Framework.objects.exists() and not Milestone.objects.exists()
    assert not Return.history.exists() and not Milestone.history.exists()
    # Posts are shared: they and their history stay.
    assert history_rows() == history + Post.history.count() - posts


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        (list(range(1, 21)), 95, 19),  # nearest rank: the 19th of 20
        (list(range(1, 21)), 50, 10),
        ([7.25], 95, 7.2),
        ([3, 1, 2], 100, 3),
        ([], 95, 0.0),
    ],
)
def test_percentile_is_the_nearest_rank(values, q, expected):
    assert percentile(values, q) == expected
