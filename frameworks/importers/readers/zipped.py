"""Zip files: xlsx, xlsm, xlsb and ods workbooks (and the zips that are not one: .docx, .pptx,
Numbers…). `_check_zip` refuses zip bombs, encryption, too much shared text and a sheet whose
used area is over the limit, from the zip's directory and the sheets' XML or records, before
calamine parses anything; `unpacked_size` says how much a workbook holds unpacked.

May import: `base` and the standard library. Imported by the package (`readers/__init__`) only.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from functools import reduce
from typing import Final

from frameworks.importers.readers.base import (
    _MB,
    ImportFileError,
    Limits,
    _check_areas,
    _damaged_file,
    _sizes,
    _span,
)

_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ZIP_ERRORS: Final = (zipfile.BadZipFile, OSError, RuntimeError, ValueError, zlib.error, EOFError)
_RATIO_MIN_MEMBER_BYTES: Final = _MB  # smaller members may compress as well as they like
# The parts calamine reads whole into memory before any sheet: the shared strings, or all of an
# .ods (its content.xml holds every sheet).
_TEXT_PARTS: Final = {
    "xlsx": "xl/sharedstrings.xml",
    "xlsb": "xl/sharedstrings.bin",
    "ods": "content.xml",
}


def unpacked_size(data: bytes) -> int:
    """How many bytes a workbook's parts hold unpacked, from the zip's directory alone (nothing
    is unpacked); the file's own size if it is not a zip. Repeated text packs very small, so
    this, not the file's size, says how much reading a workbook is."""
    if not data.startswith(_ZIP_MAGICS):
        return len(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (*_ZIP_ERRORS, zipfile.LargeZipFile):
        return len(data)


def _check_zip(data: bytes, limits: Limits) -> str:
    """The kind of a zip workbook ("xlsx", "xlsb" or "ods"), checked before calamine parses it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise _damaged_file() from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename.lower() for info in infos}
        if {"[content_types].xml", "xl/workbook.xml"} <= names:
            kind = "xlsx"
        elif "xl/workbook.bin" in names:
            kind = "xlsb"
        elif b"opendocument.spreadsheet" in _member(archive, "mimetype", 200):
            kind = "ods"
        else:
            raise ImportFileError(_describe_zip(archive, names), code="not_a_workbook")
        _check_zip_bomb(infos, limits)
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFileError(
                "This workbook's contents are encrypted with a zip password. Open it, save an "
                "unencrypted copy as an Excel Workbook (.xlsx) and upload that instead.",
                code="password_protected",
            )
        if kind == "ods" and b"encryption-data" in _member(archive, "meta-inf/manifest.xml", _MB):
            raise ImportFileError(
                "This spreadsheet is password-protected. Open it in LibreOffice, choose File > "
                'Save As, clear "Save with password", save it and upload it again.',
                code="password_protected",
            )
        suffix, area = _SHEET_PARTS[kind]  # any part: a workbook may keep its sheets anywhere
        text_limit = limits.max_shared_strings_bytes
        for info in sorted(infos, key=lambda i: i.filename.lower() != _TEXT_PARTS[kind]):
            if info.filename.lower() == _TEXT_PARTS[kind] and info.file_size > text_limit:
                size_text, limit_text = _sizes(info.file_size, text_limit)
                raise ImportFileError(
                    f"This workbook's text is too large to read: {info.filename!r} takes "
                    f"{size_text} once unpacked, over the {limit_text} limit, so it was not "
                    "opened. Remove sheets, columns or long text you don't need (or split the "
                    "plan into smaller files), save it and upload it again.",
                    code="too_large",
                )
            if info.filename.lower().endswith(suffix):
                _check_areas(area(_member(archive, info)), limits.max_cells)
    return kind


def _check_zip_bomb(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        total_text, limit_text = _sizes(total, limits.max_uncompressed_bytes)
        raise ImportFileError(
            f"This workbook would expand to {total_text} when opened, which is over the "
            f"{limit_text} limit, so it was not opened. Remove sheets, images or formatting you "
            "don't need (or split the plan into smaller files), save it in Excel and upload it "
            "again.",
            code="zip_bomb",
        )
    for info in infos:
        if (
            info.file_size > _RATIO_MIN_MEMBER_BYTES
            and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
        ):
            raise ImportFileError(
                f"This workbook is compressed far more than a normal Excel file (its part "
                f"{info.filename!r} expands {info.file_size // max(info.compress_size, 1):,} "
                "times), so it was not opened. Open it in Excel, save it as a new Excel Workbook "
                "(.xlsx) and upload that; if it came from outside the council, check it first.",
                code="zip_bomb",
            )


# calamine turns a sheet into a grid from its first to its last used row and column before
# anything is returned, so two cells far apart in a tiny file could take all the memory there
# is (calamine issue #693): a sheet's area is worked out from its XML before calamine reads it.
_ATTRIBUTES: Final = rb"""((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>"""  # a quoted value may hold ">"
_XLSX_TAG: Final = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])" + _ATTRIBUTES)
_ODS_TAG: Final = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])" + _ATTRIBUTES
)
_CELL_REF: Final = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]+)["']""")
# Quicker, for the usual sheet whose every cell has its `r` (the tags of both end alike).
_CELL_STARTS: Final = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s>])[^>]*(?<!/)>")
_CELL_REFS: Final = re.compile(
    rb'<(?:[\w.-]+:)?c\s(?:[^>]*?\s)?r="([A-Za-z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>'
)
_REPEATED: Final = re.compile(rb"""number-(?:rows|columns)-repeated\s*=\s*["']([0-9]+)""")


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo | str, size: int = -1) -> bytes:
    """The first `size` bytes (all by default) of a zip member, given or found by its lowercase
    name (b"" if there is none). A member that can't be read (calamine might read it wrong
    without a word) is a damaged file."""
    if isinstance(info, str):
        info = next((i for i in archive.infolist() if i.filename.lower() == info), info)
    try:
        with archive.open(info) as member:
            return member.read(size)  # at most `max_uncompressed_bytes`
    except KeyError:
        return b""
    except _ZIP_ERRORS as exc:
        raise _damaged_file() from exc


