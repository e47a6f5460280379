"""Reads for the maturity self-assessment: a framework's scale, standards and assessments; one
assessment with its judgements, their movement since the assessment before and the
recommendations (with the milestones they became); and the maturity table a board report
prints (`maturity_table`). Each reads a fixed number of queries, whatever the number of
standards, judgements or recommendations.

Movement is the domain's (`frameworks.domain.maturity.movement`): levels compare by rank, and a
level written outside the scale cannot be compared until someone resolves it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from frameworks.domain.maturity import Movement, movement
from frameworks.models import (
    Assessment,
    Framework,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    Recommendation,
)
from frameworks.rules import allowed


@dataclass(frozen=True)
class MaturityRow:
    standard: str  # name
    description: str
    level: str  # level name as judged ("" when not judged), level_text if outside the scale
    outside_scale: bool
    previous_level: str | None  # None when no previous assessment judged it
    movement: Movement  # frameworks.domain.maturity.movement(...)


@dataclass(frozen=True)
class MaturityTable:
    assessment: Assessment
    previous: Assessment | None
    scale: list[MaturityLevel]
    rows: list[MaturityRow]


def _as_judged(judgement: Judgement | None) -> tuple[str | None, int | None]:
    """(level as judged, its rank): (None, None) when not judged, rank None outside the scale."""
    if judgement is None:
        return None, None
    level = judgement.level if judgement.level_id is not None else None
    if level is not None:
        return level.name, level.rank
    if judgement.level_text:
        return judgement.level_text, None
    return None, None


def _row(
    standard: MaturityStandard, now: Judgement | None, before: Judgement | None, compared: bool
) -> MaturityRow:
    """A standard's row. `compared`: there is an assessment before this one."""
    name, rank = _as_judged(now)
    previous_name, previous_rank = _as_judged(before)
    if name is None and previous_name is None:
        moved = Movement("UNKNOWN", "Not judged")
    elif not compared:
        moved = movement(
            previous_name=None, previous_rank=None, current_name=name, current_rank=rank
        )
    else:
        moved = movement(
            previous_name=previous_name,
            previous_rank=previous_rank,
            current_name=name,
            current_rank=rank,
        )
    return MaturityRow(
        standard=standard.name,
        description=standard.description,
        level=name or "",
        outside_scale=bool(now and now.outside_scale),
        previous_level=previous_name,
        movement=moved,
    )


def _previous(assessment: Assessment) -> Assessment | None:
    return (
        Assessment.objects.filter(
            framework_id=assessment.framework_id, assessed_on__lt=assessment.assessed_on
        )
        .order_by("-assessed_on", "-pk")
        .first()
    )


def _judgements(assessment_ids: list[int]) -> dict[tuple[int, int], Judgement]:
    """Judgements of these assessments by (assessment id, standard id), with their levels."""
    return {
        (j.assessment_id, j.standard_id): j
        for j in Judgement.objects.filter(assessment_id__in=assessment_ids).select_related("level")
    }


def maturity_table(*, framework: Framework, as_of: dt.date | None = None) -> MaturityTable | None:
    """The latest assessment on or before `as_of` (default: the latest), compared with the one
    before it: a row per standard judged in either, in the framework's order. None when the
    framework has no assessment by then. Four queries."""
    assessments = Assessment.objects.filter(framework=framework)
    if as_of is not None:
        assessments = assessments.filter(assessed_on__lte=as_of)
    latest = list(assessments.order_by("-assessed_on", "-pk")[:2])
    if not latest:
        return None
    assessment = latest[0]
    previous = latest[1] if len(latest) > 1 else None
    scale = list(MaturityLevel.objects.filter(framework=framework).order_by("rank"))
    standards = list(MaturityStandard.objects.filter(framework=framework).order_by("order", "pk"))
    judged = _judgements([a.pk for a in latest])
    rows = []
    for standard in standards:
        now = judged.get((assessment.pk, standard.pk))
        before = judged.get((previous.pk, standard.pk)) if previous else None
        if _as_judged(now)[0] is None and _as_judged(before)[0] is None:
            continue
        rows.append(_row(standard, now, before, previous is not None))
    return MaturityTable(assessment=assessment, previous=previous, scale=scale, rows=rows)


@dataclass(frozen=True)
class MaturityOverview:
    """A framework's maturity pages: its scale (least mature first), its standards in order and
    its assessments, newest first, each with `judged_count` and `outside_count` (judgements at
    a level not on the scale)."""

    framework: Framework
    scale: list[MaturityLevel]
    standards: list[MaturityStandard]
    assessments: list[Assessment]


def assessment_list(*, framework: Framework) -> MaturityOverview:
    """Three queries. Whether the user may read the framework is checked by the view."""
    outside = Q(judgements__level__isnull=True) & ~Q(judgements__level_text="")
    judged = Q(judgements__level__isnull=False) | ~Q(judgements__level_text="")
    return MaturityOverview(
        framework=framework,
        scale=list(MaturityLevel.objects.filter(framework=framework).order_by("rank")),
        standards=list(
            MaturityStandard.objects.filter(framework=framework).order_by("order", "pk")
        ),
        assessments=list(
            Assessment.objects.filter(framework=framework)
            .annotate(
                judged_count=Count("judgements", filter=judged),
                outside_count=Count("judgements", filter=outside),
            )
            .order_by("-assessed_on", "-pk")
        ),
    )


@dataclass(frozen=True)
class JudgementEntry:
    """One standard's judgement on the assessment page: the judgement (with its standard,
    level and recommendations, each with the milestone it became) and its table row."""

    judgement: Judgement
    row: MaturityRow
    recommendations: list[Recommendation]


@dataclass(frozen=True)
class AssessmentDetail:
    assessment: Assessment
    previous: Assessment | None
    scale: list[MaturityLevel]
    entries: list[JudgementEntry]

    @property
    def framework(self) -> Framework:
        return self.assessment.framework

    @property
    def outside_scale(self) -> list[JudgementEntry]:
        return [e for e in self.entries if e.judgement.outside_scale]


def assessment_detail(*, pk: int, user) -> AssessmentDetail | None:
    """One assessment, its judgements in the standards' order with their movement since the
    assessment before it, or None if there is none or `user` may not read its framework.
    Seven queries (and the framework rule's own)."""
    assessment = Assessment.objects.select_related("framework").filter(pk=pk).first()
    if assessment is None or not allowed(user, "frameworks.read_framework", assessment.framework):
        return None
    previous = _previous(assessment)
    scale = list(MaturityLevel.objects.filter(framework_id=assessment.framework_id))
    judgements = list(
        Judgement.objects.filter(assessment=assessment)
        .select_related("standard", "level")
        .prefetch_related(
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.select_related("milestone").order_by("order", "pk"),
            )
        )
        .order_by("standard__order", "standard__pk")
    )
    before = _judgements([previous.pk]) if previous else {}
    entries = [
        JudgementEntry(
            judgement=j,
            row=_row(
                j.standard,
                j,
                before.get((previous.pk, j.standard_id)) if previous else None,
                previous is not None,
            ),
            recommendations=list(j.recommendations.all()),
        )
        for j in judgements
    ]
    return AssessmentDetail(
        assessment=assessment,
        previous=previous,
        scale=sorted(scale, key=lambda level: level.rank),
        entries=entries,
    )


def judgement_get(*, pk: int) -> Judgement | None:
    """A judgement with its assessment, framework, standard and level (for its forms)."""
    return (
        Judgement.objects.select_related("assessment__framework", "standard", "level")
        .filter(pk=pk)
        .first()
    )
