"""The Django admin keeps the structure: frameworks, themes, milestones, posts and their leads,
and the names and dates of rounds not yet opened.

Every workflow change goes through the services, never through an admin form: a round is opened
or closed by `round_open` / `round_close` (the actions on the rounds list,
or the app's own pages), and returns are written by officers and reviewed by the policy team in
the app (`frameworks.services.returns`). Here a return can be looked at, not rewritten.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from frameworks.models import (
    Framework,
    IndicatorValue,
    MaturityLevel,
    MaturityStandard,
    Milestone,
    MilestoneOutcome,
    MilestonePost,
    Outcome,
    Post,
    Return,
    Round,
    RoundState,
    Theme,
)
from frameworks.roles import is_policy_team
from frameworks.services.rounds import (
    RoundConflict,
    round_close,
    round_open,
    round_outcome,
)


class VersionedAdminForm(forms.ModelForm):
    """Optimistic concurrency for structural edits: a save based on an old copy is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def check_version(self) -> bool:
        """Whether this save must be based on the row as it is now."""
        return bool(self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        if self.check_version():
            # The admin saves inside a transaction: the lock holds until this save is written.
            model = type(self.instance)
            current = (
                model.objects.select_for_update(of=("self",))
                .filter(pk=self.instance.pk)
                .order_by()
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("expected_version") != current:
                raise ValidationError(
                    f"Someone else changed this {model._meta.verbose_name} after you opened it. "
                    "Your changes have not been saved: reload the page to see theirs, then make "
                    "yours again."
                )
        return cleaned


class VersionedInlineForm(VersionedAdminForm):
    """A row of an inline: checked, saved and versioned only when someone changed it. A row
    left as it was is not written, even if it changed meanwhile (its version alone differs)."""

    def has_changed(self) -> bool:
        return any(name != "expected_version" for name in self.changed_data)

    def check_version(self) -> bool:
        return bool(self.instance.pk) and self.has_changed()

    def save(self, commit=True):
        if self.instance.pk:
            self.instance.version += 1
        return super().save(commit)


class VersionedAdmin(SimpleHistoryAdmin):
    form = VersionedAdminForm

    def save_model(self, request, obj, form, change):
        if change:
            self._keep_read_only_fields(request, obj)
            obj.version += 1
        super().save_model(request, obj, form, change)

    def _keep_read_only_fields(self, request, obj) -> None:
        """A field this page shows read-only is never written by it: not from a form, and not
        from an old copy restored from the history. It keeps the value the row has now."""
        current = type(obj)._default_manager.get(pk=obj.pk)
        concrete = {field.name: field for field in obj._meta.concrete_fields}
        for name in self.get_readonly_fields(request, current):
            if field := concrete.get(name):
                setattr(obj, field.attname, getattr(current, field.attname))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Restoring an old copy from the history is a change like any other: simple_history
        asks only for the view permission, so ask for the change permission here."""
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ThemeInline(admin.TabularInline):
    model = Theme
    form = VersionedInlineForm
    extra = 0
    fields = ["order", "code", "name", "expected_version"]


ROUND_STRUCTURE = ["label", "start_date", "end_date", "due_date"]
ROUND_WORKFLOW = ["state", "opened_at", "opened_by", "closed_at", "closed_by"]


def round_is_draft(round: Round | None) -> bool:
    return round is None or round.pk is None or round.state == RoundState.DRAFT


class RoundInlineForm(VersionedInlineForm):
    """A round's name and dates can be changed until it is opened; never its state. A new round
    is a draft: it is opened with the action on the rounds list, which creates its returns."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not round_is_draft(self.instance):
            for name in ROUND_STRUCTURE:
                if name in self.fields:
                    self.fields[name].disabled = True


class RoundInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """A round that has been opened is not deleted: its returns are the record of it.
        (The admin checks rows deleted in an inline only for protected objects, not for the
        rounds' own delete permission or the returns deleted with them.)"""
        super().clean()
        for form in self.forms:
            round = form.instance
            if not (self.can_delete and self._should_delete_form(form) and round.pk):
                continue
            if not round_is_draft(round) or round.returns.exists():
                raise ValidationError(
                    f"{round.label} cannot be deleted: it has been opened, and its returns "
                    "are the record of that round."
                )


class RoundInline(admin.TabularInline):
    model = Round
    form = RoundInlineForm
    formset = RoundInlineFormSet
    extra = 0
    fields = ["label", "start_date", "end_date", "due_date", "state", "expected_version"]
    readonly_fields = ["state"]
    show_change_link = True


@admin.register(Framework)
class FrameworkAdmin(VersionedAdmin):
    list_display = ["name", "owner", "start_date", "end_date", "officers_read_all"]
    search_fields = ["name", "description", "owner"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ThemeInline, RoundInline]


@admin.register(Theme)
class ThemeAdmin(VersionedAdmin):
    list_display = ["name", "code", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["name", "code"]


class MilestonePostInline(admin.TabularInline):
    model = MilestonePost
    extra = 0
    autocomplete_fields = ["post"]


class MilestoneOutcomeInline(admin.TabularInline):
    """The outcomes a milestone serves ("So that …")."""

    model = MilestoneOutcome
    extra = 0
    autocomplete_fields = ["outcome"]
    verbose_name = "outcome served"
    verbose_name_plural = "outcomes served"


@admin.register(Milestone)
class MilestoneAdmin(VersionedAdmin):
    list_display = ["__str__", "theme", "deadline_text", "deadline_kind", "revised_deadline_text"]
    list_filter = ["framework", "theme", "deadline_kind"]
    search_fields = ["code", "title", "existing_activity", "deadline_text"]
    list_select_related = ["theme"]
    autocomplete_fields = ["theme"]
    inlines = [MilestonePostInline, MilestoneOutcomeInline]


class OutcomeAdminForm(VersionedAdminForm):
    def clean(self):
        cleaned = super().clean()
        framework, theme = cleaned.get("framework"), cleaned.get("theme")
        if framework and theme and theme.framework_id != framework.pk:
            self.add_error("theme", "Choose a theme from this outcome's framework.")
        return cleaned


@admin.register(Outcome)
class OutcomeAdmin(VersionedAdmin):
    """Outcomes ("So that …") of a framework's themes. Usually made by a pledges import; kept
    here. The milestones serving one are set on the milestone's page."""

    form = OutcomeAdminForm
    list_display = ["title", "theme", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["title", "code"]
    list_select_related = ["theme", "framework"]
    autocomplete_fields = ["theme"]


@admin.register(MaturityLevel)
class MaturityLevelAdmin(VersionedAdmin):
    """A framework's maturity scale: its levels, ranked from the least mature (1)."""

    list_display = ["name", "rank", "description", "framework"]
    list_filter = ["framework"]
    search_fields = ["name"]


@admin.register(MaturityStandard)
class MaturityStandardAdmin(VersionedAdmin):
    list_display = ["name", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["name", "description"]


@admin.register(Post)
class PostAdmin(VersionedAdmin):
    list_display = ["title", "directorate"]
    search_fields = ["title", "directorate", "holders__username", "holders__last_name"]
    filter_horizontal = ["holders"]


class RoundAdminForm(VersionedAdminForm):
    def clean_label(self):
        # As `round_create` stores it: "Q4   2020-21 " is the round "Q4 2020-21".
        return " ".join(self.cleaned_data["label"].split())


@admin.register(Round)
class RoundAdmin(VersionedAdmin):
    """A draft round's name and dates are structure; opening and closing are the actions here
    (or the app's round pages), which create the returns and record who and when. An opened
    round is shown read-only."""

    form = RoundAdminForm
    list_display = ["label", "framework", "start_date", "end_date", "due_date", "state"]
    list_filter = ["framework", "state"]
    search_fields = ["label", "framework__name"]
    list_select_related = ["framework"]
    actions = ["open_rounds", "close_rounds"]

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *ROUND_WORKFLOW]
        if obj is not None:
            fields.append("framework")  # a round stays in the framework it was created for
            if not round_is_draft(obj):
                fields.extend(ROUND_STRUCTURE)
        return fields

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and round_is_draft(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and round_is_draft(obj)

    def has_manage_rounds_permission(self, request) -> bool:
        """Opening and closing rounds is the policy team's, as on the app's round pages."""
        return is_policy_team(request.user)

    @admin.action(description="Open the selected rounds", permissions=["manage_rounds"])
    def open_rounds(self, request, queryset):
        self._move_rounds(request, queryset, round_open)

    @admin.action(description="Close the selected rounds", permissions=["manage_rounds"])
    def close_rounds(self, request, queryset):
        self._move_rounds(request, queryset, round_close)

    def _move_rounds(self, request, queryset, service) -> None:
        """One round at a time, each in its own transaction: a round refused is left exactly
        as it was, and says why; the others go ahead."""
        for round in queryset.select_related("framework").order_by("framework__name", "pk"):
            name = f"{round.framework.name}: {round.label}"
            try:
                round = service(round=round, user=request.user, expected_version=None)
            except RoundConflict as exc:
                self.message_user(request, f"{name}: {exc.message}", messages.ERROR)
            except ValidationError as exc:
                problem = " ".join(exc.messages)
                self.message_user(request, f"{name} was not changed: {problem}", messages.ERROR)
            else:
                self.message_user(request, f"{name} {round_outcome(round)}", messages.SUCCESS)


RETURN_FIELDS = [
    "review_page",
    "milestone",
    "round",
    "previous",
    "state",
    "rag",
    "rag_text",
    "narrative",
    "percent_complete",
    "new_deadline_text",
    "new_deadline_date",
    "new_deadline_precision",
    "new_deadline_kind",
    "review_comment",
    "version",
    "saved_at",
    "saved_by",
    "submitted_at",
    "submitted_by",
    "reviewed_at",
    "reviewed_by",
]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(VersionedAdmin):
    """Indicator values, to look at: given by the owner post in the quarterly return and
    reviewed by the policy team in the app, or imported."""

    list_display = ["indicator", "round", "value", "state", "submitted_at", "reviewed_at"]
    list_filter = ["round__framework", "round", "state"]
    search_fields = ["indicator__name", "indicator__number", "note"]
    list_select_related = ["indicator", "round"]
    readonly_fields = fields = [
        "indicator", "round", "value", "note", "state", "saved_at", "saved_by", "submitted_at",
        "submitted_by", "reviewed_at", "reviewed_by", "review_comment",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Return)
class ReturnAdmin(VersionedAdmin):
    """Returns, to look at. They are created by opening a round, written by the officers who
    hold the milestone's posts and approved or returned by an independent member of the policy
    team, all in the app: the admin cannot add, change, restore or delete one."""

    list_display = ["milestone", "round", "rag", "state", "submitted_at", "reviewed_at"]
    list_filter = ["round__framework", "round", "state", "rag"]
    search_fields = ["milestone__title", "milestone__code", "narrative", "rag_text"]
    list_select_related = ["milestone", "round"]
    fields = RETURN_FIELDS
    readonly_fields = RETURN_FIELDS

    @admin.display(description="Review")
    def review_page(self, obj: Return) -> str:
        url = reverse("frameworks:return-review", args=[obj.pk])
        return format_html(
            '<a href="{}">Open the review page</a> to approve or return this return.', url
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
