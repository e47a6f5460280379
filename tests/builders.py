"""Test data builders shared by the tests and the benchmarks (`bench/`): large, realistic plans
made from the council papers' own vocabulary.

Milestone titles, leads, deadlines and narratives are taken from the demo data (seeds 000 and
001) and the improvement plan (seed 004), cycled and numbered; no invented text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

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

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEMO = FIXTURES / "demo" / "ward-councillor-support-framework.json"
RAG_CYCLE = [RAG.COMPLETED, RAG.IN_PROGRESS, RAG.ONGOING, RAG.IN_PROGRESS, RAG.OVERDUE,
             RAG.IN_PROGRESS, RAG.ONGOING, RAG.NOT_STARTED]  # fmt: skip


def rag_at(index: int, round_index: int) -> str:
    """The status of milestone `index` at round `round_index`: each milestone moves on once
    every four rounds, staggered, so about a quarter of a plan changes status each quarter
    (as in the papers' trackers) rather than all of it."""
    moves = (round_index + (index * 7) % 4) // 4
    return RAG_CYCLE[(index + moves) % len(RAG_CYCLE)]


def vocabulary() -> dict:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    milestones = data["milestones"]
    narratives = [u["narrative"] for m in milestones for u in m["updates"] if u["narrative"]]
    return {
        "themes": [t["name"] for t in data["themes"]],
        "titles": [m["title"] for m in milestones],
        "posts": sorted({lead["post"] for m in milestones for lead in m["leads"]}),
        "deadlines": [m["deadline"] for m in milestones],
        "narratives": narratives,
    }


def date_parts(**dates: str) -> dict[str, str]:
    """Dates written d/m/yyyy as GOV.UK's date input posts them: `<name>_day`, `_month`,
    `_year` (for a form's POST data)."""
    data = {}
    for name, written in dates.items():
        day, month, year = written.split("/")
        data |= {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}
    return data


# A day in the demo's open round as the papers leave it (Q3 2020-21, due 15 January 2021): tests
# that read the demo's figures load it as of this day (`demo_data_load(today=DEMO_DAY)`).
DEMO_DAY = dt.date(2020, 11, 16)


def quarter_labels(count: int, *, first_year: int = 2018) -> list[str]:
    labels = []
    year, quarter = first_year, 1
    for _ in range(count):
        labels.append(f"Q{quarter} {year}-{(year + 1) % 100:02d}")
        quarter += 1
        if quarter > 4:
            quarter, year = 1, year + 1
    return labels


@transaction.atomic
def make_framework(
    *, name: str, milestones: int, rounds: int = 2, posts: list[Post] | None = None
) -> Framework:
    """A framework with `milestones` milestones in the papers' 14 themes and `rounds` closed
    rounds, every milestone with an approved update in each round. Bulk inserts, a few
    statements per round whatever the size; no history rows except the framework's."""
    words = vocabulary()
    framework = Framework.objects.create(
        name=name, slug=name.lower().replace(" ", "-"), owner="Strategy, Policy and Performance",
        start_date=dt.date(2018, 4, 1),
    )  # fmt: skip
    themes = Theme.objects.bulk_create(
        [Theme(framework=framework, name=t, order=i) for i, t in enumerate(words["themes"], 1)]
    )
    if posts is None:
        existing = {p.title: p for p in Post.objects.filter(title__in=words["posts"])}
        missing = [Post(title=t) for t in words["posts"] if t not in existing]
        posts = list(existing.values()) + Post.objects.bulk_create(missing)
    titles = itertools.cycle(words["titles"])
    deadlines = itertools.cycle(words["deadlines"])
    objects = []
    for n in range(milestones):
        deadline = next(deadlines)
        objects.append(
            Milestone(
                framework=framework,
                theme=themes[n % len(themes)],
                title=f"{next(titles)} ({n + 1})",
                order=n // len(themes) + 1,
                deadline_text=deadline["text"],
                deadline_date=dt.date.fromisoformat(deadline["date"]) if deadline["date"] else None,
                deadline_precision=deadline["precision"],
                deadline_kind=deadline["kind"],
            )
        )
    objects = Milestone.objects.bulk_create(objects, batch_size=1000)
    MilestonePost.objects.bulk_create(
        [MilestonePost(milestone=m, post=posts[i % len(posts)]) for i, m in enumerate(objects)],
        batch_size=1000,
    )
    narratives = itertools.cycle(words["narratives"])
    previous: dict[int, Return] = {}
    now = timezone.now()
    made = []
    for label in quarter_labels(rounds):
        start, end = quarter_dates(label)
        made.append(
            Round(
                framework=framework, label=label, start_date=start, end_date=end,
                due_date=end, state=RoundState.CLOSED,
            )
        )  # fmt: skip
    for r, round in enumerate(Round.objects.bulk_create(made)):
        returns = [
            Return(
                milestone=m,
                round=round,
                previous=previous.get(m.pk),
                narrative=next(narratives),
                rag=rag_at(i, r),
                percent_complete=(i * 7 + r * 13) % 101,
                state=ReturnState.APPROVED,
                submitted_at=now,
                reviewed_at=now,
            )
            for i, m in enumerate(objects)
        ]
        previous = {u.milestone_id: u for u in Return.objects.bulk_create(returns, batch_size=1000)}
    return framework
