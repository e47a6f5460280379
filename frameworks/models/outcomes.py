"""Outcomes and measures: what a plan's commitments are for, and how the council knows.

* `Outcome` – a result a theme (a pledge, a priority) aims at ("So that …"); milestones serve
  one or more (`MilestoneOutcome`).
* `Indicator` – a measure (KPI) with a good direction, a baseline, targets (`IndicatorTarget`,
  per round or per financial year), a tolerance band and an owner post; its owner gives a value
  each round it is due (`IndicatorValue`), reviewed like a milestone's return. Its status is
  computed (`frameworks.domain.indicators`), never stored.
* Maturity self-assessment – a framework's standards (`MaturityStandard`), its scale of ordered
  levels (`MaturityLevel`), dated assessments (`Assessment`) holding a judgement per standard
  (`Judgement`: level, evidence, what needs to improve), and the recommendations
  (`Recommendation`) that can become milestones.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from frameworks.models.base import Audited, Direction, Frequency, ReturnState, TimeStampedModel
from frameworks.models.plans import Framework, Milestone, Post, Theme
from frameworks.models.rounds import Round


class Outcome(Audited):
    """A result a theme aims at: a pledge's "So that …"."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="outcomes")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="outcomes")
    code = models.CharField(max_length=40, blank=True)
    title = models.TextField()
    order = models.PositiveIntegerField(default=0)

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "theme__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "title"],
                name="outcome_title_unique_in_theme",
                violation_error_message="This theme already has this outcome.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def clean(self) -> None:
        if self.theme_id and self.framework_id and self.theme.framework_id != self.framework_id:
            raise ValidationError({"theme": "Choose a theme from this outcome's framework."})


