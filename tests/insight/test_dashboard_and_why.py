import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from frameworks import insight
from frameworks.models import Milestone
from frameworks.services.demo import demo_data_load
from frameworks.services.returns import ReturnInput, return_approve, return_submit
from tests.builders import DEMO_DAY, make_framework


@pytest.fixture
def demo(db):
    return demo_data_load(password="demo-tracker-2020", today=DEMO_DAY).framework


def test_dashboard_counts_by_theme_and_trend_across_rounds(demo):
    ids = list(demo.milestones.values_list("pk", flat=True))
    dashboard = insight.framework_dashboard(framework=demo, milestone_ids=ids)
    assert dashboard.round.label == "Q3 2020-21"  # the open round
    # While it is open, the headline is each milestone's latest approved status, not "No update"
    # for every return still being written; the returns' progress is counted apart.
    assert dashboard.latest
    assert dashboard.counts == {"COMPLETED": 39, "IN_PROGRESS": 22, "ONGOING": 10, "OVERDUE": 2}
    # Completed milestones drop out of later rounds: their status comes from when they were done.
    assert dashboard.sources == [("Q2 2020-21", 42), ("Q4 2019-20", 31)]
    assert dashboard.returns == {"total": 34, "done": 0, "approved": 0, "percent": 0}
    trend = {r["label"]: dict(r["counts"]) for r in dashboard.rounds}
    assert "Q3 2020-21" not in trend, "the open round is not yet part of the trend"
    assert trend["Q4 2019-20"] == {
        "COMPLETED": 31,
        "IN_PROGRESS": 23,
        "ONGOING": 10,
        "OVERDUE": 6,
        "NONE": 3,
    }
    assert trend["Q2 2020-21"] == {"COMPLETED": 39, "IN_PROGRESS": 22, "ONGOING": 10, "OVERDUE": 2}
    assert "<svg" in dashboard.theme_chart and "<script" not in dashboard.trend_chart


def test_why_this_rag_in_words(return_, officer, policy_user):
    milestone = return_.milestone  # deadline April 2020
    with time_machine.travel(dt.datetime(2020, 9, 18, 12, tzinfo=dt.UTC), tick=False):
        return_submit(
            return_=return_,
            user=officer,
            data=ReturnInput(
                narrative="Delayed by the pandemic.", rag="IN_PROGRESS", new_deadline="Dec-20"
            ),
            expected_version=None,
        )
        return_approve(return_=return_, user=policy_user, expected_version=None)
    milestone.refresh_from_db()
    facts = insight.why_this_rag(milestone=milestone, today=dt.date(2021, 1, 20))
    assert facts[0] == "Deadline December 2020 passed 20 days ago."
    assert (
        "The original deadline was April 2020; it was moved to December 2020 in Q3 2020-21."
        in facts
    )
    assert "Last update: Q3 2020-21, approved 18 September 2020." in facts
    assert "The officer set In progress." in facts
    assert "That update gave a new deadline: December 2020." in facts
    assert "It is flagged overdue: the deadline has passed and it is not complete." in facts
    assert "It is flagged stale: no update for more than 120 days." in facts
    fresh = insight.why_this_rag(milestone=milestone, today=dt.date(2020, 10, 1))
    assert fresh[0] == "Deadline December 2020 is in 91 days."
    assert not any("stale" in f or "overdue" in f for f in fresh)


def test_stale_threshold_is_configurable(settings):
    settings.TRACKER_STALE_DAYS = 30
    now = timezone.now()
    assert insight.is_stale(now - dt.timedelta(days=31), timezone.localdate())
    assert not insight.is_stale(now - dt.timedelta(days=29), timezone.localdate())
    assert insight.is_stale(None, timezone.localdate())


def test_framework_page_keeps_a_fixed_query_count_at_ten_times_the_demo(
    client, demo, policy_user, django_assert_max_num_queries
):
    client.force_login(policy_user)
    with django_assert_max_num_queries(16):
        client.get(reverse("frameworks:framework-detail", args=[demo.slug]))
    same = make_framework(name="Demo size", milestones=73, rounds=3)
    big = make_framework(name="Ten times the demo", milestones=730, rounds=3)
    with django_assert_max_num_queries(16) as small:
        client.get(reverse("frameworks:framework-detail", args=[same.slug]))
    with django_assert_max_num_queries(16) as large:
        response = client.get(reverse("frameworks:framework-detail", args=[big.slug]))
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert Milestone.objects.filter(framework=big).count() == 730
