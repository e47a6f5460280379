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
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial, reduce
from pathlib import PurePosixPath
from typing import Final, TypeVar

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

__all__ = ["ImportFileError", "Limits", "Sheet", "Source", "open_source", "unpacked_size"]

Row = tuple[int, tuple[object, ...]]

_MB: Final = 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read at all (the import command exits 2)."""

    CODES: Final = frozenset(
        {"too_large", "too_many_rows", "too_many_cells", "not_a_workbook", "password_protected"}
        | {"old_excel_format", "zip_bomb", "empty", "unreadable", "bad_encoding"}
    )

    def __init__(self, message: str, *, code: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown ImportFileError code {code!r}")
        super().__init__(message)
        self.message = message
        self.code = code

    def __reduce__(self):  # keyword-only `code` would otherwise break pickling
        return (partial(ImportFileError, code=self.code), (self.message,))


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * _MB  # the uploaded file
    max_rows: int = 50_000  # per sheet, counting every row read (blank included)
    max_cells: int = 1_000_000  # per sheet: its rows x columns, first to last used cell
    max_uncompressed_bytes: int = 200 * _MB  # sum of a zip's members, checked before parsing
    max_compression_ratio: int = 100  # any single zip member over 1 MB: uncompressed/compressed
    max_shared_strings_bytes: int = 64 * _MB  # xl/sharedStrings.xml (.bin), an .ods's content.xml


@dataclass(frozen=True)
class Sheet:
    name: str
    _stream: Callable[[], Iterator[Row]] = field(
        default=lambda: iter(()), repr=False, compare=False
    )

    def rows(self) -> Iterator[Row]:
        """(1-based row number, cell values) in order; trailing None cells trimmed. Raises
        ImportFileError "too_many_rows" or "too_many_cells" as soon as the sheet passes a limit,
        "unreadable" if it is damaged. Each call reads the sheet again from the start."""
        return self._stream()


@dataclass(frozen=True)
class Source:
    filename: str
    kind: str  # "xlsx" (also .xlsm), "xlsb", "xls", "ods" or "csv"
    size: int
    sha256: str  # hex digest of the bytes
    sheets: list[Sheet]  # in workbook order; a CSV has one sheet named after the file (stem)


def open_source(data: bytes, *, filename: str, limits: Limits = Limits()) -> Source:
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


# Shared helpers --------------------------------------------------------------------------------
_DAMAGED: Final = (
    "Open it in Excel, check it looks right, save it as an Excel Workbook (.xlsx) and upload it "
    "again."
)


def _human_size(n: int) -> str:
    for unit, scale in (("MB", _MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """Both sizes for a message, exact when rounding would make them look the same."""
    size_text, limit_text = _human_size(size), _human_size(limit)
    if size_text == limit_text:
        return f"{size:,} bytes", f"{limit_text} ({limit:,} bytes)"
    return size_text, limit_text


def _too_many_rows(where: str, max_rows: int) -> ImportFileError:
    return ImportFileError(
        f"{where} has more than {max_rows:,} rows, which is over the limit. If the rows below "
        "your data are blank, delete them in Excel (select them, right-click > Delete) and save; "
        "otherwise split the plan into smaller files. Then upload it again.",
        code="too_many_rows",
    )


def _password_protected() -> ImportFileError:
    return ImportFileError(
        "This file is password-protected. Remove the password in Excel (File > Info > Protect "
        "Workbook > Encrypt with Password, then clear the password), save it and upload it "
        "again.",
        code="password_protected",
    )


def _damaged_file() -> ImportFileError:
    return ImportFileError(
        "This file looks like an Excel file but is damaged or incomplete (perhaps it was not "
        f"fully uploaded or saved). {_DAMAGED}",
        code="unreadable",
    )


_Cell = TypeVar("_Cell")


def _trim(row: tuple[_Cell, ...]) -> tuple[_Cell, ...]:
    """`row` without its trailing None cells (called only when the last cell is None)."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


