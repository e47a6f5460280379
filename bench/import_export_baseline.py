"""The import a Django team would write instead of ours, with django-import-export 4.x.

The yardstick for the import benchmark's throughput goal (ours at least 3x this). It is written
as the library's documentation shows, with its defaults: one `ModelResource` per model, related
rows looked up by name with `ForeignKeyWidget`, existing rows found by `import_id_fields`, each
row saved on its own (`use_bulk=False`), so django-simple-history's signals write each row's
history row, as they do for any `save()`.

The tracker is one sheet; import-export imports one dataset per model, so the workbook is read
with tablib (openpyxl underneath, as import-export's own XLSX format does) and flattened into a
dataset per resource: themes, posts, milestones (theme by name, the deadline as its text), the
milestones' leads, and the progress updates of both rounds. What our importer parses with more
care (statuses, leads, deadlines) is cleaned here as a team would in a first version: tags and
extra spaces dropped, the status looked up by its first words, leads split at "/" and ";" with
the posts after "with support from" or "in conjunction with" supporting.
"""

from __future__ import annotations

import datetime as dt
import re

import tablib
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.text import slugify
from import_export import fields, resources, widgets

from frameworks.importers.parsing import quarter_dates
from frameworks.models import (
    RAG,
    Framework,
    Milestone,
    MilestonePost,
    Post,
    Return,
    ReturnState,
    Round,
    RoundState,
    Theme,
)

# The tracker's nine columns, by position (their headings carry paragraphs of guidance).
COLUMNS = (
    "theme",
    "title",
    "lead",
    "deadline",
    "previous_update",
    "previous_rag",
    "new_deadline",
    "progress",
    "rag",
)
STATUSES = (
    ("complete", RAG.COMPLETED),
    ("in progress", RAG.IN_PROGRESS),
    ("on track", RAG.ONGOING),
    ("ongoing", RAG.ONGOING),
    ("overdue", RAG.OVERDUE),
    ("not started", RAG.NOT_STARTED),
    ("cancelled", RAG.CANCELLED),
)
_SUPPORT = re.compile(r"\s+(?:with support from|in conjunction with)\s+", re.IGNORECASE)
_JOINT = re.compile(r"\s*[/;]\s*")


# Cleaning --------------------------------------------------------------------------------------
def clean(value) -> str:
    """A cell as one line of text: tags and extra spaces dropped; a date as 31/03/2021."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return " ".join(strip_tags(str(value)).split())


def status(text: str) -> str:
    lowered = text.casefold()
    return next((rag for words, rag in STATUSES if lowered.startswith(words)), "")


def leads(text: str) -> list[tuple[str, str]]:
    """[(post title, role)]: the first part's posts lead, the rest support."""
    lead, *support = _SUPPORT.split(text)
    found: dict[str, str] = {}
    for part, role in [(lead, "LEAD")] + [(s, "SUPPORTING") for s in support]:
        for title in _JOINT.split(part):
            title = title.strip(" ,.")
            if title and title.casefold() not in {t.casefold() for t in found}:
                found[title] = role
    return list(found.items())


# Resources -------------------------------------------------------------------------------------
class InFramework(widgets.ForeignKeyWidget):
    """A related row looked up by a field, among the rows of the row's framework."""

    def __init__(self, model, field, scope="framework__name"):
        super().__init__(model, field)
        self.scope = scope

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(**{self.scope: row["framework"]})


def _framework() -> fields.Field:
    return fields.Field(
        attribute="framework",
        column_name="framework",
        widget=widgets.ForeignKeyWidget(Framework, "name"),
    )


class ThemeResource(resources.ModelResource):
    framework = _framework()

    class Meta:
        model = Theme
        fields = ("framework", "name", "order")
        import_id_fields = ("framework", "name")


class PostResource(resources.ModelResource):
    class Meta:
        model = Post
        fields = ("title",)
        import_id_fields = ("title",)


class MilestoneResource(resources.ModelResource):
    framework = _framework()
    theme = fields.Field(attribute="theme", column_name="theme", widget=InFramework(Theme, "name"))

    class Meta:
        model = Milestone
        fields = ("framework", "theme", "title", "deadline_text", "order", "source_reference")
        import_id_fields = ("framework", "title")


