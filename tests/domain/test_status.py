"""The domain's status rules: the pseudo-statuses, what is done, reading officers' status words."""

from __future__ import annotations

import pytest

from frameworks.domain.status import (
    DONE,
    NO_RETURN,
    NO_STATUS,
    STATUS_LABELS,
    is_bare_status,
    is_done,
    parse_status,
)
from frameworks.domain.text import one_line
from frameworks.domain.vocabulary import RAG as Rag


# The pseudo-statuses -------------------------------------------------------------------------
def test_pseudo_statuses_are_distinct_and_never_a_rag_value() -> None:
    assert NO_RETURN != NO_STATUS
    assert {NO_RETURN, NO_STATUS}.isdisjoint(Rag)


def test_pseudo_status_values_are_the_published_snapshots_keys() -> None:
    # Stored snapshots (PublishedReport.snapshot) are keyed by these values: never change them.
    assert (NO_RETURN, NO_STATUS) == ("NONE", "UNKNOWN")


def test_every_status_has_its_words() -> None:
    assert STATUS_LABELS == {
        "COMPLETED": "Completed",
        "IN_PROGRESS": "In progress",
        "OVERDUE": "Overdue",
        "ONGOING": "Ongoing",
        "NOT_STARTED": "Not started",
        "CANCELLED": "Cancelled",
        "UNKNOWN": "No status",
        "NONE": "No update",
    }


@pytest.mark.parametrize("status", [*Rag, NO_RETURN, NO_STATUS, "", None])
def test_done_is_completed_or_cancelled(status) -> None:
    assert is_done(status) == (status in {Rag.COMPLETED, Rag.CANCELLED})
    assert set(DONE) == {Rag.COMPLETED, Rag.CANCELLED}


# parse_status --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "rag"),
    [
        ("Complete", Rag.COMPLETED),
        ("Completed", Rag.COMPLETED),
        ("Completed - Ongoing", Rag.COMPLETED),
        ("Completed (ongoing)", Rag.COMPLETED),
        (
            "Completed. Reminders will be published in the Members Bulletin periodically.",
            Rag.COMPLETED,
        ),  # noqa: E501
        ("<b>Completed</b>", Rag.COMPLETED),
        ("In progress", Rag.IN_PROGRESS),
        ("In Progress", Rag.IN_PROGRESS),
        ("<b>In progress</b>", Rag.IN_PROGRESS),
        ("Overdue", Rag.OVERDUE),
        ("Ongoing", Rag.ONGOING),
        ("On track but ongoing", Rag.ONGOING),
        ("Ongoing - need to continue regular sessions in new format", Rag.ONGOING),
        ("Not started", Rag.NOT_STARTED),
        ("Cancelled", Rag.CANCELLED),
        ("Neglected", Rag.OVERDUE),
        ("Unassigned", Rag.NOT_STARTED),
        ("Check Progress", Rag.IN_PROGRESS),
        ("Assigned", Rag.NOT_STARTED),
        ("Red", Rag.OVERDUE),
        ("Amber", Rag.IN_PROGRESS),
        ("Green", Rag.COMPLETED),
        ("IN_PROGRESS", Rag.IN_PROGRESS),
    ],
)
def test_parse_status(value, rag) -> None:
    assert parse_status(value) == (rag, one_line(value))


@pytest.mark.parametrize("value", ["", None, "   ", "<b></b>"])
def test_parse_status_blank(value) -> None:
    assert parse_status(value) == ("", "")


@pytest.mark.parametrize("value", ["See above", "Reduced scope", "Completely different"])
def test_parse_status_unknown_keeps_text(value) -> None:
    assert parse_status(value) == ("", value)


def test_is_bare_status() -> None:
    assert is_bare_status("Completed.")
    assert is_bare_status("<b>In progress</b>")
    assert not is_bare_status("Completed. Work continues to encourage involvement.")
    assert not is_bare_status("Dec-20")
    assert not is_bare_status("")