# OLE2 compound files: .xls, .doc, or an encrypted (password-protected) Office file ------------
_OLE2_MAGIC: Final = bytes.fromhex("D0CF11E0A1B11AE1")
_MAXREGSECT: Final = 0xFFFFFFFA  # sector numbers above this are markers (free, end of chain…)
_ENCRYPTION_ENTRIES: Final = ("encryptedpackage", "encryptioninfo")


def _check_ole2(data: bytes, limits: Limits) -> str:
    """ "xls" for an Excel 97-2003 workbook whose sheets are not too large, else raise."""
    streams = _ole2_streams(data)
    lowered = {name.lower(): stream for name, stream in streams.items()} if streams else {}
    if streams is None:  # damaged directory: look for the names anywhere
        names = (*_ENCRYPTION_ENTRIES, "worddocument")
        lowered = {name: b"" for name in names if name.encode("utf-16-le") in data.lower()}
    if any(name in lowered for name in _ENCRYPTION_ENTRIES):
        raise _password_protected()
    if "worddocument" in lowered:
        raise ImportFileError(
            "This looks like an old-format Word document (.doc), not an Excel workbook. Upload "
            "the action plan as an Excel Workbook (.xlsx) or a CSV file.",
            code="old_excel_format",
        )
    if streams is None:
        raise _damaged_file()
    if not {"workbook", "book"} & lowered.keys():
        raise _not_a_workbook("an Office document of another kind")
    _check_areas(_xls_areas(lowered.get("workbook", lowered.get("book", b""))), limits.max_cells)
    return "xls"


def _ole2_streams(data: bytes) -> dict[str, bytes] | None:
    """The storages (b"") and streams of an OLE2 compound file by name, or None if malformed: the
    header, the DIFAT (header array plus DIFAT sectors), the FAT sectors it lists, the directory's
    chain of 128-byte entries (UTF-16LE name, its length at 64, type at 66, first sector and size
    at 116). A stream under the cutoff (4096 bytes) is in the root's mini stream (64-byte sectors
    chained by the mini FAT)."""
    try:
        (sector_shift,) = struct.unpack_from("<H", data, 0x1E)
        if sector_shift not in (9, 12):
            return None
        size = 1 << sector_shift
        per_sector = size // 4
        sector_count = len(data) // size - 1  # the header takes the first sector-sized block

        def sector(number: int) -> bytes:
            if number >= sector_count:
                raise ValueError("sector outside the file")
            return data[(number + 1) * size : (number + 2) * size]

        def chain(number: int, table: list[int]) -> Iterator[int]:
            seen = set()
            while number <= _MAXREGSECT:
                if number in seen or number >= len(table):
                    raise ValueError("a broken chain of sectors")
                seen.add(number)
                yield number
                number = table[number]

        fat_count, first_dir, _, cutoff, first_mini_fat = struct.unpack_from("<IIIII", data, 0x2C)
        first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        number = first_difat
        for _ in range(min(difat_count, sector_count)):  # each DIFAT sector names the next
            if number > _MAXREGSECT:
                break
            *entries, number = struct.unpack(f"<{per_sector}I", sector(number))
            difat.extend(entries)
        fat: list[int] = []
        for fat_sector in difat[:fat_count]:
            if fat_sector <= _MAXREGSECT:
                fat.extend(struct.unpack(f"<{per_sector}I", sector(fat_sector)))
        mini_fat_bytes = b"".join(sector(n) for n in chain(first_mini_fat, fat))
        mini_fat = [entry for (entry,) in struct.iter_unpack("<I", mini_fat_bytes)]

        streams: dict[str, bytes] = {}
        directory = b"".join(sector(n) for n in chain(first_dir, fat))
        mini_stream = b""
        for offset in range(0, len(directory), 128):
            name_length, entry_type = struct.unpack_from("<HB", directory, offset + 64)
            start, length = struct.unpack_from("<II", directory, offset + 116)
            if entry_type not in (1, 2, 5) or not 2 <= name_length <= 64 or name_length % 2:
                continue
            name = directory[offset : offset + name_length - 2].decode("utf-16-le", "replace")
            if entry_type == 1:  # a storage
                streams[name] = b""
            elif entry_type == 5:  # the root: its stream is the mini stream
                mini_stream = b"".join(sector(n) for n in chain(start, fat))
            elif length < cutoff:
                blocks = (mini_stream[n * 64 : n * 64 + 64] for n in chain(start, mini_fat))
                streams[name] = b"".join(blocks)[:length]
            else:
                streams[name] = b"".join(sector(n) for n in chain(start, fat))[:length]
        return streams
    except (struct.error, ValueError, IndexError):
        return None


