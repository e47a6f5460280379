"""Who sees words nobody has approved yet. A return being written, waiting for review or sent back
is seen by the holders of its post and by the policy team; every other reader, on every path
(the plan's page, the milestone list and its search, the milestone page and its history, the
board report, the spreadsheet export), sees only approved updates."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse

from frameworks import exports, selectors
from frameworks.models import RAG, ReturnState, RoundState
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_xlsx
from frameworks.services.boards import board_get_or_create, meeting_get_or_create
from frameworks.services.reports import board_report_create
from tests.factories import ApprovedReturnFactory, ReturnFactory, RoundFactory

APPROVED = "The CCfA guidance was signed off by CLT in September."
UNAPPROVED = "Draft: still waiting for Legal to comment on the CCfA guidance."


@pytest.fixture
def plan(milestone, round, policy_user):
    earlier = RoundFactory(
        framework=milestone.framework,
        label="Q2 2020-21",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 9, 30),
        due_date=dt.date(2020, 10, 15),
        state=RoundState.CLOSED,
    )
    approved = ApprovedReturnFactory(milestone=milestone, round=earlier, narrative=APPROVED)
    board = board_get_or_create(name="Transformation and Improvement Board", user=None)
    meeting = meeting_get_or_create(board=board, date=dt.date(2021, 2, 9))
    report = board_report_create(
        framework=milestone.framework, round=round, meeting=meeting, user=policy_user
    )
    return approved, report


@pytest.fixture(params=[ReturnState.DRAFT, ReturnState.SUBMITTED, ReturnState.RETURNED])
def unapproved(request, plan, milestone, round):
    approved, _ = plan
    return ReturnFactory(
        milestone=milestone,
        round=round,
        previous=approved,
        narrative=UNAPPROVED,
        rag=RAG.IN_PROGRESS,
        state=request.param,
        review_comment="Say what the next step is."
        if request.param == ReturnState.RETURNED
        else "",
    )


def pages(milestone, report) -> dict[str, str]:
    slug = milestone.framework.slug
    return {
        "the plan's page": reverse("frameworks:framework-detail", args=[slug]),
        "the milestone list": reverse("frameworks:milestone-list", args=[slug]),
        "the milestone search": reverse("frameworks:milestone-list", args=[slug]) + "?q=Legal",
        "the milestone page": reverse("frameworks:milestone-detail", args=[milestone.pk]),
        "the milestone's history": reverse("frameworks:milestone-history", args=[milestone.pk]),
        "the board report": reverse("frameworks:report-preview", args=[report.pk]),
    }


@pytest.mark.parametrize("reader", ["democratic_user", "other_officer"])
def test_other_readers_see_only_approved_updates_on_every_page(
    request, client, plan, unapproved, reader
):
    _, report = plan
    client.force_login(request.getfixturevalue(reader))
    read = []
    for where, url in pages(unapproved.milestone, report).items():
        response = client.get(url)
        if response.status_code in (403, 404):
            continue  # a page this reader cannot open shows nothing at all
        read.append(where)
        page = response.content.decode()
        assert UNAPPROVED not in page, f"{reader} read unapproved words on {where}"
        assert "waiting for Legal" not in page, where
    # Every page but the board report is open to any signed-in reader of this plan.
    assert len(read) >= 5, read
    assert (
        APPROVED
        in client.get(pages(unapproved.milestone, report)["the milestone page"]).content.decode()
    )


def test_the_holder_and_the_policy_team_do_see_the_return_being_written(
    client, plan, unapproved, officer, policy_user
):
    _, report = plan
    milestone_page = pages(unapproved.milestone, report)["the milestone page"]
    for person in (officer, policy_user):
        client.force_login(person)
        assert UNAPPROVED in client.get(milestone_page).content.decode(), person.username


def test_the_spreadsheet_export_and_the_report_data_hold_only_approved_updates(plan, unapproved):
    _, report = plan
    data = selectors.framework_export_data(framework=unapproved.milestone.framework)
    csv = exports.tracker_csv(data, round="Q3 2020-21", previous="Q2 2020-21")
    assert UNAPPROVED not in csv and APPROVED in csv
    snapshot = build_snapshot(report=report)
    assert UNAPPROVED not in json.dumps(snapshot)
    archive = zipfile.ZipFile(io.BytesIO(render_xlsx(snapshot)))
    assert not any(UNAPPROVED.encode() in archive.read(name) for name in archive.namelist())
