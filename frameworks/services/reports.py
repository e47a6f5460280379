"""Board reports: create with sensible defaults, edit, build the PDF (inline or in the
background), and publish a frozen version for the meeting."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from frameworks.models import (
    Board,
    BoardReport,
    Framework,
    Meeting,
    PublishedReport,
    ReportBuild,
    ReportingPeriod,
)
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_pdf

TEXT_FIELDS = (
    "title",
    "report_of",
    "classification",
    "lead_member",
    "originating_officers",
    "wards_affected",
    "key_decision_reason",
    "strategic_priority",
    "executive_summary",
    "recommendations",
    "equalities_comments",
    "finance_comments",
    "legal_comments",
    "officer_contact",
)


@transaction.atomic
def meeting_get_or_create(*, board_name: str, starts_at: dt.datetime, venue: str = "") -> Meeting:
    name = " ".join(board_name.split())
    if not name:
        raise ValidationError({"board": "Enter the board's name."})
    board = Board.objects.filter(name__iexact=name).first()
    if board is None:
        base = slugify(name)[:180] or "board"
        slug, n = base, 1
        while Board.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        board = Board.objects.create(name=name, slug=slug)
    meeting, created = Meeting.objects.get_or_create(
        board=board, starts_at=starts_at, defaults={"venue": venue}
    )
    if not created and venue and meeting.venue != venue:
        meeting.venue = venue
        meeting.save(update_fields=["venue"])
    return meeting


def _defaults(framework: Framework, period: ReportingPeriod, meeting: Meeting) -> dict:
    return {
        "title": f"{framework.name} – {period.label} progress",
        "report_of": framework.owner,
        "originating_officers": framework.owner,
        "strategic_priority": framework.name,
        "executive_summary": (
            f"This report sets out progress against the {framework.name} in {period.label}: "
            "how many milestones are complete, in progress, ongoing or overdue, the "
            "exceptions the Board should be aware of, and each milestone's update."
        ),
        "recommendations": (
            f"Note the progress made against the {framework.name} in {period.label}.\n"
            "Note the exceptions in section 2 and the actions being taken to address them."
        ),
    }


@transaction.atomic
def board_report_create(
    *, framework: Framework, period: ReportingPeriod, meeting: Meeting, user=None, **text
) -> BoardReport:
    if period.framework_id != framework.pk:
        raise ValidationError({"period": "Choose a round of this framework."})
    values = {**_defaults(framework, period, meeting), **{k: v for k, v in text.items() if v}}
    unknown = set(values) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown report fields: {', '.join(sorted(unknown))}")
    report = BoardReport(
        framework=framework, period=period, meeting=meeting, created_by=user, **values
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def board_report_update(*, report: BoardReport, **text) -> BoardReport:
    for field, value in text.items():
        if field not in TEXT_FIELDS:
            raise ValueError(f"Unknown report field: {field}")
        setattr(report, field, value)
    report.full_clean()
    report.save()
    return report


def board_report_pdf(*, report: BoardReport):
    """Build the PDF from the data as it is now (not saved)."""
    return render_pdf(build_snapshot(report=report))


def needs_background_build(report: BoardReport) -> bool:
    return report.framework.milestones.count() > settings.TRACKER_INLINE_REPORT_MILESTONES


@transaction.atomic
def board_report_publish(*, report: BoardReport, user) -> PublishedReport:
    """Freeze the report for the meeting: the snapshot, the PDF bytes and their SHA-256.

    Republishing makes a new version and keeps the old ones.
    """
    report = BoardReport.objects.select_for_update().get(pk=report.pk)
    now = timezone.now()
    snapshot = build_snapshot(report=report, as_of=now)
    rendered = render_pdf(snapshot)
    version = (report.published.aggregate(v=Max("version"))["v"] or 0) + 1
    return PublishedReport.objects.create(
        report=report,
        version=version,
        snapshot=snapshot,
        pdf=rendered.content,
        sha256=rendered.sha256,
        pages=rendered.pages,
        published_by=user,
        published_at=now,
    )


def published_report_reprint(*, published: PublishedReport) -> bytes:
    """A reprint: the stored PDF, checked against its SHA-256."""
    import hashlib

    content = bytes(published.pdf)
    if hashlib.sha256(content).hexdigest() != published.sha256:
        raise ValidationError("The stored PDF does not match its checksum; republish the report.")
    return content


@transaction.atomic
def report_build_start(*, report: BoardReport, user) -> ReportBuild:
    """Queue a background build of a large report's PDF."""
    build = ReportBuild.objects.create(report=report, requested_by=user)
    transaction.on_commit(lambda: build_report_pdf.enqueue(build_id=build.pk))
    return build


@task()
def build_report_pdf(build_id: int) -> None:
    """Background task: snapshot (half the work), then the PDF, recording progress as it goes."""
    build = ReportBuild.objects.select_related("report").get(pk=build_id)
    ReportBuild.objects.filter(pk=build_id).update(
        state=ReportBuild.State.RUNNING, progress=10, message="Collecting the data"
    )
    try:
        snapshot = build_snapshot(report=build.report)
        ReportBuild.objects.filter(pk=build_id).update(progress=40, message="Laying out the pages")
        rendered = render_pdf(snapshot)
    except Exception as exc:  # recorded for the person waiting; the task itself fails too
        ReportBuild.objects.filter(pk=build_id).update(
            state=ReportBuild.State.FAILED,
            message=f"The report could not be built: {exc}"[:255],
            finished_at=timezone.now(),
        )
        raise
    ReportBuild.objects.filter(pk=build_id).update(
        state=ReportBuild.State.DONE,
        progress=100,
        message=f"{rendered.pages} pages",
        pdf=rendered.content,
        finished_at=timezone.now(),
    )
