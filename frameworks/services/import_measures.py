"""The measures half of an import (`MeasuresImport`): what a file's `Measures`
(`frameworks.importers.measures`) changes in a framework's outcome codes and links across
themes, indicators (their targets and approved values) and maturity scale, standards and
assessments; compared inside the import's transaction after the plan (`measures_compare`,
which records each change in the report, so the preview shows it and a confirmation finds it
again) and written after the plan's own writing (`MeasuresImport.write`).

The import's rules hold here too: only what the file carries is compared, a blank never clears
a stored value, and a value people gave or are giving in the app (a draft, a submitted or
returned value, or one written and reviewed in the app), or one in a round open for returns, is
never overwritten: a difference there is a conflict. Every row written gets `version` + 1 (where
it has one) and an audit row under the import's reason. A fixed number of queries whatever the
file's size, but for one per indicator whose outcomes change (its audit row names them).

May import: the models, the domain, the importers and the other `frameworks.services.import_*`
modules. Runs only inside `imports.legacy_import`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from frameworks.domain.vocabulary import Direction, Frequency
from frameworks.importers import extract as ex
from frameworks.importers.measures import (
    IndicatorItem,
    Measures,
    MilestoneRef,
    OutcomeRef,
)
from frameworks.importers.parsing import quarter_dates
from frameworks.models import (
    Assessment,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    Milestone,
    MilestoneOutcome,
    Outcome,
    Post,
    Recommendation,
    ReturnState,
    Round,
    RoundState,
    Theme,
)
from frameworks.services.import_fields import OPEN_ROUND, flat, norm, short
from frameworks.services.import_state import BATCH, ImportState

YEAR = re.compile(r"^(\d{4})-(\d{2})$")
INDICATOR_FIELDS = {  # the fields compared, with their labels in the report
    "number": "Number",
    "unit": "Unit",
    "definition": "Definition",
    "direction": "Good direction",
    "baseline_value": "Baseline",
    "baseline_date": "Baseline date",
    "baseline_source": "Baseline source",
    "tolerance": "Tolerance",
    "frequency": "Frequency",
}


def measures_compare(state: ImportState) -> MeasuresImport:
    """Compare the plan's measures with the framework (after `Comparison.compare`); the
    returned import writes them (after `Writer.write`)."""
    measures = MeasuresImport(state)
    measures.compare()
    return measures


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        normal = value.normalize()
        return f"{normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal:f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _same(stored: Any, given: Any) -> bool:
    if isinstance(stored, str) or isinstance(given, str):
        return flat(stored) == flat(given)
    return stored == given


def _worked_on(value: IndicatorValue) -> str:
    """Why people own this value ("" if nobody has touched it: imported or never started)."""
    if value.state in (ReturnState.DRAFT, ReturnState.SUBMITTED, ReturnState.RETURNED):
        return f"its value is {ReturnState(value.state).label.lower()} in the app"
    if value.saved_by_id or value.submitted_by_id or value.reviewed_by_id:
        return "its value was given and reviewed in the app"
    return ""


class MeasuresImport:
    """Compare a plan's `Measures` with the framework; write the differences."""

    def __init__(self, state: ImportState) -> None:
        self.state = state
        measures = state.plan.measures
        self.measures: Measures = measures if isinstance(measures, Measures) else Measures()
        self.active = not self.measures.empty and not state.report.errors
        self.new_posts: list[Post] = []
        self.new_rounds: list[Round] = []
        self.coded: list[Outcome] = []  # existing outcomes whose code changes
        self.new_links: list[tuple[Milestone, Outcome]] = []
        self.new_indicators: list[Indicator] = []
        self.changed_indicators: dict[int, tuple[Indicator, set[str]]] = {}
        self.indicator_outcomes: list[tuple[Indicator, list[Outcome]]] = []
        self.new_targets: list[IndicatorTarget] = []
        self.changed_targets: list[IndicatorTarget] = []
        self.new_values: list[IndicatorValue] = []
        self.changed_values: list[IndicatorValue] = []
        self.new_levels: list[MaturityLevel] = []
        self.changed_levels: list[MaturityLevel] = []
        self.new_standards: list[MaturityStandard] = []
        self.changed_standards: list[MaturityStandard] = []
        self.new_assessments: list[Assessment] = []
        self.changed_assessments: list[Assessment] = []
        self.new_judgements: list[Judgement] = []
        self.changed_judgements: dict[int, tuple[Judgement, set[str]]] = {}
        self.new_recommendations: list[Recommendation] = []
        self.linked_recommendations: list[Recommendation] = []

    # The report ---------------------------------------------------------------------------
    def change(self, what: str, field: str, before: Any, after: Any, *, round: str = "",
               version: int | None = None) -> None:  # fmt: skip
        self.state.report.changes.append(
            {
                "milestone": short(what),
                "code": "",
                "round": round,
                "field": field,
                "before": _shown(before),
                "after": _shown(after)[:300],
                "version": version,
            }
        )

    def conflict(self, what: str, round: str, message: str) -> None:
        self.state.report.conflicts.append(
            {"milestone": short(what), "code": "", "round": round, "message": message}
        )

    def fail(self, where: tuple[str, int | None], message: str, column: str | None = None):
        sheet, row = where
        self.state.report.errors.append(ex.Problem(sheet or self.state.plan.sheet, row, column,
                                                   message))  # fmt: skip

    def _locked(self, queryset):
        return queryset.select_for_update(of=("self",)) if self.state.lock else queryset

    # Comparing ----------------------------------------------------------------------------
    def compare(self) -> None:
        if not self.active:
            return
        self.load()
        self.compare_outcomes()
        self.compare_indicators()
        self.compare_maturity()

    def load(self) -> None:
        """What the comparison needs, in a fixed number of queries."""
        state, framework = self.state, self.state.framework
        known = framework.pk is not None
        self.now = state.now
        self.rounds = {r.label.casefold(): r for r in state.rounds.values()}
        themes = {t.pk: t for t in state.themes}
        self.theme_named = {norm(t.name): t for t in state.themes}
        self.theme_named.update({norm(name): t for name, t in state.theme_for.items()})
        self.milestone_by_code: dict[str, Milestone] = {}
        self.milestone_by_title: dict[tuple[str, str], list[Milestone]] = defaultdict(list)
        for milestone in [*state.milestones, *state.new_milestones]:
            theme = themes.get(milestone.theme_id) if milestone.theme_id else milestone.theme
            if milestone.code:
                self.milestone_by_code.setdefault(milestone.code, milestone)
            key = (norm(theme.name) if theme else "", norm(milestone.title))
            self.milestone_by_title[key].append(milestone)
            self.milestone_by_title[("", norm(milestone.title))].append(milestone)
        self.outcomes: dict[tuple[Any, str], Outcome] = {}
        self.served: set[tuple[int, int]] = set()
        self.indicators: list[Indicator] = []
        self.targets: dict[int, list[IndicatorTarget]] = defaultdict(list)
        self.values: dict[tuple[int, int], IndicatorValue] = {}
        self.indicator_links: dict[int, set[int]] = defaultdict(set)
        self.levels: dict[str, MaturityLevel] = {}
        self.standards: dict[str, MaturityStandard] = {}
        self.assessments: dict[dt.date, Assessment] = {}
        self.judgements: dict[tuple[int, int], Judgement] = {}
        self.recommendations: dict[int, list[Recommendation]] = defaultdict(list)
        self.adopted: set[int] = set()  # milestones a recommendation became
        if not known:
            return
        for round in Round.objects.filter(framework=framework):
            self.rounds.setdefault(round.label.casefold(), round)
        for outcome in self._locked(Outcome.objects.filter(framework=framework)):
            self.outcomes[(outcome.theme_id, norm(outcome.title))] = outcome
        links = MilestoneOutcome.objects.filter(outcome__framework=framework)
        self.served = set(links.values_list("milestone_id", "outcome_id"))
        measures = self.measures
        if measures.indicators:
            indicators = Indicator.objects.filter(framework=framework).select_related("owner")
            self.indicators = list(self._locked(indicators.order_by("order", "pk")))
            for target in self._locked(
                IndicatorTarget.objects.filter(indicator__framework=framework)
            ):
                self.targets[target.indicator_id].append(target)
            for value in self._locked(
                IndicatorValue.objects.filter(indicator__framework=framework)
            ):
                self.values[(value.indicator_id, value.round_id)] = value
            through = Indicator.outcomes.through.objects.filter(indicator__framework=framework)
            for indicator_id, outcome_id in through.values_list("indicator_id", "outcome_id"):
                self.indicator_links[indicator_id].add(outcome_id)
        if measures.levels or measures.standards or measures.assessments:
            for level in self._locked(MaturityLevel.objects.filter(framework=framework)):
                self.levels[norm(level.name)] = level
            for standard in self._locked(MaturityStandard.objects.filter(framework=framework)):
                self.standards[norm(standard.name)] = standard
            for assessment in self._locked(Assessment.objects.filter(framework=framework)):
                self.assessments[assessment.assessed_on] = assessment
            judgements = Judgement.objects.filter(assessment__framework=framework)
            for judgement in self._locked(judgements):
                self.judgements[(judgement.assessment_id, judgement.standard_id)] = judgement
            recommendations = Recommendation.objects.filter(
                judgement__assessment__framework=framework
            ).order_by("order", "pk")
            for recommendation in self._locked(recommendations):
                self.recommendations[recommendation.judgement_id].append(recommendation)
                if recommendation.milestone_id:
                    self.adopted.add(recommendation.milestone_id)

    # Finding what the file names -----------------------------------------------------------
    def theme(self, name: str) -> Theme | None:
        return self.state.theme_for.get(name) or self.theme_named.get(norm(name))

    def outcome(self, ref: OutcomeRef) -> Outcome | None:
        found = self.state.outcome_for.get((ref.theme, norm(ref.title)))
        if found is None:
            theme = self.theme(ref.theme)
            if theme is not None:
                found = self.outcomes.get((theme.pk or id(theme), norm(ref.title)))
        return found

    def outcome_titled(self, title: str) -> list[Outcome]:
        """The outcomes of this title in the file or the framework (a sheet names titles)."""
        wanted = norm(title)
        found = {o.pk or id(o): o for (_, t), o in self.state.outcome_for.items() if t == wanted}
        for (_, t), outcome in self.outcomes.items():
            if t == wanted:
                found.setdefault(outcome.pk, outcome)
        return list(found.values())

    def milestone(self, ref: MilestoneRef) -> Milestone | None:
        if ref.code and ref.code in self.milestone_by_code:
            return self.milestone_by_code[ref.code]
        candidates = self.milestone_by_title.get((norm(ref.theme), norm(ref.title)), [])
        return candidates[0] if len({id(m) for m in candidates}) == 1 else None

    def round(self, label: str, where: tuple[str, int | None]) -> Round | None:
        """The framework's round of this label, or a new closed one for a quarter label."""
        label = " ".join(label.split())
        round = self.rounds.get(label.casefold())
        if round is None:
            dates = quarter_dates(label)
            if dates is None:
                self.fail(
                    where,
                    f"There is no round “{label}” in {self.state.framework_name}, and the label "
                    "is not a financial-year quarter like Q2 2020-21. Create the round first.",
                    "Round",
                )
                return None
            round = Round(
                label=label,
                start_date=dates[0],
                end_date=dates[1],
                due_date=dates[1],
                state=RoundState.CLOSED,
            )
            self.rounds[label.casefold()] = round
            self.new_rounds.append(round)
        return round

    def post(self, title: str) -> Post:
        """The post of this title (or a former title), else a new one. A post the plan read but
        does not write (no lead needs it) is written here."""
        key = title.casefold()
        post = self.state.post_by_key.get(key)
        if post is None:
            post = self.state.post_by_key[key] = Post(title=title[:255])
        written = any(p is post for p in self.state.new_posts.values())
        if post.pk is None and not written and not any(p is post for p in self.new_posts):
            self.new_posts.append(post)
        return post

    # Outcomes ------------------------------------------------------------------------------
    def compare_outcomes(self) -> None:
        """Outcome codes, and milestones serving an outcome of another theme (the plan links
        each milestone to its own theme's outcomes)."""
        for ref, code in self.measures.outcome_codes.items():
            outcome = self.outcome(ref)
            if outcome is None or outcome.code == code:
                continue
            if outcome.pk is None:
                outcome.code = code[:40]  # written with the new outcome
                continue
            self.change(ref.title, "Outcome code", outcome.code, code, version=outcome.version)
            outcome.code = code[:40]
            self.coded.append(outcome)
        linking: set[tuple[int, int]] = getattr(self.state, "linking", set())
        for milestone_ref, outcome_ref in self.measures.outcome_links:
            milestone, outcome = self.milestone(milestone_ref), self.outcome(outcome_ref)
            if milestone is None or outcome is None:
                self.fail(
                    ("", None),
                    f"The milestone “{short(milestone_ref.title)}” serves the outcome "
                    f"“{short(outcome_ref.title)}”, but one of the two is not in the file or the "
                    "framework.",
                )
                continue
            if (milestone.pk, outcome.pk) in self.served and milestone.pk and outcome.pk:
                continue
            if (id(milestone), id(outcome)) in linking:
                continue
            linking.add((id(milestone), id(outcome)))
            self.new_links.append((milestone, outcome))
            self.state.report.created.outcome_links += 1
            if milestone.pk:
                self.change(milestone.title, "Outcomes", "", outcome.title)

    # Indicators ----------------------------------------------------------------------------
    def compare_indicators(self) -> None:
        by_number = {norm(i.number): i for i in self.indicators if i.number}
        by_name = {norm(i.name): i for i in self.indicators}
        order = max((i.order for i in self.indicators), default=0)
        seen: set[int] = set()
        for item in self.measures.indicators:
            indicator = by_number.get(norm(item.number)) if item.number else None
            indicator = indicator or by_name.get(norm(item.name))
            if indicator is not None and id(indicator) in seen:
                self.fail(item.where, f"The indicator “{item.name}” is given twice.", "Indicator")
                continue
            if indicator is None:
                order += 1
                indicator = self.create_indicator(item, order)
                by_name[norm(item.name)] = indicator
                if item.number:
                    by_number[norm(item.number)] = indicator
            else:
                self.compare_indicator(item, indicator, by_number)
            seen.add(id(indicator))
            self.compare_indicator_outcomes(item, indicator)
            self.compare_targets(item, indicator)
            self.compare_values(item, indicator)

    def create_indicator(self, item: IndicatorItem, order: int) -> Indicator:
        indicator = Indicator(
            name=item.name[:255],
            number=item.number[:20],
            unit=item.unit[:40],
            definition=item.definition,
            direction=item.direction or Direction.HIGHER,
            baseline_value=item.baseline_value,
            baseline_date=item.baseline_date,
            baseline_source=item.baseline_source[:255],
            tolerance=item.tolerance,
            frequency=item.frequency or Frequency.QUARTERLY,
            order=order,
        )
        if item.owner:
            indicator.owner = self.post(item.owner)
        self.new_indicators.append(indicator)
        self.change(str(indicator), "New indicator", "", item.name)
        return indicator

    def compare_indicator(self, item: IndicatorItem, indicator: Indicator, by_number) -> None:
        changed: set[str] = set()
        for name, label in INDICATOR_FIELDS.items():
            given = getattr(item, name)
            if given in (None, ""):
                continue
            stored = getattr(indicator, name)
            if _same(stored, given):
                continue
            if name == "number" and norm(given) in by_number:
                self.fail(
                    item.where,
                    f"Another indicator of {self.state.framework_name} is numbered {given}.",
                    "Number",
                )
                continue
            self.change(str(indicator), label, stored, given, version=indicator.version)
            setattr(indicator, name, given)
            changed.add(name)
        if item.owner and (indicator.owner is None or indicator.owner.title != item.owner):
            before = indicator.owner.title if indicator.owner else ""
            post = self.post(item.owner)
            if post is not indicator.owner:
                self.change(str(indicator), "Owner", before, item.owner, version=indicator.version)
                indicator.owner = post
                changed.add("owner")
        if changed:
            self.changed_indicators[indicator.pk] = (indicator, changed)

    def compare_indicator_outcomes(self, item: IndicatorItem, indicator: Indicator) -> None:
        outcomes: list[Outcome] = []
        for ref in item.outcomes:
            outcome = self.outcome(ref)
            if outcome is None:
                self.fail(item.where, f"The outcome “{short(ref.title)}” is not in the file "
                          "or the framework.", "Outcomes")  # fmt: skip
            else:
                outcomes.append(outcome)
        for title in item.outcome_titles:
            found = self.outcome_titled(title)
            if len(found) != 1:
                where = "two themes have" if found else "neither the file nor the framework has"
                self.fail(item.where, f"{where[:1].upper()}{where[1:]} the outcome "
                          f"“{short(title)}”.", "Outcomes")  # fmt: skip
            else:
                outcomes.extend(found)
        linked = self.indicator_links.get(indicator.pk, set()) if indicator.pk else set()
        new = []
        for outcome in outcomes:
            if (outcome.pk and outcome.pk in linked) or outcome in new:
                continue
            new.append(outcome)
            if indicator.pk:
                self.change(str(indicator), "Outcomes", "", outcome.title)
        if new:
            self.indicator_outcomes.append((indicator, new))

    def compare_targets(self, item: IndicatorItem, indicator: Indicator) -> None:
        stored = self.targets.get(indicator.pk, []) if indicator.pk else []
        for target in item.targets:
            if target.year:
                match = YEAR.match(target.year)
                if not match or (int(match[1]) + 1) % 100 != int(match[2]):
                    self.fail(item.where, f"“{target.year}” is not a financial year like "
                              "2019-20.", "Financial year")  # fmt: skip
                    continue
                round = None
            else:
                round = self.round(target.round, item.where)
                if round is None:
                    continue
            found = next(
                (t for t in stored
                 if (round is not None and t.round_id == round.pk and round.pk)
                 or (round is None and t.year == target.year)),
                None,
            )  # fmt: skip
            period = round.label if round else target.year
            if found is None:
                new = IndicatorTarget(indicator=indicator, round=round, year=target.year,
                                      value=target.value)  # fmt: skip
                self.new_targets.append(new)
                stored = [*stored, new]
                self.change(str(indicator), "Target", "", target.value, round=period)
            elif found.value != target.value:
                self.change(str(indicator), "Target", found.value, target.value, round=period)
                found.value = target.value
                if found.pk and found not in self.changed_targets:
                    self.changed_targets.append(found)

    def compare_values(self, item: IndicatorItem, indicator: Indicator) -> None:
        seen: set[int] = set()
        for given in item.values:
            round = self.round(given.round, item.where)
            if round is None:
                continue
            if id(round) in seen:
                self.fail(item.where, f"“{item.name}” has two values for {round.label}: keep one.",
                          "Round")  # fmt: skip
                continue
            seen.add(id(round))
            stored = (
                self.values.get((indicator.pk, round.pk)) if indicator.pk and round.pk else None
            )
            if (
                stored is not None
                and stored.value == given.value
                and (not given.note or flat(stored.note) == flat(given.note))
                and stored.state == ReturnState.APPROVED
            ):
                continue
            what = str(indicator)
            if round.state == RoundState.OPEN:
                self.conflict(what, round.label, f"Not imported: {OPEN_ROUND}.")
                continue
            if stored is not None:
                reason = _worked_on(stored)
                if reason:
                    self.conflict(what, round.label, f"Not imported: {reason}.")
                    continue
                self.change(what, "Value", stored.value, given.value, round=round.label,
                            version=stored.version)  # fmt: skip
                stored.value, stored.state = given.value, ReturnState.APPROVED
                stored.note = given.note or stored.note
                self.changed_values.append(stored)
                continue
            stamp = min(dt.datetime.combine(round.due_date, dt.time(12), tzinfo=dt.UTC), self.now)
            self.new_values.append(
                IndicatorValue(
                    indicator=indicator,
                    round=round,
                    value=given.value,
                    note=given.note,
                    state=ReturnState.APPROVED,
                    submitted_at=stamp,
                    reviewed_at=stamp,
                )
            )
            self.change(what, "Value", "", given.value, round=round.label)

    # The maturity self-assessment ----------------------------------------------------------
    def compare_maturity(self) -> None:
        measures = self.measures
        ranks = {level.rank: level for level in self.levels.values()}
        for item in measures.levels:
            level = self.levels.get(norm(item.name))
            if level is None:
                if item.rank in ranks:
                    self.fail(("", None), f"The scale already has “{ranks[item.rank].name}” at "
                              f"rank {item.rank}, where the file has “{item.name}”: change the "
                              "scale in the app first.")  # fmt: skip
                    continue
                level = MaturityLevel(name=item.name[:100], description=item.description[:255],
                                      rank=item.rank)  # fmt: skip
                self.levels[norm(item.name)] = ranks[item.rank] = level
                self.new_levels.append(level)
                self.change(f"Maturity scale: {item.name}", "New level", "", item.name)
                continue
            if level.rank != item.rank:
                self.state.report.warnings.append(ex.Problem(
                    self.state.plan.sheet, None, None,
                    f"The scale has “{level.name}” at rank {level.rank} and the file at rank "
                    f"{item.rank}: the scale is kept (reorder it in the app).",
                ))  # fmt: skip
            if item.description and not _same(level.description, item.description):
                self.change(f"Maturity scale: {level.name}", "Description", level.description,
                            item.description, version=level.version)  # fmt: skip
                level.description = item.description[:255]
                if level.pk:
                    self.changed_levels.append(level)
        order = max((s.order for s in self.standards.values()), default=0)
        for standard_item in measures.standards:
            standard = self.standards.get(norm(standard_item.name))
            if standard is None:
                order += 1
                self.new_standard(standard_item.name, standard_item.description, order)
            elif standard_item.description and not _same(
                standard.description, standard_item.description
            ):
                self.change(standard.name, "Description", standard.description,
                            standard_item.description, version=standard.version)  # fmt: skip
                standard.description = standard_item.description
                if standard.pk and standard not in self.changed_standards:
                    self.changed_standards.append(standard)
        for assessment_item in measures.assessments:
            assessment = self.assessments.get(assessment_item.assessed_on)
            what = f"{assessment_item.title} ({assessment_item.assessed_on:%d %B %Y})"
            if assessment is None:
                assessment = Assessment(
                    title=assessment_item.title[:255],
                    assessed_on=assessment_item.assessed_on,
                    source=assessment_item.source[:255],
                )
                self.assessments[assessment.assessed_on] = assessment
                self.new_assessments.append(assessment)
                self.change(what, "New assessment", "", assessment_item.title)
            else:
                changed = False
                for name in ("title", "source"):
                    given = getattr(assessment_item, name)
                    if given and not _same(getattr(assessment, name), given):
                        self.change(what, name.capitalize(), getattr(assessment, name), given,
                                    version=assessment.version)  # fmt: skip
                        setattr(assessment, name, given[:255])
                        changed = True
                if changed and assessment not in self.changed_assessments:
                    self.changed_assessments.append(assessment)
            for judgement_item in assessment_item.judgements:
                self.compare_judgement(assessment, judgement_item, what, assessment_item.where)

    def new_standard(self, name: str, description: str, order: int) -> MaturityStandard:
        standard = MaturityStandard(name=name[:200], description=description, order=order)
        self.standards[norm(name)] = standard
        self.new_standards.append(standard)
        self.change(name, "New standard", "", name)
        return standard

    def compare_judgement(self, assessment: Assessment, item, what: str, where) -> None:
        standard = self.standards.get(norm(item.standard))
        if standard is None:
            order = max((s.order for s in self.standards.values()), default=0) + 1
            standard = self.new_standard(item.standard, "", order)
        level = None
        if item.level:
            level = self.levels.get(norm(item.level))
            if level is None:
                self.fail(where, f"“{item.level}” ({item.standard}) is not a level of the "
                          "scale: add it to the Maturity scale, or leave Level blank and keep "
                          "it as written.", "Level")  # fmt: skip
                return
        key = (assessment.pk, standard.pk) if assessment.pk and standard.pk else None
        judgement = self.judgements.get(key) if key else None
        if judgement is None:
            judgement = Judgement(
                assessment=assessment,
                standard=standard,
                level=level,
                level_text=item.level_text[:100],
                evidence=item.evidence,
                improvements=item.improvements,
            )
            self.new_judgements.append(judgement)
            self.change(what, f"{item.standard}: level", "",
                        item.level or item.level_text or "Not judged")  # fmt: skip
        else:
            changed: set[str] = set()
            if level is not None and judgement.level_id != level.pk:
                before = judgement.level.name if judgement.level else judgement.level_text
                self.change(what, f"{item.standard}: level", before, level.name,
                            version=judgement.version)  # fmt: skip
                judgement.level = level
                changed.add("level")
            for name, label in (("level_text", "level as written"),
                                ("evidence", "where are you now?"),
                                ("improvements", "what needs to improve?")):  # fmt: skip
                given = getattr(item, name)
                if given and not _same(getattr(judgement, name), given):
                    self.change(what, f"{item.standard}: {label}", getattr(judgement, name),
                                given, version=judgement.version)  # fmt: skip
                    setattr(judgement, name, given[:100] if name == "level_text" else given)
                    changed.add(name)
            if changed:
                self.changed_judgements[judgement.pk] = (judgement, changed)
        stored = self.recommendations.get(judgement.pk, []) if judgement.pk else []
        order = max((r.order for r in stored), default=0)
        for recommendation_item in item.recommendations:
            recommendation = next(
                (r for r in stored if norm(r.text) == norm(recommendation_item.text)), None
            )
            milestone = None
            if recommendation_item.milestone is not None:
                milestone = self.milestone(recommendation_item.milestone)
                if milestone is None:
                    self.fail(where, f"The milestone “{short(recommendation_item.milestone.title)}"
                              "” a recommendation became is not in the file or the framework.",
                              "Milestone")  # fmt: skip
                    continue
                if (
                    recommendation is not None
                    and milestone.pk
                    and (recommendation.milestone_id == milestone.pk)
                ):
                    milestone = None  # linked already
                elif (milestone.pk or id(milestone)) in self.adopted:
                    self.conflict(what, "", f"Not linked: the milestone “{short(milestone.title)}"
                                  "” is another recommendation's already.")  # fmt: skip
                    milestone = None
            if recommendation is None:
                order += 1
                recommendation = Recommendation(judgement=judgement, text=recommendation_item.text,
                                                order=order, milestone=milestone)  # fmt: skip
                self.new_recommendations.append(recommendation)
                stored = [*stored, recommendation]
                self.change(what, f"{item.standard}: recommendation", "",
                            recommendation_item.text)  # fmt: skip
            elif milestone is not None and recommendation.milestone_id is None:
                recommendation.milestone = milestone
                self.linked_recommendations.append(recommendation)
                self.change(what, f"{item.standard}: recommendation's milestone", "",
                            milestone.title, version=recommendation.version)  # fmt: skip
            if milestone is not None:
                self.adopted.add(milestone.pk or id(milestone))

    # Writing ------------------------------------------------------------------------------
    def write(self) -> None:
        """Write what `compare` found (after the plan's own writing: its themes, milestones,
        rounds and outcomes have their ids)."""
        if not self.active:
            return
        history = self.state.history
        framework = self.state.framework
        bulk_create_with_history(self.new_posts, Post, batch_size=BATCH, **history)
        for round in self.new_rounds:
            round.framework = framework
            self.state._audited(round)
        self._bump(self.coded, Outcome, {"code"})
        links = [MilestoneOutcome(milestone=m, outcome=o) for m, o in self.new_links]
        bulk_create_with_history(links, MilestoneOutcome, batch_size=BATCH, **history)

        for indicator in self.new_indicators:
            indicator.framework = framework
        bulk_create_with_history(self.new_indicators, Indicator, batch_size=BATCH, **history)
        columns = set().union(*(names for _, names in self.changed_indicators.values()))
        self._bump([i for i, _ in self.changed_indicators.values()], Indicator,
                   columns | {"updated_at"})  # fmt: skip
        for indicator, outcomes in self.indicator_outcomes:
            indicator._history_user = history["default_user"]
            indicator._change_reason = history["default_change_reason"]
            indicator.outcomes.add(*outcomes)  # an audit row naming the outcomes
        bulk_create_with_history(self.new_targets, IndicatorTarget, batch_size=BATCH, **history)
        if self.changed_targets:
            bulk_update_with_history(self.changed_targets, IndicatorTarget, ["value"],
                                     batch_size=BATCH, **history)  # fmt: skip
        bulk_create_with_history(self.new_values, IndicatorValue, batch_size=BATCH, **history)
        for value in self.changed_values:
            value.version += 1
            value.updated_at = self.now
        if self.changed_values:
            bulk_update_with_history(
                self.changed_values,
                IndicatorValue,
                ["value", "note", "state", "version", "updated_at"],
                batch_size=BATCH,
                **history,
            )

        for level in self.new_levels:
            level.framework = framework
        for standard in self.new_standards:
            standard.framework = framework
        for assessment in self.new_assessments:
            assessment.framework = framework
        bulk_create_with_history(self.new_levels, MaturityLevel, batch_size=BATCH, **history)
        self._bump(self.changed_levels, MaturityLevel, {"description"})
        bulk_create_with_history(self.new_standards, MaturityStandard, batch_size=BATCH,
                                 **history)  # fmt: skip
        self._bump(self.changed_standards, MaturityStandard, {"description"})
        bulk_create_with_history(self.new_assessments, Assessment, batch_size=BATCH, **history)
        self._bump(self.changed_assessments, Assessment, {"title", "source", "updated_at"})
        bulk_create_with_history(self.new_judgements, Judgement, batch_size=BATCH, **history)
        columns = set().union(*(names for _, names in self.changed_judgements.values()))
        self._bump([j for j, _ in self.changed_judgements.values()], Judgement, columns)
        bulk_create_with_history(self.new_recommendations, Recommendation, batch_size=BATCH,
                                 **history)  # fmt: skip
        self._bump(self.linked_recommendations, Recommendation, {"milestone"})

    def _bump(self, objects: list, model, columns: set[str]) -> None:
        self.state._bump(objects, model, columns)
