from django.contrib import admin

from frameworks.models import (
    Framework,
    Milestone,
    MilestonePost,
    Post,
    ProgressUpdate,
    ReportingPeriod,
    Theme,
)


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
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "start_date", "end_date"]
    search_fields = ["name", "description", "owner"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ThemeInline, ReportingPeriodInline]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["name", "code"]


class MilestonePostInline(admin.TabularInline):
    model = MilestonePost
    extra = 0
    autocomplete_fields = ["post"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["__str__", "theme", "deadline_text", "deadline_kind", "revised_deadline_text"]
    list_filter = ["framework", "theme", "deadline_kind"]
    search_fields = ["code", "title", "existing_activity", "deadline_text"]
    list_select_related = ["theme"]
    autocomplete_fields = ["theme"]
    inlines = [MilestonePostInline]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "directorate"]
    search_fields = ["title", "directorate", "holders__username", "holders__last_name"]
    filter_horizontal = ["holders"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "framework", "start_date", "end_date", "due_date", "state"]
    list_filter = ["framework", "state"]
    search_fields = ["label", "framework__name"]
    readonly_fields = ["opened_at", "opened_by", "closed_at", "closed_by"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
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
