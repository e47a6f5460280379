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

Here: `legacy_import` (the entry point) and `_Import`, which reads what is there and is made of
`import_compare.Comparison` (comparing) and `import_write.Writer` (writing); the field-by-field
rules are `import_fields`, the report `import_report`, and the state the three share
`import_state`. May import: Django, the domain, the models, the importers and those modules;
never selectors or views.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable

from django.db import DatabaseError, transaction
from django.utils import timezone

from frameworks.importers import extract as ex
from frameworks.importers import readers
from frameworks.importers.measures import measures_from_sheets, open_csv_bundle
from frameworks.importers.parsing import quarter_dates
from frameworks.models import (
    Framework,
    ImportBatch,
    Milestone,
    MilestoneOutcome,
    MilestonePost,
    Outcome,
    Post,
    Return,
    ReturnState,
    Round,
    RoundState,
)
from frameworks.services.import_compare import Comparison
from frameworks.services.import_fields import norm
from frameworks.services.import_measures import measures_compare
from frameworks.services.import_report import ImportReport
from frameworks.services.import_write import Writer

__all__ = ["ImportReport", "legacy_import", "read_plan"]


class _Rollback(Exception):
    """Leave the transaction without writing (a dry run, or a problem)."""


class _Changed(Exception):
    """The comparison is not the one the person previewed."""


