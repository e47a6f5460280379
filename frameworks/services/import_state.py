"""What an import holds while it runs (`ImportState`): set by `imports._Import` (the options,
then what the framework holds) and by `import_compare.Comparison` (what the file changes), and
read by both halves and `import_write.Writer`. Declared once here, so that each half names the
state it reads; with the two helpers both `_Import` and the halves call.

May import: the models, the importers and `frameworks.services.import_report`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from simple_history.utils import bulk_update_with_history

from frameworks.importers import extract as ex
from frameworks.models import (
    Audited,
    Framework,
    Milestone,
    MilestonePost,
    Outcome,
    Post,
    Return,
    Round,
    Theme,
)
from frameworks.services.import_report import ImportReport

BATCH = 1000  # rows per bulk statement


class ImportState:
    """The attributes of an import, by who sets them; none has a value until it is set."""

    # The options (`_Import.__init__`).
    plan: ex.LegacyPlan
    report: ImportReport
    lock: bool  # lock the rows read (not a dry run)
    user: Any  # the person importing (a User), or None
    file_name: str
    framework_name: str
    labels: dict[str, str]  # a round's key in the plan -> the label given for it
    history: dict[str, Any]  # the audit rows' user and change reason, for the bulk writes
    now: dt.datetime

    # What the framework holds (`_Import.run` and `_Import.load`).
    framework: Framework  # not saved yet when the import makes it
    rounds: dict[str, Round]  # by the plan's key for each round
    themes: list[Theme]
    theme_by_name: dict[str, Theme]
    theme_by_code: dict[str, Theme]
    post_by_key: dict[str, Post]
    milestones: list[Milestone]
    links: dict[int, list[MilestonePost]]  # by milestone id, in lead order
    returns: dict[tuple[int, int], Return]  # by (milestone id, round id)
    latest_approved: dict[int, dt.date]  # a milestone's latest approved round's start
    # Each milestone's updates (by its id, or the id() of a new one) as (round start, the
    # update's id or the new update).
    timeline: dict[Any, list[tuple[dt.date, Any]]]
    relink: bool  # a new update comes before an existing one, which then points at it
    # The framework's outcomes, when the file carries them (`_Import.load_outcomes`): by (theme
    # id, or the id() of a new theme; the title as `import_fields.norm` reads it).
    outcome_by_key: dict[tuple[int, str], Outcome]
    outcome_order: dict[int, int]  # the last outcome order in each theme (id as above)
    served: dict[int, set[int]]  # milestone id -> the ids of the outcomes it serves

    # What the file changes (`Comparison.compare`), for `Writer.write`.
    new_themes: list[Theme]
    changed_themes: list[Theme]
    theme_for: dict[str, Theme]  # by the theme's name in the file
    new_posts: dict[int, Post]  # by id()
    new_milestones: list[Milestone]
    changed_milestones: dict[int, set[str]]  # milestone id -> the fields changed
    new_links: list[tuple[Milestone, list[tuple[Post, str]]]]  # (milestone, [(post, role)])
    replace_links: list[int]  # the milestones whose leads are written again
    new_returns: list[Return]
    changed_returns: dict[int, tuple[Return, set[str]]]  # id -> (update, fields)
    file_round: dt.date | None  # the start of the file's latest round
    new_outcomes: list[Outcome]
    outcome_for: dict[tuple[str, str], Outcome]  # by (theme name in the file, normed title)
    new_outcome_links: list[tuple[Milestone, Outcome]]
    linking: set[tuple[int, int]]  # the new links by (id() of the milestone, id() of the outcome)

    def fail(
        self,
        message: str,
        row: int | None = None,
        column: str | None = None,
        field: str | None = None,
    ) -> None:
        self.report.errors.append(ex.Problem(self.plan.sheet, row, column, message, field))

    def _bump(self, objects: list, model, columns: set[str]) -> None:
        """Write these columns of changed rows, each a version on, with their audit rows (the
        tracker's rows here, and the indicators' and assessments' in `import_measures`)."""
        if not objects:
            return
        for obj in objects:
            obj.version += 1
            if hasattr(obj, "updated_at"):
                obj.updated_at = self.now
        bulk_update_with_history(
            objects, model, sorted(columns | {"version"}), batch_size=BATCH, **self.history
        )

    def _audited(self, obj: Audited) -> Audited:
        obj._change_reason = self.history["default_change_reason"]
        obj._history_user = self.user
        obj.save()
        return obj
