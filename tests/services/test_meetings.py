"""Meetings: membership on the day, the agenda and its papers, the pack's own page ranges,
publishing (versions, byte-identical reprints, supplementary agendas), minutes from draft to
approved, and agreed actions updated through returns like any milestone."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from frameworks.models import AgendaItem, BoardMember, Minutes, ReturnState, RoundState
from frameworks.services import meetings
from frameworks.services.rounds import round_open
from tests.factories import PostFactory, RoundFactory, UserFactory, board_meeting

pytestmark = pytest.mark.django_db
BOARD = "Transformation Advisory Board"


def pdf_pages(content: bytes) -> list[str]:
    """Each page's text, its lines joined (table cells wrap)."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages]


@pytest.fixture
def meeting():
    return board_meeting(
        BOARD,
        date=dt.date(2023, 12, 11),
        time=dt.time(14),
        venue="Council Chamber - Town Hall, Whitechapel",
    )


@pytest.fixture
def minutes():
    """Draft minutes of the board's 17 October 2023 meeting, one item on its agenda."""
    october = board_meeting(BOARD, date=dt.date(2023, 10, 17))
    meetings.agenda_item_add(meeting=october, title="LGA Corporate Peer Challenge", user=None)
    return meetings.minutes_start(meeting=october, user=None)


@pytest.fixture
def paper() -> bytes:
    """A real PDF of 3 pages, as an officer would upload their slides."""
    from weasyprint import HTML

    html = "".join(
        f'<section style="break-after: page"><h1>Community Engagement Strategy</h1>'
        f"<p>Slide {n}: Questions for Transformation Advisory Board</p></section>"
        for n in (1, 2, 3)
    )
    return HTML(string=html).write_pdf()


def test_the_front_sheet_lists_who_served_on_the_meetings_date(meeting):
    board = meeting.board
    meetings.board_member_add(
        board=board, kind=BoardMember.Kind.CHAIR, name="Mayor Lutfur Rahman", user=None
    )
    meetings.board_member_add(
        board=board,
        kind=BoardMember.Kind.MEMBER,
        name="Richard Penn",
        role="Independent non-executive member",
        user=None,
    )
    meetings.board_member_add(
        board=board,
        kind=BoardMember.Kind.MEMBER,
        name="Left Earlier",
        ends_on=dt.date(2023, 11, 30),
        user=None,
    )
    meetings.board_member_add(
        board=board,
        kind=BoardMember.Kind.MEMBER,
        name="Joins Later",
        starts_on=dt.date(2024, 1, 1),
        user=None,
    )
    meetings.agenda_item_add(meeting=meeting, title="Welcome and Apologies", user=None)
    _, built = meetings.agenda_pack_build(meeting=meeting)
    front = pdf_pages(built.content)[0]
    assert "Mayor Lutfur Rahman (Chair)" in front
    assert "Richard Penn – Independent non-executive member" in front
    assert "Left Earlier" not in front and "Joins Later" not in front


def test_membership_ends_after_it_starts(meeting):
    with pytest.raises(ValidationError, match="The last day cannot be before the first"):
        meetings.board_member_add(
            board=meeting.board,
            kind="MEMBER",
            name="Richard Penn",
            starts_on=dt.date(2024, 1, 1),
            ends_on=dt.date(2023, 1, 1),
            user=None,
        )


