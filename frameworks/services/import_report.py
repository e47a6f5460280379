"""What an import found and did: `ImportReport` (the preview and the result are the same
report), with its counts and its summary in words. Plain data, JSON-ready (`as_dict`).

May import: the importers (for `Problem`). Imported by `frameworks.services.imports` (which
re-exports `ImportReport`) and `frameworks.services.import_batches`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from frameworks.importers import extract as ex


def _listed(pairs: list[tuple[int, str]]) -> str:
    """ "3 themes, 1 milestone and 5 updates": the counts that are not 0."""
    words = [f"{n:,} {name}{'' if n == 1 else 's'}" for n, name in pairs if n]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


@dataclass
class Counts:
    themes: int = 0
    milestones: int = 0
    posts: int = 0
    returns: int = 0
    outcomes: int = 0  # a pledge's "So that" (the pledges layout)
    outcome_links: int = 0  # a milestone serving an outcome

    @property
    def total(self) -> int:
        return (
            self.themes + self.milestones + self.posts + self.returns + self.outcomes
            + self.outcome_links
        )  # fmt: skip

    def pairs(self) -> list[tuple[int, str]]:
        return [(self.themes, "theme"), (self.milestones, "milestone"), (self.posts, "post"),
                (self.returns, "update"), (self.outcomes, "outcome"),
                (self.outcome_links, "outcome link")]  # fmt: skip


@dataclass
class ImportReport:
    file_name: str = ""
    sha256: str = ""
    framework: str = ""
    layout: str = ""
    sheet: str = ""
    header_row: int | None = None
    dry_run: bool = False
    rounds: dict[str, str] = field(default_factory=dict)
    created: Counts = field(default_factory=Counts)
    updated: Counts = field(default_factory=Counts)
    unchanged: Counts = field(default_factory=Counts)
    new_milestones: list[str] = field(default_factory=list)
    new_outcomes: list[str] = field(default_factory=list)
    missing_milestones: list[str] = field(default_factory=list)
    lead_changes: list[str] = field(default_factory=list)
    # Field by field: {milestone, code, round, field, before, after, version}.
    changes: list[dict[str, Any]] = field(default_factory=list)
    # Returns people have worked on that the file differs from: {milestone, code, round, message}.
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    # Differences left alone because the tracker holds newer information.
    kept: list[dict[str, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    stale: bool = False  # the tracker changed since the preview: this is the new preview
    warnings: list[ex.Problem] = field(default_factory=list)
    errors: list[ex.Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        """Anything to write: rows counted, or a change listed (indicators, their targets and
        values, and assessments are listed in `changes` without counts of their own)."""
        return bool(self.created.total or self.updated.total or self.changes)

    @property
    def summary(self) -> str:
        if self.errors:
            return f"Nothing was imported: {len(self.errors)} problem(s) must be fixed first."
        left = ""
        if self.conflicts or self.kept:
            pairs = [(len(self.conflicts), "conflict"), (len(self.kept), "newer value")]
            left = f" Left as they are: {_listed(pairs)}."
        if not self.changed:
            return "Nothing changed: everything in this file is already in the tracker." + left
        verb = "would" if self.dry_run else ""
        parts = [
            f"{verb} {action} {_listed(counts.pairs())}".strip()
            for action, counts in (
                ("create" if verb else "created", self.created),
                ("update" if verb else "updated", self.updated),
            )
            if counts.total
        ]
        if not parts:  # only indicators, their targets or values, or assessments
            count = len(self.changes)
            listed = f"{count} change{'' if count == 1 else 's'}"
            parts = [f"would make {listed}" if verb else f"made {listed}"]
            parts[0] += " to indicators or assessments (listed below)"
        return "; ".join(parts).capitalize() + "." + left

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = [p.as_dict() for p in self.warnings]
        data["errors"] = [p.as_dict() for p in self.errors]
        data["summary"] = self.summary
        return data

    def comparison(self) -> str:
        """What a confirmation must find again, exactly as previewed."""
        return json.dumps([self.changes, self.conflicts, self.kept, asdict(self.created)])
