"""CSV and other text: the encoding (UTF-8, UTF-16 with a BOM, else Windows-1252), refusing
binary data and the text formats that are not CSV (HTML, XML, RTF), the delimiter (Excel's
"sep=" line, or sniffed) and the rows, each cell stripped and a formula that an export made
inert given back as written.

May import: `base` and the standard library. Imported by the package (`readers/__init__`) only.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import PurePosixPath
from typing import Final

from frameworks.importers.readers.base import (
    ImportFileError,
    Limits,
    Row,
    Sheet,
    _not_a_workbook,
    _too_many_rows,
    _trim,
)

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
