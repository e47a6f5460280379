"""Reads for exports: the whole plan as plain data (the JSON export and the spreadsheets built
from it), which rounds to export, and each theme's progress."""

from __future__ import annotations

from django.db.models import Prefetch

from frameworks.domain.deadlines import Deadline
from frameworks.models import (
    DeadlineKind,
    Framework,
    Milestone,
    MilestonePost,
    Return,
    ReturnState,
)


def _deadline_data(obj, prefix: str) -> dict | None:
    """A deadline as exported: {text, date, precision, kind}; None if there is none."""
    deadline = Deadline.read(obj, prefix)
    if deadline.is_blank and deadline.kind in ("", DeadlineKind.NOT_SET) and prefix != "deadline":
        return None
    return deadline.as_dict()


def framework_export_data(*, framework: Framework) -> dict:
    """The whole plan as plain data, in plan order (five queries): the framework, its rounds,
    themes, milestones with every field, and each milestone's approved updates (returns still in
    progress are not the plan's record). The README documents the schema."""
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
        )
        .order_by("theme__order", "order", "pk")
    )
    themes: dict[int, dict] = {
        theme.pk: {"code": theme.code, "name": theme.name, "milestones": []}
        for theme in framework.themes.order_by("order", "name")
    }
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