# An .xls's cell records (row and column first; MULRK, several cells, has the last column last)
_XLS_CELLS: Final = frozenset({0x0006, 0x00BD, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E})


def _xls_areas(stream: bytes) -> Iterator[tuple[int, int]]:
    """The areas calamine would make of an .xls's sheets: each sheet's records start where the
    workbook's BOUNDSHEET (0x0085) records say; its DIMENSIONS (0x0200) are reserved as they are.
    FILEPASS (0x002F): the file is encrypted, which calamine would only call damaged."""
    sheets = []
    for kind, start, end in _biff_records(stream, 0):
        if kind == 0x002F:
            raise _password_protected()
        if kind == 0x0085 and end - start >= 4:
            sheets.append(struct.unpack_from("<I", stream, start)[0])
    for position in set(sheets):  # calamine reads each sheet from where BOUNDSHEET says
        first, last = [1 << 40] * 2, [-1, -1]
        for kind, start, end in _biff_records(stream, position):
            if kind == 0x0200 and end - start in (10, 14):
                shape = "<IIHH" if end - start == 14 else "<HHHH"
                top, bottom, left, right = struct.unpack_from(shape, stream, start)
                if bottom and right:  # calamine's u32 arithmetic, wrapping below 0
                    yield (bottom - 1 - top) % 2**32 + 1, (right - 1 - left) % 2**32 + 1
            elif kind in _XLS_CELLS and end - start >= 6:
                row, column = struct.unpack_from("<HH", stream, start)
                end_column = struct.unpack_from("<H", stream, end - 2)[0] if kind == 0xBD else 0
                first = [min(first[0], row), min(first[1], column)]
                last = [max(last[0], row), max(last[1], column, end_column)]
        yield _span(first, last)


def _biff_records(stream: bytes, position: int) -> Iterator[tuple[int, int, int]]:
    """(type, start, end of its data) of each record from `position` to an EOF (0x000A)."""
    while position + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, position)
        if kind == 0x000A or position + 4 + size > len(stream):
            return
        yield kind, position + 4, position + 4 + size
        position += 4 + size


def _span(first: list[int], last: list[int]) -> tuple[int, int]:
    return max(last[0] - first[0] + 1, 0), max(last[1] - first[1] + 1, 0)


# Zip: xlsx, xlsm, xlsb and ods -----------------------------------------------------------------
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


def _check_areas(areas: Iterable[tuple[int, int]], max_cells: int) -> None:
    for rows, columns in areas:
        if rows * columns > max_cells:
            raise ImportFileError(
                f"A sheet in this workbook spans {rows:,} rows by {columns:,} columns from its "
                f"first to its last filled cell ({rows * columns:,} cells), over the "
                f"{max_cells:,}-cell limit, so it was not read. If something was typed or pasted "
                "far below or to the right of your data, delete those rows and columns in Excel "
                "(select them, right-click > Delete) and save; otherwise split the plan into "
                "smaller files. Then upload it again.",
                code="too_many_cells",
            )


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


# Reading a workbook with calamine --------------------------------------------------------------
# What calamine raises for a damaged file; also pyo3's PanicException (a BaseException).
_CALAMINE_ERRORS: Final = (CalamineError, OSError, ValueError, EOFError, OverflowError)
_ISO_DURATION: Final = re.compile(r"(-?)PT(\d+)H(\d+)M(\d+(?:\.\d+)?)S")  # an .ods time cell


