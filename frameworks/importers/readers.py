"""Turn an uploaded spreadsheet (bytes) into rows of cell values, or refuse it clearly.

Pure Python (no Django, no database). The layer above (header detection, layouts, database
writes) calls `open_source` and then iterates `Sheet.rows()`. Every refusal is an
`ImportFileError` whose `message` is plain English and says what to do, and whose `code` is one
of `ImportFileError.CODES`.

A file is recognised by its content, never by its name:

* more than `Limits.max_bytes` → ``too_large``; 0 bytes → ``empty``;
* OLE2 compound file (``D0 CF 11 E0 A1 B1 1A E1``): its directory is read. An encrypted
  (password-protected) Office file → ``password_protected``; a Word .doc → ``old_excel_format``;
  a ``Workbook``/``Book`` stream is an .xls (Excel 97-2003), read; anything else →
  ``not_a_workbook``;
* zip: an xlsx/xlsm, an xlsb or an OpenDocument spreadsheet (.ods) is read; other zips (.docx,
  .pptx, Numbers…) → ``not_a_workbook``. Before anything is parsed, the zip directory is checked
  for zip bombs (``zip_bomb``), zip encryption (``password_protected``) and an oversized table
  of shared text (``too_large``: xlsx/xlsb shared strings, or an .ods's content.xml);
* anything else is text, read as a CSV (see `_open_csv`).

Workbooks are read with python-calamine: each `Sheet.rows()` call reads the whole sheet again
(calamine has no streaming) and yields its rows. Formula cells give their cached value. A source
whose every sheet has no non-blank cell → ``empty``; chart sheets are left out.

Rows: ``(row number, values)``; the row number is the spreadsheet's row (1-based; for a CSV the
record number, so a quoted cell spanning lines still counts as one row). Trailing empty cells are
trimmed, a blank row is ``()``. Values are str, int, float, bool, datetime.datetime/date/time or
None; a whole number is an int, a duration ("[h]:mm" cells) is "H:MM:SS" text.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import Final

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

__all__ = ["ImportFileError", "Limits", "Sheet", "Source", "open_source"]

Row = tuple[int, tuple[object, ...]]

_MB: Final = 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read at all (the import command exits 2)."""

    CODES: Final = frozenset(
        {
            "too_large",
            "too_many_rows",
            "too_many_cells",
            "not_a_workbook",
            "password_protected",
            "old_excel_format",
            "zip_bomb",
            "empty",
            "unreadable",
            "bad_encoding",
        }
    )

    def __init__(self, message: str, *, code: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown ImportFileError code {code!r}")
        super().__init__(message)
        self.message = message
        self.code = code

    def __reduce__(self):  # keyword-only `code` would otherwise break pickling
        return (_rebuild_error, (self.message, self.code))


def _rebuild_error(message: str, code: str) -> ImportFileError:
    return ImportFileError(message, code=code)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * _MB  # the uploaded file
    max_rows: int = 50_000  # per sheet, counting every row read (blank included)
    max_cells: int = 1_000_000  # per sheet, every cell of every row read (blanks within a row)
    max_uncompressed_bytes: int = 200 * _MB  # sum of a zip's members, checked before parsing
    max_compression_ratio: int = 100  # any single zip member over 1 MB: uncompressed/compressed
    max_shared_strings_bytes: int = 64 * _MB  # xl/sharedStrings.xml (.bin), an .ods's content.xml


def _no_rows() -> Iterator[Row]:
    return iter(())


@dataclass(frozen=True)
class Sheet:
    name: str
    _stream: Callable[[], Iterator[Row]] = field(default=_no_rows, repr=False, compare=False)

    def rows(self) -> Iterator[Row]:
        """(1-based row number, cell values) in order; trailing None cells trimmed.

        Raises ImportFileError "too_many_rows" or "too_many_cells" as soon as the sheet passes
        `Limits.max_rows` or `Limits.max_cells`, and "unreadable" if the sheet is damaged. May be
        called more than once: each call reads the sheet again from the start.
        """
        return self._stream()


@dataclass(frozen=True)
class Source:
    filename: str
    kind: str  # "xlsx" (also .xlsm), "xlsb", "xls", "ods" or "csv"
    size: int
    sha256: str  # hex digest of the bytes
    sheets: list[Sheet]  # in workbook order; a CSV has one sheet named after the file (stem)


def open_source(data: bytes, *, filename: str, limits: Limits = Limits()) -> Source:
    """Recognise `data` by its content and return its sheets, or raise ImportFileError.

    To tell an empty source from one with data, sheets are read up to their first non-blank
    cell, so this can already raise "too_many_rows"/"too_many_cells" (that many blank cells
    before any value) or "unreadable" (a damaged sheet).
    """
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
        kind = _check_ole2(data)
    elif data.startswith(_ZIP_MAGICS):
        kind = _check_zip(data, limits)
    else:
        kind = "csv"
    sheets = _open_csv(data, filename, limits) if kind == "csv" else _open_workbook(data, limits)

    if not any(_has_data(sheet) for sheet in sheets):
        what = "CSV file" if kind == "csv" else "workbook"
        raise ImportFileError(
            f"This {what} has no data: every cell is blank. Check that you chose the right file "
            "and that it was saved with the action plan in it, then upload it again.",
            code="empty",
        )
    return Source(
        filename=filename,
        kind=kind,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        sheets=sheets,
    )


# Shared helpers --------------------------------------------------------------------------------
_DAMAGED: Final = (
    "Open it in Excel, check it looks right, save it as an Excel Workbook (.xlsx) and upload it "
    "again."
)


def _human_size(n: int) -> str:
    if n >= _MB:
        return f"{n / _MB:.1f}".removesuffix(".0") + " MB"
    if n >= 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KB"
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


def _too_many_cells(name: str, max_cells: int) -> ImportFileError:
    return ImportFileError(
        f'The sheet "{name}" has more than {max_cells:,} cells (counting blank cells between '
        "filled ones), which is over the limit. If something was typed or pasted far to the "
        "right of or below your data, delete those columns and rows in Excel (select them, "
        "right-click > Delete) and save; otherwise split the plan into smaller files. Then "
        "upload it again.",
        code="too_many_cells",
    )


def _password_protected() -> ImportFileError:
    return ImportFileError(
        "This file is password-protected. Remove the password in Excel (File > Info > Protect "
        "Workbook > Encrypt with Password, then clear the password), save it and upload it "
        "again.",
        code="password_protected",
    )


def _trim(row: tuple[object, ...]) -> tuple[object, ...]:
    """`row` without its trailing None cells (called only when the last cell is None)."""
    end = len(row) - 1
    while end >= 0 and row[end] is None:
        end -= 1
    return row[: end + 1]


def _has_data(sheet: Sheet) -> bool:
    """Whether the sheet has a non-blank cell; stops at the first one."""
    rows = sheet.rows()
    try:
        for _, row in rows:
            for value in row:
                if value is not None and not (isinstance(value, str) and not value.strip()):
                    return True
        return False
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


# OLE2 compound files: .xls, .doc, or an encrypted (password-protected) Office file ------------
_OLE2_MAGIC: Final = bytes.fromhex("D0CF11E0A1B11AE1")
_MAXREGSECT: Final = 0xFFFFFFFA  # sector numbers above this are markers (free, end of chain…)
_ENCRYPTION_ENTRIES: Final = ("encryptedpackage", "encryptioninfo")
_KNOWN_ENTRIES: Final = (*_ENCRYPTION_ENTRIES, "worddocument", "workbook", "book")


def _check_ole2(data: bytes) -> str:
    """ "xls" for an Excel 97-2003 workbook, else raise."""
    names = _ole2_entry_names(data)
    if names is None:  # damaged directory: fall back to looking for the names anywhere
        lowered = data.lower()
        names = {name for name in _KNOWN_ENTRIES if name.encode("utf-16-le") in lowered}
        if not names:
            raise ImportFileError(
                "This file looks like an old-format Office file but is damaged or incomplete "
                f"(perhaps it was not fully uploaded or saved). {_DAMAGED}",
                code="unreadable",
            )
    lowered_names = {name.lower() for name in names}
    if any(name in lowered_names for name in _ENCRYPTION_ENTRIES):
        raise _password_protected()
    if "worddocument" in lowered_names:
        raise ImportFileError(
            "This looks like an old-format Word document (.doc), not an Excel workbook. Upload "
            "the action plan as an Excel Workbook (.xlsx) or a CSV file.",
            code="old_excel_format",
        )
    if not lowered_names & {"workbook", "book"}:
        raise _not_a_workbook("an Office document of another kind")
    return "xls"


def _ole2_entry_names(data: bytes) -> set[str] | None:
    """Names of the storages and streams in an OLE2 compound file, or None if it is malformed.

    Reads the header, the DIFAT (header array plus any DIFAT sectors), the FAT sectors it lists,
    then follows the directory's FAT chain; each 128-byte entry has a UTF-16LE name (64 bytes),
    the name's length in bytes including the terminator at offset 64 and the type at 66.
    """
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
            start = (number + 1) * size
            return data[start : start + size]

        fat_count, first_dir = struct.unpack_from("<II", data, 0x2C)
        first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        number, seen = first_difat, set()
        while number <= _MAXREGSECT and len(seen) < difat_count:
            if number in seen:
                return None
            seen.add(number)
            entries = struct.unpack(f"<{per_sector}I", sector(number))
            difat.extend(entries[:-1])
            number = entries[-1]
        fat: list[int] = []
        for fat_sector in difat[:fat_count]:
            if fat_sector <= _MAXREGSECT:
                fat.extend(struct.unpack(f"<{per_sector}I", sector(fat_sector)))

        names: set[str] = set()
        number, seen = first_dir, set()
        while number <= _MAXREGSECT:
            if number in seen or number >= len(fat):
                return None
            seen.add(number)
            block = sector(number)
            for offset in range(0, size, 128):
                (name_length,) = struct.unpack_from("<H", block, offset + 64)
                entry_type = block[offset + 66]
                if entry_type in (1, 2, 5) and 2 <= name_length <= 64 and name_length % 2 == 0:
                    raw = block[offset : offset + name_length - 2]
                    names.add(raw.decode("utf-16-le", "replace"))
            number = fat[number]
        return names
    except (struct.error, ValueError, IndexError):
        return None


# Zip: xlsx, xlsm, xlsb and ods -----------------------------------------------------------------
_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_RATIO_MIN_MEMBER_BYTES: Final = _MB  # smaller members may compress as well as they like
# The parts calamine reads whole into memory before any sheet: the shared strings, or all of an
# .ods (its content.xml holds every sheet).
_TEXT_PARTS: Final = {
    "xlsx": "xl/sharedstrings.xml",
    "xlsb": "xl/sharedstrings.bin",
    "ods": "content.xml",
}


def _check_zip(data: bytes, limits: Limits) -> str:
    """The kind of a zip workbook ("xlsx", "xlsb" or "ods"), checked before calamine parses it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(
            "This file looks like a zip or Excel file but is damaged or incomplete (perhaps it "
            f"was not fully uploaded or saved). {_DAMAGED}",
            code="unreadable",
        ) from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename.lower() for info in infos}
        if {"[content_types].xml", "xl/workbook.xml"} <= names:
            kind = "xlsx"
        elif "xl/workbook.bin" in names:
            kind = "xlsb"
        elif "opendocument.spreadsheet" in _small_member_text(archive, "mimetype"):
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
        if kind == "ods" and b"encryption-data" in _member_head(
            archive, "meta-inf/manifest.xml", _MB
        ):
            raise ImportFileError(
                "This spreadsheet is password-protected. Open it in LibreOffice, choose File > "
                'Save As, clear "Save with password", save it and upload it again.',
                code="password_protected",
            )
        for info in infos:
            if info.filename.lower() == _TEXT_PARTS[kind]:
                _check_text_part(info, limits.max_shared_strings_bytes)
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


def _check_text_part(info: zipfile.ZipInfo, limit: int) -> None:
    if info.file_size <= limit:
        return
    size_text, limit_text = _sizes(info.file_size, limit)
    what = "its content" if info.filename.lower() == "content.xml" else "its table of text"
    raise ImportFileError(
        f"This workbook's text is too large to read: {what} ({info.filename!r}) takes "
        f"{size_text} once unpacked, over the {limit_text} limit, so it was not opened. Remove "
        "sheets, columns or long text you don't need (or split the plan into smaller files), "
        "save it and upload it again.",
        code="too_large",
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
    elif "opendocument" in _small_member_text(archive, "mimetype"):
        what = "a LibreOffice or OpenOffice text document or presentation"
    return (
        f"This file is {what}, not an Excel workbook. Upload the action plan as an Excel "
        "Workbook (.xlsx) or a CSV file."
    )


def _small_member_text(archive: zipfile.ZipFile, lowered_name: str) -> str:
    """The text of a tiny zip member (found case-insensitively), or "" if absent or not tiny."""
    for info in archive.infolist():
        if info.filename.lower() == lowered_name and info.file_size < 200:
            return _member_head(archive, info.filename).decode("ascii", "replace")
    return ""


def _member_head(archive: zipfile.ZipFile, name: str, size: int = 4096) -> bytes:
    """The first `size` uncompressed bytes of a zip member (found case-insensitively), or b""."""
    for info in archive.infolist():
        if info.filename.lower() == name.lower():
            try:
                with archive.open(info) as member:
                    return member.read(size)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, zlib.error, EOFError):
                return b""
    return b""


# Reading a workbook with calamine --------------------------------------------------------------
# What calamine raises for a damaged file: its own errors, I/O errors from its zip reader and, as
# pyo3's PanicException (a BaseException), a panic on malformed data (see `_damaged`).
_CALAMINE_ERRORS: Final = (CalamineError, OSError, ValueError, EOFError, OverflowError)
_ISO_DURATION: Final = re.compile(r"(-?)PT(\d+)H(\d+)M(\d+(?:\.\d+)?)S")  # an .ods time cell


def _damaged(exc: BaseException) -> bool:
    return isinstance(exc, _CALAMINE_ERRORS) or type(exc).__name__ == "PanicException"


def _open_workbook(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as exc:
        raise _password_protected() from exc
    except BaseException as exc:
        if not _damaged(exc):
            raise
        if _xls_is_encrypted(data):
            raise _password_protected() from exc
        raise _unreadable_workbook() from exc
    if not workbook.sheet_names:  # Excel always saves at least one sheet
        raise _unreadable_workbook()
    return [
        Sheet(name=meta.name, _stream=partial(_workbook_rows, workbook, meta.name, limits))
        for meta in workbook.sheets_metadata
        if meta.typ == SheetTypeEnum.WorkSheet  # not chart, dialog or macro sheets
    ]


def _unreadable_workbook() -> ImportFileError:
    return ImportFileError(
        f"This workbook is damaged or uses features that can't be read. {_DAMAGED}",
        code="unreadable",
    )


def _xls_is_encrypted(data: bytes) -> bool:
    """Whether an .xls has a FILEPASS record (0x002F) right after a BOF record (0x0809).

    calamine reports an encrypted .xls only as a file it can't open, so the record is looked
    for directly: BIFF5/8 puts FILEPASS first in the workbook stream, after its BOF."""
    if not data.startswith(_OLE2_MAGIC):
        return False
    for match in re.finditer(rb"\x09\x08(\x08|\x10)\x00", data):
        after = match.end() + match.group(1)[0]
        if data[after : after + 2] == b"\x2f\x00":
            return True
    return False


def _workbook_rows(workbook: CalamineWorkbook, name: str, limits: Limits) -> Iterator[Row]:
    try:
        sheet = workbook.get_sheet_by_name(name)
    except BaseException as exc:
        if not _damaged(exc):
            raise
        raise ImportFileError(
            f'The sheet "{name}" is damaged and can\'t be read. {_DAMAGED}', code="unreadable"
        ) from exc
    if sheet.start is None:  # no cells
        return
    # calamine's rows start at row 1 (blank rows before the first used one included) but at
    # the first used column: the columns before it are put back, so that cells keep their place.
    padding = (None,) * sheet.start[1]
    number = cells = 0
    try:
        for number, values in enumerate(sheet.iter_rows(), 1):
            if number > limits.max_rows:
                raise _too_many_rows(f'The sheet "{name}"', limits.max_rows)
            row = (*padding, *map(_value, values))
            if row and row[-1] is None:
                row = _trim(row)
            cells += len(row)
            if cells > limits.max_cells:
                raise _too_many_cells(name, limits.max_cells)
            yield number, row
    except BaseException as exc:  # calamine panics on a date or time out of its range
        if not _damaged(exc):
            raise
        raise ImportFileError(
            f'A cell in row {number + 1} of the sheet "{name}" can\'t be read: perhaps a date or '
            "time out of range (Excel shows it as ####). Correct or clear it in Excel, save the "
            "file and upload it again.",
            code="unreadable",
        ) from exc


def _value(value: object) -> object:
    """A calamine cell value as the importer takes it."""
    if type(value) is str:
        if not value:
            return None  # calamine's blank cell
        if value.startswith(("PT", "-PT")):
            match = _ISO_DURATION.fullmatch(value)
            if match:
                sign, hours, minutes, seconds = match.groups()
                total = (int(hours) * 60 + int(minutes)) * 60 + float(seconds)
                return _duration_text(dt.timedelta(seconds=-total if sign else total))
        return value
    if type(value) is float:
        return int(value) if value.is_integer() else value
    if type(value) is dt.timedelta:
        return _duration_text(value)
    return value


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


def _csv_rows(text: str, delimiter: str, max_rows: int) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, 1):
            if number > max_rows:
                raise _too_many_rows("This CSV file", max_rows)
            row = tuple([cell.strip() or None for cell in record])
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
