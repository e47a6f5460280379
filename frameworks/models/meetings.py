"""Board meetings as democratic services run them: who sits on a board (and when), each
meeting's agenda and the papers for each item, the agenda pack built from them and its
published versions, the minutes, and the actions a board agrees.

A board's agreed actions are milestones of the board's own action log (a `Framework`), so they
are updated through the same returns, reminders and review as any milestone; `MeetingAction`
links each one to the minutes item that agreed it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from frameworks.models.base import Audited, TimeStampedModel
from frameworks.models.plans import Milestone
from frameworks.models.reports import BackgroundBuild, Board, BoardReport, Meeting


class BoardMemberQuerySet(models.QuerySet):
    def serving_on(self, day: dt.date) -> BoardMemberQuerySet:
        """Those on the board that day: started by then (or from the start), not yet left."""
        return self.filter(
            Q(starts_on__isnull=True) | Q(starts_on__lte=day),
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        )


class BoardMember(Audited):
    """Someone on a board's front sheet, with the dates they served: a pack lists who was a
    member on its meeting's date."""

    class Kind(models.TextChoices):
        CHAIR = "CHAIR", "Chair"
        MEMBER = "MEMBER", "Member"
        OFFICER = "OFFICER", "Officer in attendance"
        CLERK = "CLERK", "Clerk"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="people")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MEMBER)
    name = models.CharField(max_length=200)
    role = models.CharField(
        max_length=255,
        blank=True,
        help_text="As the front sheet prints it, e.g. “Independent non-executive member”.",
    )
    contact = models.CharField(
        max_length=255, blank=True, help_text="The clerk's telephone number and email address."
    )
    starts_on = models.DateField(null=True, blank=True, help_text="Blank: from the start.")
    ends_on = models.DateField(null=True, blank=True, help_text="Blank: still serving.")
    position = models.PositiveIntegerField(default=0)

    version = models.PositiveIntegerField(default=1, editable=False)
    objects = BoardMemberQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["board", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="board_member_ends_after_start",
                violation_error_message="The last day cannot be before the first.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.board})"


class AgendaItem(Audited):
    """One item of a meeting's agenda, in order, with what is printed for it in the pack."""

    class Kind(models.TextChoices):
        NONE = "NONE", "No papers (for example Welcome and Apologies)"
        MINUTES = "MINUTES", "Minutes of the previous meeting"
        ACTIONS = "ACTIONS", "Actions from previous meetings"
        REPORT = "REPORT", "A board report from Action Tracker"
        PAPER = "PAPER", "Uploaded papers (PDF)"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    time = models.TimeField(null=True, blank=True)
    presenter = models.CharField(max_length=255, blank=True)
    note = models.TextField(
        blank=True,
        help_text="Printed under the title, e.g. “The evaluation report is an appendix for "
        "information.”",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NONE)
    report = models.ForeignKey(
        BoardReport, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    paper_name = models.CharField(max_length=255, blank=True)
    paper = models.BinaryField(null=True, blank=True, editable=False)
    paper_pages = models.PositiveIntegerField(null=True, blank=True, editable=False)
    paper_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["paper"])

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="REPORT", report__isnull=False)
                | (~Q(kind="REPORT") & Q(report__isnull=True)),
                name="agenda_item_report_only_for_reports",
                violation_error_message="Choose the report for this item.",
            ),
            models.CheckConstraint(
                condition=Q(kind="PAPER", paper_pages__isnull=False)
                | (~Q(kind="PAPER") & Q(paper_pages__isnull=True)),
                name="agenda_item_paper_only_for_papers",
                violation_error_message="Upload the papers for this item.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def has_papers(self) -> bool:
        return self.kind != self.Kind.NONE


class AgendaPack(models.Model):
    """A published agenda pack: what it was built from, the PDF bytes and their SHA-256. A
    version made after the first, because an item was added, is a supplementary agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="packs")
    version = models.PositiveIntegerField()
    supplementary = models.BooleanField(default=False)
    snapshot = models.JSONField()
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "version"],
                name="agenda_pack_version_unique",
                violation_error_message="This version of the pack is already published.",
            )
        ]

    def __str__(self) -> str:
        kind = "Supplementary agenda" if self.supplementary else "Agenda pack"
        return f"{kind} for {self.meeting} (version {self.version})"


class PackBuild(BackgroundBuild):
    """An agenda pack built in the background."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="pack_builds")
    pages = models.PositiveIntegerField(null=True, blank=True)

    class Meta(BackgroundBuild.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="pack_build_progress_0_to_100",
                violation_error_message="Progress is a percentage.",
            )
        ]

    def __str__(self) -> str:
        return f"Pack for {self.meeting} build {self.pk} ({self.get_state_display()})"


class Minutes(TimeStampedModel, Audited):
    """A meeting's minutes: drafted after it, approved at the next meeting (its "Minutes of
    the Previous Meeting" item), then read-only."""

    class State(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        APPROVED = "APPROVED", "Approved"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    present = models.TextField(blank=True, help_text="Members present, one a line.")
    apologies = models.TextField(blank=True, help_text="Apologies, one a line.")
    officers = models.TextField(blank=True, help_text="Officers present, one a line.")
    approved_at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name_plural = "minutes"
        constraints = [
            models.CheckConstraint(
                condition=Q(state="DRAFT", approved_at__isnull=True)
                | Q(state="APPROVED", approved_at__isnull=False),
                name="minutes_approved_has_date",
                violation_error_message="Approved minutes say when they were approved.",
            )
        ]

    def __str__(self) -> str:
        return f"Minutes of {self.meeting}"

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT


class MinutesItem(Audited):
    """What the minutes say of one agenda item: the discussion and what was agreed."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="items")
    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.CASCADE, related_name="minutes_item"
    )
    discussion = models.TextField(blank=True)
    agreed = models.TextField(blank=True, help_text="What the board agreed or noted, one a line.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["agenda_item__position", "pk"]

    def __str__(self) -> str:
        return f"{self.minutes}: {self.agenda_item.title}"


class MeetingAction(models.Model):
    """An action a board agreed, tracked as a milestone of the board's action log."""

    minutes_item = models.ForeignKey(MinutesItem, on_delete=models.PROTECT, related_name="actions")
    milestone = models.OneToOneField(
        Milestone, on_delete=models.CASCADE, related_name="meeting_action"
    )

    class Meta:
        ordering = ["minutes_item__agenda_item__position", "milestone__order", "pk"]

    def __str__(self) -> str:
        return self.milestone.title


def action_log_name(board: Board) -> str:
    """The name of the framework holding a board's agreed actions."""
    return f"{board.name}: actions agreed"
