"""Boards, meetings, board reports, their published versions and PDF builds."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from frameworks.models.base import (
    Audited,
    TimeStampedModel,
)
from frameworks.models.plans import Framework
from frameworks.models.rounds import Round


class Board(Audited):
    """A board or committee that receives reports, e.g. the Transformation and Improvement Board.

    A managed list: the policy team and administrators add and rename boards, and the report
    form picks from it. `slug` is the name's key ("&" read as "and", case and punctuation
    ignored), so "Transformation & Improvement Board" cannot become a second board.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    hard_copy_note = models.TextField(
        blank=True,
        help_text="The front sheet's note on papers, e.g. where they are published and that "
        "hard copies are not provided.",
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Meeting(Audited):
    """A meeting of a board. The time is blank until it is known: no paper prints a guess."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField()
    time = models.TimeField(null=True, blank=True)
    venue = models.CharField(max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-time"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "date"],
                name="meeting_unique_per_board_and_date",
                violation_error_message="This board already has a meeting on that date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.board.name}, {self.date.day} {self.date:%B %Y}"

    @property
    def time_display(self) -> str:
        """The time as council papers print it ("6.00 p.m."), or "" when not known."""
        if self.time is None:
            return ""
        return format_time(self.time)


def format_time(value: dt.time) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}.{value.minute:02d} {'a.m.' if value.hour < 12 else 'p.m.'}"


class Classification(models.TextChoices):
    UNRESTRICTED = "UNRESTRICTED", "Unrestricted"
    EXEMPT = "EXEMPT", "Exempt"


class ExemptParagraph(models.IntegerChoices):
    """The categories of exempt information in Part 1 of Schedule 12A to the Local Government
    Act 1972: an exempt report says which paragraph applies."""

    INDIVIDUAL = 1, "1. Information relating to any individual"
    IDENTITY = 2, "2. Information which is likely to reveal the identity of an individual"
    FINANCIAL = (
        3,
        (
            "3. Information relating to the financial or business affairs of any particular person "
            "(including the authority holding that information)"
        ),
    )
    LABOUR_RELATIONS = (
        4,
        (
            "4. Information relating to any consultations or negotiations, or contemplated "
            "consultations or negotiations, in connection with any labour relations matter arising "
            "between the authority or a Minister of the Crown and employees of, or office holders "
            "under, the authority"
        ),
    )
    LEGAL_PRIVILEGE = (
        5,
        (
            "5. Information in respect of which a claim to legal professional privilege could be "
            "maintained in legal proceedings"
        ),
    )
    NOTICE_OR_ORDER = (
        6,
        (
            "6. Information which reveals that the authority proposes to give under any "
            "enactment a notice under or by virtue of which requirements are imposed on a "
            "person, or to make an order or direction under any enactment"
        ),
    )
    CRIME = (
        7,
        (
            "7. Information relating to any action taken or to be taken in connection with the "
            "prevention, investigation or prosecution of crime"
        ),
    )


# The statutory sections of a board report: (text field, "not applicable" field, heading).
STATUTORY_SECTIONS = (
    ("equalities_comments", "equalities_not_applicable", "Equalities implications"),
    ("finance_comments", "finance_not_applicable", "Comments of the Chief Finance Officer"),
    ("legal_comments", "legal_not_applicable", "Comments of Legal Services"),
)


class BoardReport(TimeStampedModel, Audited):
    """A report to a meeting about one framework's round. Its text is editable until published;
    the figures, charts, exceptions and appendix are built from the data."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="reports")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="reports")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="reports")
    title = models.CharField(max_length=255)
    report_of = models.CharField("Report of", max_length=255, blank=True)
    classification = models.CharField(
        max_length=12, choices=Classification.choices, default=Classification.UNRESTRICTED
    )
    lead_member = models.CharField(max_length=255, blank=True)
    originating_officers = models.CharField("Originating officer(s)", max_length=255, blank=True)
    exempt_paragraph = models.PositiveSmallIntegerField(
        "Exempt information paragraph",
        choices=ExemptParagraph.choices,
        null=True,
        blank=True,
        help_text="The paragraph of Part 1 of Schedule 12A to the Local Government Act 1972.",
    )
    wards_affected = models.CharField(max_length=255, blank=True)
    key_decision_reason = models.CharField("Reason for key decision", max_length=255, blank=True)
    strategic_priority = models.CharField(
        "Strategic plan priority / outcome", max_length=255, blank=True
    )
    executive_summary = models.TextField(blank=True)
    recommendations = models.TextField(
        blank=True, help_text="One recommendation per line, after “The Board is recommended to”."
    )
    equalities_comments = models.TextField(blank=True)
    equalities_not_applicable = models.BooleanField(default=False)
    finance_comments = models.TextField(blank=True)
    finance_not_applicable = models.BooleanField(default=False)
    legal_comments = models.TextField(blank=True)
    legal_not_applicable = models.BooleanField(default=False)
    officer_contact = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    # Who wrote each section, and who marked one "not applicable", is read from here.
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["-meeting__date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "round", "meeting"],
                name="board_report_unique_per_meeting",
                violation_error_message=(
                    "There is already a report on this round for this meeting."
                ),
            ),
            models.CheckConstraint(
                condition=Q(classification=Classification.EXEMPT, exempt_paragraph__isnull=False)
                | Q(~Q(classification=Classification.EXEMPT), exempt_paragraph__isnull=True),
                name="board_report_exempt_has_paragraph",
                violation_error_message=(
                    "An exempt report needs its Schedule 12A paragraph, and only an exempt "
                    "report has one."
                ),
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{not_applicable: False}) | Q(**{text: ""}),
                    name=f"board_report_{text}_or_not_applicable",
                    violation_error_message=(
                        f"{heading}: write the comments or mark them not applicable, not both."
                    ),
                )
                for text, not_applicable, heading in STATUTORY_SECTIONS
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("frameworks:report-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.round_id and self.framework_id and self.round.framework_id != self.framework_id:
            errors["round"] = "Choose a round of this report's framework."
        if self.classification == Classification.EXEMPT and self.exempt_paragraph is None:
            errors["exempt_paragraph"] = (
                "Select the paragraph of Schedule 12A that makes this report exempt."
            )
        for text, not_applicable, heading in STATUTORY_SECTIONS:
            if getattr(self, not_applicable) and getattr(self, text).strip():
                errors[text] = (
                    f"{heading}: write the comments or mark them not applicable, not both."
                )
        if errors:
            raise ValidationError(errors)


class PublishedReport(models.Model):
    """A frozen board report: the data it was built from, the PDF bytes and their SHA-256."""

    report = models.ForeignKey(BoardReport, on_delete=models.PROTECT, related_name="published")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "version"],
                name="published_report_version_unique",
                violation_error_message="This version of the report is already published.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} (version {self.version})"


class BackgroundBuild(models.Model):
    """A PDF built in the background (a large board report, an agenda pack): its state and
    progress for the person waiting, then the file."""

    class State(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        RUNNING = "RUNNING", "Building"
        DONE = "DONE", "Ready"
        FAILED = "FAILED", "Failed"

    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    pdf = models.BinaryField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at"]


class ReportBuild(BackgroundBuild):
    """A large report's PDF, built in the background."""

    report = models.ForeignKey(BoardReport, on_delete=models.CASCADE, related_name="builds")

    class Meta(BackgroundBuild.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="report_build_progress_0_to_100",
                violation_error_message="Progress is a percentage.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} build {self.pk} ({self.get_state_display()})"
