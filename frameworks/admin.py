from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from frameworks.models import (
    Framework,
    Milestone,
    MilestonePost,
    Post,
    ProgressUpdate,
    ReportingPeriod,
    Theme,
)


class VersionedAdminForm(forms.ModelForm):
    """Optimistic concurrency for structural edits: a save based on an old copy is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin saves inside a transaction: the lock holds until this save is written.
            model = type(self.instance)
            current = (
                model.objects.select_for_update()
                .filter(pk=self.instance.pk)
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


class VersionedAdmin(SimpleHistoryAdmin):
    form = VersionedAdminForm

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0
    fields = ["order", "code", "name"]


class ReportingPeriodInline(admin.TabularInline):
    model = ReportingPeriod
    extra = 0
    fields = ["label", "start_date", "end_date", "due_date", "state"]
    show_change_link = True


@admin.register(Framework)
class FrameworkAdmin(VersionedAdmin):
    list_display = ["name", "owner", "start_date", "end_date", "officers_read_all"]
    search_fields = ["name", "description", "owner"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ThemeInline, ReportingPeriodInline]


@admin.register(Theme)
class ThemeAdmin(VersionedAdmin):
    list_display = ["name", "code", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["name", "code"]


class MilestonePostInline(admin.TabularInline):
    model = MilestonePost
    extra = 0
    autocomplete_fields = ["post"]


@admin.register(Milestone)
class MilestoneAdmin(VersionedAdmin):
    list_display = ["__str__", "theme", "deadline_text", "deadline_kind", "revised_deadline_text"]
    list_filter = ["framework", "theme", "deadline_kind"]
    search_fields = ["code", "title", "existing_activity", "deadline_text"]
    list_select_related = ["theme"]
    autocomplete_fields = ["theme"]
    inlines = [MilestonePostInline]


@admin.register(Post)
class PostAdmin(VersionedAdmin):
    list_display = ["title", "directorate"]
    search_fields = ["title", "directorate", "holders__username", "holders__last_name"]
    filter_horizontal = ["holders"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(VersionedAdmin):
    list_display = ["label", "framework", "start_date", "end_date", "due_date", "state"]
    list_filter = ["framework", "state"]
    search_fields = ["label", "framework__name"]
    readonly_fields = ["opened_at", "opened_by", "closed_at", "closed_by"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(VersionedAdmin):
    list_display = ["milestone", "period", "rag", "state", "submitted_at", "reviewed_at"]
    list_filter = ["period__framework", "period", "state", "rag"]
    search_fields = ["milestone__title", "milestone__code", "narrative", "rag_text"]
    list_select_related = ["milestone", "period"]
    raw_id_fields = ["milestone", "previous"]
    readonly_fields = [
        "version",
        "saved_at",
        "saved_by",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
    ]
