import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from frameworks.models import BoardReport, PublishedReport, ReportBuild
from frameworks.services import reports
from tests.factories import ApprovedUpdateFactory, MilestoneFactory, PeriodFactory


@pytest.fixture
def round_with_updates(milestone):
    period = PeriodFactory(framework=milestone.framework, label="Q2 2020-21", state="CLOSED")
    ApprovedUpdateFactory(milestone=milestone, period=period, rag="OVERDUE")
    return period


@pytest.fixture
def report(round_with_updates):
    meeting = reports.meeting_get_or_create(
        board_name="Transformation and Improvement Board",
        starts_at=dt.datetime(2020, 12, 9, 18, 30, tzinfo=timezone.get_current_timezone()),
    )
    return reports.board_report_create(
        framework=round_with_updates.framework, period=round_with_updates, meeting=meeting
    )


def test_democratic_services_create_a_report_for_a_meeting(
    client, democratic_user, round_with_updates
):
    client.force_login(democratic_user)
    response = client.post(
        reverse("frameworks:report-create"),
        {
            "framework": round_with_updates.framework.pk,
            "period": "q2 2020-21",
            "board": "Transformation and Improvement Board",
            "meeting_date": "09/12/2020",
            "meeting_time": "18:30",
            "venue": "Council Chamber",
        },
    )
    report = BoardReport.objects.get()
    assert response.url == report.get_absolute_url()
    assert report.title.endswith("Q2 2020-21 progress")
    assert report.meeting.venue == "Council Chamber"
    assert timezone.localtime(report.meeting.starts_at).hour == 18


def test_create_report_for_an_unknown_round_is_explained(
    client, democratic_user, round_with_updates
):
    client.force_login(democratic_user)
    response = client.post(
        reverse("frameworks:report-create"),
        {
            "framework": round_with_updates.framework.pk,
            "period": "Q9 2020-21",
            "board": "TIB",
            "meeting_date": "31/02/2020",
        },  # fmt: skip
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "has no round “Q9 2020-21”" in page
    assert "Enter the meeting date as a date" in page
    assert not BoardReport.objects.exists()


def test_edit_preview_download_and_publish(client, democratic_user, report):
    client.force_login(democratic_user)
    client.post(
        reverse("frameworks:report-edit", args=[report.pk]),
        {
            "title": "Ward Councillor Support Framework: Q2 update",
            "classification": "EXEMPT",
            "wards_affected": "All wards",
            "recommendations": "Note the report.",
        },  # fmt: skip
    )
    report.refresh_from_db()
    assert report.classification == "EXEMPT"
    preview = client.get(reverse("frameworks:report-preview", args=[report.pk])).content.decode()
    assert "Ward Councillor Support Framework: Q2 update" in preview
    assert "Classification: Exempt" in preview
    assert "<style>" not in preview and "<script" not in preview  # the CSP-friendly page
    pdf = client.get(reverse("frameworks:report-pdf", args=[report.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    xlsx = client.get(reverse("frameworks:report-xlsx", args=[report.pk]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[3]][:3] == ["Theme", "Code", "Key Milestone"]
    assert sheet.cell(row=4, column=10).value == "Overdue"
    response = client.post(reverse("frameworks:report-publish", args=[report.pk]), follow=True)
    assert "Published version 1" in response.content.decode()
    published = PublishedReport.objects.get()
    download = client.get(reverse("frameworks:report-published-pdf", args=[report.pk, 1]))
    assert download.content == bytes(published.pdf)
    listing = client.get(reverse("frameworks:report-list")).content.decode()
    assert "Transformation and Improvement Board" in listing and "Version 1 (PDF" in listing


def test_large_reports_are_built_in_the_background(
    client, democratic_user, report, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_INLINE_REPORT_MILESTONES = 1
    MilestoneFactory(theme=report.framework.themes.first())
    client.force_login(democratic_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("frameworks:report-pdf", args=[report.pk]))
    build = ReportBuild.objects.get()
    assert response.url == reverse("frameworks:report-build", args=[report.pk, build.pk])
    build.refresh_from_db()
    assert build.state == ReportBuild.State.DONE and build.progress == 100
    page = client.get(response.url).content.decode()
    assert "Download the PDF" in page
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="build-status"' in fragment
    pdf = client.get(reverse("frameworks:report-build-pdf", args=[report.pk, build.pk]))
    assert pdf.content.startswith(b"%PDF-")


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


def test_officers_cannot_reach_reports(client, officer, report):
    client.force_login(officer)
    assert client.get(reverse("frameworks:report-detail", args=[report.pk])).status_code == 403
    assert client.post(reverse("frameworks:report-publish", args=[report.pk])).status_code == 403
    assert not PublishedReport.objects.exists()


def test_board_report_command_writes_and_publishes(db, report, tmp_path, capsys):
    output = tmp_path / "pack.pdf"
    call_command(
        "board_report",
        "--framework", report.framework.name,
        "--period", "Q2 2020-21",
        "--output", str(output),
        "--meeting-date", "2020-12-09",
        "--publish",
    )  # fmt: skip
    assert output.read_bytes().startswith(b"%PDF-")
    assert "pages" in capsys.readouterr().out
    assert PublishedReport.objects.get().report == report
