"""Plans: frameworks, themes, posts, milestones and their leads."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from frameworks.domain.deadlines import Deadline, date_passed, effective_deadline
from frameworks.domain.overdue import (
    effective_deadline_date_sql,
    flagged_overdue_sql,
    is_flagged_overdue,
)
from frameworks.models.base import (
    RAG,
    Audited,
    DatePrecision,
    DeadlineKind,
    PostRole,
    ReturnState,
    TimeStampedModel,
    _deadline_property,
)


class Framework(TimeStampedModel, Audited):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    owner = models.CharField(
        max_length=200, blank=True, help_text="The team or directorate that owns the plan."
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    officers_read_all = models.BooleanField(
        "Officers can read the whole framework",
        default=True,
        help_text="If off, officers see only the milestones of the posts they hold.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="framework_end_after_start",
                violation_error_message="The end date must be on or after the start date.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("frameworks:framework-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})


class Theme(Audited):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="themes")
    code = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"],
                name="theme_name_unique_in_framework",
                violation_error_message="This framework already has a theme with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Post(Audited):
    """A lead role such as "Divisional Director SPP". Access follows the post, not the person."""

    title = models.CharField(max_length=255, unique=True)
    directorate = models.CharField(max_length=200, blank=True)
    holders = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="posts")
    former_titles = models.JSONField(
        default=list, blank=True, help_text="Earlier names of this post, newest first."
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(m2m_fields=[holders])

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class MilestoneQuerySet(models.QuerySet["Milestone"]):
    def flagged_overdue(self, *, today: dt.date, status: str = "latest_rag") -> MilestoneQuerySet:
        """The milestones flagged overdue (`Milestone.is_flagged_overdue`), in SQL. `status`
        names the annotation holding each milestone's latest approved status."""
        return self.alias(
            overdue_deadline_in_force=effective_deadline_date_sql(),
            overdue_flag=flagged_overdue_sql(
                status=status, deadline_date="overdue_deadline_in_force", today=today
            ),
        ).filter(overdue_flag=True)

    def completed(self) -> MilestoneQuerySet:
        from frameworks.models.rounds import Return  # rounds imports this module

        return self.filter(
            Exists(
                Return.objects.filter(
                    milestone=OuterRef("pk"),
                    rag=RAG.COMPLETED,
                    state=ReturnState.APPROVED,
                )
            )
        )

    def open(self) -> MilestoneQuerySet:
        """Milestones still being worked on: never approved as Completed or Cancelled."""
        from frameworks.models.rounds import Return  # rounds imports this module

        return self.exclude(
            Exists(
                Return.objects.filter(
                    milestone=OuterRef("pk"),
                    rag__in=[RAG.COMPLETED, RAG.CANCELLED],
                    state=ReturnState.APPROVED,
                )
            )
        )