class _Import(Comparison, Writer):
    """Compares a plan with the framework and, unless it is a dry run, writes the differences."""

    def __init__(self, plan: ex.LegacyPlan, report: ImportReport, *, options: dict, dry_run: bool):
        self.plan, self.report, self.lock = plan, report, not dry_run
        self.user = options["user"]
        self.file_name = options["file_name"]
        self.framework_name = " ".join(options["framework_name"].split())
        self.labels = {ex.CURRENT: options["round_label"], ex.PREVIOUS: options["previous_label"]}
        self.history = {
            "default_user": self.user,
            "default_change_reason": f"Import of {self.file_name} (SHA-256 {report.sha256[:12]})",
        }
        self.now = timezone.now()

    def _locked(self, queryset):
        return queryset.select_for_update(of=("self",)) if self.lock else queryset

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
        measures = measures_compare(self)  # outcomes' codes, indicators, maturity (issue 19)
        if self.report.errors or not self.lock:
            return self.framework
        if expected is not None and self.report.comparison() != expected:
            raise _Changed
        self.write()
        measures.write()
        return self.framework

    def resolve_rounds(self) -> dict[str, Round]:
        """The rounds the file's updates are for, by the key the plan uses (found or new)."""
        existing = {}
        if self.framework.pk:
            existing = {
                p.label.casefold(): p
                for p in self._locked(Round.objects.filter(framework=self.framework))
            }
        described = {p.label.casefold(): p for p in self.plan.rounds}
        # A JSON export lists the plan's rounds: each is made, with or without updates.
        needed = {u.round for m in self.plan.milestones for u in m.returns} | {
            p.label for p in self.plan.rounds
        }
        rounds: dict[str, Round] = {}
        for key in sorted(needed, key=lambda k: (k != ex.PREVIOUS, k != ex.CURRENT, k)):
            # A spreadsheet's rounds are named by the person; a JSON export names its own.
            label = " ".join(self.labels.get(key, key).split())
            if not label:
                which, option = (
                    ("current", "round") if key == ex.CURRENT else ("previous", "previous_round")
                )
                self.fail(
                    f"This file holds updates for the {which} round: give its label, for "
                    "example Q2 2020-21.",
                    field=option,
                )
                continue
            option = "previous_round" if key == ex.PREVIOUS else "round"
            round = existing.get(label.casefold())
            if round is None:
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
                round = Round(
                    label=label,
                    start_date=dates[0],
                    end_date=dates[1],
                    due_date=spec.due_date if spec else dates[1],
                    # Never open: opening a round for returns is done in the app.
                    state=RoundState.CLOSED if spec is None or spec.closed else RoundState.DRAFT,
                )
                existing[label.casefold()] = round
            rounds[key] = round
            self.report.rounds[key] = round.label
        found = rounds
        if (
            ex.PREVIOUS in found
            and ex.CURRENT in found
            and found[ex.PREVIOUS].start_date >= found[ex.CURRENT].start_date
        ):
            self.fail(
                f"The previous round ({found[ex.PREVIOUS].label}) must start before the current "
                f"round ({found[ex.CURRENT].label}).",
                field="previous_round",
            )
        return rounds

    def load(self) -> None:
        """What the comparison needs, a fixed number of queries whatever the file's size."""
        framework = self.framework
        known = framework.pk is not None
        self.themes = list(framework.themes.all()) if known else []
        self.theme_by_name = {norm(t.name): t for t in self.themes}
        self.theme_by_code = {t.code: t for t in self.themes if t.code}
        self.post_by_key = {}
        for post in Post.objects.all():
            for name in (post.title, *post.former_titles):
                self.post_by_key.setdefault(name.casefold(), post)
        self.milestones = []
        self.links = defaultdict(list)
        self.returns = {}
        self.latest_approved = {}
        # Each milestone's updates as (round start, id or new update), to link new ones.
        self.timeline = defaultdict(list)
        self.relink = False
        if not known:
            self.load_outcomes()
            return
        # Returns are locked before milestones, in the order approving a return locks them.
        round_ids = [p.pk for p in self.rounds.values() if p.pk]
        returns = Return.objects.filter(milestone__framework=framework, round_id__in=round_ids)
        for return_ in self._locked(returns):
            self.returns[(return_.milestone_id, return_.round_id)] = return_
        self.milestones = list(self._locked(Milestone.objects.filter(framework=framework)))
        links = MilestonePost.objects.filter(milestone__framework=framework).select_related("post")
        for link in links.order_by("milestone_id", "order", "pk"):
            self.links[link.milestone_id].append(link)
        every = Return.objects.filter(milestone__framework=framework).values_list(
            "milestone_id", "round__start_date", "pk", "state"
        )
        for milestone_id, start, pk, state in every:
            self.timeline[milestone_id].append((start, pk))
            if state == ReturnState.APPROVED:
                latest = self.latest_approved.get(milestone_id, start)
                self.latest_approved[milestone_id] = max(latest, start)
        self.load_outcomes()

    def load_outcomes(self) -> None:
        """The framework's outcomes and which milestones serve them, when the file carries
        outcomes (two queries; none otherwise). Outcomes are locked like the milestones."""
        self.outcome_by_key = {}
        self.outcome_order = defaultdict(int)
        self.served = defaultdict(set)
        if ex.OUTCOMES not in self.plan.carries or self.framework.pk is None:
            return
        for outcome in self._locked(Outcome.objects.filter(framework=self.framework)):
            self.outcome_by_key[(outcome.theme_id, norm(outcome.title))] = outcome
            self.outcome_order[outcome.theme_id] = max(
                self.outcome_order[outcome.theme_id], outcome.order
            )
        links = MilestoneOutcome.objects.filter(outcome__framework=self.framework)
        for milestone_id, outcome_id in links.values_list("milestone_id", "outcome_id"):
            self.served[milestone_id].add(outcome_id)


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
    source = open_csv_bundle(data, file_name=file_name, limits=limits) or readers.open_source(
        data, filename=file_name, limits=limits
    )
    plan = measures_from_sheets(source, ex.extract_plan(source, layout=layout, sheet=sheet))
    return plan, source.sha256


def legacy_import(
    *,
    data: bytes,
    file_name: str,
    framework_name: str,
    layout: str = "auto",
    round_label: str = "",
    previous_round_label: str = "",
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
        "round_label": round_label,
        "previous_label": previous_round_label,
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
                labels=(round_label, previous_round_label),
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
        round_label=labels[0],
        previous_round_label=labels[1],
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
