import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import RAG, PeriodState, UpdateState
from frameworks.services.periods import (
    reporting_period_close,
    reporting_period_create,
    reporting_period_open,
)
from tests.factories import ApprovedUpdateFactory, MilestoneFactory, PeriodFactory


@pytest.fixture
def history(milestone):
    """Q2 2020-21 closed: one milestone in progress, one completed, one with no update."""
    framework = milestone.framework
    q2 = PeriodFactory(
        framework=framework,
        label="Q2 2020-21",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 9, 30),
        due_date=dt.date(2020, 9, 25),
        state=PeriodState.CLOSED,
    )
    in_progress = ApprovedUpdateFactory(milestone=milestone, period=q2, rag=RAG.IN_PROGRESS)
    done = MilestoneFactory(theme=milestone.theme, title="Promote the Members Hub internally")
    ApprovedUpdateFactory(milestone=done, period=q2, rag=RAG.COMPLETED)
    fresh = MilestoneFactory(
        theme=milestone.theme, title="Councillors to visit Holiday Childcare Scheme"
    )
    q3 = reporting_period_create(
        framework=framework,
        label="Q3 2020-21",
        start_date=dt.date(2020, 10, 1),
        end_date=dt.date(2020, 12, 31),
        due_date=dt.date(2021, 1, 15),
    )
    return {"q3": q3, "in_progress": in_progress, "done": done, "fresh": fresh}


def test_opening_creates_returns_for_open_milestones_and_carries_rag(history, policy_user):
    q3 = reporting_period_open(period=history["q3"], user=policy_user)
    assert q3.state == PeriodState.OPEN
    returns = {u.milestone_id: u for u in q3.updates.all()}
    assert history["done"].pk not in returns, "completed milestones drop out of later rounds"
    carried = returns[history["in_progress"].milestone_id]
    assert carried.previous == history["in_progress"]
    assert carried.rag == RAG.IN_PROGRESS
    assert carried.state == UpdateState.NOT_STARTED
    assert returns[history["fresh"].pk].previous is None
    # The completed milestone keeps its history.
    assert history["done"].updates.count() == 1


def test_only_one_round_open_per_framework(history, policy_user):
    PeriodFactory(framework=history["q3"].framework, label="Q1 2021-22", state=PeriodState.OPEN)
    with pytest.raises(ValidationError, match="already open"):
        reporting_period_open(period=history["q3"], user=policy_user)
    history["q3"].refresh_from_db()
    assert history["q3"].state == PeriodState.DRAFT
    assert history["q3"].updates.count() == 0


def test_open_twice_is_refused(history, policy_user):
    reporting_period_open(period=history["q3"], user=policy_user)
    with pytest.raises(ValidationError, match="not draft"):
        reporting_period_open(period=history["q3"], user=policy_user)


def test_close_then_returns_are_read_only(history, policy_user):
    q3 = reporting_period_open(period=history["q3"], user=policy_user)
    closed = reporting_period_close(period=q3, user=policy_user)
    assert closed.state == PeriodState.CLOSED
    assert closed.closed_by == policy_user
    assert not any(u.is_editable for u in closed.updates.select_related("period"))


def test_create_refuses_duplicate_label_and_reversed_dates(milestone):
    framework = milestone.framework
    reporting_period_create(
        framework=framework,
        label="Q4 2020-21",
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2021, 3, 31),
        due_date=dt.date(2021, 4, 15),
    )
    with pytest.raises(ValidationError) as exc:
        reporting_period_create(
            framework=framework,
            label="Q4 2020-21",
            start_date=dt.date(2021, 1, 1),
            end_date=dt.date(2021, 3, 31),
            due_date=dt.date(2021, 4, 15),
        )
    assert "already has a round with this label" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        reporting_period_create(
            framework=framework,
            label="Q1 2021-22",
            start_date=dt.date(2021, 6, 30),
            end_date=dt.date(2021, 4, 1),
            due_date=dt.date(2021, 7, 15),
        )
    assert "end_date" in exc.value.message_dict