class MilestonePostResource(resources.ModelResource):
    milestone = fields.Field(
        attribute="milestone", column_name="milestone", widget=InFramework(Milestone, "title")
    )
    post = fields.Field(
        attribute="post", column_name="post", widget=widgets.ForeignKeyWidget(Post, "title")
    )

    class Meta:
        model = MilestonePost
        fields = ("milestone", "post", "role", "order")
        import_id_fields = ("milestone", "post")


class ReturnResource(resources.ModelResource):
    milestone = fields.Field(
        attribute="milestone",
        column_name="milestone",
        widget=InFramework(Milestone, "title", "framework__name"),
    )
    round = fields.Field(attribute="round", column_name="round", widget=InFramework(Round, "label"))

    class Meta:
        model = Return
        fields = (
            "milestone",
            "round",
            "narrative",
            "rag",
            "rag_text",
            "new_deadline_text",
            "state",
        )
        import_id_fields = ("milestone", "round")


# The tracker, flattened into a dataset per resource ---------------------------------------------
def datasets(
    data: bytes, *, framework: str, round: str, previous_round: str, file_name: str = ""
) -> dict[str, tablib.Dataset]:
    sheet = tablib.Dataset().load(data, format="xlsx", skip_lines=2)  # a title, a blank row
    themes = tablib.Dataset(headers=["framework", "name", "order"])
    posts = tablib.Dataset(headers=["title"])
    milestones = tablib.Dataset(
        headers=["framework", "theme", "title", "deadline_text", "order", "source_reference"]
    )
    links = tablib.Dataset(headers=["framework", "milestone", "post", "role", "order"])
    returns = tablib.Dataset(
        headers=[
            "framework",
            "milestone",
            "round",
            "narrative",
            "rag",
            "rag_text",
            "new_deadline_text",
            "state",
        ]
    )
    seen_themes: set[str] = set()
    seen_posts: set[str] = set()
    for number, cells in enumerate(sheet, start=4):
        row = dict(zip(COLUMNS, (clean(c) for c in cells), strict=False))
        if not row.get("title"):
            continue
        theme, title = row["theme"], row["title"]
        if theme not in seen_themes:
            seen_themes.add(theme)
            themes.append([framework, theme, len(seen_themes)])
        source = f"{file_name}, row {number}"[:255]
        milestones.append([framework, theme, title, row["deadline"][:255], number, source])
        for order, (post, role) in enumerate(leads(row["lead"])):
            if post.casefold() not in seen_posts:
                seen_posts.add(post.casefold())
                posts.append([post])
            links.append([framework, title, post, role, order])
        rounds = (
            (previous_round, row["previous_update"], row["previous_rag"], ""),
            (round, row["progress"], row["rag"], row["new_deadline"]),
        )
        for label, narrative, rag_text, new_deadline in rounds:
            if narrative or rag_text:
                returns.append(
                    [
                        framework,
                        title,
                        label,
                        narrative,
                        status(rag_text),
                        rag_text[:500],
                        new_deadline[:255],
                        ReturnState.APPROVED,
                    ]
                )
    return {
        "themes": themes,
        "posts": posts,
        "milestones": milestones,
        "leads": links,
        "returns": returns,
    }


RESOURCES = {
    "themes": ThemeResource,
    "posts": PostResource,
    "milestones": MilestoneResource,
    "leads": MilestonePostResource,
    "returns": ReturnResource,
}


def import_tracker(
    data: bytes, *, framework_name: str, round_label: str, previous_round_label: str
) -> dict[str, int]:
    """Import the tracker workbook `data`, all or nothing. The framework and its two rounds are
    made first, as the team's view would; then each dataset goes through its resource. Returns
    how many rows each resource imported."""
    flat = datasets(
        data, framework=framework_name, round=round_label, previous_round=previous_round_label
    )
    imported = {}
    with transaction.atomic():
        framework, _ = Framework.objects.get_or_create(
            name=framework_name, defaults={"slug": slugify(framework_name)[:200]}
        )
        for label in (previous_round_label, round_label):
            start, end = quarter_dates(label)
            Round.objects.get_or_create(
                framework=framework,
                label=label,
                defaults={
                    "start_date": start,
                    "end_date": end,
                    "due_date": end,
                    "state": RoundState.CLOSED,
                },
            )
        for name, resource in RESOURCES.items():
            result = resource().import_data(flat[name], raise_errors=True)
            imported[name] = result.total_rows
    return imported
