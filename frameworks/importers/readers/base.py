"""What every reader shares: the refusal (`ImportFileError`), the `Limits`, a `Source` and its
`Sheet`s, and the helpers the reader of each kind uses (sizes in messages, the usual refusals,
a sheet's used area against `Limits.max_cells`, trimming a row).

May import: the standard library only. Imported by the other modules of `readers`; other code
imports these names from `frameworks.importers.readers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Final, TypeVar

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


def _not_a_workbook(what: str) -> ImportFileError:
    return ImportFileError(
        f"This file is {what}, not a spreadsheet. Upload the action plan as an Excel Workbook "
        "(.xlsx) or a CSV file.",
        code="not_a_workbook",
    )


# Sheet areas: (rows, columns) from the first to the last used cell (`ole2`, `zipped`, `workbook`) -
def _span(first: list[int], last: list[int]) -> tuple[int, int]:
    return max(last[0] - first[0] + 1, 0), max(last[1] - first[1] + 1, 0)


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
