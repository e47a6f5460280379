"""Filters for the milestone list (`selectors.milestone_search`, `views.milestones`).

`MilestoneFilter` works on the queryset `selectors.milestone_search` builds, which carries these
annotations (each a subquery or expression, so every filter stays one SQL query):

- `latest_rag`: the latest approved RAG status (from `selectors._latest_return`)
- `previous_rag`: the approved RAG status before it (the milestone's previous approved return)
- `effective_deadline`: the revised deadline date if a revised deadline is set, else the deadline
- `last_return_at`: when the latest approved return was reviewed (or else submitted)

The rules behind the filters are the domain's: "Flagged overdue" is
`Milestone.objects.flagged_overdue` (`frameworks.domain.overdue`, the SQL twin of
`Milestone.is_flagged_overdue`), and "No status" covers the pseudo-statuses of
`frameworks.domain.status`. May import: Django, django-filter, the domain, the models and
`frameworks.rules`.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone

from frameworks.domain.overdue import flagged_overdue_sql
from frameworks.domain.status import NO_RETURN, NO_STATUS
from frameworks.models import (
    RAG,
    Milestone,
    MilestonePost,
    MilestoneQuerySet,
    Post,
    Return,
    ReturnState,
)
from frameworks.rules import is_policy_team

# The pseudo-statuses as `latest_rag` holds them: no approved update is NULL, an approved update
# without a status "".
PSEUDO_STATUS_CONDITION = {NO_RETURN: Q(latest_rag__isnull=True), NO_STATUS: Q(latest_rag="")}
# The "No status" box covers both. Its value in the query string is "NONE", as bookmarked and
# shared links already have it (a value of the filter's own, not a status).
NO_STATUS_CHOICE = "NONE"
RAG_CHOICES = [*RAG.choices, (NO_STATUS_CHOICE, "No status")]
MAX_DAYS = 36_500
DEFAULT_SORT = "theme"
PLAN_ORDER = ("theme__order", "theme__name", "order", "pk")

# Sort key -> the leading ordering terms; plan order then breaks ties. "-key" reverses the terms.
_SORT_TERMS: dict[str, tuple[F | Func, ...]] = {
    "theme": (F("theme__order"), F("theme__name")),
    "title": (Lower("title"),),
    "deadline": (F("effective_deadline"),),
    "rag": (F("rag_rank"),),
    "updated": (F("last_return_at"),),
}
SORTS = frozenset([*_SORT_TERMS, *(f"-{key}" for key in _SORT_TERMS)])

DAYS_INVALID = "Enter the number of days as a whole number, like 120"


def _ordering(sort: str) -> list:
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    terms = [
        term.desc(nulls_last=True) if descending else term.asc(nulls_last=True)
        for term in _SORT_TERMS[key]
    ]
    return [*terms, *PLAN_ORDER]


def overdue_condition(today: dt.date) -> Case:
    """`Milestone.is_flagged_overdue` in SQL, over the `latest_rag` and `effective_deadline`
    annotations (`frameworks.domain.overdue.flagged_overdue_sql`)."""
    return flagged_overdue_sql(status="latest_rag", deadline_date="effective_deadline", today=today)


# A revised deadline differs from the original: different dates, a date on one side only, or
# (with no dates on either side) different wording such as "TBC" for "Ongoing".
SLIPPED = (
    Q(revised_deadline_date__lt=F("deadline_date"))
    | Q(revised_deadline_date__gt=F("deadline_date"))
    | Q(revised_deadline_date__isnull=False, deadline_date__isnull=True)
    | (
        Q(revised_deadline_date__isnull=True)
        & ~Q(revised_deadline_text="")
        & (Q(deadline_date__isnull=False) | ~Q(revised_deadline_text=F("deadline_text")))
    )
)


class SortField(forms.Field):
    """The `sort` parameter: a whitelisted key, anything else quietly means the default order."""

    widget = forms.HiddenInput

    def to_python(self, value):
        return value if isinstance(value, str) and value in SORTS else ""


class CheckboxWidget(forms.CheckboxInput):
    """A checkbox sent as `name=yes`. Unticked (absent), or a hand-typed "no", "off", "false" or
    "0", leaves the list alone. (Named so its `widget_type` stays "checkbox" for the GOV.UK
    field template.)"""

    UNTICKED = frozenset(["", "no", "off", "false", "0"])

    def format_value(self, value):
        return "yes"

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str):
            return value.strip().lower() not in self.UNTICKED
        return bool(value)


class CheckboxFilter(django_filters.Filter):
    """A single checkbox: ticked narrows the list, unticked leaves it alone."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", CheckboxWidget)
        super().__init__(*args, **kwargs)


class WholeNumberFilter(django_filters.Filter):
    field_class = forms.IntegerField


class SortFilter(django_filters.Filter):
    field_class = SortField


class MilestoneFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=200,
        help_text="Words in the code, title or a progress update",
        error_messages={"max_length": "Search text must be 200 characters or fewer"},
    )
    theme = django_filters.ModelChoiceFilter(
        label="Theme",
        queryset=None,
        empty_label="All themes",
        error_messages={"invalid_choice": "Select a theme from the list"},
    )
    post = django_filters.ModelChoiceFilter(
        label="Lead",
        queryset=None,
        empty_label="All leads",
        method="filter_post",
        error_messages={"invalid_choice": "Select a lead from the list"},
    )
    rag = django_filters.MultipleChoiceFilter(
        label="Latest status",
        choices=RAG_CHOICES,
        method="filter_rag",
        widget=forms.CheckboxSelectMultiple(attrs={"data-label-size": "s"}),
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    overdue = CheckboxFilter(
        label="Flagged overdue",
        method="filter_overdue",
        help_text="Marked overdue, or the deadline has passed and it is not complete",
    )
    slipped = CheckboxFilter(
        label="Deadline revised",
        method="filter_slipped",
        help_text="Has a revised deadline different from the original",
    )
    changed = CheckboxFilter(
        label="Status changed since the last round",
        method="filter_changed",
    )
    not_updated = WholeNumberFilter(
        label="Not updated for (days)",
        method="filter_not_updated",
        min_value=1,
        max_value=MAX_DAYS,
        help_text="For example, 120. Milestones never updated are included.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "spellcheck": "false", "class": "govuk-input--width-4"}
        ),
        error_messages={
            "invalid": DAYS_INVALID,
            "min_value": "The number of days must be 1 or more",
            "max_value": f"The number of days must be {MAX_DAYS:,} or fewer",
        },
    )
    sort = SortFilter(method="sort_by")

    class Meta:
        model = Milestone
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, framework, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.framework = framework
        self.user = user
        self.filters["theme"].queryset = framework.themes.order_by("order", "name")
        # The leads of these milestones. An IN list, read once: as a correlated EXISTS, SQLite
        # ran the milestone subquery again for every post (21 ms for a 250-milestone plan).
        # Only the title is shown (250 options: no JSON former titles decoded for each).
        self.filters["post"].queryset = (
            Post.objects.filter(
                pk__in=MilestonePost.objects.filter(
                    milestone__in=self.queryset.values("pk")
                ).values("post_id")
            )
            .only("title")
            .order_by("title")
        )

    # Filters --------------------------------------------------------------------------------
    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Code, title, or the narrative of a return this user may read (approved returns; work
        in progress only for the policy team and the milestone's own post holders)."""
        narratives = Return.objects.filter(
            milestone=OuterRef("pk"), narrative__icontains=value
        ).exclude(state=ReturnState.NOT_STARTED)
        if not is_policy_team(self.user):
            narratives = narratives.filter(
                Q(state=ReturnState.APPROVED) | Q(milestone__leads__post__holders=self.user)
            )
        return queryset.filter(
            Q(code__icontains=value) | Q(title__icontains=value) | Exists(narratives)
        )

    def filter_post(self, queryset: QuerySet, name: str, value: Post) -> QuerySet:
        return queryset.filter(
            Exists(MilestonePost.objects.filter(milestone=OuterRef("pk"), post=value))
        )

    def filter_rag(self, queryset: QuerySet, name: str, values: list[str]) -> QuerySet:
        statuses = [value for value in values if value != NO_STATUS_CHOICE]
        condition = Q(latest_rag__in=statuses) if statuses else Q(pk__in=[])
        if NO_STATUS_CHOICE in values:
            condition |= PSEUDO_STATUS_CONDITION[NO_RETURN] | PSEUDO_STATUS_CONDITION[NO_STATUS]
        return queryset.filter(condition)

    def filter_overdue(
        self, queryset: MilestoneQuerySet, name: str, value: bool
    ) -> MilestoneQuerySet:
        if not value:
            return queryset
        return queryset.flagged_overdue(today=timezone.localdate(), status="latest_rag")

    def filter_slipped(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(SLIPPED) if value else queryset

    def filter_changed(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(previous_rag__isnull=False).exclude(previous_rag=F("latest_rag"))

    def filter_not_updated(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        cutoff = timezone.now() - dt.timedelta(days=value)
        return queryset.filter(Q(last_return_at__isnull=True) | Q(last_return_at__lt=cutoff))

    def sort_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value.removeprefix("-") == "rag":
            ranks = [When(latest_rag=rag, then=Value(i)) for i, rag in enumerate(RAG.values)]
            queryset = queryset.alias(
                rag_rank=Case(*ranks, default=Value(len(ranks)), output_field=IntegerField())
            )
        return queryset.order_by(*_ordering(value))

    # For the page ---------------------------------------------------------------------------
    @property
    def active_sort(self) -> str:
        """The sort in force: the requested one if it is on the whitelist, else plan order."""
        if not self.is_bound:
            return DEFAULT_SORT
        self.errors  # noqa: B018 - validates the form, so cleaned_data exists
        return self.form.cleaned_data.get("sort") or DEFAULT_SORT

    def query(self) -> QueryDict:
        """The valid, non-empty parameters: links for sorting and paging keep these (and drop
        anything that failed validation)."""
        query = QueryDict(mutable=True)
        if not self.is_bound:
            return query
        self.errors  # noqa: B018 - validates the form, so cleaned_data exists
        for name in self.form.fields:
            value = self.form.cleaned_data.get(name)
            if name in self.form.errors or value in (None, "", [], False):
                continue
            if hasattr(self.data, "getlist"):
                query.setlist(name, self.data.getlist(name))
            else:
                query[name] = self.data[name]
        return query