def test_the_agenda_prints_the_packs_own_page_ranges_and_items_start_on_odd_pages(meeting, paper):
    meetings.agenda_item_add(
        meeting=meeting, title="Welcome and Apologies", time=dt.time(14), user=None
    )
    meetings.agenda_item_add(
        meeting=meeting,
        title="Community Engagement Strategy",
        kind=AgendaItem.Kind.PAPER,
        paper=paper,
        paper_name="ces.pdf",
        presenter="Afazul Hoque",
        time=dt.time(14, 15),
        user=None,
    )
    meetings.agenda_item_add(
        meeting=meeting,
        title="Partnership Working",
        kind=AgendaItem.Kind.PAPER,
        paper=paper,
        paper_name="pw.pdf",
        user=None,
    )
    _, built = meetings.agenda_pack_build(meeting=meeting)
    pages = pdf_pages(built.content)
    # Front sheet and agenda (2 pages), papers on 3-5, a blank page 6, papers on 7-9.
    assert len(pages) == built.pages == 9
    agenda = pages[1]
    assert re.search(r"Community Engagement Strategy\s+2\.15 p\.m\.\s+Afazul Hoque\s+3 - 5", agenda)
    assert re.search(r"Partnership Working\s+7 - 9", agenda)
    assert "This page is intentionally left blank" in pages[5]
    assert all(f"Page {n} of 9" in text for n, text in enumerate(pages, start=1))
    outline = [item.title for item in PdfReader(io.BytesIO(built.content)).outline]
    assert outline == ["Agenda", "2. Community Engagement Strategy", "3. Partnership Working"]


def test_an_upload_that_is_not_a_pdf_is_refused_and_nothing_is_added(meeting):
    docx = b"PK\x03\x04" + b"\x00" * 200 + b"word/document.xml"
    with pytest.raises(ValidationError, match="is not a PDF"):
        meetings.agenda_item_add(
            meeting=meeting,
            title="Partnership Working",
            kind=AgendaItem.Kind.PAPER,
            paper=docx,
            paper_name="partnership.pdf",
            user=None,
        )
    assert not meeting.agenda_items.exists()


def test_publishing_freezes_versions_and_an_item_added_later_is_a_supplementary_agenda(
    meeting, paper
):
    clerk = UserFactory(username="matthew")
    meetings.agenda_item_add(meeting=meeting, title="Welcome and Apologies", user=None)
    first = meetings.agenda_pack_publish(meeting=meeting, user=clerk)
    assert first.created and first.pack.version == 1 and not first.pack.supplementary
    again = meetings.agenda_pack_publish(meeting=meeting, user=clerk)
    assert not again.created and again.pack.pk == first.pack.pk
    assert meetings.agenda_pack_reprint(pack=first.pack) == bytes(first.pack.pdf)

    meetings.agenda_item_add(
        meeting=meeting,
        title="Partnership Working",
        kind=AgendaItem.Kind.PAPER,
        paper=paper,
        paper_name="pw.pdf",
        user=None,
    )
    second = meetings.agenda_pack_publish(meeting=meeting, user=clerk)
    assert second.created and second.pack.version == 2 and second.pack.supplementary
    front, agenda = pdf_pages(bytes(second.pack.pdf))[:2]
    assert front.startswith("SUPPLEMENTARY AGENDA Transformation Advisory Board")
    assert "Partnership Working (supplementary)" in agenda
    assert "Welcome and Apologies (supplementary)" not in agenda
    # The published items stay: the pack is the record of what the board was sent.
    item = meeting.agenda_items.first()
    with pytest.raises(ValidationError, match="The pack for this meeting is published"):
        meetings.agenda_item_remove(item=item, user=None, expected_version=item.version)


def test_moving_an_item_checks_the_version_seen(meeting):
    first = meetings.agenda_item_add(meeting=meeting, title="Welcome and Apologies", user=None)
    second = meetings.agenda_item_add(meeting=meeting, title="Declarations of Interest", user=None)
    meetings.agenda_item_move(item=second, up=True, user=None, expected_version=second.version)
    assert list(meeting.agenda_items.values_list("title", flat=True)) == [
        "Declarations of Interest",
        "Welcome and Apologies",
    ]
    with pytest.raises(ValidationError, match="out of date"):
        meetings.agenda_item_move(item=first, up=True, user=None, expected_version=first.version)


