"""Board reports on the web: create for a meeting of a listed board, edit without losing anyone's
words, preview, download, and publish only what people wrote."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from frameworks.models import Board, BoardReport, Meeting, PublishedReport, ReportBuild
from frameworks.services import boards, reports
from tests.factories import (
    BOARD,
    SEED_004_TEXT,
    ApprovedReturnFactory,
    MilestoneFactory,
    RoundFactory,
    board_meeting,
)


@pytest.fixture
def round_with_returns(milestone):
    round = RoundFactory(framework=milestone.framework, label="Q2 2020-21", state="CLOSED")
    ApprovedReturnFactory(milestone=milestone, round=round, rag="OVERDUE")
    return round


@pytest.fixture
def board(db):
    return boards.board_create(name=BOARD, user=None)


@pytest.fixture
def report(round_with_returns, board):
    meeting = board_meeting(date=dt.date(2020, 12, 9))
    return reports.board_report_create(
        framework=round_with_returns.framework, round=round_with_returns, meeting=meeting
    )


@pytest.fixture
def written(report):
    """The report with its cover and statutory text written, as seed 004's officers wrote it."""
    return reports.board_report_update(
        report=report, expected_version=report.version, **SEED_004_TEXT
    )


def form_data(report: BoardReport, **changes) -> dict:
    """The edit form as the page gives it (with the version seen), plus the person's changes."""
    data = {
        field: getattr(report, field)
        for field in reports.TEXT_FIELDS
        if getattr(report, field) not in ("", None)
    }
    for field in ("equalities_not_applicable", "finance_not_applicable", "legal_not_applicable"):
        if getattr(report, field):
            data[field] = "on"
    if report.exempt_paragraph:
        data["exempt_paragraph"] = report.exempt_paragraph
    data["version"] = report.version
    return {**data, **changes}


def creating(round, board, **changes) -> dict:
    return {
        "round": round.pk,
        "board": board.pk,
        "meeting_date": "09/12/2020",
        **changes,
    }


# Creating --------------------------------------------------------------------------------------


def test_democratic_services_create_a_report_for_a_listed_board_and_a_round(
    client, democratic_user, round_with_returns, board
):
    client.force_login(democratic_user)
    page = client.get(reverse("frameworks:report-create")).content.decode()
    assert f"{round_with_returns.framework.name}: Q2 2020-21" in page  # rounds are picked
    assert f'<option value="{board.pk}">{BOARD}</option>' in page  # and so are boards
    response = client.post(
        reverse("frameworks:report-create"),
        creating(round_with_returns, board, meeting_time="6pm", venue="Council Chamber"),
    )
    report = BoardReport.objects.get()
    assert response.url == report.get_absolute_url()
    assert report.title.endswith("Q2 2020-21 progress")
    assert report.meeting.venue == "Council Chamber"
    assert report.meeting.time == dt.time(18)
    assert "6.00 p.m." in client.get(report.get_absolute_url()).content.decode()
    # Nothing a person has to decide is written for them.
    assert report.executive_summary == report.recommendations == ""
    assert report.wards_affected == report.key_decision_reason == ""
    assert report.finance_comments == report.legal_comments == report.equalities_comments == ""


def test_a_meeting_whose_time_is_not_known_prints_no_time(
    client, democratic_user, round_with_returns, board
):
    client.force_login(democratic_user)
    client.post(reverse("frameworks:report-create"), creating(round_with_returns, board))
    report = BoardReport.objects.get()
    assert report.meeting.time is None
    preview = client.get(reverse("frameworks:report-preview", args=[report.pk])).content.decode()
    assert "9 December 2020</p>" in preview or "9 December 2020 –" in preview
    assert "18:30" not in preview and "p.m." not in preview
    detail = client.get(report.get_absolute_url()).content.decode()
    assert "18:30" not in detail


def test_creating_the_same_report_twice_is_a_form_error_not_a_second_report(
    client, democratic_user, round_with_returns, board
):
    client.force_login(democratic_user)
    data = creating(round_with_returns, board)
    first = client.post(reverse("frameworks:report-create"), data)
    second = client.post(reverse("frameworks:report-create"), data)
    assert first.status_code == 302 and second.status_code == 200
    assert "There is already a report on Q2 2020-21" in second.content.decode()
    assert BoardReport.objects.count() == 1


def test_a_meeting_time_that_differs_from_the_recorded_one_is_refused(
    client, democratic_user, round_with_returns, board
):
    board_meeting(date=dt.date(2020, 12, 9), time=dt.time(18))
    client.force_login(democratic_user)
    response = client.post(
        reverse("frameworks:report-create"),
        creating(round_with_returns, board, meeting_time="18:30"),
    )
    assert "is recorded as starting at 6.00 p.m." in response.content.decode()
    assert not BoardReport.objects.exists()
    assert Meeting.objects.get().time == dt.time(18)