class Milestone(TimeStampedModel, Audited):
    # No index of its own: the (framework, order) index serves every lookup by framework.
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="milestones", db_index=False
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="milestones")
    code = models.CharField(max_length=40, blank=True, help_text="For example R6.19.")
    title = models.TextField()
    existing_activity = models.TextField(
        blank=True, help_text="What the council already does that this action builds on."
    )
    order = models.PositiveIntegerField(default=0)
    source_reference = models.CharField(
        max_length=255, blank=True, help_text="Where this milestone came from, e.g. a row number."
    )
    deadline_text = models.CharField(max_length=255, blank=True)
    deadline_date = models.DateField(null=True, blank=True)
    deadline_precision = models.CharField(max_length=8, choices=DatePrecision.choices, blank=True)
    deadline_kind = models.CharField(
        max_length=12, choices=DeadlineKind.choices, default=DeadlineKind.NOT_SET
    )
    revised_deadline_text = models.CharField(max_length=255, blank=True)
    revised_deadline_date = models.DateField(null=True, blank=True)
    revised_deadline_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, blank=True
    )
    revised_deadline_kind = models.CharField(
        max_length=12, choices=DeadlineKind.choices, blank=True
    )
    monitoring_groups = models.JSONField(
        default=list, blank=True, help_text="Boards or groups that monitor this milestone."
    )
    risk = models.TextField(blank=True)
    posts = models.ManyToManyField(Post, through="MilestonePost", related_name="milestones")

    version = models.PositiveIntegerField(default=1, editable=False)
    objects = MilestoneQuerySet.as_manager()
    # Not a column: the status of the latest approved update, on the milestones the selectors
    # read with it (`milestones_with_status`'s annotation, or set by `framework_overview`).
    latest_rag: str | None

    # The audit trail is read by milestone (its `id`), never by framework or theme: no index on
    # those in the history table, which makes every audited write (and an import) cheaper.
    history = HistoricalRecords(no_db_index=["framework", "theme"])

    class Meta:
        ordering = ["framework", "theme__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                condition=~Q(code=""),
                name="milestone_code_unique_in_framework",
                violation_error_message="This framework already has a milestone with this code.",
            ),
            models.CheckConstraint(
                condition=Q(deadline_date__isnull=True) | ~Q(deadline_precision=""),
                name="milestone_deadline_date_has_precision",
                violation_error_message="A parsed deadline needs a precision (day or month).",
            ),
        ]
        indexes = [models.Index(fields=["framework", "order"], name="milestone_framework_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip() if self.code else self.title

    def get_absolute_url(self) -> str:
        return reverse("frameworks:milestone-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.theme_id and self.framework_id and self.theme.framework_id != self.framework_id:
            raise ValidationError({"theme": "Choose a theme from this milestone's framework."})
        if self.deadline_date and not self.deadline_precision:
            raise ValidationError(
                {"deadline_precision": "Say whether the deadline is a day or a month."}
            )

    # Deadlines -----------------------------------------------------------------------------
    deadline = _deadline_property("deadline", "The original deadline (a `Deadline`).")
    revised_deadline = _deadline_property(
        "revised_deadline", "The revised deadline (blank when never revised)."
    )

    @property
    def deadline_in_force(self) -> Deadline:
        """The deadline in force: the revised one if given, else the original."""
        return effective_deadline(self.deadline, self.revised_deadline)

    # The overdue flag and the deadline's date read only the three fields they need (pages load
    # just those, with `.only()`): the same rule, on partial deadlines.
    @property
    def has_revised_deadline(self) -> bool:
        return not Deadline(self.revised_deadline_text, self.revised_deadline_date).is_blank

    @property
    def effective_deadline_date(self) -> dt.date | None:
        revised = Deadline(self.revised_deadline_text, self.revised_deadline_date)
        return effective_deadline(Deadline(date=self.deadline_date), revised).date

    @property
    def deadline_display(self) -> str:
        return self.deadline.display

    @property
    def revised_deadline_display(self) -> str:
        return self.revised_deadline.display_if_set

    def deadline_passed(self, *, today: dt.date | None = None) -> bool:
        return date_passed(self.effective_deadline_date, today or timezone.localdate())

    def is_flagged_overdue(self, status: str | None, today: dt.date) -> bool:
        """Flagged overdue with this latest status (None or "" when there is none): not
        Completed or Cancelled, and marked Overdue or past the deadline in force."""
        return is_flagged_overdue(
            status=status, deadline_date=self.effective_deadline_date, today=today
        )


class MilestonePost(Audited):
    # No index of its own: the unique (milestone, post) index serves lookups by milestone.
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="leads", db_index=False
    )
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="milestone_links")
    role = models.CharField(max_length=12, choices=PostRole.choices, default=PostRole.LEAD)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(no_db_index=["post"])  # its history is read by milestone

    class Meta:
        ordering = ["milestone", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "post"],
                name="milestone_post_unique",
                violation_error_message="This post is already linked to the milestone.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} ({self.get_role_display()})"