def _xlsx_areas(xml: bytes) -> Iterator[tuple[int, int]]:
    """The rows and columns from the first to the last cell of a sheet, as calamine places
    them: at their `r`, or after the cell before them; a cell written `<c .../>` has no value."""
    refs = _CELL_REFS.findall(xml)
    if len(refs) == len(_CELL_STARTS.findall(xml)):  # every cell has its `r`: the quick way
        rows = [int(digits) for _, digits in refs] or [0]
        columns = [reduce(_letter, letters, 0) for letters in {ref[0].upper() for ref in refs}]
        yield max(rows) - min(rows) + 1, max(columns, default=0) - min(columns, default=1) + 1
        return
    row = column = 0
    first, last = [1 << 40, 1 << 40], [-1, -1]
    for closing, name, attributes, empty in (tag.groups() for tag in _XLSX_TAG.finditer(xml)):
        ref = _CELL_REF.search(attributes)
        if name == b"row":
            if closing:
                row, column = row + 1, 0
            elif ref and not empty:
                row = int(ref[2]) - 1
        elif not closing and not empty:
            if ref and ref[1]:
                at, column = int(ref[2]) - 1, reduce(_letter, ref[1].upper(), 0) - 1
            else:
                at = row
            first = [min(first[0], at), min(first[1], column)]
            last = [max(last[0], at), max(last[1], column)]
            column += 1
    yield _span(first, last)


def _xlsb_areas(part: bytes) -> Iterator[tuple[int, int]]:
    """The area of an xlsb part's cells, as calamine reads them: records of a type and a size (each
    a `_varint`) and data; a row header (type 0) gives the row of the cells (2 to 11) after it."""
    first, last, row, position = [1 << 40] * 2, [-1, -1], 0, 0
    try:
        while position < len(part):
            kind, position = _varint(part, position, 2)
            size, position = _varint(part, position, 4)
            if kind == 0 and size >= 4:
                row = struct.unpack_from("<I", part, position)[0]
                if row > 0x100000:  # calamine stops there
                    break
            elif 2 <= kind <= 11 and size >= 4:
                (column,) = struct.unpack_from("<I", part, position)
                first = [min(first[0], row), min(first[1], column)]
                last = [max(last[0], row), max(last[1], column)]
            position += size
    except (IndexError, struct.error):
        pass  # calamine will find the same damage and say so
    yield _span(first, last)


def _varint(data: bytes, position: int, most: int) -> tuple[int, int]:
    """A number of up to `most` bytes, 7 bits a byte (low first), and the position after it."""
    number = 0
    for shift in range(0, 7 * most, 7):
        number, position = number | (data[position] & 0x7F) << shift, position + 1
        if data[position - 1] < 0x80:
            break
    return number, position


def _letter(number: int, letter: int) -> int:  # a column's letters (b"AB") to its number (28)
    return number * 26 + letter - 64


def _ods_areas(xml: bytes) -> Iterator[tuple[int, int]]:
    """The area of each table of an .ods, repeated rows and cells counted; a cell with neither a
    value type nor content does not count (LibreOffice repeats blank ones to the end)."""
    height = width = row = column = 0
    for closing, name, attributes, empty in (tag.groups() for tag in _ODS_TAG.finditer(xml)):
        count = int(found[1]) if (found := _REPEATED.search(attributes)) else 1
        if closing:
            continue
        if name == b"table":
            yield height, width
            height = width = row = 0
        elif name == b"table-row":
            row, column = row + count, 0
        else:  # a cell
            column += count
            if not empty or b"value-type" in attributes:
                height, width = max(height, row), max(width, column)
    yield height, width


_SHEET_PARTS: Final = {
    "xlsx": (".xml", _xlsx_areas),
    "xlsb": (".bin", _xlsb_areas),
    "ods": ("content.xml", _ods_areas),
}


def _describe_zip(archive: zipfile.ZipFile, names: set[str]) -> str:
    """A message naming what a zip that is not a workbook looks like."""
    if "index/document.iwa" in names:
        return (
            "This is an Apple Numbers file. In Numbers choose File > Export To > Excel, and "
            "upload the .xlsx file."
        )
    what = "a zip archive"
    if "word/document.xml" in names:
        what = "a Word document (.docx)"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint presentation (.pptx)"
    elif b"opendocument" in _member(archive, "mimetype", 200):
        what = "a LibreOffice or OpenOffice text document or presentation"
    return (
        f"This file is {what}, not an Excel workbook. Upload the action plan as an Excel "
        "Workbook (.xlsx) or a CSV file."
    )
