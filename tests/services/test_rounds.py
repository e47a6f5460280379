import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import RAG, ReturnState, Round, RoundState
from frameworks.services.rounds import (
    RoundConflict,
    round_close,
    round_create,
    round_open,
)
from tests.factories import (
    ApprovedReturnFactory,
    MilestoneFactory,
    PolicyUserFactory,
    RoundFactory,
)


@pytest.fixture
def history(milestone):
    """Q2 2020-21 closed: one milestone in progress, one completed, one with no update."""
    framework = milestone.framework
    q2 = RoundFactory(
        framework=framework,
        label="Q2 2020-21",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 9, 30),
        due_date=dt.date(2020, 9, 25),
        state=RoundState.CLOSED,
    )
    in_progress = ApprovedReturnFactory(milestone=milestone, round=q2, rag=RAG.IN_PROGRESS)
    done = MilestoneFactory(theme=milestone.theme, title="Promote the Members Hub internally")
    ApprovedReturnFactory(milestone=done, round=q2, rag=RAG.COMPLETED)
    fresh = MilestoneFactory(
        theme=milestone.theme, title="Councillors to visit Holiday Childcare Scheme"
    )
    q3 = round_create(
        framework=framework,
        label="Q3 2020-21",
        start_date=dt.date(2020, 10, 1),
        end_date=dt.date(2020, 12, 31),
        due_date=dt.date(2021, 1, 15),
    )
    return {"q3": q3, "in_progress": in_progress, "done": done, "fresh": fresh}


def test_opening_creates_returns_for_open_milestones_and_carries_rag(history, policy_user):
    q3 = round_open(round=history["q3"], user=policy_user, expected_version=None)
    assert q3.state == RoundState.OPEN
    returns = {u.milestone_id: u for u in q3.returns.all()}
    assert history["done"].pk not in returns, "completed milestones drop out of later rounds"
    carried = returns[history["in_progress"].milestone_id]
    assert carried.previous == history["in_progress"]
    assert carried.rag == RAG.IN_PROGRESS
    assert carried.state == ReturnState.NOT_STARTED
    assert returns[history["fresh"].pk].previous is None
    # The completed milestone keeps its history.
    assert history["done"].returns.count() == 1


def test_only_one_round_open_per_framework(history, policy_user):
    RoundFactory(framework=history["q3"].framework, label="Q1 2021-22", state=RoundState.OPEN)
    with pytest.raises(ValidationError, match="already open"):
        round_open(round=history["q3"], user=policy_user, expected_version=None)
    history["q3"].refresh_from_db()
    assert history["q3"].state == RoundState.DRAFT
    assert history["q3"].returns.count() == 0


def test_open_twice_is_refused(history, policy_user):
    round_open(round=history["q3"], user=policy_user, expected_version=None)
    with pytest.raises(ValidationError, match="not draft"):
        round_open(round=history["q3"], user=policy_user, expected_version=None)


def test_close_then_returns_are_read_only(history, policy_user):
    q3 = round_open(round=history["q3"], user=policy_user, expected_version=None)
    closed = round_close(round=q3, user=policy_user, expected_version=None)
    assert closed.state == RoundState.CLOSED
    assert closed.closed_by == policy_user
    assert not any(u.is_editable for u in closed.returns.select_related("round"))


def test_create_refuses_duplicate_label_and_reversed_dates(milestone):
    framework = milestone.framework
    round_create(
        framework=framework,
        label="Q4 2020-21",
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2021, 3, 31),
        due_date=dt.date(2021, 4, 15),
    )
    with pytest.raises(ValidationError) as exc:
        round_create(
            framework=framework,
            label="Q4 2020-21",
            start_date=dt.date(2021, 1, 1),
            end_date=dt.date(2021, 3, 31),
            due_date=dt.date(2021, 4, 15),
        )
    assert exc.value.message_dict == {
        "label": ["This framework already has a round called Q4 2020-21."]
    }
    with pytest.raises(ValidationError) as exc:
        round_create(
            framework=framework,
            label="Q1 2021-22",
            start_date=dt.date(2021, 6, 30),
            end_date=dt.date(2021, 4, 1),
            due_date=dt.date(2021, 7, 15),
        )
    assert "end_date" in exc.value.message_dict


