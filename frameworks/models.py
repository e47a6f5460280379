"""Data model: frameworks (plans), themes, milestones, posts, reporting rounds and returns.

Models hold data, invariants (database constraints and `clean()`), and small derived properties.
The rules those properties apply live in `frameworks.domain` (the vocabularies the `TextChoices`
are built from, deadlines, overdue); the models give them the stored values, e.g.
`milestone.deadline` (a `Deadline`) or `milestone.is_flagged_overdue(status, today)`.
Writes with side effects live in `frameworks.services`; multi-step reads in `frameworks.selectors`.

May import: Django, django-simple-history and the domain (`frameworks.domain`); never services,
importers, selectors, reports or views. Imported by every layer but the domain.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from frameworks.domain import vocabulary
from frameworks.domain.deadlines import Deadline, date_passed, effective_deadline
from frameworks.domain.overdue import (
    effective_deadline_date_sql,
    flagged_overdue_sql,
    is_flagged_overdue,
)
from frameworks.domain.vocabulary import Vocabulary


def text_choices(vocabulary: type[Vocabulary]) -> type[models.TextChoices]:
    """The `TextChoices` for fields and forms, built from a domain vocabulary (its values and
    labels are stated once, in `frameworks.domain.vocabulary`)."""
    # django-stubs types TextChoices(value), the member lookup, not Enum's functional API.
    choices: type[models.TextChoices] = models.TextChoices(  # type: ignore[call-overload]
        vocabulary.__name__,
        [(member.name, (member.value, member.label)) for member in vocabulary],
        module=__name__,
    )
    choices.__doc__ = vocabulary.__doc__
    return choices


if TYPE_CHECKING:
    # What `text_choices` builds at run time, as the type checker sees it: the members' names
    # (their values and labels are the domain's, and tests check the built classes match it).
    class RAG(models.TextChoices):
        COMPLETED: RAG
        IN_PROGRESS: RAG
        OVERDUE: RAG
        ONGOING: RAG
        NOT_STARTED: RAG
        CANCELLED: RAG

    class DeadlineKind(models.TextChoices):
        DATE: DeadlineKind
        ONGOING: DeadlineKind
        TBC: DeadlineKind
        IMMEDIATE: DeadlineKind
        CONDITIONAL: DeadlineKind
        NOT_SET: DeadlineKind

    class DatePrecision(models.TextChoices):
        DAY: DatePrecision
        MONTH: DatePrecision

    class PostRole(models.TextChoices):
        LEAD: PostRole
        SUPPORTING: PostRole

    class ImportLayout(models.TextChoices):
        FRAMEWORK: ImportLayout
        TRACKER: ImportLayout
        ACTIONS: ImportLayout

else:
    RAG = text_choices(vocabulary.RAG)
    DeadlineKind = text_choices(vocabulary.DeadlineKind)
    DatePrecision = text_choices(vocabulary.DatePrecision)
    PostRole = text_choices(vocabulary.PostRole)
    ImportLayout = text_choices(vocabulary.ImportLayout)

RAG_COLOUR = {
    RAG.COMPLETED: "green",
    RAG.IN_PROGRESS: "yellow",
    RAG.OVERDUE: "red",
    RAG.ONGOING: "blue",
    RAG.NOT_STARTED: "grey",
    RAG.CANCELLED: "grey",
}


class PeriodState(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    OPEN = "OPEN", "Open"
    CLOSED = "CLOSED", "Closed"


class UpdateState(models.TextChoices):
    NOT_STARTED = "NOT_STARTED", "Not started"
    DRAFT = "DRAFT", "Draft"
    SUBMITTED = "SUBMITTED", "Submitted"
    RETURNED = "RETURNED", "Returned"
    APPROVED = "APPROVED", "Approved"


EDITABLE_UPDATE_STATES = (
    UpdateState.NOT_STARTED,
    UpdateState.DRAFT,
    UpdateState.SUBMITTED,
    UpdateState.RETURNED,
)


def progress_mean(values) -> int | None:
    """A group's progress: the mean of its actions' % complete, truncated to a whole percent
    (as the performance-system export prints it); None when no action gives one."""
    known = [v for v in values if v is not None]
    return sum(known) // len(known) if known else None


def person_name(user, default: str = "") -> str:
    """How a person is named on pages, emails and the audit trail."""
    if not user:
        return default
    return user.get_full_name() or user.username


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Audited(models.Model):
    """A model with a `history` (django-simple-history). Set on an instance before `save()`,
    `_history_user` is the audit row's who and `_change_reason` its why, also outside a web
    request (the middleware gives the signed-in person otherwise). No fields of its own."""

    _history_user: Any
    _change_reason: str

    class Meta:
        abstract = True


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


def _deadline_property(prefix: str, doc: str) -> property:
    """A `Deadline` read from and written to the four fields `<prefix>_text`, `_date`,
    `_precision` and `_kind` (`Deadline.fields(prefix)` names them, for `update_fields`)."""

    def get(obj) -> Deadline:
        return Deadline.read(obj, prefix)

    def set_(obj, deadline: Deadline) -> None:
        deadline.write(obj, prefix)

    return property(get, set_, doc=doc)


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
        return self.filter(
            Exists(
                ProgressUpdate.objects.filter(
                    milestone=OuterRef("pk"),
                    rag=RAG.COMPLETED,
                    state=UpdateState.APPROVED,
                )
            )
        )

    def open(self) -> MilestoneQuerySet:
        """Milestones still being worked on: never approved as Completed or Cancelled."""
        return self.exclude(
            Exists(
                ProgressUpdate.objects.filter(
                    milestone=OuterRef("pk"),
                    rag__in=[RAG.COMPLETED, RAG.CANCELLED],
                    state=UpdateState.APPROVED,
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


class ReportingPeriodQuerySet(models.QuerySet["ReportingPeriod"]):
    def open(self) -> ReportingPeriodQuerySet:
        return self.filter(state=PeriodState.OPEN)


class ReportingPeriod(TimeStampedModel, Audited):
    """A reporting round, usually a financial-year quarter such as "Q3 2019-20"."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="periods")
    label = models.CharField(max_length=60)
    start_date = models.DateField()
    end_date = models.DateField()
    due_date = models.DateField(help_text="When officers' returns are due.")
    state = models.CharField(max_length=8, choices=PeriodState.choices, default=PeriodState.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    objects = ReportingPeriodQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "-start_date"]
        get_latest_by = "start_date"
        constraints = [
            models.UniqueConstraint(
                "framework",
                Lower("label"),
                name="period_label_unique_in_framework",
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
                name="period_end_after_start",
                violation_error_message="The round must end on or after the day it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:period-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The round must end on or after the day it starts."})

    @property
    def is_open(self) -> bool:
        return self.state == PeriodState.OPEN

    def is_late(self, *, today: dt.date | None = None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())


