"""An import's field-by-field rules: how a file's value and the stored one are compared, shown
and stored, for milestones and returns alike. Plain functions over plain values and model
instances; nothing here reads or writes the database.

Deadlines are the domain's `Deadline` (`frameworks.domain.deadlines`), read and written by name
(`deadline`, `revised_deadline`, `new_deadline`: the plan's field names are the models' deadline
accessors). May import: the domain, the models, the importers and `frameworks.exports` (the
wording of leads and statuses). Imported by the other `frameworks.services.import_*` modules.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.text import Truncator

from frameworks.domain.deadlines import Deadline
from frameworks.domain.vocabulary import DeadlineKind
from frameworks.exports import lead_cell, status_text
from frameworks.importers import extract as ex
from frameworks.models import Return, ReturnState

FIELD_LABELS = {
    ex.THEME: "Theme",
    ex.CODE: "Code",
    ex.TITLE: "Title",
    ex.ACTIVITY: "Existing activity",
    ex.LEADS: "Lead",
    ex.DEADLINE: "Deadline",
    ex.REVISED: "Revised deadline",
    ex.GROUPS: "Monitoring groups",
    ex.RISK: "Risk",
    ex.SOURCE: "Source",
    ex.NARRATIVE: "Progress update",
    ex.STATUS: "RAG status",
    ex.NEW_DEADLINE: "New deadline",
    ex.PERCENT: "% complete",
    ex.OUTCOMES: "Outcome",
}
DEADLINES = (ex.DEADLINE, ex.REVISED, ex.NEW_DEADLINE)
OPEN_ROUND = "the round is open, and its returns are written by their leads in the app"
NEWER = "Newer in the tracker, kept: a later round's approved update is there."


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def short(title: str) -> str:
    return Truncator(title).chars(120)


def flat(value: Any) -> str:
    return " ".join(str(value or "").split())


class ComparableDeadline(tuple):
    """A deadline, for comparing: the same words, or the same date at the same precision
    (01/07/2019 and 01-Jul-19 are the same; 31/03/2020 and Mar-20 are not)."""

    def __eq__(self, other) -> bool:
        return isinstance(other, ComparableDeadline) and (
            self[0] == other[0] or (self[1] is not None and self[1:] == other[1:])
        )

    __hash__ = tuple.__hash__


def comparable_deadline(deadline: Deadline) -> ComparableDeadline:
    stored = deadline.for_storage()  # as the columns keep it
    return ComparableDeadline((flat(stored.text), stored.date, stored.precision))


def stored_deadline(obj, name: str) -> ComparableDeadline:
    """A stored deadline (`deadline`, `revised_deadline`, `new_deadline`), for comparing."""
    return comparable_deadline(getattr(obj, name))


def deadline_to_store(name: str, deadline: Deadline | None) -> Deadline:
    """The deadline to store as `name` for the file's (None: none given)."""
    if deadline is None:
        return Deadline(kind=DeadlineKind.NOT_SET if name == ex.DEADLINE else "")
    return deadline.for_storage()


def columns_of(names: set[str]) -> set[str]:
    """The database columns that hold these fields (leads are rows of their own)."""
    columns: set[str] = set()
    for name in names - {ex.LEADS}:
        if name in DEADLINES:
            columns |= set(Deadline.fields(name))
        else:
            columns |= {ex.STATUS: {"rag", "rag_text"}}.get(name, {name})
    return columns


def deadline_shown(obj, name: str) -> str:
    """A stored deadline as the import's changes show it: the words as written."""
    deadline: Deadline = getattr(obj, name)
    return deadline.text or deadline.display_if_set


def leads_text(leads: list[tuple[str, str]]) -> str:
    return lead_cell([{"post": title, "role": role} for title, role in leads])


def worked_on(return_: Return) -> str:
    """Why people own this return ("" if nobody has touched it: imported or never started)."""
    if return_.state in (ReturnState.DRAFT, ReturnState.SUBMITTED, ReturnState.RETURNED):
        return f"its return is {ReturnState(return_.state).label.lower()} in the app"
    if return_.reviewed_by_id or return_.submitted_by_id or return_.saved_by_id:
        return "its return was written and reviewed in the app"
    return ""


def return_differences(spec: ex.ReturnSpec, return_: Return | None) -> list[tuple]:
    """(field, the file's value, before, after) for each carried field the file gives that
    differs from the stored update (every given field if there is none)."""
    changes = []
    status = (
        (return_.rag, return_.rag_text) if return_ and (return_.rag or return_.rag_text) else None
    )
    new: tuple[str, str] | Deadline | str | int | None  # the file's value, as each field has it
    stored: ComparableDeadline | str | int | None
    for name in ex.RETURN_FIELDS:
        if name not in spec.carries:
            continue
        if name == ex.STATUS:
            new = (spec.rag, spec.rag_text)
            if not any(new):
                continue
            same = status is not None and (
                new[0] == status[0] if new[0] else flat(new[1][:500]) == flat(status[1])
            )
            before, after = status_text(*status) if status else "", status_text(*new)
        elif name == ex.NEW_DEADLINE:
            new = spec.new_deadline
            if new is None:
                continue
            stored = stored_deadline(return_, name) if return_ else ""
            same = comparable_deadline(new) == stored
            before, after = return_.new_deadline_display if return_ else "", new.text
        elif name == ex.NARRATIVE:
            new = spec.narrative
            stored = return_.narrative if return_ else ""
            same, before, after = flat(new) == flat(stored), stored, new
        else:
            new = spec.percent_complete
            stored = return_.percent_complete if return_ else None
            same, before, after = new == stored, "" if stored is None else str(stored), str(new)
        if new in (None, "") or same:
            continue
        changes.append((name, new, before, after))
    return changes
