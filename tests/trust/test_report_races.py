"""Double clicks and second tabs on board reports, as real parallel sessions on PostgreSQL: one
report per meeting, one board per name, one version per publication, one build at a time, and
never a 500."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from frameworks.models import Board, BoardReport, PublishedReport, ReportBuild
from frameworks.services import boards, reports
from tests.factories import (
    BOARD,
    SEED_004_TEXT,
    ApprovedReturnFactory,
    DemocraticServicesUserFactory,
    PolicyUserFactory,
    RoundFactory,
    board_meeting,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "parallel sessions need PostgreSQL (.ci/run's first pass): SQLite's shared "
            "in-memory test database refuses a second writer instead of making it wait"
        )


def in_parallel(n: int, work) -> list:
    """Run `work(i)` in n threads released together; each result, or the exception raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # recorded, so the assertion shows it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def round(milestone):
    round = RoundFactory(framework=milestone.framework, label="Q2 2020-21", state="CLOSED")
    ApprovedReturnFactory(milestone=milestone, round=round, rag="OVERDUE")
    return round


def test_three_create_report_posts_make_one_report_and_two_form_errors(round):
    board = boards.board_create(name=BOARD, user=None)
    users = [DemocraticServicesUserFactory() for _ in range(3)]
    data = {"round": round.pk, "board": board.pk, "meeting_date": "09/12/2020"}

    def post(i):
        client = Client()
        client.force_login(users[i])
        return client.post(reverse("frameworks:report-create"), data)

    responses = in_parallel(3, post)
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == [200, 200, 302], responses
    for response in responses:
        if response.status_code == 200:
            assert "There is already a report on Q2 2020-21" in response.content.decode()
    assert BoardReport.objects.count() == 1


def test_three_boards_typed_at_once_make_one_board(db):
    names = [BOARD, "Transformation & Improvement Board", "transformation and improvement board"]
    users = [PolicyUserFactory() for _ in range(3)]

    def post(i):
        client = Client()
        client.force_login(users[i])
        return client.post(reverse("frameworks:board-create"), {"name": names[i]})

    responses = in_parallel(3, post)
    assert sorted(r.status_code for r in responses) == [200, 200, 302], responses
    assert Board.objects.count() == 1


def test_three_publish_clicks_make_one_version(round):
    report = reports.board_report_create(
        framework=round.framework,
        round=round,
        meeting=board_meeting(date=dt.date(2020, 12, 9)),
        **SEED_004_TEXT,
    )
    users = [DemocraticServicesUserFactory() for _ in range(3)]
    data = {"version": report.version, "acknowledged": "MEETING_PAST"}

    def post(i):
        client = Client()
        client.force_login(users[i])
        return client.post(reverse("frameworks:report-publish", args=[report.pk]), data)

    responses = in_parallel(3, post)
    assert [r.status_code for r in responses] == [302, 302, 302], responses
    assert PublishedReport.objects.count() == 1


def test_three_build_clicks_queue_one_build(round, settings):
    settings.TRACKER_INLINE_REPORT_MILESTONES = 0
    report = reports.board_report_create(
        framework=round.framework,
        round=round,
        meeting=board_meeting(date=dt.date(2020, 12, 9)),
    )
    users = [DemocraticServicesUserFactory() for _ in range(3)]

    def post(i):
        client = Client()
        client.force_login(users[i])
        return client.post(reverse("frameworks:report-build-start", args=[report.pk]))

    responses = in_parallel(3, post)
    assert [r.status_code for r in responses] == [302, 302, 302], responses
    assert ReportBuild.objects.count() == 1
    assert len({r.url for r in responses}) == 1
