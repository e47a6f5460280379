"""Reads for exports: the whole plan as plain data (the JSON export and the spreadsheets built
from it), which rounds to export, and each theme's progress.

The plan's measures are part of it: each theme's outcomes and the outcomes each milestone
serves, the indicators with their targets and approved values, and the maturity scale,
standards and assessments (judgements and recommendations, with the milestone each became).
Figures are text ("19.55"), so JSON never rounds them; a milestone or an outcome elsewhere in
the plan is named by its theme and title (and code), as the importer finds it again."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch

from frameworks.domain.deadlines import Deadline
from frameworks.models import (
    Assessment,
    DeadlineKind,
    Framework,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    Milestone,
    MilestoneOutcome,
    MilestonePost,
    Outcome,
    Recommendation,
    Return,
    ReturnState,
)


def _deadline_data(obj, prefix: str) -> dict | None:
    """A deadline as exported: {text, date, precision, kind}; None if there is none."""
    deadline = Deadline.read(obj, prefix)
    if deadline.is_blank and deadline.kind in ("", DeadlineKind.NOT_SET) and prefix != "deadline":
        return None
    return deadline.as_dict()


def figure(value: Decimal | None) -> str | None:
    """A stored figure as the exports write it: "19.55", not "19.5500" (nor a float)."""
    if value is None:
        return None
    normal = value.normalize()
    return f"{normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal:f}"


def milestone_ref(milestone: Milestone) -> dict[str, str]:
    """A milestone named in another part of the export (its theme read with it)."""
    return {"theme": milestone.theme.name, "code": milestone.code, "title": milestone.title}


def outcome_ref(outcome: Outcome) -> dict[str, str]:
    return {"theme": outcome.theme.name, "title": outcome.title}


def framework_export_data(*, framework: Framework) -> dict:
    """The whole plan as plain data, in plan order (a fixed number of queries, 16): the
    framework, its rounds, themes with their outcomes, milestones with every field and the
    outcomes they serve, each milestone's approved updates (returns still in progress are not
    the plan's record), the indicators and the maturity assessments (`measures_export_data`).
    The README documents the schema."""
    milestones = (
        Milestone.objects.filter(framework=framework)
        .select_related("theme")
        .prefetch_related(
            Prefetch("leads", queryset=MilestonePost.objects.select_related("post")),
            Prefetch(
                "returns",
                queryset=Return.objects.filter(state=ReturnState.APPROVED)
                .select_related("round")
                .order_by("round__start_date"),
            ),
            Prefetch(
                "outcome_links",
                queryset=MilestoneOutcome.objects.select_related("outcome__theme").order_by(
                    "outcome__theme__order", "outcome__order", "outcome__pk"
                ),
            ),
        )
        .order_by("theme__order", "order", "pk")
    )
    themes: dict[int, dict] = {
        theme.pk: {"code": theme.code, "name": theme.name, "outcomes": [], "milestones": []}
        for theme in framework.themes.order_by("order", "name")
    }
    for outcome in Outcome.objects.filter(framework=framework).order_by("order", "pk"):
        themes[outcome.theme_id]["outcomes"].append({"code": outcome.code, "title": outcome.title})
    for milestone in milestones:
        themes[milestone.theme_id]["milestones"].append(
            {
                "code": milestone.code,
                "title": milestone.title,
                "existing_activity": milestone.existing_activity,
                "source_reference": milestone.source_reference,
                "leads": [
                    {"post": link.post.title, "role": link.role} for link in milestone.leads.all()
                ],
                "deadline": _deadline_data(milestone, "deadline"),
                "revised_deadline": _deadline_data(milestone, "revised_deadline"),
                "monitoring_groups": milestone.monitoring_groups,
                "risk": milestone.risk,
                "updates": [
                    {
                        "period": return_.round.label,
                        "rag": return_.rag,
                        "rag_text": return_.rag_text,
                        "narrative": return_.narrative,
                        "new_deadline": return_.new_deadline_text or None,
                        "percent_complete": return_.percent_complete,
                        "state": return_.state,
                    }
                    for return_ in milestone.returns.all()
                ],
                "outcomes": [outcome_ref(link.outcome) for link in milestone.outcome_links.all()],
            }
        )
    return {
        "framework": framework.name,
        "description": framework.description,
        "owner": framework.owner,
        "periods": [
            {
                "label": round.label,
                "start_date": round.start_date.isoformat(),
                "end_date": round.end_date.isoformat(),
                "due_date": round.due_date.isoformat(),
                "state": round.state,
            }
            for round in framework.rounds.order_by("start_date")
        ],
        "themes": list(themes.values()),
        **measures_export_data(framework=framework),
    }


def measures_export_data(*, framework: Framework) -> dict:
    """The indicators (with their targets and approved values) and the maturity scale,
    standards and assessments, as plain data in the order the pages show them. Eight queries."""
    indicators = (
        Indicator.objects.filter(framework=framework)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "outcomes",
                queryset=Outcome.objects.select_related("theme").order_by(
                    "theme__order", "order", "pk"
                ),
            ),
            Prefetch(
                "targets",
                queryset=IndicatorTarget.objects.select_related("round").order_by(
                    "round__start_date", "year", "pk"
                ),
            ),
            Prefetch(
                "values",
                queryset=IndicatorValue.objects.filter(state=ReturnState.APPROVED)
                .select_related("round")
                .order_by("round__start_date", "pk"),
            ),
        )
        .order_by("order", "pk")
    )
    assessments = Assessment.objects.filter(framework=framework).prefetch_related(
        Prefetch(
            "judgements",
            queryset=Judgement.objects.select_related("standard", "level").order_by(
                "standard__order", "standard__pk"
            ),
        ),
        Prefetch(
            "judgements__recommendations",
            queryset=Recommendation.objects.select_related("milestone__theme").order_by(
                "order", "pk"
            ),
        ),
    )
    return {
        "indicators": [
            {
                "number": indicator.number,
                "name": indicator.name,
                "unit": indicator.unit,
                "definition": indicator.definition,
                "direction": indicator.direction,
                "baseline_value": figure(indicator.baseline_value),
                "baseline_date": indicator.baseline_date.isoformat()
                if indicator.baseline_date
                else None,
                "baseline_source": indicator.baseline_source,
                "tolerance": figure(indicator.tolerance),
                "owner": indicator.owner.title if indicator.owner else "",
                "frequency": indicator.frequency,
                "outcomes": [outcome_ref(outcome) for outcome in indicator.outcomes.all()],
                "targets": [
                    {
                        "period": target.round.label if target.round else None,
                        "year": target.year,
                        "value": figure(target.value),
                    }
                    for target in indicator.targets.all()
                ],
                "values": [
                    {
                        "period": value.round.label,
                        "value": figure(value.value),
                        "note": value.note,
                        "state": value.state,
                    }
                    for value in indicator.values.all()
                ],
            }
            for indicator in indicators
        ],
        "maturity": {
            "scale": [
                {"name": level.name, "description": level.description, "rank": level.rank}
                for level in MaturityLevel.objects.filter(framework=framework).order_by("rank")
            ],
            "standards": [
                {"name": standard.name, "description": standard.description}
                for standard in MaturityStandard.objects.filter(framework=framework).order_by(
                    "order", "pk"
                )
            ],
            "assessments": [
                {
                    "title": assessment.title,
                    "assessed_on": assessment.assessed_on.isoformat(),
                    "source": assessment.source,
                    "judgements": [
                        {
                            "standard": judgement.standard.name,
                            "level": judgement.level.name if judgement.level else None,
                            "level_text": judgement.level_text,
                            "evidence": judgement.evidence,
                            "improvements": judgement.improvements,
                            "recommendations": [
                                {
                                    "text": recommendation.text,
                                    "milestone": milestone_ref(recommendation.milestone)
                                    if recommendation.milestone
                                    else None,
                                }
                                for recommendation in judgement.recommendations.all()
                            ],
                        }
                        for judgement in assessment.judgements.all()
                    ],
                }
                for assessment in assessments.order_by("assessed_on", "pk")
            ],
        },
    }


def export_rounds(*, framework: Framework, round: str = "") -> tuple[str, str]:
    """The round to export as current (the latest with updates, unless named) and the one before."""
    rounds = list(framework.rounds.filter(returns__isnull=False).distinct().order_by("-start_date"))
    labels = [p.label for p in rounds]
    if round:
        matches = [p for p in labels if p.casefold() == round.casefold()]
        if not matches:
            raise ValueError(f"{framework.name} has no round “{round}” with updates.")
        index = labels.index(matches[0])
    else:
        if not labels:
            return "", ""
        index = 0
    previous = labels[index + 1] if index + 1 < len(labels) else ""
    return labels[index], previous
