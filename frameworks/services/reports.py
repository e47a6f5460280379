"""Board reports: creating and editing a report, building the PDF (inline or in the background),
and publishing a frozen version for the meeting. The boards and meetings they go to are in
`services.boards`.

Every write locks the row it changes and re-checks it; a person's save carries the version
they saw and is refused, with what changed, when someone else saved first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django_tasks import task

from frameworks.models import (
    STATUTORY_SECTIONS,
    BoardReport,
    Classification,
    Framework,
    Meeting,
    PublishedReport,
    ReportBuild,
    Round,
    RoundState,
    person_name,
)
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_pdf
from frameworks.services.builds import build_run, build_start, stored_pdf, without_build_times

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
# What a person may change on the report's edit page: its text, the exempt paragraph, and the
# statutory sections each marked "not applicable".
EDITABLE_FIELDS = (
    *TEXT_FIELDS,
    "exempt_paragraph",
    *(not_applicable for _, not_applicable, _ in STATUTORY_SECTIONS),
)
# Written by a person before a report can be published (the statutory sections may instead be
# marked "not applicable").
REQUIRED_TO_PUBLISH = ("title", "wards_affected", "key_decision_reason", "recommendations")


def _field_label(name: str) -> str:
    """A report field's name as the model gives it (`verbose_name`)."""
    field = BoardReport._meta.get_field(name)
    assert isinstance(field, models.Field)  # a column of the report, not a relation
    return str(field.verbose_name)


class ReportConflict(Exception):
    """Someone saved the report after this person opened it: nothing of theirs was written."""

    def __init__(self, current: BoardReport, changed: list[ChangedField]) -> None:
        super().__init__("This report was changed by someone else after you opened it.")
        self.current = current
        self.changed = changed


@dataclass(frozen=True)
class ChangedField:
    field: str
    label: str
    seen: Any
    now: Any
    by: str


# What a person confirms before publishing (the warning's code, and the choice's label).
PUBLISH_WARNINGS = {
    "MEETING_PAST": "The meeting has passed",
    "ROUND_OPEN": "The round is still open",
}


@dataclass(frozen=True)
class PublishWarning:
    code: str
    message: str


@dataclass(frozen=True)
class PublishOutcome:
    published: PublishedReport
    created: bool  # False when the same report was already published: that version is shown


class PublishNeedsConfirmation(Exception):
    def __init__(self, warnings: list[PublishWarning]) -> None:
        super().__init__(" ".join(w.message for w in warnings))
        self.warnings = warnings


def _duplicate_report(round: Round, meeting: Meeting) -> ValidationError:
    return ValidationError(
        {
            "round": f"There is already a report on {round.label} of {round.framework.name} "
            f"for {meeting}. Open it from the list of reports."
        }
    )


def _defaults(framework: Framework, round: Round) -> dict:
    """What the data says: the plan's name, round and owner. Nothing a person has to decide
    (summary, recommendations, wards, key decision, statutory comments) is written for them."""
    return {
        "title": f"{framework.name} – {round.label} progress",
        "report_of": framework.owner,
        "originating_officers": framework.owner,
        "strategic_priority": framework.name,
    }


@transaction.atomic
def board_report_create(
    *, framework: Framework, round: Round, meeting: Meeting, user=None, **text
) -> BoardReport:
    if round.framework_id != framework.pk:
        raise ValidationError({"round": "Choose a round of this framework."})
    values = {**_defaults(framework, round), **{k: v for k, v in text.items() if v}}
    unknown = set(values) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown report fields: {', '.join(sorted(unknown))}")
    if BoardReport.objects.filter(framework=framework, round=round, meeting=meeting).exists():
        raise _duplicate_report(round, meeting)
    report = BoardReport(
        framework=framework, round=round, meeting=meeting, created_by=user, **values
    )
    report.full_clean(validate_constraints=False)
    report._history_user = user
    try:
        with transaction.atomic():  # a double click or a second tab loses on the constraint
            report.save()
    except IntegrityError as exc:
        raise _duplicate_report(round, meeting) from exc
    return report


def _changed_since(current: BoardReport, seen_version: int) -> list[ChangedField]:
    """The fields someone else changed since the person saw `seen_version`, and who."""
    seen = current.history.filter(version=seen_version).order_by("-history_id").first()
    latest = current.history.select_related("history_user").order_by("-history_id").first()
    by = person_name(latest.history_user, "someone else") if latest else "someone else"
    changed = []
    for field in EDITABLE_FIELDS:
        before = getattr(seen, field) if seen else None
        now = getattr(current, field)
        if seen is None or before != now:
            changed.append(
                ChangedField(
                    field=field,
                    label=_field_label(field).capitalize(),
                    seen=before,
                    now=now,
                    by=by,
                )
            )
    return changed