def test_minutes_go_from_draft_to_approved_at_the_next_meeting_then_are_read_only(meeting, minutes):
    entry = minutes.items.get()
    minutes = meetings.minutes_update(
        minutes=minutes,
        user=None,
        expected_version=minutes.version,
        present="Mayor Lutfur Rahman – Chair",
        apologies="",
        officers="Stephen Halsey",
        items={
            entry.agenda_item_id: (
                "The Board noted the response.",
                "It was agreed that "
                "the action plan would be brought to the Board for comment before it was published",
            )
        },
    )
    with pytest.raises(ValidationError, match="Add a “Minutes of the Previous Meeting” item"):
        meetings.minutes_approve(
            minutes=minutes, at_meeting=meeting, user=None, expected_version=minutes.version
        )
    meetings.agenda_item_add(
        meeting=meeting,
        title="Minutes of the Previous Meeting",
        kind=AgendaItem.Kind.MINUTES,
        user=None,
    )
    _, built = meetings.agenda_pack_build(meeting=meeting)
    minutes_page = pdf_pages(built.content)[2]
    assert "held on Tuesday, 17 October 2023" in minutes_page
    assert "Draft: for the Board to approve at this meeting." in minutes_page
    assert "the action plan would be brought to the Board" in minutes_page
    approved = meetings.minutes_approve(
        minutes=minutes, at_meeting=meeting, user=None, expected_version=minutes.version
    )
    assert approved.state == Minutes.State.APPROVED
    with pytest.raises(ValidationError, match="approved, so they can no longer be changed"):
        meetings.minutes_update(
            minutes=approved,
            user=None,
            expected_version=approved.version,
            present="",
            apologies="",
            officers="",
            items={},
        )


def test_an_agreed_action_is_a_milestone_its_owner_updates_in_their_returns(meeting, minutes):
    owner = PostFactory(title="Head of Democratic Services")
    action = meetings.meeting_action_add(
        minutes_item=minutes.items.get(),
        owner=owner,
        due="January 2024",
        user=None,
        action="The action plan would be brought to the Board for comment before it was published",
    )
    milestone = action.milestone
    assert milestone.framework.name == "Transformation Advisory Board: actions agreed"
    assert milestone.theme.name == "Meeting of 17 October 2023"
    assert milestone.deadline.display == "January 2024"
    # The policy team opens a round for the action log: the owner gets a return for it.
    round = RoundFactory(framework=milestone.framework, label="Q4 2023-24", state=RoundState.DRAFT)
    round_open(round=round, user=None, expected_version=round.version)
    assert milestone.returns.get().state == ReturnState.NOT_STARTED
    # The next pack lists it under "Actions from previous meetings".
    meetings.agenda_item_add(
        meeting=meeting,
        title="Actions from previous meetings",
        kind=AgendaItem.Kind.ACTIONS,
        user=None,
    )
    _, built = meetings.agenda_pack_build(meeting=meeting)
    actions_page = pdf_pages(built.content)[2]
    assert "The action plan would be brought to the Board" in actions_page
    assert "Head of Democratic Services" in actions_page and "January 2024" in actions_page


def test_the_command_writes_the_pack_or_says_what_is_missing(meeting, tmp_path):
    output = tmp_path / "pack.pdf"
    with pytest.raises(CommandError, match="The agenda has no items"):
        call_command("agenda_pack", board=BOARD, meeting_date="2023-12-11", output=str(output))
    with pytest.raises(CommandError, match="has no meeting on 12 December 2023"):
        call_command("agenda_pack", board=BOARD, meeting_date="2023-12-12", output=str(output))
    with pytest.raises(CommandError, match="No board called 'Cabinet'"):
        call_command("agenda_pack", board="Cabinet", meeting_date="2023-12-11", output=str(output))
    meetings.agenda_item_add(meeting=meeting, title="Welcome and Apologies", user=None)
    call_command(
        "agenda_pack", board=BOARD, meeting_date="2023-12-11", output=str(output), publish=True
    )
    assert output.read_bytes() == bytes(meeting.packs.get().pdf)
