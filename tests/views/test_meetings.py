"""The meeting pages read a fixed number of queries however long the agenda and the board."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from frameworks.models import BoardMember
from frameworks.services import meetings
from tests.factories import DemocraticServicesUserFactory, board_meeting

pytestmark = pytest.mark.django_db


def _meeting_with(items: int, people: int):
    meeting = board_meeting("Transformation Advisory Board", date=dt.date(2023, 12, 11))
    for n in range(people):
        meetings.board_member_add(
            board=meeting.board, kind=BoardMember.Kind.MEMBER, name=f"Member {n}", user=None
        )
    for n in range(items):
        meetings.agenda_item_add(meeting=meeting, title=f"Item {n}", user=None)
    return meeting


@pytest.mark.parametrize("size", [(2, 3), (20, 15)])
def test_the_meeting_page_reads_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    meeting = _meeting_with(*size)
    meetings.minutes_start(meeting=meeting, user=None)
    client.force_login(DemocraticServicesUserFactory())
    with django_assert_max_num_queries(14):
        page = client.get(reverse("frameworks:meeting-detail", args=[meeting.pk]))
    assert page.status_code == 200
    assert f"Item {size[0] - 1}" in page.content.decode()
    with django_assert_max_num_queries(8):
        assert client.get(reverse("frameworks:meeting-list")).status_code == 200
    with django_assert_max_num_queries(12):
        minutes = client.get(reverse("frameworks:minutes-edit", args=[meeting.pk]))
    assert f"Item {size[0] - 1}: discussion" in minutes.content.decode()


def test_an_upload_that_is_not_a_pdf_is_refused_with_its_name(client):
    meeting = _meeting_with(0, 0)
    client.force_login(DemocraticServicesUserFactory())
    from django.core.files.uploadedfile import SimpleUploadedFile

    word = SimpleUploadedFile("evaluation.pdf", b"PK\x03\x04" + b"\x00" * 300 + b"word/document")
    page = client.post(
        reverse("frameworks:agendaitem-create", args=[meeting.pk]),
        {"title": "Community Engagement Evaluation", "kind": "PAPER", "paper": word},
    )
    assert page.status_code == 200
    assert "“evaluation.pdf” is not a PDF" in page.content.decode()
    assert not meeting.agenda_items.exists()
