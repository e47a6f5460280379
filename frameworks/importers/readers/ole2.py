"""OLE2 compound files: an .xls (Excel 97-2003), or an encrypted (password-protected) Office
file or a Word .doc, which are refused. `_check_ole2` reads the file's directory and its
workbook stream's records, without parsing the workbook, to refuse what calamine would misread
and a sheet whose used area is over the limit.

May import: `base` and the standard library. Imported by the package (`readers/__init__`) only.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Final

from frameworks.importers.readers.base import (
    ImportFileError,
    Limits,
    _check_areas,
    _damaged_file,
    _not_a_workbook,
    _password_protected,
    _span,
)

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
