"""A workbook's sheet read with calamine: its rows up to the row limit, its used area checked
as calamine returns it, and its values as the importer takes them (a whole number an int, a
duration "H:MM:SS" text, "" None); a damaged sheet or cell is an `ImportFileError`
"unreadable". (`_open_workbook`, in the package's `__init__`, hands the bytes to calamine.)

May import: `base`, python-calamine and the standard library. Imported by the package
(`readers/__init__`) only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Final

from python_calamine import CalamineError, CalamineWorkbook

from frameworks.importers.readers.base import (
    _DAMAGED,
    ImportFileError,
    Limits,
    Row,
    _check_areas,
    _too_many_rows,
    _trim,
)

# What calamine raises for a damaged file; also pyo3's PanicException (a BaseException).
_CALAMINE_ERRORS: Final = (CalamineError, OSError, ValueError, EOFError, OverflowError)
_ISO_DURATION: Final = re.compile(r"(-?)PT(\d+)H(\d+)M(\d+(?:\.\d+)?)S")  # an .ods time cell


def _unless_damaged(exc: BaseException) -> None:
    """Raise `exc` again unless it is calamine saying that the file is damaged."""
    if not isinstance(exc, _CALAMINE_ERRORS) and type(exc).__name__ != "PanicException":
        raise exc


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
