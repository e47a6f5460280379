"""Load the demo data (built from the council papers in the seeds) through the domain services."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from frameworks.domain.deadlines import Deadline, quarter_label, quarter_of
from frameworks.models import (
    DeadlineKind,
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
from frameworks.roles import DEMOCRATIC_SERVICES, POLICY_TEAM, ensure_role_groups
from frameworks.services.demo_indicators import demo_indicators_load
from frameworks.services.demo_maturity import demo_maturity_load
from frameworks.services.demo_pledges import demo_pledges_load
from frameworks.services.imports import legacy_import
from frameworks.services.rounds import round_open

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEMO_FILE = FIXTURES / "demo" / "ward-councillor-support-framework.json"
# The improvement plan from seed 004's appendix, in the actions layout (fixtures/build_legacy.py).
ACTIONS_FILE = FIXTURES / "legacy" / "actions-improvement-plan.xlsx"
ACTIONS_FRAMEWORK = "Tower Hamlets Improvement Plan"
ACTIONS_ROUND = "Q3 2019-20"
ROLE_GROUP = {"policy": POLICY_TEAM, "democratic_services": DEMOCRATIC_SERVICES}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    posts: tuple[str, ...]


@dataclass(frozen=True)
class DemoResult:
    framework: Framework
    created: bool
    logins: list[DemoLogin]
    improvement_plan: Framework | None = None


def _load_measures() -> None:
    """Seed 002's pledges (outcomes), seed 003's maturity assessment of community engagement,
    and the improvement plan's indicators from the figures seed 004 reports (idempotent)."""
    demo_pledges_load()
    demo_maturity_load()
    demo_indicators_load()


def demo_boards_load() -> None:
    from frameworks.services.demo_boards import demo_boards_load as load

    load()


def _load_board_report(framework: Framework) -> None:
    """A draft report of the tracked round to the Transformation and Improvement Board."""
    from frameworks.services.boards import board_get_or_create, meeting_get_or_create
    from frameworks.services.reports import board_report_create

    round = framework.rounds.get(label="Q2 2020-21")
    board = board_get_or_create(name="Transformation and Improvement Board", user=None)
    # The date the demo's report is for. Its time is not known (no paper gives one), so none
    # is recorded and none is printed.
    meeting = meeting_get_or_create(
        board=board,
        date=dt.date(2020, 12, 9),
        venue="Council Chamber, Town Hall, Mulberry Place, 5 Clove Crescent, London E14 2BG",
    )
    if not framework.reports.filter(round=round, meeting=meeting).exists():
        board_report_create(
            framework=framework,
            round=round,
            meeting=meeting,
            originating_officers="Divisional Director SPP",
            wards_affected="All wards",
        )


def _load_improvement_plan() -> Framework:
    """Import the actions-layout workbook through the importer (idempotent)."""
    report = legacy_import(
        data=ACTIONS_FILE.read_bytes(),
        file_name=ACTIONS_FILE.name,
        framework_name=ACTIONS_FRAMEWORK,
        round_label=ACTIONS_ROUND,
    )
    if report.errors:
        raise RuntimeError(f"The demo improvement plan did not import: {report.errors}")
    framework = Framework.objects.get(name=ACTIONS_FRAMEWORK)
    if not framework.description:
        framework.description = (
            "The council's improvement plan answering its peer challenge: recommendations R1 to "
            "R11 and their actions, each with owners, monitoring groups and % progress, as "
            "exported for the Transformation and Improvement Board of 9 December 2019."
        )
        framework.owner = "Strategy, Policy and Performance"
        framework.save(update_fields=["description", "owner"])
    return framework


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _deadline_fields(prefix: str, deadline: dict | None) -> dict:
    """The model fields for a deadline as the demo data writes it ({text, date, …})."""
    if not deadline:
        return {}
    return Deadline(
        deadline["text"], _date(deadline["date"]), deadline["precision"], deadline["kind"]
    ).columns(prefix)


def _load_users(data: dict, password: str) -> list[DemoLogin]:
    ensure_role_groups()
    User = get_user_model()
    logins = []
    for spec in data["users"]:
        user, _ = User.objects.get_or_create(
            username=spec["username"],
            defaults={
                "first_name": spec["first_name"],
                "last_name": spec["last_name"],
                "email": spec["email"],
            },
        )
        user.set_password(password)
        user.is_staff = user.is_superuser = spec["role"] == "admin"
        user.save()
        if spec["role"] in ROLE_GROUP:
            user.groups.add(Group.objects.get(name=ROLE_GROUP[spec["role"]]))
        for title in spec["posts"]:
            Post.objects.get(title=title).holders.add(user)
        logins.append(DemoLogin(spec["username"], password, spec["role"], tuple(spec["posts"])))
    return logins