class ProgressUpdateQuerySet(models.QuerySet["ProgressUpdate"]):
    def for_holder(self, user) -> ProgressUpdateQuerySet:
        return self.filter(
            Exists(
                MilestonePost.objects.filter(milestone=OuterRef("milestone"), post__holders=user)
            )
        )

    def outstanding(self) -> ProgressUpdateQuerySet:
        return self.filter(
            state__in=[UpdateState.NOT_STARTED, UpdateState.DRAFT, UpdateState.RETURNED]
        )


class ProgressUpdate(TimeStampedModel, Audited):
    """One milestone's return for one round: the OBA narrative, a RAG status and the workflow."""

    # Neither has an index of its own: the unique (milestone, period) index serves lookups by
    # milestone, and the (period, state) index lookups by round.
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="updates", db_index=False
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="updates", db_index=False
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The same milestone's update in the round before, shown beside the form.",
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
        max_length=12, choices=UpdateState.choices, default=UpdateState.NOT_STARTED
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

    objects = ProgressUpdateQuerySet.as_manager()

    # The audit trail is read by milestone and by update, never by round, previous update or
    # the people who saved, submitted or reviewed it: no index on those in the history table.
    history = HistoricalRecords(
        no_db_index=["period", "previous", "saved_by", "submitted_by", "reviewed_by"]
    )

    class Meta:
        ordering = ["period__start_date", "milestone__theme__order", "milestone__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "period"],
                name="one_update_per_milestone_per_round",
                violation_error_message="This milestone already has an update for this round.",
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True) | Q(percent_complete__lte=100),
                name="update_percent_complete_0_to_100",
                violation_error_message="Percent complete must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=~Q(state=UpdateState.SUBMITTED) | ~Q(rag="") | ~Q(rag_text=""),
                name="update_submitted_has_rag",
                violation_error_message="A submitted update needs a RAG status.",
            ),
            models.CheckConstraint(
                condition=~Q(state=UpdateState.RETURNED) | ~Q(review_comment=""),
                name="update_returned_has_comment",
                violation_error_message="Say why the update is being returned.",
            ),
            models.CheckConstraint(
                condition=Q(new_deadline_date__isnull=True) | ~Q(new_deadline_precision=""),
                name="update_new_deadline_has_precision",
                violation_error_message="A parsed new deadline needs a precision (day or month).",
            ),
        ]
        indexes = [models.Index(fields=["period", "state"], name="update_period_state")]

    def __str__(self) -> str:
        return f"{self.milestone} – {self.period.label}"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:update-edit", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.state == UpdateState.SUBMITTED and not self.rag and not self.rag_text:
            raise ValidationError({"rag": "Select a RAG status."})
        if self.state == UpdateState.RETURNED and not self.review_comment.strip():
            raise ValidationError({"review_comment": "Say why the update is being returned."})
        if self.percent_complete is not None and self.percent_complete > 100:
            raise ValidationError({"percent_complete": "Percent complete must be 100 or less."})

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_UPDATE_STATES and self.period.is_open

    new_deadline = _deadline_property(
        "new_deadline", "The new deadline this return gives (blank when none)."
    )

    @property
    def new_deadline_display(self) -> str:
        return self.new_deadline.display_if_set

    def is_flagged_overdue(self, today: dt.date) -> bool:
        """Its milestone is flagged overdue with this return's status."""
        return self.milestone.is_flagged_overdue(self.rag, today)


