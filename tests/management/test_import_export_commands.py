import json
import struct
import zipfile

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from frameworks.models import Framework, Milestone, Return
from tests.importers.test_readers import ole2
from tests.workbooks import CCFA, HUB, TRACKER_HEADER, VAWG, tracker, xlsx

ARGS = [
    "--framework",
    "Ward Councillor Support Framework",
    "--round",
    "Q2 2020-21",
    "--previous-round",
    "Q4 2019-20",
]


def call(*args) -> tuple[int, str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def tracker_file(tmp_path):
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(tracker(CCFA, HUB, VAWG))
    return path


def test_import_json_report_and_exit_0(db, tracker_file):
    code, out, _ = call("import_legacy", str(tracker_file), *ARGS, "--json")
    assert code == 0
    report = json.loads(out)
    assert list(report)[:8] == [
        "layout",
        "sheet",
        "header_row",
        "created",
        "updated",
        "unchanged",
        "warnings",
        "errors",
    ]
    assert report["created"] == {
        "themes": 3, "milestones": 3, "posts": 3, "returns": 5, "outcomes": 0, "outcome_links": 0,
    }  # fmt: skip
    assert report["errors"] == []
    assert {"sheet", "row", "column", "message"} <= set(report["warnings"][0])


def test_dry_run_writes_nothing(db, tracker_file):
    code, out, _ = call("import_legacy", str(tracker_file), *ARGS, "--dry-run")
    assert code == 0 and "dry run" in out
    assert not Milestone.objects.exists() and not Framework.objects.exists()


def test_errors_in_the_file_exit_1(db, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(tracker(CCFA, ["Place Shaping", "", "Divisional Director SPP"]))
    code, out, _ = call("import_legacy", str(path), *ARGS)
    assert code == 1
    assert "row 5" in out and "no key milestone" in out
    assert not Milestone.objects.exists()


def zip_bomb() -> bytes:
    data = bytearray(tracker(CCFA))
    header = data.find(b"PK\x01\x02")  # first central directory entry
    struct.pack_into("<I", data, header + 24, 0xFFFFFFF0)  # claims ~4 GB uncompressed
    return bytes(data)


@pytest.mark.parametrize(
    "content, expected, phrase",
    [
        (b"%PDF-1.4 council minutes", "not_a_workbook", "PDF"),
        (b"", "empty", "empty"),
        (ole2("WordDocument"), "old_excel_format", "Word document"),
        (ole2("EncryptionInfo", "EncryptedPackage"), "password_protected", "password"),
        (zip_bomb(), "zip_bomb", "not opened"),
        (b"PK\x03\x04 truncated zip", "unreadable", ""),
    ],
    ids=["pdf", "empty", "doc", "password", "zip-bomb", "damaged"],
)
def test_unreadable_files_exit_2_and_change_nothing(db, tmp_path, content, expected, phrase):
    Framework.objects.create(name="Existing plan", slug="existing-plan")
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)
    code, out, _ = call("import_legacy", str(path), *ARGS, "--json")
    assert code == 2
    result = json.loads(out)
    assert result["code"] == expected
    assert phrase in result["errors"][0]["message"]
    assert list(Framework.objects.values_list("name", flat=True)) == ["Existing plan"]


@pytest.mark.parametrize(
    "rows, args, phrase",
    [
        ([["Minutes"], ["Apologies"]], [], "No recognisable header row"),
        (
            [TRACKER_HEADER[:2] + TRACKER_HEADER[3:], CCFA[:2] + CCFA[3:]],
            ["--layout", "tracker"],
            "Required column “Lead”",
        ),
    ],
    ids=["no-header", "missing-column"],
)
def test_files_without_a_usable_header_exit_1(db, tmp_path, rows, args, phrase):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx(rows))
    code, out, _ = call("import_legacy", str(path), *ARGS, *args)
    assert code == 1 and phrase in out
    assert not Framework.objects.exists()


def test_too_many_rows_exits_2(db, tracker_file):
    code, _, err = call("import_legacy", str(tracker_file), *ARGS, "--max-rows", "4")
    assert code == 2 and "rows" in err
    assert not Framework.objects.exists()