class MilestoneOutcome(Audited):
    """A milestone serving an outcome."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="outcome_links", db_index=False
    )
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="milestone_links")

    history = HistoricalRecords(no_db_index=["outcome"])

    class Meta:
        ordering = ["milestone", "outcome__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "outcome"],
                name="milestone_outcome_unique",
                violation_error_message="This milestone already serves this outcome.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} → {self.outcome}"


class Indicator(TimeStampedModel, Audited):
    """A measure of whether the plan is working, with its targets and the values its owner
    reports."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="indicators")
    number = models.CharField(
        max_length=20, blank=True, help_text="As the dashboard numbers it, e.g. 9."
    )
    name = models.CharField(max_length=255)
    unit = models.CharField(
        max_length=40, blank=True, help_text="For example %, people, days or £."
    )
    definition = models.TextField(blank=True, help_text="What is counted, and how.")
    direction = models.CharField(
        "Good direction", max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_value = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=4)
    baseline_date = models.DateField(null=True, blank=True)
    baseline_source = models.CharField(
        max_length=255, blank=True, help_text="Where the baseline figure comes from."
    )
    tolerance = models.DecimalField(
        null=True,
        blank=True,
        help_text="How far short of the target (in the indicator's unit) still counts as "
        "within tolerance (amber). Blank: none.",
        max_digits=18,
        decimal_places=4,
    )
    owner = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators"
    )
    frequency = models.CharField(
        max_length=12, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    outcomes = models.ManyToManyField(Outcome, blank=True, related_name="indicators")
    order = models.PositiveIntegerField(default=0)

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(m2m_fields=[outcomes])

    class Meta:
        ordering = ["framework", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"],
                name="indicator_name_unique_in_framework",
                violation_error_message="This framework already has an indicator with this name.",
            ),
            models.UniqueConstraint(
                fields=["framework", "number"],
                condition=~Q(number=""),
                name="indicator_number_unique_in_framework",
                violation_error_message="This framework already has an indicator with this number.",
            ),
            models.CheckConstraint(
                condition=Q(tolerance__isnull=True) | Q(tolerance__gte=0),
                name="indicator_tolerance_not_negative",
                violation_error_message="The tolerance cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"Indicator {self.number}: {self.name}" if self.number else self.name

    def get_absolute_url(self) -> str:
        return reverse("frameworks:indicator-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.tolerance is not None and self.tolerance < 0:
            raise ValidationError({"tolerance": "The tolerance cannot be negative."})
        if self.baseline_date and self.baseline_value is None:
            raise ValidationError({"baseline_value": "Enter the baseline figure for this date."})


class IndicatorTarget(Audited):
    """A target for one round, or for a financial year ("2019-20"). A round's own target wins
    over its year's."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="indicator_targets"
    )
    year = models.CharField(
        "Financial year", max_length=7, blank=True, help_text="For example 2019-20."
    )
    value = models.DecimalField(max_digits=18, decimal_places=4)

    history = HistoricalRecords(no_db_index=["round"])

    class Meta:
        ordering = ["indicator", "year", "round__start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(round__isnull=True) & ~Q(year=""))
                | (Q(round__isnull=False) & Q(year="")),
                name="indicator_target_round_or_year",
                violation_error_message="A target is for a round or for a financial year.",
            ),
            models.UniqueConstraint(
                fields=["indicator", "round"],
                condition=Q(round__isnull=False),
                name="indicator_target_one_per_round",
                violation_error_message="This indicator already has a target for this round.",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year"],
                condition=~Q(year=""),
                name="indicator_target_one_per_year",
                violation_error_message="This indicator already has a target for this year.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} ({self.round.label if self.round else self.year})"

    def clean(self) -> None:
        if bool(self.round_id) == bool(self.year):
            raise ValidationError(
                {"year": "Give the target for a round or for a financial year, not both."}
            )


class IndicatorValueQuerySet(models.QuerySet["IndicatorValue"]):
    def for_holder(self, user) -> IndicatorValueQuerySet:
        return self.filter(indicator__owner__holders=user)

    def outstanding(self) -> IndicatorValueQuerySet:
        return self.filter(
            state__in=[ReturnState.NOT_STARTED, ReturnState.DRAFT, ReturnState.RETURNED]
        )

    def approved(self) -> IndicatorValueQuerySet:
        return self.filter(state=ReturnState.APPROVED)


class IndicatorValue(TimeStampedModel, Audited):
    """An indicator's value for a round, given by its owner in their quarterly return and
    reviewed by the policy team like a milestone's update."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="indicator_values")
    value = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=4)
    note = models.TextField(blank=True, help_text="What the figure shows, and any caveat.")
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

    objects = IndicatorValueQuerySet.as_manager()
    history = HistoricalRecords(no_db_index=["round", "saved_by", "submitted_by", "reviewed_by"])

    class Meta:
        ordering = ["round__start_date", "indicator__order", "indicator__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "round"],
                name="one_value_per_indicator_per_round",
                violation_error_message="This indicator already has a value for this round.",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[ReturnState.SUBMITTED, ReturnState.APPROVED])
                | Q(value__isnull=False),
                name="indicator_value_submitted_has_value",
                violation_error_message="A submitted value needs a figure.",
            ),
            models.CheckConstraint(
                condition=~Q(state=ReturnState.RETURNED) | ~Q(review_comment=""),
                name="indicator_value_returned_has_comment",
                violation_error_message="Say why the value is being sent back.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} – {self.round.label}"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:indicatorvalue-edit", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.state in (ReturnState.SUBMITTED, ReturnState.APPROVED) and self.value is None:
            raise ValidationError({"value": "Enter the figure for this round."})
        if self.state == ReturnState.RETURNED and not self.review_comment.strip():
            raise ValidationError({"review_comment": "Say why the value is being sent back."})


class MaturityLevel(Audited):
    """One level of a framework's maturity scale; `rank` orders them, 1 the least mature."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="maturity_levels"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    rank = models.PositiveSmallIntegerField()

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"],
                name="maturity_level_name_unique",
                violation_error_message="The scale already has a level with this name.",
            ),
            models.UniqueConstraint(
                fields=["framework", "rank"],
                name="maturity_level_rank_unique",
                violation_error_message="The scale already has a level at this position.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MaturityStandard(Audited):
    """A quality standard an assessment judges, e.g. "Leadership: Senior leaders and managers
    are champions for community engagement"."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="maturity_standards"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"],
                name="maturity_standard_name_unique",
                violation_error_message="This framework already has a standard with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Assessment(TimeStampedModel, Audited):
    """A dated maturity self-assessment of a framework against its standards."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="assessments")
    title = models.CharField(max_length=255)
    assessed_on = models.DateField()
    source = models.CharField(
        max_length=255, blank=True, help_text="The paper or workshop the judgements come from."
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "-assessed_on", "-pk"]
        get_latest_by = "assessed_on"
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "assessed_on"],
                name="assessment_one_per_day",
                violation_error_message="This framework already has an assessment on this date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.assessed_on:%d %B %Y})"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:assessment-detail", kwargs={"pk": self.pk})


class Judgement(Audited):
    """One standard's judgement in an assessment. `level` is empty while the level as written
    (`level_text`, e.g. "Embedded") is not on the framework's scale: the page asks someone to add
    it to the scale or map it to a level; nothing guesses."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="judgements")
    standard = models.ForeignKey(
        MaturityStandard, on_delete=models.PROTECT, related_name="judgements"
    )
    level = models.ForeignKey(
        MaturityLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="judgements"
    )
    level_text = models.CharField(
        max_length=100, blank=True, help_text="The level exactly as the assessment wrote it."
    )
    evidence = models.TextField("Where are you now?", blank=True)
    improvements = models.TextField("What needs to improve?", blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(no_db_index=["standard", "level"])

    class Meta:
        ordering = ["assessment", "standard__order", "standard__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "standard"],
                name="judgement_one_per_standard",
                violation_error_message="This assessment already judges this standard.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard}: {self.level or self.level_text or 'not judged'}"

    @property
    def outside_scale(self) -> bool:
        """A level was written that the scale does not define."""
        return self.level_id is None and bool(self.level_text)


class Recommendation(Audited):
    """One thing an assessment says needs to improve for a standard; adopted, it becomes a
    milestone linked back here (and so to its standard)."""

    judgement = models.ForeignKey(
        Judgement, on_delete=models.CASCADE, related_name="recommendations"
    )
    text = models.TextField()
    order = models.PositiveIntegerField(default=0)
    milestone = models.OneToOneField(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendation",
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(no_db_index=["milestone"])

    class Meta:
        ordering = ["judgement", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
