"""Turn an uploaded spreadsheet (bytes) into rows of cell values, or refuse it clearly.

No Django, no database: the importer calls `open_source`, then iterates `Sheet.rows()`. A refusal
is an `ImportFileError`: a plain-English `message` saying what to do, a `code` from its CODES.
A file is recognised by its content, never by its name: an OLE2 compound file is an .xls (or an
encrypted Office file, a Word .doc…), a zip an xlsx/xlsm, xlsb or .ods (or a .docx…), anything
else a CSV. Workbooks are read with python-calamine, after checks that need no parsing: zip
bombs, encryption, the size of the shared text, and each sheet's used area (calamine makes a
grid of it) against `Limits.max_cells`, from the sheet's XML or records. Each `Sheet.rows()`
call reads the whole sheet again. Formula cells give their cached value; chart sheets are left
out; a source without a non-blank cell is ``empty``.

Rows: ``(row number, values)``, the spreadsheet's row number (1-based; for a CSV the record
number). Trailing empty cells are trimmed, a blank row is ``()``. Values are str, int, float,
bool, datetime.datetime/date/time or None; a whole number is an int, a duration "H:MM:SS" text.

Here: `open_source`, and `_open_workbook`, which hands a workbook to calamine; `base` holds the
refusal, the limits, a source and its sheets and the shared helpers, `ole2` checks an .xls,
`zipped` an xlsx, xlsm, xlsb or .ods (and `unpacked_size`), `workbook` reads a sheet's rows with
calamine, `text` reads a CSV. May import: python-calamine and the standard library; no Django,
nothing else of the app. Other code imports `frameworks.importers.readers` (every name it uses
is here), never its modules.
"""

from __future__ import annotations

import hashlib
import io
from functools import partial

from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

from frameworks.importers.readers.base import (
    _DAMAGED,
    ImportFileError,
    Limits,
    Sheet,
    Source,
    _password_protected,
    _sizes,
)
from frameworks.importers.readers.ole2 import _OLE2_MAGIC, _check_ole2
from frameworks.importers.readers.text import _open_csv
from frameworks.importers.readers.workbook import _unless_damaged, _workbook_rows
from frameworks.importers.readers.zipped import _ZIP_MAGICS, _check_zip, unpacked_size

__all__ = ["ImportFileError", "Limits", "Sheet", "Source", "open_source", "unpacked_size"]


# `Limits` is a frozen dataclass: one default shared by every call is safe.
def open_source(data: bytes, *, filename: str, limits: Limits = Limits()) -> Source:  # noqa: B008
    """Recognise `data` by its content and return its sheets, or raise ImportFileError. Sheets
    are read up to their first non-blank cell, to tell an empty source from one with data."""
    if not isinstance(data, bytes):
        data = bytes(data)
    size = len(data)
    if size > limits.max_bytes:
        size_text, limit_text = _sizes(size, limits.max_bytes)
        raise ImportFileError(
            f"This file is {size_text}, which is over the {limit_text} upload limit. Remove "
            "sheets, images or formatting you don't need (or split the plan into smaller files) "
            "and upload it again.",
            code="too_large",
        )
    if size == 0:
        raise ImportFileError(
            "This file is empty (0 bytes). Check that you chose the right file, or export it "
            "again, and upload it again.",
            code="empty",
        )

    if data.startswith(_OLE2_MAGIC):
        kind = _check_ole2(data, limits)
    elif data.startswith(_ZIP_MAGICS):
        kind = _check_zip(data, limits)
    else:
        kind = "csv"
    sheets = _open_csv(data, filename, limits) if kind == "csv" else _open_workbook(data, limits)

    values = (value for sheet in sheets for _, row in sheet.rows() for value in row)
    if not any(
        value is not None and (not isinstance(value, str) or value.strip()) for value in values
    ):
        what = "CSV file" if kind == "csv" else "workbook"
        raise ImportFileError(
            f"This {what} has no data: every cell is blank. Check that you chose the right file "
            "and that it was saved with the action plan in it, then upload it again.",
            code="empty",
        )
    return Source(filename, kind, size, hashlib.sha256(data).hexdigest(), sheets)


# Reading a workbook with calamine: opened here, the one place that calls `CalamineWorkbook`
# (the tests replace it to check that a refused file is never parsed); `workbook` reads the
# sheets' rows.
def _open_workbook(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:  # Excel always saves at least one sheet
            raise ValueError("a workbook without sheets")
    except PasswordError as exc:
        raise _password_protected() from exc
    except BaseException as exc:
        _unless_damaged(exc)
        raise ImportFileError(
            f"This workbook is damaged or uses features that can't be read. {_DAMAGED}",
            code="unreadable",
        ) from exc
    return [
        Sheet(name=meta.name, _stream=partial(_workbook_rows, workbook, meta.name, limits))
        for meta in workbook.sheets_metadata
        if meta.typ == SheetTypeEnum.WorkSheet  # not chart, dialog or macro sheets
    ]