def _unless_damaged(exc: BaseException) -> None:
    """Raise `exc` again unless it is calamine saying that the file is damaged."""
    if not isinstance(exc, _CALAMINE_ERRORS) and type(exc).__name__ != "PanicException":
        raise exc


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


def _workbook_rows(workbook: CalamineWorkbook, name: str, limits: Limits) -> Iterator[Row]:
    try:
        sheet = workbook.get_sheet_by_name(name)
    except BaseException as exc:
        _unless_damaged(exc)
        raise ImportFileError(
            f'The sheet "{name}" is damaged and can\'t be read. {_DAMAGED}', code="unreadable"
        ) from exc
    if sheet.start is None:  # no cells
        return
    # calamine's rows start at row 1 (blank rows before the first used one included) but at
    # the first used column: the columns before it are put back, so that cells keep their place.
    _check_areas([(sheet.height, sheet.start[1] + sheet.width)], limits.max_cells)
    padding = (None,) * sheet.start[1]
    number = 0
    try:
        for number, values in enumerate(sheet.iter_rows(), 1):
            if number > limits.max_rows:
                raise _too_many_rows(f'The sheet "{name}"', limits.max_rows)
            row = (*padding, *map(_value, values))
            yield number, (_trim(row) if row and row[-1] is None else row)
    except BaseException as exc:  # calamine panics on a date or time out of its range
        _unless_damaged(exc)
        raise ImportFileError(
            f'A cell in row {number + 1} of the sheet "{name}" can\'t be read: perhaps a date or '
            "time out of range (Excel shows it as ####). Correct or clear it in Excel, save the "
            "file and upload it again.",
            code="unreadable",
        ) from exc


def _value(value: object) -> object:
    """A calamine cell value as the importer takes it."""
    if type(value) is str:
        if value.startswith(("PT", "-PT")) and (match := _ISO_DURATION.fullmatch(value)):
            sign, hours, minutes, seconds = match.groups()
            total = (int(hours) * 60 + int(minutes)) * 60 + float(seconds)
            return _duration_text(dt.timedelta(seconds=-total if sign else total))
        return value or None  # "" is calamine's blank cell
    if type(value) is float:
        return int(value) if value.is_integer() else value
    return _duration_text(value) if type(value) is dt.timedelta else value


def _duration_text(value: dt.timedelta) -> str:
    """A duration as Excel's "[h]:mm:ss" shows it, e.g. 36:00:00."""
    seconds = round(value.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


# CSV and other text ----------------------------------------------------------------------------
_BINARY_SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)
_CONTROL_CHARS: Final = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
_SNIFF_CHARS: Final = 64 * 1024
_SNIFF_RECORDS: Final = 200
_DELIMITERS: Final = (",", ";", "\t")
_SEP_DIRECTIVE: Final = re.compile(r"sep=([,;\t|])[ \t]*(?:\r\n|\r|\n|\Z)", re.IGNORECASE)
_SAVE_AS_CSV: Final = "In Excel, choose File > Save As > CSV UTF-8 (Comma delimited) (*.csv)"


def _not_a_workbook(what: str) -> ImportFileError:
    return ImportFileError(
        f"This file is {what}, not a spreadsheet. Upload the action plan as an Excel Workbook "
        "(.xlsx) or a CSV file.",
        code="not_a_workbook",
    )