def test_too_large_exits_2(db, tracker_file):
    code, _, err = call("import_legacy", str(tracker_file), *ARGS, "--max-mb", "0.001")
    assert code == 2 and "limit" in err
    assert not Framework.objects.exists()


def test_missing_file_exits_2(db, tmp_path):
    code, _, err = call("import_legacy", str(tmp_path / "nope.xlsx"), *ARGS)
    assert code == 2 and "Cannot open" in err


def test_export_json_shape(db, tracker_file, capsysbinary):
    call("import_legacy", str(tracker_file), *ARGS)
    call_command(
        "export_framework", "--framework", "Ward Councillor Support Framework", "--format", "json"
    )
    data = json.loads(capsysbinary.readouterr().out)
    assert data["framework"] == "Ward Councillor Support Framework"
    milestone = data["themes"][0]["milestones"][0]
    assert set(milestone) == {
        "code",
        "title",
        "existing_activity",
        "source_reference",
        "leads",
        "deadline",
        "revised_deadline",
        "monitoring_groups",
        "risk",
        "updates",
        "outcomes",
    }
    assert milestone["leads"] == [{"post": "Divisional Director SPP", "role": "LEAD"}]
    assert set(milestone["deadline"]) == {"text", "date", "precision", "kind"}
    assert milestone["revised_deadline"]["text"] == "Nov-20"
    assert milestone["source_reference"] == "tracker.xlsx, sheet Tracker, row 4"
    assert milestone["outcomes"] == []  # the tracker serves no outcome
    assert set(data) >= {"indicators", "maturity"}
    assert set(milestone["updates"][0]) == {
        "period",
        "rag",
        "rag_text",
        "narrative",
        "new_deadline",
        "percent_complete",
        "state",
    }


def test_xlsx_export_imports_back_to_the_same_data(db, tracker_file, tmp_path, capsysbinary):
    call("import_legacy", str(tracker_file), *ARGS)
    exported = tmp_path / "export.xlsx"
    call_command(
        "export_framework",
        "--framework",
        "Ward Councillor Support Framework",
        "--format",
        "xlsx",
        "--output",
        str(exported),
    )
    code, out, _ = call(
        "import_legacy",
        str(exported),
        "--framework",
        "Copy",
        "--round",
        "Q2 2020-21",
        "--previous-round",
        "Q4 2019-20",
    )
    assert code == 0, out
    capsysbinary.readouterr()
    call_command(
        "export_framework", "--framework", "Ward Councillor Support Framework", "--format", "json"
    )
    original = json.loads(capsysbinary.readouterr().out)
    call_command("export_framework", "--framework", "Copy", "--format", "json")
    copy = json.loads(capsysbinary.readouterr().out)

    def without_source(data):  # where each milestone came from is the one difference
        return [
            [{**m, "source_reference": ""} for m in theme["milestones"]] for theme in data["themes"]
        ]

    assert without_source(copy) == without_source(original)


def test_exports_neutralise_formulas(db, tmp_path, capsysbinary):
    path = tmp_path / "t.xlsx"
    path.write_bytes(tracker(HUB))
    assert call("import_legacy", str(path), *ARGS)[0] == 0
    # As an officer might type it into the update form.
    Return.objects.filter(round__label="Q2 2020-21").update(
        narrative='=HYPERLINK("http://evil.example","click")'
    )
    out = tmp_path / "export.xlsx"
    call_command(
        "export_framework",
        "--framework",
        "Ward Councillor Support Framework",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    sheet = load_workbook(out).active
    cell = next(
        c
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    )
    assert cell.data_type == "s"
    bundle = tmp_path / "export.zip"  # the CSV export: tracker.csv (and any measures' files)
    call_command(
        "export_framework",
        "--framework",
        "Ward Councillor Support Framework",
        "--format",
        "csv",
        "--output",
        str(bundle),
    )
    with zipfile.ZipFile(bundle) as archive:
        text = archive.read("tracker.csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_unknown_framework_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no framework called"):
        call_command("export_framework", "--framework", "Nope", "--format", "json")
