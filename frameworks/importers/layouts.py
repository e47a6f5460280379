"""The legacy layouts and how their header rows are recognised.

Headings are matched by their leading words, case- and whitespace-insensitively, so guidance text
after the name ("Deadline If this column has not already been completed…") and line breaks inside
the heading cell do not matter. Each header cell takes the longest alias that matches, so
"Previous RAG Status …" is never mistaken for "RAG Status".

The layouts' names and labels are `frameworks.domain.vocabulary.ImportLayout` (which
`frameworks.models.ImportLayout`, the upload form's choices, is built from); their columns are
here. May import: the domain; no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from frameworks.domain.vocabulary import ImportLayout

HEADER_SEARCH_ROWS = 20

FRAMEWORK = ImportLayout.FRAMEWORK.value
TRACKER = ImportLayout.TRACKER.value
ACTIONS = ImportLayout.ACTIONS.value
PLEDGES = ImportLayout.PLEDGES.value
LAYOUT_NAMES = tuple(layout.value for layout in ImportLayout)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = True


LAYOUTS: dict[str, tuple[Column, ...]] = {
    FRAMEWORK: (
        Column("activity", "What do we do?", ("what do we do", "existing activity"), False),
        Column(
            "action",
            "What (more) could we do?",
            ("what more could we do", "what could we do", "action", "key milestone"),
        ),
        Column("lead", "Lead", ("lead",)),
        Column("timescale", "Timescale", ("timescale", "deadline"), False),
    ),
    TRACKER: (
        Column("theme", "Theme", ("theme",)),
        Column("title", "Key Milestone", ("key milestone", "milestone")),
        Column("lead", "Lead", ("lead",)),
        Column("deadline", "Deadline", ("deadline",)),
        Column(
            "previous_update",
            "Previous progress update",
            ("previous progress update", "previous update"),
            False,
        ),
        Column(
            "previous_rag", "Previous RAG Status", ("previous rag status", "previous rag"), False
        ),
        Column("new_deadline", "New Deadline", ("new deadline", "revised deadline"), False),
        Column("progress", "Progress to date", ("progress to date", "progress update")),
        Column("rag", "RAG Status", ("rag status", "rag")),
        Column("code", "Code", ("code", "ref"), False),
        Column("percent", "% complete", ("% complete", "percent complete"), False),
    ),
    ACTIONS: (
        Column("code", "Code", ("code",)),
        Column("title", "Title", ("title", "action title")),
        Column("status", "Status", ("status",)),
        Column("progress", "Progress", ("progress", "% progress")),
        Column("owners", "Owners", ("owners", "owner", "ownership managed by"), False),
        Column("groups", "Monitoring Groups", ("monitoring groups", "monitoring group"), False),
        Column("note", "Latest Note", ("latest note", "note", "latest update", "update"), False),
        Column("risk", "Risk", ("risk",), False),
    ),
    # A pledge's table: each row a commitment and the outcome it serves; pledge headings
    # ("Pledge 1: Involve") are rows of their own (`layout_rows._pledges`).
    PLEDGES: (
        Column("commitment", "We will", ("we will",)),
        Column("outcome", "So that", ("so that",)),
    ),
}


_WORDS = re.compile(r"[a-z0-9%]+")


def normalise_heading(value: object) -> str:
    """Lower-case words only: "What (more) could\\nwe do?" -> "what more could we do"."""
    if value is None:
        return ""
    text = re.sub(r"<[^>]+>", " ", str(value).lower())
    return " ".join(_WORDS.findall(text))


def _starts_with(heading: str, alias: str) -> bool:
    return heading == alias or heading.startswith(alias + " ")


@dataclass
class HeaderMatch:
    layout: str
    row: int
    columns: dict[str, int]  # column key -> 0-based cell index
    missing: list[Column] = field(default_factory=list)

    @property
    def score(self) -> int:
        return len(self.columns)

    @property
    def complete(self) -> bool:
        return not self.missing


def match_header(layout: str, cells: Iterable[object], row: int) -> HeaderMatch:
    aliases = sorted(
        ((alias, column) for column in LAYOUTS[layout] for alias in column.aliases),
        key=lambda pair: -len(pair[0]),
    )
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        heading = normalise_heading(cell)
        if not heading:
            continue
        for alias, column in aliases:
            if column.key not in found and _starts_with(heading, alias):
                found[column.key] = index
                break
    missing = [c for c in LAYOUTS[layout] if c.required and c.key not in found]
    return HeaderMatch(layout=layout, row=row, columns=found, missing=missing)


def find_header(
    rows: Iterable[tuple[int, tuple[object, ...]]], layouts: Iterable[str]
) -> HeaderMatch | None:
    """The best header row in the first rows of a sheet, or None if nothing looks like one.

    A row counts when it matches at least two columns of a layout; a complete match (every
    required column) beats a partial one, and more columns beat fewer.
    """
    best: HeaderMatch | None = None
    layouts = tuple(layouts)
    for number, cells in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        for layout in layouts:
            match = match_header(layout, cells, number)
            if match.score < 2:
                continue
            if best is None or (match.complete, match.score) > (best.complete, best.score):
                best = match
    return best


def is_repeated_header(cells: tuple[object, ...], header: tuple[str, ...]) -> bool:
    """A header row repeated on a later page: at least half its headings appear again."""
    filled = sum(1 for h in header if h)
    if not filled:
        return False
    needed = (filled + 1) // 2
    misses_allowed = filled - needed
    same = 0
    for index, heading in enumerate(header):
        if not heading:
            continue
        cell = cells[index] if index < len(cells) else None
        # A cell can only read as the heading if it holds the heading's first word (a cheap
        # test that spares normalising every long narrative of every row).
        if (
            cell is not None
            and heading.split(" ", 1)[0] in str(cell).lower()
            and normalise_heading(cell) == heading
        ):
            same += 1
            if same >= needed:
                return True
        else:
            misses_allowed -= 1
            if misses_allowed < 0:
                return False
    return same >= needed
