"""Apply a legacy spreadsheet (or a JSON export) to a framework: one transaction, or nothing.

One simple path: the file is read into a plan (`importers`), the plan is compared with the
framework as it is, and the differences are written. The same comparison is the preview (a dry
run writes nothing) and the import, which locks the rows it compares first and, when it is given
the preview the person saw, refuses to write anything if the comparison has changed since.

What an import never does:
- change a field the file does not carry (a column that is not in the file changes nothing),
  or clear a field because its cell is blank;
- overwrite newer information: a file for an earlier round than a milestone's latest approved
  update leaves that milestone's own fields as they are ("newer in the tracker, kept");
- change a return a person has worked on (saved, submitted, returned or reviewed): a difference
  there is reported as a conflict; nor write into a round that is open for returns.
Every row it writes gets `version` + 1 and an audit row under "Import of <file> (SHA-256 …)".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from frameworks.exports import lead_cell, status_text
from frameworks.importers import extract as ex
from frameworks.importers import readers
from frameworks.importers.parsing import ParsedDeadline, quarter_dates
from frameworks.models import (
    DeadlineKind,
    Framework,
    ImportBatch,
    Milestone,
    MilestonePost,
    PeriodState,
    Post,
    ProgressUpdate,
    ReportingPeriod,
    Theme,
    UpdateState,
    format_deadline,
)

PREVIEW_ROWS = 10
LISTED = 200  # names listed in new_milestones / missing_milestones
BATCH = 1000

FIELD_LABELS = {
    ex.THEME: "Theme",
    ex.CODE: "Code",
    ex.TITLE: "Title",
    ex.ACTIVITY: "Existing activity",
    ex.LEADS: "Lead",
    ex.DEADLINE: "Deadline",
    ex.REVISED: "Revised deadline",
    ex.GROUPS: "Monitoring groups",
    ex.RISK: "Risk",
    ex.SOURCE: "Source",
    ex.NARRATIVE: "Progress update",
    ex.STATUS: "RAG status",
    ex.NEW_DEADLINE: "New deadline",
    ex.PERCENT: "% complete",
}
DEADLINES = (ex.DEADLINE, ex.REVISED, ex.NEW_DEADLINE)
_OPEN = "the round is open, and its returns are written by their leads in the app"
NEWER = "Newer in the tracker, kept: a later round's approved update is there."


def _listed(pairs: list[tuple[int, str]]) -> str:
    """ "3 themes, 1 milestone and 5 updates": the counts that are not 0."""
    words = [f"{n:,} {name}{'' if n == 1 else 's'}" for n, name in pairs if n]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


@dataclass
class Counts:
    themes: int = 0
    milestones: int = 0
    posts: int = 0
    updates: int = 0

    @property
    def total(self) -> int:
        return self.themes + self.milestones + self.posts + self.updates

    def pairs(self) -> list[tuple[int, str]]:
        return [(self.themes, "theme"), (self.milestones, "milestone"), (self.posts, "post"),
                (self.updates, "update")]  # fmt: skip


@dataclass
class ImportReport:
    file_name: str = ""
    sha256: str = ""
    framework: str = ""
    layout: str = ""
    sheet: str = ""
    header_row: int | None = None
    dry_run: bool = False
    periods: dict[str, str] = field(default_factory=dict)
    created: Counts = field(default_factory=Counts)
    updated: Counts = field(default_factory=Counts)
    unchanged: Counts = field(default_factory=Counts)
    new_milestones: list[str] = field(default_factory=list)
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
        return bool(self.created.total or self.updated.total)

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


class _Rollback(Exception):
    """Leave the transaction without writing (a dry run, or a problem)."""


class _Changed(Exception):
    """The comparison is not the one the person previewed."""


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _short(title: str) -> str:
    return Truncator(title).chars(120)


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


class _When(tuple):
    """A deadline, for comparing: the same words, or the same date at the same precision
    (01/07/2019 and 01-Jul-19 are the same; 31/03/2020 and Mar-20 are not)."""

    def __eq__(self, other) -> bool:
        return isinstance(other, _When) and (
            self[0] == other[0] or (self[1] is not None and self[1:] == other[1:])
        )

    __hash__ = tuple.__hash__


def _when(text: str, date: dt.date | None, precision: str) -> _When:
    return _When((_text(text[:255]), date, precision if date else ""))  # as the column keeps it


def _stored_when(obj, prefix: str) -> _When:
    """A stored deadline (`deadline`, `revised_deadline`, `new_deadline`), for comparing."""
    fields = (getattr(obj, f"{prefix}_{part}") for part in ("text", "date", "precision"))
    return _when(*fields)


def _deadline_values(prefix: str, deadline: ParsedDeadline | None) -> dict[str, Any]:
    if deadline is None:
        kind = DeadlineKind.NOT_SET if prefix == ex.DEADLINE else ""
        return {f"{prefix}_text": "", f"{prefix}_date": None, f"{prefix}_precision": ""} | {
            f"{prefix}_kind": kind
        }
    return {
        f"{prefix}_text": deadline.text[:255],
        f"{prefix}_date": deadline.date,
        f"{prefix}_precision": deadline.precision if deadline.date else "",
        f"{prefix}_kind": deadline.kind,
    }


def _columns(names: set[str]) -> set[str]:
    """The database columns that hold these fields (leads are rows of their own)."""
    columns: set[str] = set()
    for name in names - {ex.LEADS}:
        if name in DEADLINES:
            columns |= set(_deadline_values(name, None))
        else:
            columns |= {ex.STATUS: {"rag", "rag_text"}}.get(name, {name})
    return columns


def _deadline_shown(obj, prefix: str) -> str:
    text, date = getattr(obj, f"{prefix}_text"), getattr(obj, f"{prefix}_date")
    if not text and not date:
        return ""
    return text or format_deadline(
        text=text,
        date=date,
        precision=getattr(obj, f"{prefix}_precision"),
        kind=getattr(obj, f"{prefix}_kind") or DeadlineKind.DATE,
    )


def _leads_text(leads: list[tuple[str, str]]) -> str:
    return lead_cell([{"post": title, "role": role} for title, role in leads])


def _worked_on(update: ProgressUpdate) -> str:
    """Why people own this return ("" if nobody has touched it: imported or never started)."""
    if update.state in (UpdateState.DRAFT, UpdateState.SUBMITTED, UpdateState.RETURNED):
        return f"its return is {UpdateState(update.state).label.lower()} in the app"
    if update.reviewed_by_id or update.submitted_by_id or update.saved_by_id:
        return "its return was written and reviewed in the app"
    return ""


def _differences(spec: ex.UpdateSpec, update: ProgressUpdate | None) -> list[tuple]:
    """(field, the file's value, before, after) for each carried field the file gives that
    differs from the stored update (every given field if there is none)."""
    changes = []
    status = (update.rag, update.rag_text) if update and (update.rag or update.rag_text) else None
    for name in ex.UPDATE_FIELDS:
        if name not in spec.carries:
            continue
        if name == ex.STATUS:
            new = (spec.rag, spec.rag_text)
            if not any(new):
                continue
            same = status is not None and (
                new[0] == status[0] if new[0] else _text(new[1][:500]) == _text(status[1])
            )
            before, after = status_text(*status) if status else "", status_text(*new)
        elif name == ex.NEW_DEADLINE:
            new = spec.new_deadline
            if new is None:
                continue
            stored = _stored_when(update, name) if update else ""
            same = _when(new.text, new.date, new.precision) == stored
            before, after = update.new_deadline_display if update else "", new.text
        elif name == ex.NARRATIVE:
            new = spec.narrative
            stored = update.narrative if update else ""
            same, before, after = _text(new) == _text(stored), stored, new
        else:
            new = spec.percent_complete
            stored = update.percent_complete if update else None
            same, before, after = new == stored, "" if stored is None else str(stored), str(new)
        if new in (None, "") or same:
            continue
        changes.append((name, new, before, after))
    return changes


class _Import:
    """Compares a plan with the framework and, unless it is a dry run, writes the differences."""

    def __init__(self, plan: ex.LegacyPlan, report: ImportReport, *, options: dict, dry_run: bool):
        self.plan, self.report, self.lock = plan, report, not dry_run
        self.user = options["user"]
        self.file_name = options["file_name"]
        self.framework_name = " ".join(options["framework_name"].split())
        self.labels = {ex.CURRENT: options["period_label"], ex.PREVIOUS: options["previous_label"]}
        self.history = {
            "default_user": self.user,
            "default_change_reason": f"Import of {self.file_name} (SHA-256 {report.sha256[:12]})",
        }
        self.now = timezone.now()

    def fail(self, message: str, row=None, column=None, field=None) -> None:
        self.report.errors.append(ex.Problem(self.plan.sheet, row, column, message, field))

    def _locked(self, queryset):
        return queryset.select_for_update(of=("self",)) if self.lock else queryset

    def _audited(self, obj):
        obj._change_reason = self.history["default_change_reason"]
        obj._history_user = self.user
        obj.save()
        return obj

    # Reading what is there ------------------------------------------------------------------
    def run(self, expected: str | None) -> Framework | None:
        """Compare (on rows locked until the transaction ends), then write unless it is a dry
        run, there is a problem, or the comparison is not the `expected` one."""
        framework = self._locked(Framework.objects.filter(name__iexact=self.framework_name))
        self.framework = framework.first() or Framework(name=self.framework_name)
        self.rounds = self.resolve_rounds()
        if self.report.errors:
            return None
        self.load()
        self.compare()
        if self.report.errors or not self.lock:
            return self.framework
        if expected is not None and self.report.comparison() != expected:
            raise _Changed
        self.write()
        return self.framework

    def resolve_rounds(self) -> dict[str, ReportingPeriod]:
        """The rounds the file's updates are for, by the key the plan uses (found or new)."""
        existing = {}
        if self.framework.pk:
            existing = {
                p.label.casefold(): p
                for p in self._locked(ReportingPeriod.objects.filter(framework=self.framework))
            }
        described = {p.label.casefold(): p for p in self.plan.periods}
        # A JSON export lists the plan's rounds: each is made, with or without updates.
        needed = {u.round for m in self.plan.milestones for u in m.updates} | {
            p.label for p in self.plan.periods
        }
        rounds: dict[str, ReportingPeriod] = {}
        for key in sorted(needed, key=lambda k: (k != ex.PREVIOUS, k != ex.CURRENT, k)):
            # A spreadsheet's rounds are named by the person; a JSON export names its own.
            label = " ".join(self.labels.get(key, key).split())
            if not label:
                which, option = (
                    ("current", "period") if key == ex.CURRENT else ("previous", "previous_period")
                )
                self.fail(
                    f"This file holds updates for the {which} round: give its label, for "
                    "example Q2 2020-21.",
                    field=option,
                )
                continue
            option = "previous_period" if key == ex.PREVIOUS else "period"
            period = existing.get(label.casefold())
            if period is None:
                spec = described.get(label.casefold())
                dates = (spec.start_date, spec.end_date) if spec else quarter_dates(label)
                if dates is None:
                    self.fail(
                        f"There is no round “{label}” in {self.framework_name}, and the label is "
                        "not a financial-year quarter like Q2 2020-21. Create the round first, "
                        "or use a quarter label.",
                        field=option,
                    )
                    continue
                period = ReportingPeriod(
                    label=label,
                    start_date=dates[0],
                    end_date=dates[1],
                    due_date=spec.due_date if spec else dates[1],
                    # Never open: opening a round for returns is done in the app.
                    state=PeriodState.CLOSED if spec is None or spec.closed else PeriodState.DRAFT,
                )
                existing[label.casefold()] = period
            rounds[key] = period
            self.report.periods[key] = period.label
        found = rounds
        if (
            ex.PREVIOUS in found
            and ex.CURRENT in found
            and found[ex.PREVIOUS].start_date >= found[ex.CURRENT].start_date
        ):
            self.fail(
                f"The previous round ({found[ex.PREVIOUS].label}) must start before the current "
                f"round ({found[ex.CURRENT].label}).",
                field="previous_period",
            )
        return rounds

    def load(self) -> None:
        """What the comparison needs, a fixed number of queries whatever the file's size."""
        framework = self.framework
        known = framework.pk is not None
        self.themes = list(framework.themes.all()) if known else []
        self.theme_by_name = {_norm(t.name): t for t in self.themes}
        self.theme_by_code = {t.code: t for t in self.themes if t.code}
        self.post_by_key: dict[str, Post] = {}
        for post in Post.objects.all():
            for name in (post.title, *post.former_titles):
                self.post_by_key.setdefault(name.casefold(), post)
        self.milestones: list[Milestone] = []
        self.links: dict[int, list[MilestonePost]] = defaultdict(list)
        self.updates: dict[tuple[int, int], ProgressUpdate] = {}
        self.latest_approved: dict[int, dt.date] = {}
        # Each milestone's updates as (round start, id or new update), to link new ones.
        self.timeline: dict[Any, list[tuple[dt.date, Any]]] = defaultdict(list)
        self.relink = False
        if not known:
            return
        # Returns are locked before milestones, in the order approving a return locks them.
        round_ids = [p.pk for p in self.rounds.values() if p.pk]
        updates = ProgressUpdate.objects.filter(
            milestone__framework=framework, period_id__in=round_ids
        )
        for update in self._locked(updates):
            self.updates[(update.milestone_id, update.period_id)] = update
        self.milestones = list(self._locked(Milestone.objects.filter(framework=framework)))
        links = MilestonePost.objects.filter(milestone__framework=framework).select_related("post")
        for link in links.order_by("milestone_id", "order", "pk"):
            self.links[link.milestone_id].append(link)
        every = ProgressUpdate.objects.filter(milestone__framework=framework).values_list(
            "milestone_id", "period__start_date", "pk", "state"
        )
        for milestone_id, start, pk, state in every:
            self.timeline[milestone_id].append((start, pk))
            if state == UpdateState.APPROVED:
                latest = self.latest_approved.get(milestone_id, start)
                self.latest_approved[milestone_id] = max(latest, start)

    # Comparing ------------------------------------------------------------------------------
    def compare(self) -> None:
        report = self.report
        self.new_themes: list[Theme] = []
        self.changed_themes: list[Theme] = []
        self.theme_for: dict[str, Theme] = {}
        for spec in self.plan.themes:
            self.theme_for[spec.name] = self.match_theme(spec)
        self.new_posts: dict[int, Post] = {}
        self.new_milestones: list[Milestone] = []
        self.changed_milestones: dict[int, set[str]] = {}
        self.new_links: list[tuple[Milestone, list[tuple[Post, str]]]] = []
        self.replace_links: list[int] = []
        self.new_updates: list[ProgressUpdate] = []
        self.changed_updates: dict[int, tuple[ProgressUpdate, set[str]]] = {}
        starts = [p.start_date for p in self.rounds.values()]
        self.file_round = max(starts, default=None)
        by_code = {m.code: m for m in self.milestones if m.code}
        by_title: dict[tuple[int, str], list[Milestone]] = defaultdict(list)
        for m in sorted(self.milestones, key=lambda m: (m.order, m.pk)):
            by_title[(m.theme_id, _norm(m.title))].append(m)
        order = defaultdict(int)
        for m in self.milestones:
            order[m.theme_id] = max(order[m.theme_id], m.order)
        seen: set[int] = set()
        for spec in self.plan.milestones:
            theme = self.theme_for[spec.theme]
            milestone = by_code.get(spec.code) if spec.code else None
            if milestone is not None and milestone.pk in seen:
                self.fail(f"Code {spec.code} appears twice in the file.", spec.row, "Code")
                continue
            if milestone is None and theme.pk:
                candidates = by_title.get((theme.pk, _norm(spec.title)), [])
                milestone = next((m for m in candidates if m.pk not in seen), None)
            if milestone is None:
                key = theme.pk or id(theme)
                order[key] += 1
                milestone = self.create_milestone(spec, theme, order[key])
            else:
                seen.add(milestone.pk)
                self.compare_milestone(spec, milestone, theme)
            self.compare_updates(spec, milestone)
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(self.preview_row(spec, milestone))
        report.missing_milestones = [_short(m.title) for m in self.milestones if m.pk not in seen][
            :LISTED
        ]
        # Only the new posts that a written lead needs are made.
        self.new_posts = {id(p): p for _, leads in self.new_links for p, _ in leads if not p.pk}
        report.created.posts = len(self.new_posts)
        report.unchanged.posts = len(
            {t.casefold() for m in self.plan.milestones for t, _ in m.leads}
        ) - len(self.new_posts)

    def match_theme(self, spec: ex.ThemeSpec) -> Theme:
        coded = self.theme_by_code.get(spec.code) if spec.code else None
        theme = coded or self.theme_by_name.get(_norm(spec.name))
        if theme is None:
            theme = Theme(name=spec.name, code=spec.code)
            self.new_themes.append(theme)
            self.theme_by_name[_norm(spec.name)] = theme
            if spec.code:
                self.theme_by_code[spec.code] = theme
            self.report.created.themes += 1
        elif (coded is not None and theme.name != spec.name) or (spec.code and not theme.code):
            before = theme.name
            theme.name, theme.code = spec.name, theme.code or spec.code
            if theme not in self.changed_themes:
                self.changed_themes.append(theme)
                self.report.updated.themes += 1
                self.change(None, "", ex.THEME, before, theme.name, theme.version)
        else:
            self.report.unchanged.themes += 1
        return theme

    def post(self, title: str) -> Post:
        key = title.casefold()
        post = self.post_by_key.get(key)
        if post is None:
            post = self.post_by_key[key] = Post(title=title)
        return post

    def file_values(self, spec: ex.MilestoneSpec, theme: Theme) -> dict[str, Any]:
        """The milestone fields this file carries, as the file gives them (blank = not given)."""
        latest_new = next(
            (
                u.new_deadline
                for u in reversed(spec.updates)
                if u.new_deadline and ex.NEW_DEADLINE in u.carries
            ),
            None,
        )
        values = {
            ex.THEME: theme,
            ex.CODE: spec.code[:40],
            ex.TITLE: spec.title,
            ex.ACTIVITY: spec.existing_activity,
            ex.LEADS: [(self.post(t), r) for t, r in spec.leads],
            ex.DEADLINE: spec.deadline if spec.deadline.text or spec.deadline.date else None,
            ex.REVISED: spec.revised_deadline or latest_new,
            ex.GROUPS: spec.monitoring_groups,
            ex.RISK: spec.risk,
            ex.SOURCE: spec.source_reference[:255],
        }
        carried = self.plan.carries | ({ex.REVISED} if latest_new else set())
        return {k: v for k, v in values.items() if k in carried and v}

    def create_milestone(self, spec: ex.MilestoneSpec, theme: Theme, order: int) -> Milestone:
        values = self.file_values(spec, theme)
        milestone = Milestone(
            framework=self.framework,
            theme=theme,
            code=values.get(ex.CODE, ""),
            title=spec.title,
            existing_activity=values.get(ex.ACTIVITY, ""),
            order=order,
            source_reference=values.get(ex.SOURCE)
            or f"{self.file_name}, sheet {self.plan.sheet}, row {spec.row}"[:255],
            monitoring_groups=values.get(ex.GROUPS, []),
            risk=values.get(ex.RISK, ""),
            **_deadline_values(ex.DEADLINE, values.get(ex.DEADLINE)),
            **_deadline_values(ex.REVISED, values.get(ex.REVISED)),
        )
        self.new_milestones.append(milestone)
        if values.get(ex.LEADS):
            self.new_links.append((milestone, values[ex.LEADS]))
        self.report.created.milestones += 1
        if len(self.report.new_milestones) < LISTED:
            self.report.new_milestones.append(_short(spec.title))
        return milestone

    def stored(self, milestone: Milestone, name: str) -> Any:
        if name == ex.THEME:
            return milestone.theme_id
        if name == ex.LEADS:
            links = sorted(self.links[milestone.pk], key=lambda k: k.role != "LEAD")
            return [(link.post_id, link.role) for link in links]
        if name in DEADLINES:
            return _stored_when(milestone, name)
        if name == ex.GROUPS:
            return milestone.monitoring_groups
        return _text(getattr(milestone, name))

    def comparable(self, name: str, value: Any) -> Any:
        if name == ex.THEME:
            return value.pk
        if name == ex.LEADS:
            ordered = sorted(value, key=lambda pair: pair[1] != "LEAD")
            return [(post.pk, role) for post, role in ordered]
        if name in DEADLINES:
            return _when(value.text, value.date, value.precision)
        if name == ex.GROUPS:
            return value
        return _text(value)

    def shown(self, milestone: Milestone, name: str, value: Any = None) -> str:
        """A field's value as a person reads it: stored (value None) or from the file."""
        if value is None:
            if name == ex.THEME:
                return next((t.name for t in self.themes if t.pk == milestone.theme_id), "")
            if name == ex.LEADS:
                return _leads_text([(k.post.title, k.role) for k in self.links[milestone.pk]])
            if name in DEADLINES:
                return _deadline_shown(milestone, name)
            value = getattr(milestone, name)
        elif name == ex.THEME:
            return value.name
        elif name == ex.LEADS:
            return _leads_text([(p.title, r) for p, r in value])
        elif name in DEADLINES:
            return value.text
        return "; ".join(value) if isinstance(value, list) else str(value)

    def compare_milestone(self, spec: ex.MilestoneSpec, milestone: Milestone, theme: Theme):
        changed: set[str] = set()
        newer = (
            self.file_round is not None
            and self.latest_approved.get(milestone.pk, dt.date.min) > self.file_round
        )
        for name, value in self.file_values(spec, theme).items():
            if self.comparable(name, value) == self.stored(milestone, name):
                continue
            before, after = self.shown(milestone, name), self.shown(milestone, name, value)
            if newer:
                self.report.kept.append(
                    self.item(milestone, "", name, before=before, after=after, message=NEWER)
                )
                continue
            changed.add(name)
            self.change(milestone, "", name, before, after, milestone.version)
            if name == ex.LEADS:
                self.replace_links.append(milestone.pk)
                self.new_links.append((milestone, value))
                self.report.lead_changes.append(f"{spec.title[:80]}: {before or 'none'} → {after}")
            elif name == ex.THEME:
                milestone.theme = value
            elif name in DEADLINES:
                for key, new in _deadline_values(name, value).items():
                    setattr(milestone, key, new)
            else:
                setattr(milestone, name, value)
        if changed:
            self.changed_milestones[milestone.pk] = changed
            self.report.updated.milestones += 1
        else:
            self.report.unchanged.milestones += 1

    def compare_updates(self, spec: ex.MilestoneSpec, milestone: Milestone) -> None:
        for update_spec in spec.updates:
            period = self.rounds.get(update_spec.round)
            if period is None:
                continue
            update = self.updates.get((milestone.pk, period.pk)) if milestone.pk else None
            is_open = period.state == PeriodState.OPEN
            if update is None and not is_open:
                self.create_update(update_spec, milestone, period)
                continue
            changes = _differences(update_spec, update)
            if not changes:
                self.report.unchanged.updates += 1
                continue
            owner = _OPEN if is_open else _worked_on(update)
            if owner:
                fields = ", ".join(FIELD_LABELS[name].lower() for name, *_ in changes)
                self.report.conflicts.append(
                    self.item(
                        milestone,
                        period.label,
                        None,
                        message=f"Not changed: {owner}. The file differs in {fields}.",
                    )
                )
                continue
            for name, new, before, after in changes:
                self.change(milestone, period.label, name, before, after, update.version)
                if name == ex.STATUS:
                    update.rag, update.rag_text = new[0], new[1][:500]
                elif name == ex.NEW_DEADLINE:
                    for key, value in _deadline_values(name, new).items():
                        setattr(update, key, value)
                else:
                    setattr(update, name, new)
            update.state = (
                UpdateState.APPROVED
            )  # (a return nobody started: the file's is the record)
            self.changed_updates[update.pk] = (update, {name for name, *_ in changes})
            self.report.updated.updates += 1

    def create_update(self, spec: ex.UpdateSpec, milestone: Milestone, period: ReportingPeriod):
        stamp = min(dt.datetime.combine(period.due_date, dt.time(12), tzinfo=dt.UTC), self.now)
        carried = spec.carries
        update = ProgressUpdate(
            milestone=milestone,
            period=period,
            narrative=spec.narrative if ex.NARRATIVE in carried else "",
            rag=spec.rag,
            rag_text=spec.rag_text[:500],
            percent_complete=spec.percent_complete if ex.PERCENT in carried else None,
            state=UpdateState.APPROVED,
            submitted_at=stamp,
            reviewed_at=stamp,
            **_deadline_values(
                ex.NEW_DEADLINE, spec.new_deadline if ex.NEW_DEADLINE in carried else None
            ),
        )
        timeline = self.timeline[milestone.pk or id(milestone)]
        earlier = [(start, u) for start, u in timeline if start < period.start_date]
        if earlier:
            previous = max(earlier, key=lambda pair: pair[0])[1]
            if isinstance(previous, int):
                update.previous_id = previous
            else:
                update.previous = previous
        self.relink = self.relink or len(earlier) < len(timeline)  # a later one exists
        timeline.append((period.start_date, update))
        self.new_updates.append(update)
        self.report.created.updates += 1
        if milestone.pk:
            summary = status_text(update.rag, update.rag_text)
            after = f"{summary}: {update.narrative}" if summary else update.narrative
            self.change(milestone, period.label, None, "", after[:300], None)

    def item(self, milestone, round_label, name, **extra) -> dict[str, Any]:
        is_theme = milestone is None
        return {
            "milestone": "" if is_theme else _short(milestone.title),
            "code": "" if is_theme else milestone.code,
            "round": round_label,
            "field": FIELD_LABELS.get(name, "New update"),
            **extra,
        }

    def change(self, milestone, round_label, name, before, after, version) -> None:
        self.report.changes.append(
            self.item(milestone, round_label, name, before=before, after=after, version=version)
        )

    def preview_row(self, spec: ex.MilestoneSpec, milestone: Milestone) -> dict[str, Any]:
        return {
            "row": spec.row,
            "theme": spec.theme,
            "code": spec.code,
            "title": spec.title,
            "leads": [f"{t} ({r.lower()})" for t, r in spec.leads],
            "deadline": milestone.deadline_display,
            "updates": [
                {
                    "round": self.report.periods.get(u.round, u.round),
                    "rag": u.rag,
                    "rag_text": u.rag_text,
                    "narrative": u.narrative[:300],
                    "percent_complete": u.percent_complete,
                }
                for u in spec.updates
            ],
        }

    # Writing --------------------------------------------------------------------------------
    def write(self) -> None:
        history = self.history
        framework = self.framework
        if framework.pk is None:
            framework.slug = _free_slug(framework.name)
            framework.description = self.plan.about.get("description", "")
            framework.owner = self.plan.about.get("owner", "")[:200]
            self._audited(framework)
        for period in self.rounds.values():
            if period.pk is None:
                period.framework = framework
                self._audited(period)
        start = (max((t.order for t in self.themes), default=0)) + 1
        for number, theme in enumerate(self.new_themes):
            theme.framework, theme.order = framework, start + number
        bulk_create_with_history(self.new_themes, Theme, batch_size=BATCH, **history)
        self._bump(self.changed_themes, Theme, {"name", "code"})
        bulk_create_with_history(list(self.new_posts.values()), Post, batch_size=BATCH, **history)
        bulk_create_with_history(self.new_milestones, Milestone, batch_size=BATCH, **history)
        changed = [m for m in self.milestones if m.pk in self.changed_milestones]
        columns = _columns(set().union(*self.changed_milestones.values()))
        self._bump(changed, Milestone, columns | {"updated_at"})
        if self.replace_links:
            MilestonePost.objects.filter(milestone_id__in=self.replace_links).delete()
        links = []
        for milestone, leads in self.new_links:
            done: set[int] = set()
            for order, (post, role) in enumerate(leads):
                if post.pk not in done:
                    done.add(post.pk)
                    links.append(
                        MilestonePost(milestone=milestone, post=post, role=role, order=order)
                    )
        bulk_create_with_history(links, MilestonePost, batch_size=BATCH, **history)
        by_round = defaultdict(list)  # earlier rounds first: later updates point at them
        for update in self.new_updates:
            by_round[update.period.start_date].append(update)
        for start in sorted(by_round):
            bulk_create_with_history(by_round[start], ProgressUpdate, batch_size=BATCH, **history)
        updates = [u for u, _ in self.changed_updates.values()]
        columns = _columns(set().union(*(names for _, names in self.changed_updates.values())))
        self._bump(updates, ProgressUpdate, columns | {"state", "updated_at"})
        if self.relink:  # an update was added before a later one, which now points at it
            self.link_previous()

    def _bump(self, objects: list, model, columns: set[str]) -> None:
        """Write these columns of changed rows, each a version on, with their audit rows."""
        if not objects:
            return
        for obj in objects:
            obj.version += 1
            if hasattr(obj, "updated_at"):
                obj.updated_at = self.now
        bulk_update_with_history(
            objects, model, sorted(columns | {"version"}), batch_size=BATCH, **self.history
        )

    def link_previous(self) -> None:
        """Each update points at the same milestone's update in the round before."""
        rows = (
            ProgressUpdate.objects.filter(milestone__framework=self.framework)
            .order_by("milestone_id", "period__start_date")
            .values_list("pk", "milestone_id", "previous_id")
        )
        wanted: dict[int, int | None] = {}
        last: tuple[int, int] | None = None
        for pk, milestone_id, previous_id in rows:
            expected = last[0] if last and last[1] == milestone_id else None
            if previous_id != expected:
                wanted[pk] = expected
            last = (pk, milestone_id)
        changes = list(ProgressUpdate.objects.filter(pk__in=wanted))
        for update in changes:
            update.previous_id = wanted[update.pk]
        bulk_update_with_history(
            changes, ProgressUpdate, ["previous"], batch_size=BATCH, **self.history
        )


def _free_slug(name: str) -> str:
    base = slugify(name)[:180] or "framework"
    taken = set(Framework.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def read_plan(
    data: bytes, *, file_name: str, layout: str, sheet: str | None, limits: readers.Limits
) -> tuple[ex.LegacyPlan, str]:
    """The file as a plan, and its SHA-256. Raises `readers.ImportFileError` when the file
    cannot be read at all."""
    if layout == ex.JSON and not ex.looks_like_json(data):
        plan = ex.LegacyPlan(layout=ex.JSON)
        plan.error(None, None, "This file is not a JSON export of a framework.", "layout")
        return plan, hashlib.sha256(data).hexdigest()
    if ex.looks_like_json(data) and layout in ("auto", ex.JSON):
        if len(data) > limits.max_bytes:
            readers.open_source(data, filename=file_name, limits=limits)  # the size refusal
        return ex.extract_json(data), hashlib.sha256(data).hexdigest()
    source = readers.open_source(data, filename=file_name, limits=limits)
    return ex.extract_plan(source, layout=layout, sheet=sheet), source.sha256


def legacy_import(
    *,
    data: bytes,
    file_name: str,
    framework_name: str,
    layout: str = "auto",
    period_label: str = "",
    previous_period_label: str = "",
    sheet: str | None = None,
    dry_run: bool = False,
    user=None,
    batch: ImportBatch | None = None,
    limits: readers.Limits | None = None,
    expected: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a legacy file (or a JSON export). Raises `readers.ImportFileError` when the file
    cannot be read at all; every other problem is in the report's errors, and then nothing is
    written. `expected` is the preview's `comparison()`: if the comparison differs now, nothing
    is written and the report is the new preview (`stale`). `progress` hears each stage."""
    say = progress or (lambda stage: None)
    say("Reading the file")
    plan, sha256 = read_plan(
        data, file_name=file_name, layout=layout, sheet=sheet, limits=limits or readers.Limits()
    )
    report = ImportReport(file_name=file_name, sha256=sha256, dry_run=dry_run)
    report.framework = " ".join(framework_name.split())
    report.layout, report.sheet, report.header_row = plan.layout, plan.sheet, plan.header_row
    report.warnings = list(plan.warnings)
    if not report.framework:
        report.errors.append(ex.Problem("", None, None, "Enter the framework's name.", "framework"))
    report.errors += plan.errors
    if report.errors:
        return report
    options = {
        "user": user,
        "file_name": file_name,
        "framework_name": framework_name,
        "period_label": period_label,
        "previous_label": previous_period_label,
    }
    # (`progress` is never called inside the transaction: what it saves would not be seen.)
    then = "" if dry_run else " and writing the changes"
    say(f"Comparing {len(plan.milestones):,} milestones with the tracker{then}")
    if dry_run:  # reads only: no transaction, so nobody waits for a preview
        _Import(plan, report, options=options, dry_run=True).run(None)
        return report
    try:
        with transaction.atomic():
            framework = _Import(plan, report, options=options, dry_run=False).run(expected)
            if report.errors:
                raise _Rollback
            _record_batch(
                batch=batch,
                report=report,
                framework=framework,
                user=user,
                data=data,
                layout=layout,
                sheet=sheet,
                labels=(period_label, previous_period_label),
            )
    except _Rollback:
        pass
    except _Changed:
        report.dry_run = report.stale = True
    except DatabaseError as exc:
        report.errors.append(
            ex.Problem(plan.sheet, None, None, f"The database refused the import: {exc}")
        )
    return report


def _record_batch(*, batch, report, framework, user, data, layout, sheet, labels) -> ImportBatch:
    batch = batch or ImportBatch(
        file_name=report.file_name[:255],
        sha256=report.sha256,
        size=len(data),
        framework_name=report.framework,
        requested_layout=layout,
        sheet_name=sheet or "",
        period_label=labels[0],
        previous_period_label=labels[1],
        uploaded_by=user,
    )
    batch.framework = framework
    batch.layout = report.layout
    batch.state = ImportBatch.State.APPLIED
    batch.report = report.as_dict()
    batch.content = b""
    batch.applied_by = user
    batch.applied_at = timezone.now()
    batch.save()
    return batch