def _open_csv(data: bytes, filename: str, limits: Limits) -> list[Sheet]:
    if b"%PDF-" in data[:1024]:
        raise _not_a_workbook("a PDF document")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _not_a_workbook(what)

    text = _decode(data)
    if not text.strip():
        raise ImportFileError(
            "This file is empty: it contains only blank space. Check that you chose the right "
            "file, or export it again, and upload it again.",
            code="empty",
        )
    sample = text[:_SNIFF_CHARS]
    if len(_CONTROL_CHARS.findall(sample)) > len(sample) // 200:  # more than 0.5 %
        raise _not_a_workbook("binary data (neither an Excel workbook nor a CSV file)")
    _refuse_documents(sample)

    directive = _SEP_DIRECTIVE.match(text)
    if directive:  # Excel's "sep=;" first line: the delimiter, not a row (Excel hides it)
        delimiter, text = directive.group(1), text[directive.end() :]
    else:
        delimiter = _sniff_delimiter(text)
    name = PurePosixPath(filename.replace("\\", "/")).stem or "Sheet1"
    return [Sheet(name=name, _stream=partial(_csv_rows, text, delimiter, limits.max_rows))]


def _bad_encoding() -> ImportFileError:
    return ImportFileError(
        "This file's text encoding can't be recognised, so its letters and symbols would be "
        f"garbled. {_SAVE_AS_CSV}, or save it as an Excel Workbook (.xlsx), and upload it again.",
        code="bad_encoding",
    )


def _decode(data: bytes) -> str:
    """UTF-8 (BOM optional), UTF-16 with a BOM, else Windows-1252; refuse binary or unknown."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _bad_encoding() from exc
    if b"\x00" in data:
        head = data[:4096]
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            raise _bad_encoding()  # UTF-16 text without a byte-order mark
        raise _not_a_workbook("binary data (neither an Excel workbook nor a CSV file)")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad_encoding() from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _bad_encoding() from exc


def _refuse_documents(sample: str) -> None:
    """Refuse text formats that are not CSV: HTML tables, XML, RTF."""
    head = sample[:2048].lstrip().lower()
    if head.startswith("{\\rtf"):
        raise _not_a_workbook("a Rich Text (RTF) document")
    if head.startswith(("<!doctype html", "<html")) or (
        head.startswith("<") and ("<table" in head or "<html" in head)
    ):
        raise ImportFileError(
            "This file is a web page (HTML), not a real spreadsheet, even if it opens in Excel. "
            "Open it in Excel, choose File > Save As > Excel Workbook (.xlsx), and upload the "
            "new file.",
            code="not_a_workbook",
        )
    if head.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in sample:
            raise ImportFileError(
                "This is an Excel 2003 XML Spreadsheet, an old format that can't be read. Open "
                "it in Excel, choose File > Save As > Excel Workbook (.xlsx), and upload the new "
                "file.",
                code="old_excel_format",
            )
        raise _not_a_workbook("an XML document")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the most consistent width (≥ 2)."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:  # don't judge a record cut in half
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        if cut > 0:
            sample = sample[:cut]
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            widths = [
                len(record)
                for record in itertools.islice(reader, _SNIFF_RECORDS)
                if any(cell.strip() for cell in record)
            ]
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count / len(widths), width)
        if width >= 2 and score > best_score:
            best, best_score = delimiter, score
    return best


_NEUTRALISED: Final = re.compile(r"\A'(?=[=+\-@\t\r])")


def _inert(cell: str) -> str:
    """A cell as written before an export made it inert: exports write text a spreadsheet would
    run as a formula ("=HYPERLINK(…)") with a leading apostrophe (`exports.neutralise`)."""
    return _NEUTRALISED.sub("", cell) if cell.startswith("'") else cell


def _csv_rows(text: str, delimiter: str, max_rows: int) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, 1):
            if number > max_rows:
                raise _too_many_rows("This CSV file", max_rows)
            row = tuple([_inert(cell.strip()) or None for cell in record])
            if row and row[-1] is None:
                row = _trim(row)
            yield number, row
    except csv.Error as exc:
        raise ImportFileError(
            f"Row {number + 1} of this CSV file can't be read ({exc}). Open the file in Excel, "
            "check that row, save it again as CSV UTF-8 (File > Save As > CSV UTF-8 (Comma "
            "delimited)) and upload it again.",
            code="unreadable",
        ) from exc