def _locked_report(report: BoardReport, expected_version: int | None) -> BoardReport:
    current = (
        BoardReport.objects.select_for_update(of=("self",))
        .select_related("framework", "round", "meeting__board")
        .get(pk=report.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ReportConflict(current, _changed_since(current, expected_version))
    return current


@transaction.atomic
def board_report_update(
    *, report: BoardReport, user=None, expected_version: int | None, **values
) -> BoardReport:
    """Save the report's text as the person wrote it. A save from a page opened before
    someone else's save is refused (ReportConflict), so nobody's words are silently reverted."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown report fields: {', '.join(sorted(unknown))}")
    current = _locked_report(report, expected_version)
    for field, value in values.items():
        setattr(current, field, value.strip() if isinstance(value, str) else value)
    if current.classification != Classification.EXEMPT:
        current.exempt_paragraph = None
    current.full_clean(validate_constraints=False)
    current.version += 1
    current._history_user = user
    current.save()
    return current


def board_report_publish_problems(report: BoardReport) -> dict[str, str]:
    """What must be written before the report can go to a board, keyed by field."""
    problems: dict[str, str] = {}
    for field in REQUIRED_TO_PUBLISH:
        if not getattr(report, field).strip():
            problems[field] = f"{_field_label(field).capitalize()}: write it before publishing."
    for text, not_applicable, heading in STATUTORY_SECTIONS:
        if not getattr(report, text).strip() and not getattr(report, not_applicable):
            problems[text] = f"{heading}: write the comments, or mark them not applicable."
    if report.classification == Classification.EXEMPT and report.exempt_paragraph is None:
        problems["exempt_paragraph"] = (
            "Select the paragraph of Schedule 12A that makes this report exempt."
        )
    return problems


def board_report_publish_warnings(
    report: BoardReport, *, today: dt.date | None = None
) -> list[PublishWarning]:
    """What a person should know before publishing: each needs their confirmation."""
    today = today or timezone.localdate()
    warnings = []
    if report.meeting.date < today:
        warnings.append(
            PublishWarning(
                "MEETING_PAST",
                f"The meeting was on {report.meeting.date.day} "
                f"{report.meeting.date:%B %Y}, which has passed.",
            )
        )
    if report.round.state == RoundState.OPEN:
        warnings.append(
            PublishWarning(
                "ROUND_OPEN",
                f"{report.round.label} is still open: returns may still change after you "
                "publish, and the published version will not show them.",
            )
        )
    return warnings


@transaction.atomic
def board_report_publish(
    *,
    report: BoardReport,
    user,
    expected_version: int | None,
    acknowledged: Collection[str] = (),
) -> PublishOutcome:
    """Freeze the report for the meeting: the snapshot, the PDF bytes and their SHA-256.

    Refused while a required section is unwritten, and until each warning (meeting passed,
    round open) is confirmed. Publishing what is already the latest version shows that version
    instead of making another; a change in the text or the data makes a new version and keeps
    the old ones. The report's row is locked, so concurrent clicks publish once.
    """
    current = _locked_report(report, expected_version)
    problems = board_report_publish_problems(current)
    if problems:
        raise ValidationError(list(problems.values()))
    warnings = board_report_publish_warnings(current)
    unconfirmed = [w for w in warnings if w.code not in set(acknowledged)]
    if unconfirmed:
        raise PublishNeedsConfirmation(unconfirmed)
    now = timezone.now()
    snapshot = build_snapshot(report=current, as_of=now)
    latest = current.published.order_by("-version").first()
    if latest is not None and without_build_times(latest.snapshot) == without_build_times(snapshot):
        return PublishOutcome(published=latest, created=False)
    rendered = render_pdf(snapshot)
    published = PublishedReport.objects.create(
        report=current,
        version=(latest.version if latest else 0) + 1,
        snapshot=snapshot,
        pdf=rendered.content,
        sha256=rendered.sha256,
        pages=rendered.pages,
        published_by=user,
        published_at=now,
    )
    return PublishOutcome(published=published, created=True)


def board_report_pdf(*, report: BoardReport):
    """Build the PDF from the data as it is now (not saved)."""
    return render_pdf(build_snapshot(report=report))


def needs_background_build(report: BoardReport) -> bool:
    return report.framework.milestones.count() > settings.TRACKER_INLINE_REPORT_MILESTONES


def published_report_reprint(*, published: PublishedReport) -> bytes:
    """A reprint: the stored PDF, checked against its SHA-256."""
    return stored_pdf(
        pdf=published.pdf,
        sha256=published.sha256,
        refusal="The stored PDF does not match its checksum; republish the report.",
    )


@transaction.atomic
def report_build_start(*, report: BoardReport, user) -> tuple[ReportBuild, bool]:
    """Queue a background build of a large report's PDF, unless one is already queued or
    running for it: then that build is the answer (a second click builds nothing more)."""
    return build_start(
        owner=report,
        builds=report.builds,
        create=lambda: ReportBuild.objects.create(report=report, requested_by=user),
        enqueue=build_report_pdf.enqueue,
    )


@task()
def build_report_pdf(build_id: int) -> None:
    """Background task: snapshot (half the work), then the PDF, recording progress as it goes."""
    build = ReportBuild.objects.select_related("report").defer("pdf").get(pk=build_id)

    def work(progress):
        progress(10, "Collecting the data")
        snapshot = build_snapshot(report=build.report)
        progress(40, "Laying out the pages")
        rendered = render_pdf(snapshot)
        return rendered.content, rendered.pages, {}

    build_run(
        model=ReportBuild, build_id=build_id, failure="The report could not be built", work=work
    )
