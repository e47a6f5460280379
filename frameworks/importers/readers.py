"""Turn an uploaded spreadsheet (bytes) into streamed rows of cell values, or refuse it clearly.

Pure Python (no Django, no database). The layer above (header detection, layouts, database
writes) calls `open_source` and then iterates `Sheet.rows()`. Every refusal is an
`ImportFileError` whose `message` is plain English and says what to do, and whose `code` is one
of `ImportFileError.CODES`.

How a file is recognised (by content, never by its name):

* more than `Limits.max_bytes` → ``too_large``; 0 bytes → ``empty``;
* OLE2 compound file (``D0 CF 11 E0 A1 B1 1A E1``): the directory entries are read (FAT chain,
  UTF-16LE names); an ``EncryptedPackage``/``EncryptionInfo`` entry is an Excel workbook saved
  with a password → ``password_protected``; anything else (.xls, .doc) → ``old_excel_format``;
* zip (``PK\\x03\\x04``): with ``[Content_Types].xml`` and ``xl/workbook.xml`` it is an xlsx
  (also .xlsm/.xltx); the central directory is checked for zip bombs (``zip_bomb``) before
  openpyxl reads anything; other zips (.docx, .pptx, .ods, .xlsb, Numbers…) → ``not_a_workbook``
  naming what they look like;
* known binary signatures (PDF, PNG, JPEG, GIF, TIFF, gzip, RAR, 7-Zip), NUL bytes or many
  control characters → ``not_a_workbook``;
* otherwise text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252; bytes that
  fit none of them → ``bad_encoding``. Whitespace only → ``empty``. HTML, RTF and XML documents
  saved with a spreadsheet name are refused (Excel 2003 "XML Spreadsheet" → ``old_excel_format``).
  What is left is a CSV: delimiter from an Excel ``sep=;`` first line if there is one, else
  chosen among ``,`` ``;`` and tab by which one splits the first records into the most
  consistent number (≥ 2) of fields, else ``,``; cells are stripped strings, ``""`` becomes None.

A source whose every sheet has no non-blank cell → ``empty``.

Rows: ``(row number, values)``; the row number is the spreadsheet row (1-based; for a CSV the
record number, so a quoted cell spanning lines still counts as one row). Trailing empty cells are
trimmed, a blank row is ``()``. Values are str, int, float, bool, datetime.datetime/date/time or
None (openpyxl's timedelta for "[h]:mm"-style duration cells is written as "H:MM:SS" text).

One workbook per source: `open_source` loads the xlsx once with openpyxl in read-only, values-only
mode, and every `Sheet.rows()` call streams that sheet's XML again from the start. The workbook
reads from an in-memory copy of the bytes, so it holds no file handle; it is released with the
`Source`. (Loading it again for each `rows()` call costs about a third of a 20,000-row sheet's
streaming time, mostly the shared-strings table, so it is loaded once.)

Reading ahead: a sheet whose XML is at least `READ_AHEAD_BYTES` has a `Sheet.reopen` recipe, with
which `read_ahead` can work through it in a second process (started from a forkserver, never forked
from a web worker's threads) and pass back what that work yields while this process goes on with
what it has already received. The importer reads and cleans a large sheet that way
(`extract.py`).

openpyxl normally sizes each sheet as it opens the workbook, from the sheet's `<dimension>`; a sheet
without one (files written by openpyxl's own write-only mode and by some exporters) is then parsed
to the end just to look for it. The size is never used or trusted here, so sheets are opened
unsized (`_UnsizedReader`): for such a file that saves a whole parse of the sheet, about a fifth
of openpyxl's reading time, each time the workbook is opened.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import multiprocessing
import re
import struct
import traceback
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import Final, NoReturn, TypeVar
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

__all__ = ["ImportFileError", "Limits", "Sheet", "Source", "open_source", "read_ahead"]

Row = tuple[int, tuple[object, ...]]

_MB: Final = 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read at all (the import command exits 2)."""

    CODES: Final = frozenset(
        {
            "too_large",
            "too_many_rows",
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
    max_uncompressed_bytes: int = 200 * _MB  # sum of an xlsx's zip members, checked before parsing
    max_compression_ratio: int = 100  # any single zip member over 1 MB: uncompressed/compressed


def _no_rows() -> Iterator[Row]:
    return iter(())


@dataclass(frozen=True)
class Sheet:
    name: str
    _stream: Callable[[], Iterator[Row]] = field(default=_no_rows, repr=False, compare=False)
    # A large sheet's picklable recipe for this same sheet, opened again in another process
    # (see `read_ahead`); None for a small sheet, where a second process would cost more than
    # it saves, and for a CSV.
    reopen: Callable[[], Sheet] | None = field(default=None, repr=False, compare=False)

    def rows(self) -> Iterator[Row]:
        """(1-based row number, cell values) in order, streamed; trailing None cells trimmed.

        Raises ImportFileError(code="too_many_rows") when the sheet passes `Limits.max_rows`, and
        ImportFileError(code="unreadable") if the sheet turns out to be damaged part-way. May be
        called more than once: each call streams again from the start.
        """
        return self._stream()


@dataclass(frozen=True)
class Source:
    filename: str
    kind: str  # "xlsx" or "csv"
    size: int
    sha256: str  # hex digest of the bytes
    sheets: list[Sheet]  # in workbook order; a CSV has one sheet named after the file (stem)


def open_source(data: bytes, *, filename: str, limits: Limits = Limits()) -> Source:
    """Recognise `data` by its content and return its sheets, or raise ImportFileError.

    To tell an empty source from one with data, sheets are streamed up to their first non-blank
    cell, so this can already raise "too_many_rows" (more than `max_rows` blank rows before any
    value) or "unreadable" (a sheet damaged before its first value).
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
        _refuse_ole2(data)
    if data.startswith(_ZIP_MAGICS):
        kind, sheets = "xlsx", _open_xlsx(data, limits)
    else:
        kind, sheets = "csv", _open_csv(data, filename, limits)

    if not any(_has_data(sheet) for sheet in sheets):
        what = "workbook" if kind == "xlsx" else "CSV file"
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


# OLE2 compound files: old .xls / .doc, or an encrypted (password-protected) xlsx ---------------
_OLE2_MAGIC: Final = bytes.fromhex("D0CF11E0A1B11AE1")
_MAXREGSECT: Final = 0xFFFFFFFA  # sector numbers above this are markers (free, end of chain…)
_ENCRYPTION_ENTRIES: Final = ("encryptedpackage", "encryptioninfo")


def _refuse_ole2(data: bytes) -> NoReturn:
    names = _ole2_entry_names(data)
    if names is None:  # damaged directory: fall back to looking for the names anywhere
        lowered = data.lower()
        names = {
            name
            for name in (*_ENCRYPTION_ENTRIES, "worddocument")
            if name.encode("utf-16-le") in lowered
        }
    lowered_names = {name.lower() for name in names}
    if any(name in lowered_names for name in _ENCRYPTION_ENTRIES):
        raise ImportFileError(
            "This file is password-protected. Remove the password in Excel (File > Info > "
            "Protect Workbook > Encrypt with Password, then clear the password), save it and "
            "upload it again.",
            code="password_protected",
        )
    if "worddocument" in lowered_names:
        raise ImportFileError(
            "This looks like an old-format Word document (.doc), not an Excel workbook. Upload "
            "the action plan as an Excel Workbook (.xlsx) or a CSV file.",
            code="old_excel_format",
        )
    raise ImportFileError(
        "This is an old-format Excel file (.xls, Excel 97-2003), which can't be read. Open it in "
        "Excel, choose File > Save As > Excel Workbook (.xlsx), and upload the new .xlsx file.",
        code="old_excel_format",
    )


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


# xlsx ------------------------------------------------------------------------------------------
_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_RATIO_MIN_MEMBER_BYTES: Final = _MB  # smaller members may compress as well as they like
_STRICT_NAMESPACE: Final = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
# What openpyxl (and zipfile/zlib/XML parsing under it) raises for a damaged or odd workbook.
_XLSX_ERRORS: Final = (
    InvalidFileException,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    ParseError,
    ExpatError,
    KeyError,
    IndexError,
    ValueError,  # includes UnicodeDecodeError and defusedxml's refusals
    TypeError,
    AttributeError,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)
_DAMAGED = (
    "Open it in Excel, check it looks right, save it as an Excel Workbook (.xlsx) and upload it "
    "again."
)


def _open_xlsx(data: bytes, limits: Limits) -> list[Sheet]:
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
        if not {"[content_types].xml", "xl/workbook.xml"} <= names:
            raise ImportFileError(_describe_zip(archive, names), code="not_a_workbook")
        _check_zip_bomb(infos, limits)
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFileError(
                "This workbook's contents are encrypted with a zip password. Open it, save an "
                "unencrypted copy as an Excel Workbook (.xlsx) and upload that instead.",
                code="password_protected",
            )
        if _STRICT_NAMESPACE in _member_head(archive, "xl/workbook.xml"):
            # openpyxl would find no sheets in it and the file would look empty.
            raise ImportFileError(
                "This workbook was saved as a Strict Open XML Spreadsheet, which can't be read. "
                "Open it in Excel, choose File > Save As > Excel Workbook (.xlsx) (not Strict "
                "Open XML), and upload the new file.",
                code="unreadable",
            )

    workbook = _load_workbook(data)
    # `_timedelta_formats`: the cell styles openpyxl reads as timedelta; with none, no conversion.
    durations = bool(getattr(workbook, "_timedelta_formats", True))
    sizes = {info.filename: info.file_size for info in infos}
    sheets = []
    for index, worksheet in enumerate(workbook.worksheets):
        reopen = None
        if sizes.get(worksheet._worksheet_path, 0) >= READ_AHEAD_BYTES:
            reopen = partial(_reopen_sheet, data, index, limits.max_rows)
        sheets.append(_sheet(worksheet, limits.max_rows, durations, reopen))
    return sheets


def _sheet(worksheet, max_rows: int, durations: bool, reopen=None) -> Sheet:
    stream = partial(_xlsx_rows, worksheet, max_rows, durations)
    return Sheet(name=worksheet.title, _stream=stream, reopen=reopen)


def _load_workbook(data: bytes):
    """The workbook in openpyxl's read-only, values-only mode, its sheets unsized."""
    reader = _UnsizedReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read()
    except _XLSX_ERRORS as exc:
        raise ImportFileError(
            f"This Excel file is damaged or uses features that can't be read. {_DAMAGED}",
            code="unreadable",
        ) from exc
    return reader.wb


class _UnsizedWorksheet(ReadOnlyWorksheet):
    def _get_size(self) -> None:
        """Not sized: openpyxl would parse a sheet with no `<dimension>` to the end to size it,
        and the stored size may be wrong anyway. Unsized, `iter_rows` reads every row there
        is, and no row is padded beyond its last cell."""


class _UnsizedReader(ExcelReader):
    """openpyxl's `load_workbook(read_only=True)`, but with unsized worksheets.

    `read_worksheets` is openpyxl's (3.1) read-only branch with `_UnsizedWorksheet`; chart
    sheets, which have no cells, are left out (openpyxl's `worksheets` leaves them out too).
    """

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _UnsizedWorksheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


# A sheet's XML at least this large (about 4,000 rows of a tracker) is worked through in a second
# process on a full pass (`read_ahead`), so that reading it overlaps the importer's own work.
READ_AHEAD_BYTES: Final = 2 * _MB


def _reopen_sheet(data: bytes, index: int, max_rows: int) -> Sheet:
    """Sheet `index` of the workbook `data`, opened again (in the reading-ahead process)."""
    workbook = _load_workbook(data)
    durations = bool(getattr(workbook, "_timedelta_formats", True))
    return _sheet(workbook.worksheets[index], max_rows, durations)


T = TypeVar("T")


def read_ahead(work: Callable[..., Iterator[T]], *args: object) -> Iterator[T]:
    """What `work(*args)` yields, worked out in a second process and passed back one item at a
    time as soon as it is yielded, while this process works on the items before it.

    `work` and `args` must pickle (a module-level function, a `Sheet.reopen` recipe). An
    ImportFileError that `work` raises is raised here as it was; any other exception is raised
    here with the second process's traceback as its cause. If the process dies, the sheet is
    refused as cut short. Closing the iterator early stops the process.
    """
    # forkserver: the child is forked from a clean single-threaded server, never from a web
    # worker's threads or its open database connections.
    context = multiprocessing.get_context("forkserver")
    # The server imports `work`'s module (with openpyxl) once when it starts, so that each
    # process forked from it starts at once instead of importing them while the caller waits.
    context.set_forkserver_preload([work.__module__])
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(
        target=_work_into,
        args=(sending, work, args),
        name="action-tracker-sheet-reader",
    )
    process.start()
    sending.close()
    try:
        while True:
            try:
                message = receiving.recv()
            except EOFError:
                raise _cut_short() from None
            if isinstance(message, _Ended):
                if message.error is not None:
                    if message.traceback:
                        message.error.__cause__ = _RemoteTraceback(message.traceback)
                    raise message.error
                return
            yield message
    finally:
        receiving.close()
        if process.is_alive():
            process.terminate()
        process.join()


@dataclass(frozen=True)
class _Ended:
    error: BaseException | None = None
    traceback: str = ""  # the second process's, for an error that is not an ImportFileError


class _RemoteTraceback(Exception):
    """The traceback of an error in the reading-ahead process (as concurrent.futures does)."""

    def __str__(self) -> str:
        return f"\n\nIn the reading-ahead process:\n{self.args[0]}"


def _cut_short() -> ImportFileError:
    return ImportFileError(f"The sheet could not be read to the end. {_DAMAGED}", code="unreadable")


def _work_into(sending, work: Callable[..., Iterator[object]], args: tuple) -> None:
    """In the second process: send each item `work` yields, then how it ended."""
    ended = _Ended()
    try:
        for item in work(*args):
            sending.send(item)
    except ImportFileError as exc:
        ended = _Ended(exc)
    except Exception as exc:  # passed on to the caller, with its traceback
        ended = _Ended(RuntimeError(f"{type(exc).__name__}: {exc}"), traceback.format_exc())
    try:
        sending.send(ended)
    finally:
        sending.close()


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


def _describe_zip(archive: zipfile.ZipFile, names: set[str]) -> str:
    """A message naming what a zip that is not an xlsx looks like."""
    if "xl/workbook.bin" in names:
        return (
            "This is an Excel Binary Workbook (.xlsb), which can't be read. Open it in Excel, "
            "choose File > Save As > Excel Workbook (.xlsx), and upload the new file."
        )
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
    elif "mimetype" in names:
        mimetype = _small_member_text(archive, "mimetype")
        if "opendocument.spreadsheet" in mimetype:
            return (
                "This is an OpenDocument spreadsheet (.ods, from LibreOffice or OpenOffice). Save "
                "it as an Excel Workbook (.xlsx) (File > Save As, file type Excel 2007-365) and "
                "upload that."
            )
        if "opendocument" in mimetype:
            what = "an OpenDocument file (from LibreOffice or OpenOffice)"
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


def _xlsx_rows(worksheet, max_rows: int, durations: bool) -> Iterator[Row]:
    number = 0
    try:
        for number, row in enumerate(worksheet.iter_rows(values_only=True), 1):
            if number > max_rows:
                raise _too_many_rows(f'The sheet "{worksheet.title}"', max_rows)
            if not row:
                row = ()  # openpyxl yields a shared [] for missing rows
            elif row[-1] is None:
                row = _trim(row)
            if durations:
                row = _without_timedeltas(row)
            yield number, row
    except _XLSX_ERRORS as exc:
        raise ImportFileError(
            f'The sheet "{worksheet.title}" is damaged near row {number + 1} and can\'t be read. '
            f"{_DAMAGED}",
            code="unreadable",
        ) from exc


def _without_timedeltas(row: tuple[object, ...]) -> tuple[object, ...]:
    for value in row:
        if type(value) is dt.timedelta:
            return tuple(_duration_text(v) if type(v) is dt.timedelta else v for v in row)
    return row


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
