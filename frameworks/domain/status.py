"""Statuses: the RAG values' companions, what counts as done, and reading status words.

One status vocabulary. A milestone's status at a round is a RAG value (`vocabulary.RAG`) or one
of two pseudo-statuses, never stored in `Return.rag`:

* `NO_RETURN` ("NONE") – there is no approved update to take a status from;
* `NO_STATUS` ("UNKNOWN") – there is an update, but its status was left blank or not understood
  (the officer's own words may still be shown).

Their values are keys of published board-report snapshots (`PublishedReport.snapshot`), which
are re-rendered as stored: they never change. (The milestone list's "No status" filter covers
both; its query-string value is its own, see `frameworks.filters`.)

Plain Python, no Django. May import: the standard library and the rest of the domain
(`text`, `vocabulary`). Imported by the importers, services, reports, insight and filters.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from frameworks.domain.text import REPEATED_CELLS, one_line
from frameworks.domain.vocabulary import RAG

__all__ = [
    "DONE",
    "NO_STATUS",
    "NO_RETURN",
    "STATUS_LABELS",
    "is_bare_status",
    "is_done",
    "parse_status",
]

NO_RETURN: Final = "NONE"
NO_STATUS: Final = "UNKNOWN"

# Every status's words: the RAG labels, then the pseudo-statuses'.
STATUS_LABELS: Final[dict[str, str]] = {
    **{status.value: status.label for status in RAG},
    NO_STATUS: "No status",
    NO_RETURN: "No update",
}

# Finished with: never overdue, never stale, carried forward to later rounds.
DONE: Final = (RAG.COMPLETED, RAG.CANCELLED)


def is_done(status: str | None) -> bool:
    """Completed or Cancelled."""
    return status in DONE


# parse_status --------------------------------------------------------------------------------
# (pattern matched at the start of the text, RAG). Order matters: "on track but ongoing" is
# ONGOING, "on track" alone is IN_PROGRESS.
_STATUS_RULES: Final[tuple[tuple[str, str], ...]] = (
    (r"completed?|green|done|achieved", RAG.COMPLETED),
    (r"cancell?ed|withdrawn", RAG.CANCELLED),
    (r"overdue|red|neglected|late|behind schedule", RAG.OVERDUE),
    (r"on[\s-]?going|on track but on[\s-]?going", RAG.ONGOING),
    (r"in[\s-]?progress|amber|check progress|on track|started", RAG.IN_PROGRESS),
    (r"not(?: yet)?[\s-]?started|unassigned|assigned", RAG.NOT_STARTED),
)
_STATUS_START: Final = tuple(
    (re.compile(rf"(?:{pattern})\b"), rag) for pattern, rag in _STATUS_RULES
)
_STATUS_WHOLE: Final = tuple((re.compile(rf"(?:{pattern})"), rag) for pattern, rag in _STATUS_RULES)


def _status_key(text: str) -> str:
    return text.lower().replace("_", " ").strip(" \t\n.,;:!-–—*()[]")


@functools.lru_cache(maxsize=REPEATED_CELLS)
def parse_status(value: str | None) -> tuple[str, str]:
    """(RAG value, cleaned raw text) for a status cell; RAG is "" when blank or not understood.

    The first words decide, so officers' additions are allowed: "Completed - Ongoing",
    "Completed (ongoing)" and "Completed. Reminders will …" are COMPLETED; "Ongoing - need to
    continue …" and "On track but ongoing" are ONGOING. The 004 performance-system words map
    as: Neglected → OVERDUE, Unassigned/Assigned → NOT_STARTED, Check Progress → IN_PROGRESS;
    Red/Amber/Green → OVERDUE/IN_PROGRESS/COMPLETED. RAG values themselves ("IN_PROGRESS") are
    accepted.
    """
    raw = one_line(value)
    key = _status_key(raw)
    if not key:
        return "", raw
    for pattern, rag in _STATUS_START:
        if pattern.match(key):
            return rag, raw
    return "", raw


def is_bare_status(value: str | None) -> bool:
    """True when the whole cell is just a status word ("Completed.", "In progress").

    Used to spot status words typed into the wrong column (a New Deadline cell reading
    "Completed.").
    """
    key = _status_key(one_line(value))
    return bool(key) and any(pattern.fullmatch(key) for pattern, _ in _STATUS_WHOLE)