@transaction.atomic
def _current_round(data: dict, today: dt.date) -> None:
    """The demo's open round is the quarter `today` is in, due 15 days after it ends, so a
    newcomer can write, submit and approve a whole round now. The council's rounds, the ones
    its papers report on, keep their own dates."""
    start, end = quarter_of(today)
    for round in data["periods"]:
        if round["state"] == RoundState.OPEN:
            round |= {
                "label": quarter_label(today),
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "due_date": (end + dt.timedelta(days=15)).isoformat(),
            }


def demo_data_load(
    *, path: Path = DEMO_FILE, password: str, today: dt.date | None = None
) -> DemoResult:
    """Create the demo framework, its rounds and updates, and the demo users. Its open round is
    the quarter `today` is in (default: today), due ahead (`_current_round`).

    Idempotent: if the framework already exists nothing is changed but the users' passwords.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    _current_round(data, today or timezone.localdate())
    spec = data["framework"]
    existing = Framework.objects.filter(slug=spec["slug"]).first()
    if existing:
        plan = _load_improvement_plan()
        _load_measures()
        demo_boards_load()
        return DemoResult(existing, False, _load_users(data, password), plan)

    framework = Framework.objects.create(
        name=spec["name"],
        slug=spec["slug"],
        description=spec["description"],
        owner=spec["owner"],
        start_date=_date(spec["start_date"]),
        end_date=_date(spec["end_date"]),
    )
    themes = {
        t["name"]: Theme.objects.create(framework=framework, name=t["name"], order=t["order"])
        for t in data["themes"]
    }
    rounds = {
        p["label"]: Round.objects.create(
            framework=framework,
            label=p["label"],
            start_date=dt.date.fromisoformat(p["start_date"]),
            end_date=dt.date.fromisoformat(p["end_date"]),
            due_date=dt.date.fromisoformat(p["due_date"]),
            state=RoundState.CLOSED if p["state"] == RoundState.CLOSED else RoundState.DRAFT,
        )
        for p in data["periods"]
    }
    posts: dict[str, Post] = {p.title: p for p in Post.objects.all()}
    for row in data["milestones"]:
        milestone = Milestone.objects.create(
            framework=framework,
            theme=themes[row["theme"]],
            title=row["title"],
            existing_activity=row["existing_activity"],
            order=row["order"],
            source_reference=row["source_reference"],
            **_deadline_fields("deadline", row["deadline"]),
        )
        if milestone.deadline_kind == "":
            milestone.deadline_kind = DeadlineKind.NOT_SET
        for order, lead in enumerate(row["leads"]):
            post = posts.get(lead["post"]) or Post.objects.create(title=lead["post"])
            posts[post.title] = post
            MilestonePost.objects.create(
                milestone=milestone, post=post, role=lead["role"], order=order
            )
        previous = None
        for entry in row["updates"]:
            round = rounds[entry["period"]]
            stamp = dt.datetime.combine(round.due_date, dt.time(12), tzinfo=dt.UTC)
            return_ = Return.objects.create(
                milestone=milestone,
                round=round,
                previous=previous,
                narrative=entry["narrative"],
                rag=entry["rag"],
                rag_text=entry["rag_text"],
                state=ReturnState.APPROVED,
                saved_at=stamp,
                submitted_at=stamp,
                reviewed_at=stamp,
                **_deadline_fields("new_deadline", entry["new_deadline"]),
            )
            if entry["new_deadline"]:
                for field, value in _deadline_fields(
                    "revised_deadline", entry["new_deadline"]
                ).items():
                    setattr(milestone, field, value)
                milestone.save()
            previous = return_

    logins = _load_users(data, password)
    policy = get_user_model().objects.filter(groups__name=POLICY_TEAM).first()
    for label, p in rounds.items():
        spec_state = next(x["state"] for x in data["periods"] if x["label"] == label)
        if spec_state == RoundState.OPEN:
            round_open(round=p, user=policy, expected_version=None)
    _load_board_report(framework)
    plan = _load_improvement_plan()
    _load_measures()
    demo_boards_load()
    return DemoResult(framework, True, logins, plan)
