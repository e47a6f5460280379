"""Reporting rounds and the returns (progress updates) in them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from frameworks.models.base import (
    EDITABLE_RETURN_STATES,
    RAG,
    Audited,
    DatePrecision,
    DeadlineKind,
    ReturnState,
    RoundState,
    TimeStampedModel,
    _deadline_property,
)
from frameworks.models.plans import Framework, Milestone, MilestonePost


class RoundQuerySet(models.QuerySet["Round"]):
    def open(self) -> RoundQuerySet:
        return self.filter(state=RoundState.OPEN)


class Round(TimeStampedModel, Audited):
    """A reporting round, usually a financial-year quarter such as "Q3 2019-20"."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="rounds")
    label = models.CharField(max_length=60)
    start_date = models.DateField()
    end_date = models.DateField()
    due_date = models.DateField(help_text="When officers' returns are due.")
    state = models.CharField(max_length=8, choices=RoundState.choices, default=RoundState.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    objects = RoundQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "-start_date"]
        get_latest_by = "start_date"
        constraints = [
            models.UniqueConstraint(
                "framework",
                Lower("label"),
                name="round_label_unique_in_framework",
                violation_error_message="This framework already has a round with this label.",
            ),
            models.UniqueConstraint(
                fields=["framework"],
                condition=Q(state="OPEN"),
                name="one_open_round_per_framework",
                violation_error_message="This framework already has an open round; close it first.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="round_end_after_start",
                violation_error_message="The round must end on or after the day it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:round-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The round must end on or after the day it starts."})

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN

    def is_late(self, *, today: dt.date | None = None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())


class ReturnQuerySet(models.QuerySet["Return"]):
    def for_holder(self, user) -> ReturnQuerySet:
        return self.filter(
            Exists(
                MilestonePost.objects.filter(milestone=OuterRef("milestone"), post__holders=user)
            )
        )

    def outstanding(self) -> ReturnQuerySet:
        return self.filter(
            state__in=[ReturnState.NOT_STARTED, ReturnState.DRAFT, ReturnState.RETURNED]
        )


class Return(TimeStampedModel, Audited):
    """One milestone's return for one round: the OBA narrative, a RAG status and the workflow."""

    # Neither has an index of its own: the unique (milestone, round) index serves lookups by
    # milestone, and the (round, state) index lookups by round.
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="returns", db_index=False
    )
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="returns", db_index=False
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The same milestone's return in the round before, shown beside the form.",
    )
    narrative = models.TextField(blank=True)
    rag = models.CharField(max_length=12, choices=RAG.choices, blank=True)
    rag_text = models.CharField(
        max_length=500, blank=True, help_text="The status exactly as written in an imported file."
    )
    new_deadline_text = models.CharField(max_length=255, blank=True)
    new_deadline_date = models.DateField(null=True, blank=True)
    new_deadline_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, blank=True
    )
    new_deadline_kind = models.CharField(max_length=12, choices=DeadlineKind.choices, blank=True)
    percent_complete = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    state = models.CharField(
        max_length=12, choices=ReturnState.choices, default=ReturnState.NOT_STARTED
    )
    version = models.PositiveIntegerField(default=1)
    saved_at = models.DateTimeField(null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(blank=True)

    objects = ReturnQuerySet.as_manager()

    # The audit trail is read by milestone and by update, never by round, previous update or
    # the people who saved, submitted or reviewed it: no index on those in the history table.
    history = HistoricalRecords(
        no_db_index=["round", "previous", "saved_by", "submitted_by", "reviewed_by"]
    )

    class Meta:
        ordering = ["round__start_date", "milestone__theme__order", "milestone__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "round"],
                name="one_return_per_milestone_per_round",
                violation_error_message="This milestone already has a return for this round.",
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True) | Q(percent_complete__lte=100),
                name="return_percent_complete_0_to_100",
                violation_error_message="Percent complete must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=~Q(state=ReturnState.SUBMITTED) | ~Q(rag="") | ~Q(rag_text=""),
                name="return_submitted_has_rag",
                violation_error_message="A submitted return needs a RAG status.",
            ),
            models.CheckConstraint(
                condition=~Q(state=ReturnState.RETURNED) | ~Q(review_comment=""),
                name="return_returned_has_comment",
                violation_error_message="Say why the return is being sent back.",
            ),
            models.CheckConstraint(
                condition=Q(new_deadline_date__isnull=True) | ~Q(new_deadline_precision=""),
                name="return_new_deadline_has_precision",
                violation_error_message="A parsed new deadline needs a precision (day or month).",
            ),
        ]
        indexes = [models.Index(fields=["round", "state"], name="return_round_state")]

    def __str__(self) -> str:
        return f"{self.milestone} – {self.round.label}"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:return-edit", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.state == ReturnState.SUBMITTED and not self.rag and not self.rag_text:
            raise ValidationError({"rag": "Select a RAG status."})
        if self.state == ReturnState.RETURNED and not self.review_comment.strip():
            raise ValidationError({"review_comment": "Say why the return is being sent back."})
        if self.percent_complete is not None and self.percent_complete > 100:
            raise ValidationError({"percent_complete": "Percent complete must be 100 or less."})

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_RETURN_STATES and self.round.is_open

    new_deadline = _deadline_property(
        "new_deadline", "The new deadline this return gives (blank when none)."
    )

    @property
    def new_deadline_display(self) -> str:
        return self.new_deadline.display_if_set

    def is_flagged_overdue(self, today: dt.date) -> bool:
        """Its milestone is flagged overdue with this return's status."""
        return self.milestone.is_flagged_overdue(self.rag, today)