def test_create_report_errors_are_explained(client, democratic_user, round_with_returns):
    client.force_login(democratic_user)
    response = client.post(
        reverse("frameworks:report-create"),
        {"round": "", "board": "", "meeting_date": "31/02/2020"},
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose the framework and round the report covers." in page
    assert "Choose the board or committee." in page
    assert "Enter the meeting date as a date" in page
    assert not BoardReport.objects.exists()


# Editing without losing anyone's words -------------------------------------------------------


def test_a_save_from_a_stale_page_reverts_nothing_and_shows_what_changed(
    client, democratic_user, policy_user, report
):
    seen = BoardReport.objects.get(pk=report.pk)  # both open the edit page
    url = reverse("frameworks:report-edit", args=[report.pk])
    client.force_login(policy_user)
    client.post(url, form_data(seen, executive_summary="Summary written by the policy team."))
    client.force_login(democratic_user)
    response = client.post(url, form_data(seen, lead_member="Mayor John Biggs"))
    page = response.content.decode()
    report.refresh_from_db()
    assert report.executive_summary == "Summary written by the policy team."  # not reverted
    assert report.lead_member == ""  # and nothing of the stale save was written
    assert "Someone else saved this report after you opened it" in page
    assert "Summary written by the policy team." in page  # what changed, and by whom
    assert policy_user.get_full_name() in page
    # Saving the page as it now stands keeps both people's words.
    merged = response.context["form"]
    data = {k: v for k, v in merged.data.items() if k != "csrfmiddlewaretoken"}
    client.post(url, data)
    report.refresh_from_db()
    assert report.executive_summary == "Summary written by the policy team."
    assert report.lead_member == "Mayor John Biggs"


def test_a_section_both_people_changed_keeps_yours_and_asks(client, democratic_user, report):
    seen = BoardReport.objects.get(pk=report.pk)
    reports.board_report_update(
        report=report, expected_version=seen.version, executive_summary="Theirs."
    )
    client.force_login(democratic_user)
    response = client.post(
        reverse("frameworks:report-edit", args=[report.pk]),
        form_data(seen, executive_summary="Mine."),
    )
    form = response.context["form"]
    assert form.data["executive_summary"] == "Mine."
    assert "changed this after you opened the page" in str(form.errors["executive_summary"])
    report.refresh_from_db()
    assert report.executive_summary == "Theirs."


# Nothing invented ----------------------------------------------------------------------------


def test_blank_statutory_sections_print_to_be_completed_and_block_publishing(
    client, democratic_user, report
):
    client.force_login(democratic_user)
    preview = client.get(reverse("frameworks:report-preview", args=[report.pk])).content.decode()
    assert preview.count("To be completed") >= 5  # 3 statutory, wards, key decision, recs
    assert "no direct financial implications" not in preview
    assert "no specific equalities implications" not in preview
    assert "Note the progress made" not in preview
    page = client.get(reverse("frameworks:report-publish", args=[report.pk])).content.decode()
    assert "The report cannot be published yet" in page
    assert "Comments of the Chief Finance Officer: write the comments, or mark them" in page
    assert 'type="submit"' not in page.split("Publish for the meeting</h1>")[1]
    client.post(reverse("frameworks:report-publish", args=[report.pk]), {"version": 1})
    assert not PublishedReport.objects.exists()


def test_marking_a_section_not_applicable_is_recorded_and_printed_neutrally(
    client, democratic_user, report
):
    client.force_login(democratic_user)
    url = reverse("frameworks:report-edit", args=[report.pk])
    data = form_data(report, **SEED_004_TEXT)
    data.pop("legal_comments")
    client.post(url, {**data, "legal_not_applicable": "on"})
    report.refresh_from_db()
    assert report.legal_not_applicable
    record = report.history.order_by("-history_id").first()
    assert record.history_user == democratic_user and record.legal_not_applicable
    preview = client.get(reverse("frameworks:report-preview", args=[report.pk])).content.decode()
    legal = preview.split("6. Comments of Legal Services</h2>")[1].split("<h2>")[0]
    assert "Not applicable to this report." in legal
    both = client.post(url, {**form_data(report), "legal_comments": "Some text."})
    assert "write the comments or mark them not applicable, not both" in both.content.decode()
    report.refresh_from_db()
    assert report.legal_comments == ""


def test_exempt_needs_its_schedule_12a_paragraph_and_prints_it(client, democratic_user, written):
    client.force_login(democratic_user)
    url = reverse("frameworks:report-edit", args=[written.pk])
    response = client.post(url, form_data(written, classification="EXEMPT"))
    assert "Select the paragraph of Schedule 12A" in response.content.decode()
    written.refresh_from_db()
    assert written.classification == "UNRESTRICTED"
    client.post(url, form_data(written, classification="EXEMPT", exempt_paragraph="3"))
    written.refresh_from_db()
    assert written.classification == "EXEMPT" and written.exempt_paragraph == 3
    preview = client.get(reverse("frameworks:report-preview", args=[written.pk])).content.decode()
    assert "Exempt information under paragraph 3 of Part 1 of Schedule 12A" in preview
    assert "financial or business affairs of any particular person" in preview


# Publishing ----------------------------------------------------------------------------------


def test_publishing_a_past_meeting_asks_for_confirmation_then_is_idempotent(
    client, democratic_user, written
):
    client.force_login(democratic_user)
    url = reverse("frameworks:report-publish", args=[written.pk])
    page = client.get(url).content.decode()
    assert "The meeting was on 9 December 2020, which has passed." in page
    refused = client.post(url, {"version": written.version})
    assert "Confirm that you have read each warning" in refused.content.decode()
    assert not PublishedReport.objects.exists()
    data = {"version": written.version, "acknowledged": "MEETING_PAST"}
    first = client.post(url, data, follow=True).content.decode()
    assert "Published version 1" in first
    again = client.post(url, data, follow=True).content.decode()
    assert "no new version was made" in again
    assert PublishedReport.objects.count() == 1


def test_publishing_while_the_round_is_open_warns(client, democratic_user, written):
    written.round.state = "OPEN"
    written.round.save()
    client.force_login(democratic_user)
    page = client.get(reverse("frameworks:report-publish", args=[written.pk])).content.decode()
    assert "Q2 2020-21 is still open" in page


def test_publishing_from_a_page_opened_before_an_edit_publishes_nothing(
    client, democratic_user, written
):
    seen = written.version
    reports.board_report_update(
        report=written, expected_version=seen, recommendations="Note the report and comment."
    )
    client.force_login(democratic_user)
    response = client.post(
        reverse("frameworks:report-publish", args=[written.pk]),
        {"version": seen, "acknowledged": "MEETING_PAST"},
    )
    page = response.content.decode()
    assert "Nothing was published" in page and "recommendations" in page
    assert not PublishedReport.objects.exists()


def test_edit_preview_download_and_publish(client, democratic_user, written):
    client.force_login(democratic_user)
    client.post(
        reverse("frameworks:report-edit", args=[written.pk]),
        form_data(written, title="Ward Councillor Support Framework: Q2 update"),
    )
    written.refresh_from_db()
    preview = client.get(reverse("frameworks:report-preview", args=[written.pk])).content.decode()
    assert "Ward Councillor Support Framework: Q2 update" in preview
    assert "<style>" not in preview and "<script" not in preview  # the CSP-friendly page
    pdf = client.get(reverse("frameworks:report-pdf", args=[written.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    xlsx = client.get(reverse("frameworks:report-xlsx", args=[written.pk]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[3]][:3] == ["Theme", "Code", "Key Milestone"]
    assert sheet.cell(row=4, column=10).value == "Overdue"
    for download in (pdf, xlsx):
        assert "private" in download["Cache-Control"] and "no-store" in download["Cache-Control"]
    response = client.post(
        reverse("frameworks:report-publish", args=[written.pk]),
        {"version": written.version, "acknowledged": "MEETING_PAST"},
        follow=True,
    )
    assert "Published version 1" in response.content.decode()
    published = PublishedReport.objects.get()
    reprint = client.get(reverse("frameworks:report-published-pdf", args=[written.pk, 1]))
    assert reprint.content == bytes(published.pdf)
    assert "no-store" in reprint["Cache-Control"]
    listing = client.get(reverse("frameworks:report-list")).content.decode()
    assert BOARD in listing and "Version 1 (PDF" in listing


# Large reports: only a POST starts work ------------------------------------------------------


def test_large_reports_are_built_in_the_background_only_when_asked(
    client, democratic_user, report, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_INLINE_REPORT_MILESTONES = 1
    MilestoneFactory(theme=report.framework.themes.first())
    client.force_login(democratic_user)
    pdf_url = reverse("frameworks:report-pdf", args=[report.pk])
    for _ in range(4):
        assert client.get(pdf_url).status_code == 200
        assert client.head(pdf_url).status_code == 200
    assert not ReportBuild.objects.exists()  # looking never queues a build
    assert "Build the PDF now" in client.get(pdf_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("frameworks:report-build-start", args=[report.pk]))
    build = ReportBuild.objects.get()
    assert response.url == reverse("frameworks:report-build", args=[report.pk, build.pk])
    build.refresh_from_db()
    assert build.state == ReportBuild.State.DONE and build.progress == 100
    page = client.get(response.url).content.decode()
    assert "Download the PDF" in page
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="build-status"' in fragment
    pdf = client.get(reverse("frameworks:report-build-pdf", args=[report.pk, build.pk]))
    assert pdf.content.startswith(b"%PDF-") and "no-store" in pdf["Cache-Control"]
    assert "download" in client.get(pdf_url).content.decode()  # the built file is offered


def test_a_second_click_on_build_shows_the_build_under_way(client, democratic_user, report):
    running = ReportBuild.objects.create(report=report, state="RUNNING", progress=40)
    client.force_login(democratic_user)
    response = client.post(reverse("frameworks:report-build-start", args=[report.pk]))
    assert response.url == reverse("frameworks:report-build", args=[report.pk, running.pk])
    assert ReportBuild.objects.count() == 1


def test_a_queued_build_shows_progress_and_polls(client, democratic_user, report):
    build = ReportBuild.objects.create(
        report=report, progress=40, state="RUNNING", message="Laying out the pages"
    )
    client.force_login(democratic_user)
    page = client.get(
        reverse("frameworks:report-build", args=[report.pk, build.pk])
    ).content.decode()
    assert "Laying out the pages (40%)" in page and 'hx-trigger="every 2s"' in page
    assert "Refresh this page" in page
    assert (
        client.get(reverse("frameworks:report-build-pdf", args=[report.pk, build.pk])).status_code
        == 404
    )


# Boards: a managed list ----------------------------------------------------------------------


def test_the_policy_team_adds_and_renames_boards_without_making_twins(client, policy_user, board):
    client.force_login(policy_user)
    twin = client.post(
        reverse("frameworks:board-create"), {"name": "Transformation & Improvement  Board"}
    )
    assert f"There is already a board called “{BOARD}”" in twin.content.decode()
    assert Board.objects.count() == 1
    client.post(reverse("frameworks:board-create"), {"name": "Transformation Advisory Board"})
    assert Board.objects.count() == 2
    edit = reverse("frameworks:board-edit", args=[board.pk])
    client.post(edit, {"name": "Improvement Board", "version": board.version})
    board.refresh_from_db()
    assert board.name == "Improvement Board" and board.version == 2
    stale = client.post(edit, {"name": "Something else", "version": 1})
    assert "Someone else renamed this board" in stale.content.decode()
    board.refresh_from_db()
    assert board.name == "Improvement Board"
    assert board.history.first().history_user == policy_user


def test_boards_without_published_reports_show_no_empty_table(client, democratic_user, report):
    boards.board_create(name="Transformation Advisory Board", user=None)
    client.force_login(democratic_user)
    page = client.get(reverse("frameworks:report-list")).content.decode()
    assert "Transformation Advisory Board" not in page
    assert report.title in page  # listed as a draft


def test_democratic_services_cannot_change_the_list_of_boards(client, democratic_user, board):
    client.force_login(democratic_user)
    assert client.get(reverse("frameworks:board-list")).status_code == 403
    response = client.post(reverse("frameworks:board-create"), {"name": "Another Board"})
    assert response.status_code == 403 and Board.objects.count() == 1


def test_officers_cannot_reach_reports(client, officer, report):
    client.force_login(officer)
    assert client.get(reverse("frameworks:report-detail", args=[report.pk])).status_code == 403
    assert client.post(reverse("frameworks:report-publish", args=[report.pk])).status_code == 403
    assert not PublishedReport.objects.exists()


# The command -------------------------------------------------------------------------------


def test_board_report_command_refuses_to_publish_unwritten_text(db, report, tmp_path):
    with pytest.raises(CommandError, match="cannot be published yet"):
        call_command(
            "board_report",
            "--framework", report.framework.name,
            "--period", "Q2 2020-21",
            "--output", str(tmp_path / "pack.pdf"),
            "--meeting-date", "2020-12-09",
            "--publish",
        )  # fmt: skip
    assert not PublishedReport.objects.exists()


def test_board_report_command_writes_and_publishes(db, written, tmp_path, capsys):
    output = tmp_path / "pack.pdf"
    args = [
        "board_report",
        "--framework", written.framework.name,
        "--period", "Q2 2020-21",
        "--output", str(output),
        "--meeting-date", "2020-12-09",
        "--publish",
    ]  # fmt: skip
    with pytest.raises(CommandError, match="has passed. Add --confirm"):
        call_command(*args)
    call_command(*args, "--confirm")
    assert output.read_bytes().startswith(b"%PDF-")
    assert "pages" in capsys.readouterr().out
    assert PublishedReport.objects.get().report == written
    assert Meeting.objects.get().time is None  # no time was given, none is invented