# Opening and closing from a page that is out of date -----------------------------------------
def test_opening_and_closing_bump_the_version_and_record_who_in_the_history(history, policy_user):
    q3 = history["q3"]
    opened = round_open(round=q3, user=policy_user, expected_version=q3.version)
    assert opened.version == q3.version + 1
    closed = round_close(round=opened, user=policy_user, expected_version=opened.version)
    closed.refresh_from_db()
    assert closed.version == q3.version + 2
    records = list(closed.history.order_by("history_date"))
    assert [(r.state, r.version) for r in records[-2:]] == [
        (RoundState.OPEN, q3.version + 1),
        (RoundState.CLOSED, q3.version + 2),
    ]
    assert {r.history_user for r in records[-2:]} == {policy_user}


def test_opening_from_a_page_loaded_before_someone_else_opened_it_is_refused(history, policy_user):
    q3 = history["q3"]
    seen = q3.version
    jane = PolicyUserFactory(username="jane", first_name="Jane", last_name="Smith")
    round_open(round=q3, user=jane, expected_version=seen)
    with pytest.raises(RoundConflict) as exc:
        round_open(round=q3, user=policy_user, expected_version=seen)
    assert exc.value.message.startswith("Q3 2020-21 was opened by Jane Smith at ")
    assert exc.value.message.endswith("after you loaded this page; nothing was changed.")
    q3.refresh_from_db()
    assert q3.opened_by == jane
    assert q3.returns.count() == 2  # the returns were created once


def test_closing_from_a_page_loaded_before_someone_else_closed_it_is_refused(history, policy_user):
    q3 = round_open(round=history["q3"], user=policy_user, expected_version=None)
    seen = q3.version
    jane = PolicyUserFactory(username="jane", first_name="Jane", last_name="Smith")
    round_close(round=q3, user=jane, expected_version=seen)
    with pytest.raises(RoundConflict, match="Q3 2020-21 was closed by Jane Smith at"):
        round_close(round=q3, user=policy_user, expected_version=seen)
    q3.refresh_from_db()
    assert q3.closed_by == jane


def test_opening_a_round_changed_since_the_page_was_loaded_is_refused(history, policy_user):
    q3 = history["q3"]
    seen = q3.version
    jane = PolicyUserFactory(username="jane", first_name="Jane", last_name="Smith")
    changed = Round.objects.get(pk=q3.pk)  # as the admin saves a change
    changed.due_date = dt.date(2021, 1, 8)
    changed.version += 1
    changed._history_user = jane
    changed.save()
    with pytest.raises(RoundConflict, match="Q3 2020-21 was changed by Jane Smith at"):
        round_open(round=q3, user=policy_user, expected_version=seen)
    q3.refresh_from_db()
    assert q3.state == RoundState.DRAFT and q3.returns.count() == 0


# Creating a round twice -----------------------------------------------------------------------
Q4 = {
    "start_date": dt.date(2021, 1, 1),
    "end_date": dt.date(2021, 3, 31),
    "due_date": dt.date(2021, 4, 15),
}


@pytest.mark.parametrize("again", ["Q4 2020-21", "q4 2020-21", "  Q4   2020-21 "])
def test_a_round_with_the_same_name_is_a_label_error(milestone, again):
    framework = milestone.framework
    round_create(framework=framework, label="Q4 2020-21", **Q4)
    with pytest.raises(ValidationError) as exc:
        round_create(framework=framework, label=again, **Q4)
    assert exc.value.message_dict == {
        "label": ["This framework already has a round called Q4 2020-21."]
    }
    assert framework.rounds.count() == 1


def test_a_create_that_loses_a_race_is_a_label_error_not_a_crash(milestone, monkeypatch):
    """Another tab's create lands between our checks and our insert: the database refuses ours
    (IntegrityError); the person is told, as for any duplicate."""
    framework = milestone.framework
    full_clean = Round.full_clean

    def other_tab_creates_it_first(self, *args, **kwargs):
        full_clean(self, *args, **kwargs)
        Round.objects.create(framework=framework, label="Q4 2020-21", **Q4)

    monkeypatch.setattr(Round, "full_clean", other_tab_creates_it_first)
    with pytest.raises(ValidationError) as exc:
        round_create(framework=framework, label="Q4 2020-21", **Q4)
    assert exc.value.message_dict == {
        "label": ["This framework already has a round called Q4 2020-21."]
    }
    # (The stand-in for the other tab wrote in this transaction, so it was rolled back with it:
    # tests/trust/test_no_lost_updates.py races real sessions on PostgreSQL.)
