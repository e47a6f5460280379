"""Apply a legacy spreadsheet to the database: everything in one transaction, or nothing.

`legacy_import` reads the file (`importers.readers`) and turns it into a plan
(`importers.extract`) a chunk of milestones at a time; as each chunk arrives it creates or
updates themes, posts, milestones, rounds and updates, matching what is already there, so that
importing the same file twice changes nothing and importing the next round's tracker adds that
round's updates. A large sheet is read by a second process meanwhile. A problem anywhere in the
file stops the writing, the rest is still read so that every problem is reported, and everything
is rolled back. A dry run does all of it and rolls back, so the preview's counts are exactly
what confirming will do.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_update_with_history

from frameworks.importers import readers
from frameworks.importers.extract import (
    CURRENT,
    PREVIOUS,
    LegacyPlan,
    MilestoneSpec,
    Problem,
    UpdateSpec,
    extract_steps,
)
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
)
from frameworks.services.bulk import instance_factory, rows_create_with_history

PREVIEW_ROWS = 10
BATCH = 500


@dataclass
class Counts:
    themes: int = 0
    milestones: int = 0
    posts: int = 0
    updates: int = 0

    @property
    def total(self) -> int:
        return self.themes + self.milestones + self.posts + self.updates


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
    preview: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

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
        if not self.changed:
            return "Nothing changed: everything in this file is already in the tracker."
        verb = "would create" if self.dry_run else "created"
        verb_updated = "would update" if self.dry_run else "updated"
        c, u = self.created, self.updated
        return (
            f"{verb.capitalize()} {c.themes} themes, {c.milestones} milestones, {c.posts} posts "
            f"and {c.updates} updates; {verb_updated} {u.milestones} milestones and "
            f"{u.updates} updates."
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = [p.as_dict() for p in self.warnings]
        data["errors"] = [p.as_dict() for p in self.errors]
        data["summary"] = self.summary
        return data


class _Rollback(Exception):
    pass


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _deadline_values(prefix: str, deadline: ParsedDeadline | None) -> dict[str, Any]:
    if deadline is None:
        return {
            f"{prefix}_text": "",
            f"{prefix}_date": None,
            f"{prefix}_precision": "",
            f"{prefix}_kind": "" if prefix != "deadline" else DeadlineKind.NOT_SET,
        }
    return {
        f"{prefix}_text": deadline.text[:255],
        f"{prefix}_date": deadline.date,
        f"{prefix}_precision": deadline.precision if deadline.date else "",
        f"{prefix}_kind": deadline.kind,
    }


class _Importer:
    """Applies a plan to the database a chunk of milestones at a time, while the rest of the
    file is still being read (`extract_steps`). What it matches against (the framework's
    themes, milestones and updates, every post) is read once, before the first chunk."""

    def __init__(
        self,
        plan: LegacyPlan,
        report: ImportReport,
        *,
        framework_name: str,
        labels: dict[str, str],
        file_name: str,
        user=None,
        sha256: str = "",
    ) -> None:
        self.user = user
        # Every row an import writes is in the audit trail under this reason.
        self.history = {
            "default_user": user,
            "default_change_reason": f"Import of {file_name} (SHA-256 {sha256[:12]})",
        }
        self.plan = plan
        self.report = report
        self.framework_name = " ".join(framework_name.split())
        self.labels = labels
        self.file_name = file_name
        # Rounds found so far, with what each needs: its updates already stored and, for each
        # milestone, the latest update before it as (round start, update id).
        self.rounds: dict[str, ReportingPeriod] = {}
        self.stored_updates: dict[tuple[int, int], ProgressUpdate] = {}
        self.before: dict[str, dict[int, tuple[dt.date, int]]] = {}
        self.created_updates = False
        # Constructors of new rows, made once for the whole import (`services.bulk`).
        self.new_milestone = instance_factory(Milestone)
        self.new_link = instance_factory(MilestonePost)
        self.new_update = instance_factory(ProgressUpdate)

    def create(self, model, objects: list) -> list:
        """New rows and their "created" audit rows, in a few statements (`services.bulk`)."""
        return rows_create_with_history(
            objects=objects,
            model=model,
            user=self.user,
            reason=self.history["default_change_reason"],
        )

    def fail(self, message: str, row: int | None = None, column: str | None = None) -> None:
        self.report.errors.append(Problem(self.plan.sheet, row, column, message))

    # Framework, rounds, themes, posts ---------------------------------------------------------
    def framework(self) -> Framework:
        existing = Framework.objects.filter(name__iexact=self.framework_name).first()
        if existing:
            return existing
        base = slugify(self.framework_name)[:180] or "framework"
        slug, n = base, 1
        while Framework.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return Framework.objects.create(name=self.framework_name, slug=slug)

    def periods(self, framework: Framework, specs: list[MilestoneSpec]) -> None:
        """Find (or create) the rounds these milestones have updates for, once each."""
        needed = {u.round for m in specs for u in m.updates} - self.rounds.keys()
        for key in (PREVIOUS, CURRENT):
            if key not in needed:
                continue
            label = " ".join(self.labels.get(key, "").split())
            if not label:
                option = "--period" if key == CURRENT else "--previous-period"
                which = "current" if key == CURRENT else "previous"
                self.fail(
                    f"This file holds updates for the {which} round: give its label ({option}, "
                    "for example Q2 2020-21)."
                )
                continue
            period = ReportingPeriod.objects.filter(
                framework=framework, label__iexact=label
            ).first()
            if period is None:
                dates = quarter_dates(label)
                if dates is None:
                    self.fail(
                        f"There is no round “{label}” in {framework.name}, and the label is not "
                        "a financial-year quarter like Q2 2020-21. Create the round first, or "
                        "use a quarter label."
                    )
                    continue
                period = ReportingPeriod.objects.create(
                    framework=framework,
                    label=label,
                    start_date=dates[0],
                    end_date=dates[1],
                    due_date=dates[1],
                    state=PeriodState.CLOSED,
                )
            elif (
                period.state == PeriodState.OPEN
                and period.updates.exclude(state=UpdateState.NOT_STARTED).exists()
            ):
                self.fail(
                    f"The round {period.label} is open and officers have started their returns; "
                    "close it before importing updates into it."
                )
                continue
            self.rounds[key] = period
            self.report.periods[key] = period.label
            self.stored_updates.update(
                ((u.milestone_id, u.period_id), u)
                for u in ProgressUpdate.objects.filter(
                    period=period, milestone__framework=framework
                )
            )
            self.before[key] = self.latest_before(framework, period)
        found = self.rounds
        if needed and len(found) == 2 and found[PREVIOUS].start_date >= found[CURRENT].start_date:
            self.fail(
                f"The previous round ({found[PREVIOUS].label}) must start before the current "
                f"round ({found[CURRENT].label})."
            )

    def start_themes(self, framework: Framework) -> None:
        self.theme_by_name = {_norm(t.name): t for t in framework.themes.all()}
        self.theme_by_code = {t.code: t for t in self.theme_by_name.values() if t.code}
        self.theme_order = (framework.themes.aggregate(m=Max("order"))["m"] or 0) + 1
        self.themes_done = 0
        self.theme_for: dict[str, Theme] = {}

    def themes(self, framework: Framework) -> None:
        """The plan's new themes, by name as written in the file. A theme matches by code, else
        by its name with case and punctuation ignored (so "Housing!" and "Housing?" are one
        theme)."""
        existing, by_code = self.theme_by_name, self.theme_by_code
        for spec in self.plan.themes[self.themes_done :]:
            coded = by_code.get(spec.code) if spec.code else None
            theme = coded or existing.get(_norm(spec.name))
            if theme is None:
                theme = Theme(
                    framework=framework, name=spec.name, code=spec.code, order=self.theme_order
                )
                theme._change_reason = self.history["default_change_reason"]
                theme._history_user = self.user
                theme.save()
                self.theme_order += 1
                self.report.created.themes += 1
            elif coded is not None and theme.name != spec.name:
                theme.name = spec.name  # renamed in the file: the code says it is the same
                theme.save(update_fields=["name"])
                self.report.updated.themes += 1
            elif spec.code and not theme.code:
                theme.code = spec.code
                theme.save(update_fields=["code"])
                self.report.updated.themes += 1
            else:
                self.report.unchanged.themes += 1
            existing.setdefault(_norm(spec.name), theme)
            if theme.code:
                by_code.setdefault(theme.code, theme)
            self.theme_for[spec.name] = theme
        self.themes_done = len(self.plan.themes)

    def start_posts(self) -> None:
        self.post_by_key: dict[str, Post] = {}
        for post in Post.objects.all():
            for name in (post.title, *post.former_titles):
                self.post_by_key.setdefault(name.casefold(), post)
        self.post_for: dict[str, Post] = {}
        self.post_keys_seen: set[str] = set()

    def posts(self, specs: list[MilestoneSpec]) -> None:
        """Posts by the title written in the file (any case): existing posts are reused by title
        or former title, case-insensitively; the rest are created once."""
        titles = {title for m in specs for title, _ in m.leads} - self.post_for.keys()
        spellings: dict[str, str] = {}
        for title in sorted(titles):
            key = title.casefold()
            if key not in self.post_keys_seen:
                spellings.setdefault(key, title)
        self.post_keys_seen.update(spellings)
        by_key = self.post_by_key
        missing = [t for key, t in spellings.items() if key not in by_key]
        for post in self.create(Post, [Post(title=t) for t in missing]):
            by_key[post.title.casefold()] = post
        self.report.created.posts += len(missing)
        self.report.unchanged.posts += len(spellings) - len(missing)
        self.post_for.update((title, by_key[title.casefold()]) for title in titles)

    # Milestones -----------------------------------------------------------------------------
    def milestone_values(self, spec: MilestoneSpec, theme: Theme) -> dict[str, Any]:
        values: dict[str, Any] = {
            "theme_id": theme.pk,
            "title": spec.title,
            "existing_activity": spec.existing_activity,
            "monitoring_groups": spec.monitoring_groups,
            "risk": spec.risk,
            **_deadline_values("deadline", spec.deadline),
        }
        if spec.code:
            values["code"] = spec.code[:40]
        latest_new_deadline = next(
            (u.new_deadline for u in reversed(spec.updates) if u.new_deadline), None
        )
        if latest_new_deadline is not None:
            values.update(_deadline_values("revised_deadline", latest_new_deadline))
        return values

    def start_milestones(self, framework: Framework) -> None:
        self.existing = list(
            Milestone.objects.filter(framework=framework)
            .select_related("theme")
            .prefetch_related("leads__post")
        )
        self.by_code = {m.code: m for m in self.existing if m.code}
        self.by_title: dict[tuple[str, str], list[Milestone]] = defaultdict(list)
        for m in sorted(self.existing, key=lambda m: (m.order, m.pk)):
            self.by_title[(_norm(m.theme.name), _norm(m.title))].append(m)
        self.order_in_theme: dict[int, int] = defaultdict(int)
        for m in self.existing:
            self.order_in_theme[m.theme_id] = max(self.order_in_theme[m.theme_id], m.order)
        self.seen: set[int] = set()

    def milestones(self, framework: Framework, specs: list[MilestoneSpec]) -> list[Milestone]:
        posts, seen, order_in_theme = self.post_for, self.seen, self.order_in_theme
        result: list[Milestone] = []
        to_create: list[Milestone] = []
        to_update: list[Milestone] = []
        update_fields: set[str] = set()
        lead_links: dict[int, list[tuple[str, str]]] = {}
        for index, spec in enumerate(specs):
            theme = self.theme_for[spec.theme]
            values = self.milestone_values(spec, theme)
            milestone = self.by_code.get(spec.code) if spec.code else None
            if milestone is not None and milestone.pk in seen:
                self.fail(f"Code {spec.code} appears twice in the file.", spec.row, "Code")
                continue
            if milestone is None and self.by_title:  # (a new plan has nothing to match)
                # Same theme and title: take the first one not yet matched, in plan order.
                candidates = self.by_title.get((_norm(spec.theme), _norm(spec.title)), [])
                milestone = next((m for m in candidates if m.pk not in seen), None)
            if milestone is None:
                order_in_theme[theme.pk] += 1
                values["framework_id"] = framework.pk
                values["order"] = order_in_theme[theme.pk]
                values["source_reference"] = (
                    f"{self.file_name}, sheet {self.plan.sheet}, row {spec.row}"
                )[:255]
                milestone = self.new_milestone(values)
                to_create.append(milestone)
                result.append(milestone)
                lead_links[index] = spec.leads
                self.report.created.milestones += 1
                if len(self.report.new_milestones) < 200:
                    self.report.new_milestones.append(spec.title[:120])
                continue
            seen.add(milestone.pk)
            result.append(milestone)
            changed = [k for k, v in values.items() if getattr(milestone, k) != v]
            for key in changed:
                setattr(milestone, key, values[key])
            update_fields.update(changed)
            current = [(link.post.title, link.role) for link in milestone.leads.all()]
            wanted = [(posts[t].title, r) for t, r in spec.leads]
            leads_changed = bool(spec.leads) and current != wanted
            if leads_changed:
                lead_links[index] = spec.leads
                self.report.lead_changes.append(
                    f"{spec.title[:80]}: {', '.join(t for t, _ in current) or 'none'} → "
                    f"{', '.join(t for t, _ in wanted)}"
                )
            if changed:
                to_update.append(milestone)
            if changed or leads_changed:
                self.report.updated.milestones += 1
            else:
                self.report.unchanged.milestones += 1
        if self.report.errors:
            return result
        self.create(Milestone, to_create)
        if to_update:
            bulk_update_with_history(
                to_update,
                Milestone,
                sorted(update_fields | {"updated_at"}),
                batch_size=BATCH,
                **self.history,
            )
        replace = [result[i].pk for i in lead_links if result[i].pk in seen]
        MilestonePost.objects.filter(milestone_id__in=replace).delete()
        links = []
        for i, leads in lead_links.items():
            done: set[int] = set()
            for order, (title, role) in enumerate(leads):
                post = posts[title]
                if post.pk not in done:
                    done.add(post.pk)
                    links.append(
                        self.new_link(
                            {
                                "milestone_id": result[i].pk,
                                "post_id": post.pk,
                                "role": role,
                                "order": order,
                            }
                        )
                    )
        self.create(MilestonePost, links)
        return result

    # Updates --------------------------------------------------------------------------------
    def update_values(self, spec: UpdateSpec) -> dict[str, Any]:
        return {
            "narrative": spec.narrative,
            "rag": spec.rag,
            "rag_text": spec.rag_text[:500],
            "percent_complete": spec.percent_complete,
            **_deadline_values("new_deadline", spec.new_deadline),
        }

    def updates(self, specs: list[MilestoneSpec], milestones: list[Milestone]) -> None:
        now = timezone.now()
        existing = self.stored_updates
        to_update: list[ProgressUpdate] = []
        fields: set[str] = set()
        # The earlier round first, so each new update can point at the one before it.
        for round_key in (PREVIOUS, CURRENT):
            period = self.rounds.get(round_key)
            if period is None:
                continue
            stamp = min(dt.datetime.combine(period.due_date, dt.time(12), tzinfo=dt.UTC), now)
            before = self.before[round_key]
            later = self.before.get(CURRENT) if round_key == PREVIOUS else None
            to_create: list[ProgressUpdate] = []
            for milestone, spec in zip(milestones, specs, strict=True):
                update_spec = next((u for u in spec.updates if u.round == round_key), None)
                if update_spec is None:
                    continue
                values = self.update_values(update_spec)
                update = existing.get((milestone.pk, period.pk))
                if update is None:
                    latest = before.get(milestone.pk)
                    values["milestone_id"] = milestone.pk
                    values["period_id"] = period.pk
                    values["previous_id"] = latest[1] if latest else None
                    values["state"] = UpdateState.APPROVED
                    values["submitted_at"] = values["reviewed_at"] = stamp
                    update = self.new_update(values)
                    to_create.append(update)
                    existing[(milestone.pk, period.pk)] = update
                    self.report.created.updates += 1
                    continue
                changed = [k for k, v in values.items() if getattr(update, k) != v]
                if update.state != UpdateState.APPROVED:
                    changed.append("state")
                    update.state = UpdateState.APPROVED
                for key in changed:
                    if key != "state":
                        setattr(update, key, values[key])
                if changed:
                    fields.update(changed)
                    to_update.append(update)
                    self.report.updated.updates += 1
                else:
                    self.report.unchanged.updates += 1
            self.create(ProgressUpdate, to_create)
            self.created_updates = self.created_updates or bool(to_create)
            if later is not None:
                # The current round's updates point at these unless a round in between has one.
                for update in to_create:
                    known = later.get(update.milestone_id)
                    if known is None or known[0] < period.start_date:
                        later[update.milestone_id] = (period.start_date, update.pk)
        if to_update:
            bulk_update_with_history(
                to_update,
                ProgressUpdate,
                sorted(fields | {"updated_at"}),
                batch_size=BATCH,
                **self.history,
            )

    def latest_before(
        self, framework: Framework, period: ReportingPeriod
    ) -> dict[int, tuple[dt.date, int]]:
        """Milestone id -> (round start, id) of its latest update in a round before `period`
        (one query)."""
        rows = (
            ProgressUpdate.objects.filter(
                milestone__framework=framework, period__start_date__lt=period.start_date
            )
            .order_by("milestone_id", "period__start_date")
            .values_list("milestone_id", "period__start_date", "pk")
        )
        return {milestone_id: (start, pk) for milestone_id, start, pk in rows}

    def link_previous(self, framework: Framework) -> None:
        """Each update points at the same milestone's update in the round before."""
        rows = (
            ProgressUpdate.objects.filter(milestone__framework=framework)
            .order_by("milestone_id", "period__start_date")
            .values_list("pk", "milestone_id", "previous_id")
        )
        changes = []
        last: tuple[int, int] | None = None
        for pk, milestone_id, previous_id in rows:
            expected = last[0] if last and last[1] == milestone_id else None
            if previous_id != expected:
                changes.append(ProgressUpdate(pk=pk, previous_id=expected))
            last = (pk, milestone_id)
        bulk_update_with_history(
            changes, ProgressUpdate, ["previous"], batch_size=BATCH, **self.history
        )

    def preview(self, specs: list[MilestoneSpec], milestones: list[Milestone]) -> None:
        room = PREVIEW_ROWS - len(self.report.preview)
        for milestone, spec in list(zip(milestones, specs, strict=True))[:room]:
            self.report.preview.append(
                {
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
            )

    # The whole import -------------------------------------------------------------------------
    def run(self, steps: Iterator[None]) -> Framework:
        """Apply each chunk as the plan grows. After a problem nothing more is written, but
        the file is read to the end so that every problem in it is reported; the caller rolls
        back."""
        framework = self.framework()
        self.start_themes(framework)
        self.start_posts()
        self.start_milestones(framework)
        done = 0
        for _ in steps:
            done = self.apply(framework, done)
        self.apply(framework, done)
        if self.report.errors or self.plan.errors:
            raise _Rollback
        self.report.missing_milestones = [
            m.title[:120] for m in self.existing if m.pk not in self.seen
        ][:200]
        latest = max(self.rounds.values(), key=lambda p: p.start_date, default=None)
        if (
            self.created_updates
            and latest is not None
            and framework.periods.filter(start_date__gt=latest.start_date).exists()
        ):
            # A round was filled in before later ones: relink those later updates too.
            self.link_previous(framework)
        return framework

    def apply(self, framework: Framework, done: int) -> int:
        """Write the milestones the plan has gained since `done`; the new `done`."""
        if self.report.errors or self.plan.errors:
            return done
        specs = self.plan.milestones[done:]
        if not specs:
            return done
        self.periods(framework, specs)
        if self.report.errors:
            return done
        self.themes(framework)
        self.posts(specs)
        milestones = self.milestones(framework, specs)
        if self.report.errors:
            return done
        self.updates(specs, milestones)
        if len(self.report.preview) < PREVIEW_ROWS:
            self.preview(specs, milestones)
        return done + len(specs)


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
) -> ImportReport:
    """Import a legacy file. Raises `readers.ImportFileError` when the file cannot be read at all;
    every other problem is in the report's errors, and then nothing is written."""
    source = readers.open_source(data, filename=file_name, limits=limits or readers.Limits())
    report = ImportReport(file_name=file_name, sha256=source.sha256, dry_run=dry_run)
    if not " ".join(framework_name.split()):
        report.errors.append(Problem("", None, None, "Enter the framework's name."))
        return report
    # The sheet is read as the importer writes (`extract_steps`), so a large file's reading
    # and writing overlap; a problem anywhere in the file still rolls everything back.
    plan, steps = extract_steps(source, layout=layout, sheet=sheet)
    report.framework = " ".join(framework_name.split())
    report.layout, report.sheet, report.header_row = plan.layout, plan.sheet, plan.header_row
    if plan.errors:
        report.warnings, report.errors = list(plan.warnings), list(plan.errors)
        return report
    importer = _Importer(
        plan,
        report,
        framework_name=framework_name,
        labels={CURRENT: period_label, PREVIOUS: previous_period_label},
        file_name=file_name,
        user=user,
        sha256=source.sha256,
    )
    try:
        with _collector_paused(), transaction.atomic():
            framework = importer.run(steps)
            if dry_run:
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
    except DatabaseError as exc:
        report.errors.append(
            Problem(plan.sheet, None, None, f"The database refused the import: {exc}")
        )
    finally:
        close = getattr(steps, "close", None)
        if close is not None:
            close()  # stops reading (and any reader process) if the import stopped early
    report.warnings = list(plan.warnings)
    if plan.errors:
        # The file's own problems: nothing was imported and the counts so far mean nothing.
        _forget_progress(report)
        report.errors = list(plan.errors)
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the import: a large file makes hundreds of
    thousands of short-lived objects without cycles, and the collector's repeated passes over
    them cost about a tenth of the import. Reference counting still frees them as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _forget_progress(report: ImportReport) -> None:
    fresh = ImportReport()
    for name in (
        "periods",
        "created",
        "updated",
        "unchanged",
        "new_milestones",
        "missing_milestones",
        "lead_changes",
        "preview",
    ):
        setattr(report, name, getattr(fresh, name))


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