class ImportBatch(models.Model):
    """One uploaded legacy file: stored, previewed (a dry run), then applied in one transaction.

    UPLOADED → PREVIEWING → PREVIEWED (or REFUSED: problems to correct) → APPLYING → APPLIED.
    A large file is previewed and applied by the background worker, which writes the stage it
    is at into `progress`; anything that stops it leaves the batch FAILED, never in between.
    The state changes are in `frameworks.services.import_batches`.
    """

    class State(models.TextChoices):
        UPLOADED = "UPLOADED", "Uploaded"
        PREVIEWING = "PREVIEWING", "Checking"
        PREVIEWED = "PREVIEWED", "Ready to import"
        REFUSED = "REFUSED", "Problems to fix"
        APPLYING = "APPLYING", "Importing"
        APPLIED = "APPLIED", "Imported"
        FAILED = "FAILED", "Failed"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content = models.BinaryField(
        blank=True, help_text="The uploaded bytes, kept until the import is applied."
    )
    framework_name = models.CharField(max_length=200)
    framework = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    layout = models.CharField(max_length=12, blank=True)
    requested_layout = models.CharField(max_length=12, default="auto")
    sheet_name = models.CharField(max_length=100, blank=True)
    period_label = models.CharField(max_length=60, blank=True)
    previous_period_label = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PREVIEWED)
    report = models.JSONField(default=dict, blank=True)
    comparison = models.TextField(
        blank=True, help_text="What the preview compared: the import must find it again."
    )
    progress = models.CharField(
        max_length=255, blank=True, help_text="The stage a background preview or import is at."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:import-detail", kwargs={"pk": self.pk})


class Board(Audited):
    """A board or committee that receives reports, e.g. the Transformation and Improvement Board.

    A managed list: the policy team and administrators add and rename boards, and the report
    form picks from it. `slug` is the name's key ("&" read as "and", case and punctuation
    ignored), so "Transformation & Improvement Board" cannot become a second board.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)

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
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reports")
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
                fields=["framework", "period", "meeting"],
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
        if self.period_id and self.framework_id and self.period.framework_id != self.framework_id:
            errors["period"] = "Choose a round of this report's framework."
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


class ReportBuild(models.Model):
    """A PDF built in the background for a large report: progress, then the file."""

    class State(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        RUNNING = "RUNNING", "Building"
        DONE = "DONE", "Ready"
        FAILED = "FAILED", "Failed"

    report = models.ForeignKey(BoardReport, on_delete=models.CASCADE, related_name="builds")
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
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="report_build_progress_0_to_100",
                violation_error_message="Progress is a percentage.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} build {self.pk} ({self.get_state_display()})"


class Reminder(models.Model):
    """One email sent to chase returns (or the policy team's weekly digest). The unique key makes
    `send_reminders` idempotent: nobody gets the same reminder twice."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "BEFORE_DUE", "Before the due date"
        ON_DUE = "ON_DUE", "On the due date"
        AFTER_DUE = "AFTER_DUE", "After the due date"
        DIGEST = "DIGEST", "Weekly digest of late returns"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    period = models.ForeignKey(
        ReportingPeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(
        max_length=100, help_text="What makes this reminder unique, e.g. a date or a week."
    )
    subject = models.CharField(max_length=255)
    body = models.TextField()
    returns = models.PositiveIntegerField(default=0, help_text="Returns listed in the email.")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"],
                name="reminder_sent_once",
                violation_error_message="This reminder has already been sent.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.key})"
