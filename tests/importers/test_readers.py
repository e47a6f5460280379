"""Tests for frameworks.importers.readers (pure: no database).

Files are built in memory (openpyxl for xlsx, xlwt for xls, by hand for ods and OLE2), except
data/plan.xlsb: no Python library here writes an .xlsb, so that small one was written once with
pyxlsbwriter 0.1.0 (sheet "Actions": a blank row 1, a header, two rows; sheet "Notes": one row).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import pickle
import random
import struct
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from frameworks.importers.readers import (
    ImportFileError,
    Limits,
    Sheet,
    Source,
    open_source,
)
from tests.workbooks import ods

MB = 1024 * 1024
DATA = Path(__file__).parent / "data"


# Builders ----------------------------------------------------------------------------------------
def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx with one worksheet per item, rows appended in order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, add=None) -> bytes:
    """A copy of a zip with some members replaced and others added (name → bytes)."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            payload = replace.get(info.filename, src.read(info))
            dst.writestr(info.filename, payload, compress_type=zipfile.ZIP_DEFLATED)
        for name, payload in (add or {}).items():
            dst.writestr(name, payload, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def xls(sheets: dict[str, dict[tuple[int, int], object]]) -> bytes:
    """An .xls (Excel 97-2003) with one sheet per item: {(row, column) 0-based: value}.

    A date/datetime gets a date format; a timedelta is written as days with an [h]:mm:ss format.
    """
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    formats = {
        dt.datetime: xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm"),
        dt.date: xlwt.easyxf(num_format_str="yyyy-mm-dd"),
        dt.timedelta: xlwt.easyxf(num_format_str="[h]:mm:ss"),
    }
    for title, cells in sheets.items():
        worksheet = book.add_sheet(title)
        for (row, column), value in cells.items():
            if isinstance(value, dt.timedelta):
                worksheet.write(row, column, value / dt.timedelta(days=1), formats[dt.timedelta])
            elif type(value) in formats:
                worksheet.write(row, column, value, formats[type(value)])
            else:
                worksheet.write(row, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return out.getvalue()


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
NOSTREAM = FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD


def ole2(*stream_names: str) -> bytes:
    """A minimal valid OLE2 compound file (v3, 512-byte sectors) with these empty streams.

    Sector 0 is the FAT, sectors 1… the directory; the root's child is the first stream and the
    streams are chained as right siblings.
    """

    def entry(name: str, kind: int, *, right: int = NOSTREAM, child: int = NOSTREAM) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            raw, len(raw), kind, 1, NOSTREAM, right, child, bytes(16), 0, 0, 0, ENDOFCHAIN, 0,
        )  # fmt: skip

    entries = [entry("Root Entry", 5, child=1 if stream_names else NOSTREAM)]
    for number, name in enumerate(stream_names, 1):
        last = number == len(stream_names)
        entries.append(entry(name, 2, right=NOSTREAM if last else number + 1))
    while len(entries) % 4:
        entries.append(bytes(128))  # unused entry
    dir_sectors = len(entries) // 4
    fat = [FATSECT, *range(2, dir_sectors + 1), ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_MAGIC, bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0,
    )  # fmt: skip
    header += struct.pack("<109I", 0, *[FREESECT] * 108)
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + b"".join(entries)


def ole2_mini(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file (v3) with up to three streams, each under 4096 bytes and so in the
    mini stream. Sector 0 is the FAT, 1 the directory, 2 the mini FAT, 3… the mini stream."""
    mini, mini_fat, entries = b"", [], []
    for number, (name, payload) in enumerate(streams.items(), 1):
        count = -(-len(payload) // 64)
        start = len(mini_fat) if count else ENDOFCHAIN
        mini_fat += [*range(len(mini_fat) + 1, len(mini_fat) + count), ENDOFCHAIN][:count]
        mini += payload.ljust(count * 64, b"\0")
        right = number + 1 if number < len(streams) else NOSTREAM
        entries.append((name, 2, right, NOSTREAM, start, len(payload)))
    container = -(-len(mini) // 512)
    entries.insert(0, ("Root Entry", 5, NOSTREAM, 1, 3 if container else ENDOFCHAIN, len(mini)))
    directory = b"".join(
        struct.pack(
            "<64sHBBIII16sIQQIQ",
            (raw := name.encode("utf-16-le") + b"\0\0"),
            len(raw),
            kind,
            1,
            NOSTREAM,
            right,
            child,
            bytes(16),
            0,
            0,
            0,
            start,
            size,
        )  # fmt: skip
        for name, kind, right, child, start, size in entries
    ).ljust(512, b"\0")
    fat = [FATSECT, ENDOFCHAIN, ENDOFCHAIN, *range(4, 3 + container), ENDOFCHAIN][: 3 + container]
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_MAGIC, bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, 1, 1, 0, 4096, 2, 1, ENDOFCHAIN, 0,
    ) + struct.pack("<109I", 0, *[FREESECT] * 108)  # fmt: skip
    return (
        header
        + struct.pack("<128I", *fat, *[FREESECT] * (128 - len(fat)))
        + directory
        + struct.pack("<128I", *mini_fat, *[FREESECT] * (128 - len(mini_fat)))
        + mini.ljust(container * 512, b"\0")
    )


def biff(*cells: tuple[int, int], dimensions: tuple[int, int, int, int] | None = None) -> bytes:
    """An .xls workbook stream (BIFF8): the workbook globals (naming one sheet), then the sheet
    with its DIMENSIONS (first row, last row + 1, first column, last column + 1) if given and a
    NUMBER record at each (row, column)."""

    def record(kind: int, payload: bytes = b"") -> bytes:
        return struct.pack("<HH", kind, len(payload)) + payload

    bof = record(0x0809, struct.pack("<HH", 0x0600, 0x0005).ljust(16, b"\0"))
    sheet_bof = record(0x0809, struct.pack("<HH", 0x0600, 0x0010).ljust(16, b"\0"))
    numbers = b"".join(record(0x0203, struct.pack("<HHHd", *cell, 15, 1.0)) for cell in cells)
    if dimensions:
        numbers = record(0x0200, struct.pack("<IIHHH", *dimensions, 0)) + numbers
    sheet_at = len(bof) + 18 + 4  # after the globals: BOF, BOUNDSHEET, EOF
    bound_sheet = record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 6, 0) + b"Sheet1")
    assert len(bound_sheet) == 18
    return bof + bound_sheet + record(0x000A) + sheet_bof + numbers + record(0x000A)


def refused(data: bytes, code: str, *phrases: str, filename="plan.xlsx", **limits) -> str:
    """Assert open_source refuses `data` with `code`, a message with `phrases` and an action."""
    with pytest.raises(ImportFileError) as caught:
        open_source(data, filename=filename, limits=Limits(**limits))
    return check_error(caught.value, code, *phrases)


def check_error(error: ImportFileError, code: str, *phrases: str) -> str:
    assert error.code == code, error.message
    assert str(error) == error.message
    for phrase in phrases:
        assert phrase in error.message
    assert "upload" in error.message.lower() or "save" in error.message.lower()
    return error.message


def rows(sheet: Sheet) -> list[tuple[int, tuple[object, ...]]]:
    return list(sheet.rows())


# xlsx ------------------------------------------------------------------------------------------
def test_xlsx_round_trip_values_dates_numbers_blanks_and_sheet_order():
    workbook = Workbook()
    actions = workbook.active
    actions.title = "Actions"
    actions.append(["Ref", "Action", "Deadline", "Budget", "Progress", "Done", "Meets at"])
    actions.append(["A1", "Improve housing", dt.date(2024, 3, 31), 10000, 0.78, True, dt.time(9)])
    # Excel stores no time zone: a date cell comes back as a date, a date and time as a naive
    # datetime.
    actions.append(["A2", None, dt.datetime(2025, 1, 2, 14, 30), -2.5, None, False])  # noqa: DTZ001
    actions["J2"].font = Font(bold=True)  # a styled empty cell: written, then trimmed
    actions["A5"] = "after a gap"  # row 4 is missing from the XML
    actions["C6"].font = Font(bold=True)  # a row of blank (styled) cells only
    notes = workbook.create_sheet("Notes")
    notes.append(["Written by", "Policy team"])
    workbook.create_sheet("Blank")
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()

    source = open_source(data, filename="Council Plan 2024.xlsx")

    assert isinstance(source, Source)
    assert (source.filename, source.kind, source.size) == (
        "Council Plan 2024.xlsx",
        "xlsx",
        len(data),
    )
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert [sheet.name for sheet in source.sheets] == ["Actions", "Notes", "Blank"]
    assert rows(source.sheets[0]) == [
        (1, ("Ref", "Action", "Deadline", "Budget", "Progress", "Done", "Meets at")),
        (2, ("A1", "Improve housing", dt.date(2024, 3, 31), 10000, 0.78, True, dt.time(9))),
        (3, ("A2", None, dt.datetime(2025, 1, 2, 14, 30), -2.5, None, False)),  # noqa: DTZ001
        (4, ()),
        (5, ("after a gap",)),
    ]  # row 6 has only blank (styled) cells: the sheet's rows end at row 5
    assert rows(source.sheets[1]) == [(1, ("Written by", "Policy team"))]
    assert rows(source.sheets[2]) == []


def test_the_same_sheet_streams_again_from_the_start_even_interleaved():
    data = xlsx({"Actions": [[f"A{i}", i] for i in range(1, 301)]})
    sheet = open_source(data, filename="plan.xlsx").sheets[0]

    first, second = rows(sheet), rows(sheet)

    assert first == second
    assert first[0] == (1, ("A1", 1)) and first[-1] == (300, ("A300", 300))
    assert list(zip(sheet.rows(), sheet.rows(), strict=True)) == [(row, row) for row in first]


def test_xlsx_rows_do_not_trust_a_wrong_stored_dimension():
    data = xlsx({"Actions": [["a"], ["b"], ["c"]]})
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:A3"' in sheet_xml
    data = rezip(
        data,
        replace={"xl/worksheets/sheet1.xml": sheet_xml.replace(b'ref="A1:A3"', b'ref="A1"')},
    )

    sheet = open_source(data, filename="plan.xlsx").sheets[0]

    assert rows(sheet) == [(1, ("a",)), (2, ("b",)), (3, ("c",))]


def test_xlsx_formulas_give_their_cached_value_and_durations_become_text():
    formula_sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>4</v></c>'
        b"</row></sheetData></worksheet>"
    )
    data = rezip(
        xlsx({"Actions": [["x"]], "Times": [[dt.timedelta(hours=36), dt.timedelta(minutes=90)]]}),
        replace={"xl/worksheets/sheet1.xml": formula_sheet},
    )

    actions, times = open_source(data, filename="plan.xlsx").sheets

    assert rows(actions) == [(1, (2, 4))]
    assert rows(times) == [(1, ("36:00:00", "1:30:00"))]


def test_content_wins_over_the_file_name():
    workbook = xlsx({"Actions": [["Ref", "Action"], ["A1", "Plant trees"]]})
    as_csv = open_source(workbook, filename="plan.csv")
    assert as_csv.kind == "xlsx"
    assert [sheet.name for sheet in as_csv.sheets] == ["Actions"]
    assert rows(as_csv.sheets[0])[1] == (2, ("A1", "Plant trees"))

    as_xlsx = open_source(b"Ref,Action\nA1,Plant trees\n", filename="plan.xlsx")
    assert as_xlsx.kind == "csv"
    assert [sheet.name for sheet in as_xlsx.sheets] == ["plan"]
    assert rows(as_xlsx.sheets[0]) == [(1, ("Ref", "Action")), (2, ("A1", "Plant trees"))]


def test_xlsx_row_numbers_and_columns_keep_their_place_when_the_data_starts_below_a1():
    workbook = Workbook()
    workbook.active.title = "Actions"
    workbook.active["C3"] = "Ref"
    workbook.active["D3"] = "Action"
    workbook.active["B5"] = "A1"
    buffer = io.BytesIO()
    workbook.save(buffer)

    sheet = open_source(buffer.getvalue(), filename="plan.xlsx").sheets[0]

    assert rows(sheet) == [
        (1, ()),
        (2, ()),
        (3, (None, None, "Ref", "Action")),
        (4, ()),
        (5, (None, "A1")),
    ]


def test_xlsx_whole_numbers_are_ints_and_other_numbers_floats():
    sheet_xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1"><v>4.0</v></c><c r="B1"><v>-3</v></c>'
        b'<c r="C1"><v>0.5</v></c><c r="D1"><v>1E+3</v></c><c r="E1" t="b"><v>1</v></c>'
        b"</row></sheetData></worksheet>"
    )
    data = rezip(xlsx({"Actions": [["x"]]}), replace={"xl/worksheets/sheet1.xml": sheet_xml})

    values = rows(open_source(data, filename="plan.xlsx").sheets[0])[0][1]

    assert values == (4, -3, 0.5, 1000, True)
    assert [type(value) for value in values] == [int, int, float, int, bool]


def test_xlsx_chart_sheets_are_left_out():
    workbook = Workbook()
    workbook.active.title = "Actions"
    workbook.active["A1"] = "Ref"
    workbook.create_chartsheet("Chart")
    buffer = io.BytesIO()
    workbook.save(buffer)

    source = open_source(buffer.getvalue(), filename="plan.xlsx")

    assert [sheet.name for sheet in source.sheets] == ["Actions"]


@pytest.mark.parametrize(
    ("value", "number_format"),
    [(-1e15, "yyyy-mm-dd"), (1e300, "[h]:mm:ss")],
    ids=["date", "duration"],
)
def test_xlsx_date_or_duration_out_of_range_is_unreadable_at_its_row(value, number_format):
    workbook = Workbook()
    workbook.active.title = "Actions"
    workbook.active.append(["Ref", "Deadline"])
    workbook.active.append(["A1", value])
    workbook.active["B2"].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = open_source(buffer.getvalue(), filename="plan.xlsx").sheets[0]

    with pytest.raises(ImportFileError) as caught:
        rows(sheet)

    check_error(caught.value, "unreadable", 'A cell in row 2 of the sheet "Actions"', "####")


# Other workbook formats: xls, xlsb, ods ----------------------------------------------------------
def test_xls_is_read():
    data = xls(
        {
            "Actions": {
                (2, 1): "Ref",
                (2, 2): "Deadline",
                (3, 1): "A1",
                (3, 2): dt.date(2024, 3, 31),
                (3, 3): 4,
                (3, 4): 2.5,
                (3, 5): True,
                (4, 2): dt.datetime(2025, 1, 2, 14, 30),  # noqa: DTZ001
                (4, 3): dt.timedelta(hours=36),
            },
            "Blank": {},
        }
    )
    assert data.startswith(OLE_MAGIC)

    source = open_source(data, filename="plan.xlsx")

    assert (source.kind, source.size) == ("xls", len(data))
    assert [sheet.name for sheet in source.sheets] == ["Actions", "Blank"]
    assert rows(source.sheets[0]) == [
        (1, ()),
        (2, ()),
        (3, (None, "Ref", "Deadline")),
        (4, (None, "A1", dt.date(2024, 3, 31), 4, 2.5, True)),
        (5, (None, None, dt.datetime(2025, 1, 2, 14, 30), "36:00:00")),  # noqa: DTZ001
    ]
    assert rows(source.sheets[1]) == []


def test_xls_encrypted_with_a_password_is_password_protected():
    data = bytearray(xls({"Actions": {(0, 0): "x"}}))
    bof = data.find(b"\x09\x08\x10\x00")  # the workbook stream's BOF record (BIFF8)
    assert data[bof + 20 : bof + 22] == b"\xe1\x00"  # then INTERFACEHDR: make it a FILEPASS
    data[bof + 20 : bof + 22] = b"\x2f\x00"

    refused(bytes(data), "password_protected", "password-protected", filename="plan.xls")


def test_xlsb_is_read():
    data = (DATA / "plan.xlsb").read_bytes()

    source = open_source(data, filename="plan.xlsb")

    assert source.kind == "xlsb"
    assert [sheet.name for sheet in source.sheets] == ["Actions", "Notes"]
    assert rows(source.sheets[0]) == [
        (1, ()),
        (2, ("Ref", "Action", "Deadline", "Budget", "Done")),
        (3, ("A1", "Plant trees", dt.date(2024, 3, 31), 10000, True)),
        (4, ("A2", None, dt.datetime(2025, 1, 2, 14, 30), 2.5, False)),  # noqa: DTZ001
    ]
    assert rows(source.sheets[1]) == [(1, ("Written by", "Policy team"))]


def test_ods_is_read():
    data = ods(
        {
            "Actions": [
                [],
                [None, "Ref", "Action", "Deadline", "Budget", "Done", "Meets for"],
                [
                    None,
                    "A1",
                    "Café & <b>",
                    dt.date(2024, 3, 31),
                    10000,
                    True,
                    dt.timedelta(hours=36),
                ],
                [None, "A2", None, dt.datetime(2025, 1, 2, 14, 30), 2.5, False],  # noqa: DTZ001
            ],
            "Notes": [["Written by", "Policy team"]],
        }
    )

    source = open_source(data, filename="plan.xlsx")

    assert source.kind == "ods"
    assert [sheet.name for sheet in source.sheets] == ["Actions", "Notes"]
    assert rows(source.sheets[0]) == [
        (1, ()),
        (2, (None, "Ref", "Action", "Deadline", "Budget", "Done", "Meets for")),
        (3, (None, "A1", "Café & <b>", dt.date(2024, 3, 31), 10000, True, "36:00:00")),
        (4, (None, "A2", None, dt.datetime(2025, 1, 2, 14, 30), 2.5, False)),  # noqa: DTZ001
    ]
    assert rows(source.sheets[1]) == [(1, ("Written by", "Policy team"))]


def test_ods_saved_with_a_password_is_password_protected():
    data = ods(
        {"Actions": [["x"]]},
        manifest='<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>',
    )

    refused(data, "password_protected", "password-protected", "LibreOffice", filename="p.ods")


def test_unreadable_damaged_ods():
    data = ods({}, content='<table:table table:name="Actions"><table:table-row>')

    refused(data, "unreadable", "damaged", filename="plan.ods")


# CSV -------------------------------------------------------------------------------------------
def test_csv_utf8_cells_are_stripped_and_blank_cells_are_none():
    data = (
        "Ref,Action,Lead,Notes\r\n"
        "A1,  Improve housing  ,Director SPP,\r\n"
        "\r\n"
        'A2,"Quoted, with a comma","",\r\n'
        'A3,"Two\nlines",,  x  \r\n'
        "A4,Café ✓\r\n"
    ).encode()

    source = open_source(data, filename="uploads/action plan.csv")

    assert (source.kind, source.size) == ("csv", len(data))
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert [sheet.name for sheet in source.sheets] == ["action plan"]
    assert rows(source.sheets[0]) == [
        (1, ("Ref", "Action", "Lead", "Notes")),
        (2, ("A1", "Improve housing", "Director SPP")),
        (3, ()),
        (4, ("A2", "Quoted, with a comma")),
        (5, ("A3", "Two\nlines", None, "x")),
        (6, ("A4", "Café ✓")),
    ]
    assert rows(source.sheets[0]) == rows(source.sheets[0])  # streams again


def test_csv_utf8_with_bom_drops_the_bom():
    data = codecs.BOM_UTF8 + "Ref,Action\nA1,Café\n".encode()

    sheet = open_source(data, filename=r"C:\Users\sam\Plan 2024.csv").sheets[0]

    assert sheet.name == "Plan 2024"
    assert rows(sheet) == [(1, ("Ref", "Action")), (2, ("A1", "Café"))]


def test_csv_windows_1252():
    text = 'Ref,Action\nA1,"Councillors’ £10,000 – café"\n'
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    sheet = open_source(data, filename="plan.csv").sheets[0]

    assert rows(sheet) == [(1, ("Ref", "Action")), (2, ("A1", "Councillors’ £10,000 – café"))]


def test_csv_utf16_with_bom_as_excel_unicode_text_saves_it():
    data = codecs.BOM_UTF16_LE + "Ref\tAction\r\nA1\tCafé, bar\r\n".encode("utf-16-le")

    sheet = open_source(data, filename="plan.txt").sheets[0]

    assert rows(sheet) == [(1, ("Ref", "Action")), (2, ("A1", "Café, bar"))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # European Excel: semicolons, decimal commas
        (
            "Ref;Budget;Notes\nA1;1,5;Done, on time\nA2;2,5;x\n",
            [("Ref", "Budget", "Notes"), ("A1", "1,5", "Done, on time"), ("A2", "2,5", "x")],
        ),
        ("Ref\tNotes\nA1\ta, b; c\nA2\t\n", [("Ref", "Notes"), ("A1", "a, b; c"), ("A2",)]),
        ("Ref,Notes\nA1,a; b\nA2,c; d\n", [("Ref", "Notes"), ("A1", "a; b"), ("A2", "c; d")]),
        ("Only one column\nA1\nA2\n", [("Only one column",), ("A1",), ("A2",)]),
    ],
    ids=["semicolon", "tab", "comma-with-semicolons-in-text", "single-column"],
)
def test_csv_delimiter_is_sniffed(text, expected):
    sheet = open_source(text.encode(), filename="plan.csv").sheets[0]

    assert [values for _, values in rows(sheet)] == expected


def test_csv_excel_sep_directive_sets_the_delimiter_and_is_not_a_row():
    sheet = open_source(b"sep=;\r\nRef;Notes\r\nA1;a, b\r\n", filename="plan.csv").sheets[0]

    assert rows(sheet) == [(1, ("Ref", "Notes")), (2, ("A1", "a, b"))]


# Refusals --------------------------------------------------------------------------------------
def test_too_large_is_refused_before_anything_else():
    message = refused(b"x" * (20 * MB + 1), "too_large", "This file is 20,971,521 bytes")
    assert "over the 20 MB (20,971,520 bytes) upload limit" in message
    assert "smaller files" in message

    refused(
        ole2("EncryptedPackage").ljust(2048, b"\0"),
        "too_large",
        "This file is 2 KB",
        "over the 1 KB upload limit",
        max_bytes=1024,
    )


def test_too_many_rows_in_an_xlsx_sheet_counts_blank_rows():
    data = xlsx({"Actions": [[f"A{i}"] for i in range(1, 11)]})
    assert (
        len(rows(open_source(data, filename="p.xlsx", limits=Limits(max_rows=10)).sheets[0])) == 10
    )

    workbook = Workbook()
    workbook.active.title = "Actions"
    workbook.active["A1"] = "Ref"
    workbook.active["A11"] = "far below"  # rows 2-10 are blank (absent from the XML)
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = open_source(buffer.getvalue(), filename="plan.xlsx", limits=Limits(max_rows=10))

    streamed = []
    with pytest.raises(ImportFileError) as caught:
        for number, _ in source.sheets[0].rows():
            streamed.append(number)
    check_error(caught.value, "too_many_rows", '"Actions"', "more than 10 rows", "delete them")
    assert streamed == list(range(1, 11))


@pytest.fixture
def not_parsed(monkeypatch):
    """calamine must not be asked to read the file."""

    class NotParsed:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("calamine was asked to parse the workbook")

    monkeypatch.setattr("frameworks.importers.readers.CalamineWorkbook", NotParsed)


def with_sheet_xml(sheet_data: bytes) -> bytes:
    sheet_xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + sheet_data + b"</sheetData></worksheet>"
    )
    return rezip(xlsx({"Actions": [["x"]]}), replace={"xl/worksheets/sheet1.xml": sheet_xml})


@pytest.mark.parametrize(
    ("sheet_data", "area"),
    [
        (
            b'<row r="1"><c r="A1"><v>1</v></c></row>'
            b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>',
            "1,048,576 rows by 16,384 columns",
        ),
        (  # no `r`: each cell after the one before, each row after the row before
            b"<row>" + b"<c><v>1</v></c>" * 16_000 + b"</row>" + b"<row><c><v>1</v></c></row>" * 99,
            "100 rows by 16,000 columns",
        ),
        (  # a quoted ">" before the `r`
            b'<row r="1"><c r="A1"><v>1</v></c><c a=">" r="XFD1048576"><v>2</v></c></row>',
            "1,048,576 rows by 16,384 columns",
        ),
    ],
    ids=["far-apart", "placed-one-after-another", "quoted-bracket"],
)
def test_an_xlsx_sheet_whose_area_is_over_the_cell_limit_is_refused_before_parsing(
    sheet_data, area, not_parsed
):
    # calamine would make a grid of the whole area (and abort the process when out of memory).
    message = refused(with_sheet_xml(sheet_data), "too_many_cells", area, "over the 1,000,000")
    assert "not read" in message


def test_an_xls_sheet_whose_area_is_over_the_cell_limit_is_refused_before_parsing(not_parsed):
    data = xls({"Actions": {(0, 0): "Ref", (65535, 255): "far away"}})

    refused(data, "too_many_cells", "65,536 rows by 256 columns", filename="plan.xls")


def test_a_small_xls_in_the_mini_stream_is_checked_too(not_parsed):
    data = ole2_mini({"Workbook": biff((0, 0), (9, 3), (60000, 200)), "Other": b"x" * 70})
    assert len(data) < 4096

    refused(data, "too_many_cells", "60,001 rows by 201 columns", filename="plan.xls")


def test_an_xls_sheet_declaring_dimensions_over_the_cell_limit_is_refused(not_parsed):
    # calamine sets memory aside for the declared dimensions before it reads any cell.
    data = ole2_mini({"Workbook": biff((0, 0), dimensions=(0, 2_000_000_000, 0, 1))})

    refused(data, "too_many_cells", "2,000,000,000 rows by 1 columns", filename="plan.xls")


def test_an_xlsb_sheet_whose_area_is_over_the_cell_limit_is_refused_before_parsing(not_parsed):
    def record(kind: int, payload: bytes) -> bytes:
        return bytes([kind, len(payload)]) + payload

    row, real = 0x00, 0x05  # BrtRowHdr and BrtCellReal: the row, then a cell at a column
    sheet = b"".join(
        record(row, struct.pack("<I", number).ljust(17, b"\0"))
        + record(real, struct.pack("<IId", column, 0, 1.0))
        for number, column in [(0, 0), (1_000_000, 16_000)]
    )
    data = rezip((DATA / "plan.xlsb").read_bytes(), replace={"xl/worksheets/sheet1.bin": sheet})

    refused(data, "too_many_cells", "1,000,001 rows by 16,001 columns", filename="plan.xlsb")


def test_cells_far_to_the_right_count_from_column_a():
    data = with_sheet_xml(
        b'<row r="1"><c r="XFA1"><v>1</v></c><c r="XFB1"><v>2</v></c></row>'
        b'<row r="2"><c r="XFA2"><v>3</v></c></row>'
    )  # 2 rows by 2 columns, but every row read starts at column A

    refused(data, "too_many_cells", "2 rows by 16,382 columns", max_cells=10_000)


def test_an_xlsx_sheet_area_leaves_out_cells_without_a_value():
    data = with_sheet_xml(
        b'<row r="2"><c r="B2"><v>1</v></c><c r="C2" s="1"/></row>'
        b'<row r="1048576"><c r="XFD1048576" s="1"/></row>'  # formatted, but blank
    )

    sheet = open_source(data, filename="plan.xlsx", limits=Limits(max_cells=2)).sheets[0]

    assert rows(sheet) == [(1, ()), (2, (None, 1))]


def test_an_ods_sheet_area_counts_repeated_cells_but_not_trailing_blank_ones(not_parsed):
    valued = '<table:table-cell office:value-type="float" office:value="1" '
    bomb = ods(
        {},
        content=(
            '<table:table table:name="Bomb"><table:table-row table:number-rows-repeated="20000">'
            f'{valued}table:number-columns-repeated="1000"/></table:table-row></table:table>'
        ),
    )
    refused(bomb, "too_many_cells", "20,000 rows by 1,000 columns", filename="plan.ods")


def test_an_ods_with_libreoffice_trailing_blank_repeats_is_read():
    valued = '<table:table-cell office:value-type="float" office:value="{}"/>'
    data = ods(
        {},
        content=(
            '<table:table table:name="Tall">'
            + "".join(f"<table:table-row>{valued.format(n)}</table:table-row>" for n in range(20))
            + '<table:table-row table:number-rows-repeated="1048556">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
            '</table:table><table:table table:name="Wide"><table:table-row>'
            + valued.format(7)
            * 30
            + '<table:table-cell table:number-columns-repeated="16354"/>'
            "</table:table-row></table:table>"
        ),
    )

    tall, wide = open_source(data, filename="plan.ods", limits=Limits(max_cells=30)).sheets

    assert rows(tall) == [(n + 1, (n,)) for n in range(20)]
    assert rows(wide) == [(1, (7,) * 30)]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_large_table_of_text_is_refused_before_it_is_parsed(kind, not_parsed):
    text = b"".join(b"<si><t>Milestone %d</t></si>" % n for n in range(2000))
    if kind == "xlsx":
        data = rezip(xlsx({"Actions": [["x"]]}), add={"xl/sharedStrings.xml": b"<sst>" + text})
        part = "xl/sharedStrings.xml"
    else:
        data = ods({"Actions": [[f"Milestone {n}"] for n in range(2000)]})
        part = "content.xml"
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo(part).file_size
    assert size > 40 * 1024

    message = refused(
        data, "too_large", part, "over the 40 KB limit", max_shared_strings_bytes=40960
    )
    assert f"takes {size / 1024:.1f}".removesuffix(".0") + " KB once unpacked" in message


def test_too_many_rows_in_a_csv():
    data = "".join(f"A{i},x\n" for i in range(1, 12)).encode()
    sheet = open_source(data, filename="plan.csv", limits=Limits(max_rows=10)).sheets[0]

    with pytest.raises(ImportFileError) as caught:
        rows(sheet)

    check_error(caught.value, "too_many_rows", "This CSV file", "more than 10 rows")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "a PNG image"),
        (
            make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
            "a Word document (.docx)",
        ),
        (make_zip({"notes.txt": b"hello"}), "a zip archive"),
        (random.Random(2024).randbytes(4096), "binary data"),
        (b"{\\rtf1\\ansi Action plan}", "Rich Text"),
        (b"<?xml version='1.0'?><plan><action/></plan>", "an XML document"),
    ],
    ids=["pdf", "png", "docx", "zip", "random", "rtf", "xml"],
)
def test_not_a_workbook(data, what):
    message = refused(data, "not_a_workbook", what, "not")
    assert "Excel Workbook (.xlsx) or a CSV file" in message


def test_not_a_workbook_names_an_opendocument_text_and_an_html_export():
    odt = make_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    refused(odt, "not_a_workbook", "LibreOffice or OpenOffice text", "Excel Workbook")

    html = b"<html><body><table><tr><td>Ref</td><td>Action</td></tr></table></body></html>"
    refused(html, "not_a_workbook", "web page (HTML)", "Save As > Excel Workbook (.xlsx)")


@pytest.mark.parametrize(
    "streams",
    [
        ("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"),
        ("EncryptedPackage",),
        ("EncryptionInfo",),
    ],
)
def test_password_protected(streams):
    refused(
        ole2(*streams),
        "password_protected",
        "password-protected",
        "Remove the password in Excel (File > Info > Protect Workbook",
        filename="plan.xlsx",
    )


def test_password_protected_even_when_the_ole2_directory_is_damaged():
    data = OLE_MAGIC + b"\xff" * 600 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100

    refused(data, "password_protected", "password-protected")


def test_an_xlsx_with_zip_encrypted_members_is_password_protected():
    data = bytearray(xlsx({"Actions": [["x"]]}))
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) != -1:  # central directory headers
        data[position + 8] |= 0x01  # general-purpose flag: encrypted
        position += 4

    refused(bytes(data), "password_protected", "encrypted")


def test_an_old_word_document_is_refused_as_an_old_format():
    message = refused(ole2("WordDocument", "1Table"), "old_excel_format", "Word document (.doc)")
    assert ".xlsx" in message


@pytest.mark.parametrize(
    ("data", "code", "phrase"),
    [
        (ole2(), "not_a_workbook", "Office document of another kind"),
        (
            ole2("PowerPoint Document"),
            "not_a_workbook",
            "Office document of another kind",
        ),
        (OLE_MAGIC + b"\0" * 100, "unreadable", "damaged or incomplete"),  # truncated
        (ole2("Workbook", "\x05SummaryInformation"), "unreadable", "damaged"),  # empty streams
    ],
    ids=["no-streams", "ppt", "truncated", "empty-xls"],
)
def test_other_or_damaged_ole2_files(data, code, phrase):
    refused(data, code, phrase, filename="plan.xls")


def test_excel_2003_xml_spreadsheet_is_an_old_format():
    data = (
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    )

    refused(data, "old_excel_format", "Excel 2003 XML Spreadsheet", "Excel Workbook (.xlsx)")


def test_zip_bomb_total_uncompressed_size_over_the_limit():
    data = xlsx({"Actions": [["x"]]})

    refused(data, "zip_bomb", "would expand to", "over the 1 KB limit", max_uncompressed_bytes=1024)


def test_zip_bomb_central_directory_claiming_a_huge_size():
    data = bytearray(xlsx({"Actions": [["x"]]}))
    header = data.find(b"PK\x01\x02")  # first central directory entry
    struct.pack_into("<I", data, header + 24, 0xFFFFFFF0)  # uncompressed size: ~4 GB

    refused(bytes(data), "zip_bomb", "expand to 4096 MB", "200 MB limit", "so it was not opened")


def test_zip_bomb_compression_ratio_applies_only_to_members_over_1_mb():
    data = xlsx({"Actions": [["Ref"], ["A1"]]})
    small = rezip(data, add={"xl/media/padding.bin": bytes(MB - 1)})  # ratio ~1000, under 1 MB
    assert rows(open_source(small, filename="plan.xlsx").sheets[0]) == [(1, ("Ref",)), (2, ("A1",))]

    big = rezip(data, add={"xl/media/padding.bin": bytes(2 * MB)})
    refused(big, "zip_bomb", "compressed far more than a normal Excel file", "padding.bin")


@pytest.mark.parametrize(
    "data",
    [b"", b"  \r\n\t \n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\r\n"],
    ids=["zero-bytes", "whitespace", "bom-only", "bom-and-newline"],
)
def test_empty_file(data):
    message = refused(data, "empty", "empty", filename="plan.csv")
    assert "right file" in message


def test_csv_with_only_delimiters_is_empty():
    refused(b",,,\r\n , ,\r\n", "empty", "CSV file has no data", filename="plan.csv")


def test_workbook_with_only_empty_sheets_is_empty():
    workbook = Workbook()
    workbook.active.title = "Actions"
    workbook.active["B2"].font = Font(bold=True)  # styled but blank
    workbook.active["C3"] = "   "  # only spaces
    workbook.create_sheet("Notes")
    buffer = io.BytesIO()
    workbook.save(buffer)

    refused(buffer.getvalue(), "empty", "workbook has no data", "every cell is blank")


def test_unreadable_damaged_or_truncated_xlsx():
    data = xlsx({"Actions": [["x"]]})
    refused(data[: len(data) // 2], "unreadable", "damaged or incomplete", "Excel Workbook (.xlsx)")

    garbage = rezip(data, replace={"xl/workbook.xml": b"<workbook><sheets><sheet"})
    refused(garbage, "unreadable", "damaged", "Excel Workbook (.xlsx)")


def test_a_strict_open_xml_workbook_is_read():
    data = xlsx({"Actions": [["x"]]})
    workbook_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    strict = workbook_xml.replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    )
    assert strict != workbook_xml

    source = open_source(rezip(data, replace={"xl/workbook.xml": strict}), filename="plan.xlsx")

    assert rows(source.sheets[0]) == [(1, ("x",))]


def test_unreadable_damaged_sheet_is_reported_while_streaming():
    data = xlsx({"Actions": [["x"]], "Broken": [["y"]]})
    broken_xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>y</t>'
        b"</is></c></row><row"
    )  # cut off: opening reads up to the first value, the rest is read only when streamed
    data = rezip(data, replace={"xl/worksheets/sheet2.xml": broken_xml})
    source = open_source(data, filename="plan.xlsx")

    with pytest.raises(ImportFileError) as caught:
        rows(source.sheets[1])

    check_error(caught.value, "unreadable", 'The sheet "Broken" is damaged')


def test_unreadable_entity_expansion_bomb_in_the_shared_strings():
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
        )
        + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&i;</t></si></sst>"
    )  # "billion laughs": &i; would expand to 3.2 GB
    sheet_xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    data = rezip(
        xlsx({"Actions": [["x"]]}),
        replace={"xl/worksheets/sheet1.xml": sheet_xml},
        add={"xl/sharedStrings.xml": lol},
    )

    refused(data, "unreadable", "damaged")


def test_unreadable_csv_row_is_reported_while_streaming():
    data = b"Ref,Notes\nA1," + b"x" * 200_000 + b"\n"  # over the csv module's field limit
    sheet = open_source(data, filename="plan.csv").sheets[0]

    with pytest.raises(ImportFileError) as caught:
        rows(sheet)

    check_error(caught.value, "unreadable", "Row 2 of this CSV file")


@pytest.mark.parametrize(
    "data",
    [
        b"Ref,Name\nA1,\x81\x8d\n",  # not UTF-8, and bytes Windows-1252 leaves undefined
        "Ref\tName\r\nA1\tCafé\r\n".encode("utf-16-le"),  # UTF-16 without a byte-order mark
        codecs.BOM_UTF8 + b"Ref\n\xff\n",  # claims UTF-8 but isn't
    ],
    ids=["undefined-cp1252", "utf16-no-bom", "bad-utf8-after-bom"],
)
def test_bad_encoding(data):
    refused(data, "bad_encoding", "encoding can't be recognised", "CSV UTF-8", filename="p.csv")


# The error type --------------------------------------------------------------------------------
def test_import_file_error_checks_its_code_and_pickles():
    error = ImportFileError("This file is empty.", code="empty")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.code, str(copy)) == (
        "This file is empty.",
        "empty",
        "This file is empty.",
    )
    with pytest.raises(ValueError, match="unknown"):
        ImportFileError("x", code="nope")
