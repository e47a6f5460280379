import datetime as dt

import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from frameworks.models import (
    RAG,
    AgendaItem,
    Framework,
    MeetingAction,
    Return,
    ReturnState,
    RoundState,
)
from frameworks.services.demo import demo_data_load
from tests.builders import DEMO_DAY
from tests.html import error_summary, text


def test_demo_loads_the_seeded_framework_once(db):
    result = demo_data_load(password="demo-tracker-2020", today=DEMO_DAY)
    framework = result.framework
    assert result.created
    assert framework.themes.count() == 14
    assert framework.milestones.count() == 73
    rounds = {p.label: p for p in framework.rounds.all()}
    assert rounds["Q4 2019-20"].state == RoundState.CLOSED
    assert rounds["Q2 2020-21"].state == RoundState.CLOSED
    q3 = rounds["Q3 2020-21"]
    assert q3.state == RoundState.OPEN
    # 39 milestones were completed by Q2 2020-21; the other 34 get a return, nothing submitted.
    assert q3.returns.count() == 34
    assert set(q3.returns.values_list("state", flat=True)) == {ReturnState.NOT_STARTED}
    q2 = Return.objects.filter(round=rounds["Q2 2020-21"])
    assert q2.filter(rag=RAG.IN_PROGRESS).count() == 22
    assert framework.milestones.completed().count() == 39

    officer = get_user_model().objects.get(username="officer")
    assert list(officer.posts.values_list("title", flat=True)) == ["Divisional Director SPP"]
    assert officer.check_password("demo-tracker-2020")

    plan = result.improvement_plan
    assert plan.name == "Tower Hamlets Improvement Plan"
    assert plan.milestones.count() == 33 and plan.themes.count() == 9

    again = demo_data_load(password="demo-tracker-2020", today=DEMO_DAY)
    assert not again.created
    # The framework, the improvement plan, and the actions the Transformation Advisory Board
    # agreed on 17 October 2023 (seed 003's minutes): none made again.
    assert sorted(Framework.objects.values_list("name", flat=True)) == [
        "Tower Hamlets Community Engagement Framework 2018-2021",
        "Tower Hamlets Improvement Plan",
        "Transformation Advisory Board: actions agreed",
        "Ward Councillor Support Framework",
    ]
    assert MeetingAction.objects.count() == 3 and AgendaItem.objects.count() == 31
    # 70 updates in Q4 2019-20, 42 in Q2 2020-21, 34 returns in Q3 2020-21, and the 33
    # improvement-plan actions' Q3 2019-20 updates: none added again.
    assert Return.objects.count() == 70 + 42 + 34 + 33


def test_the_demo_can_be_worked_today_its_open_round_is_this_quarter(db, client):
    """A newcomer on 4 December 2026 finds Q3 2026-27 open, due ahead, nothing late, and can
    submit In progress with the form's own example of a new deadline."""
    today = dt.date(2026, 12, 4)
    with time_machine.travel(dt.datetime(2026, 12, 4, 10, tzinfo=dt.UTC), tick=False):
        framework = demo_data_load(password="demo-tracker-2020", today=today).framework
        current = framework.rounds.get(state=RoundState.OPEN)
        assert current.label == "Q3 2026-27"
        dates = (current.start_date, current.end_date, current.due_date)
        assert dates == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 15))
        assert not current.is_late(today=today)
        # The council's own rounds keep their dates.
        closed = framework.rounds.filter(state=RoundState.CLOSED).order_by("start_date")
        assert [r.label for r in closed] == ["Q4 2019-20", "Q2 2020-21"]
        assert current.returns.count() == 34

        client.force_login(get_user_model().objects.get(username="officer"))
        mine = current.returns.filter(milestone__leads__post__holders__username="officer")
        return_ = mine.first()
        url = reverse("frameworks:return-edit", args=[return_.pk])
        hint = text(client.get(url), "#id_new_deadline-hint")
        example = hint.rsplit(" or ", 1)[1].rstrip(".")
        response = client.post(
            url,
            {
                "narrative": "How much: the Members Hub pages are drafted.",
                "rag": RAG.IN_PROGRESS,
                "new_deadline": example,
                "version": return_.version,
                "action": "submit",
            },
        )
        assert response.status_code == 302, error_summary(response)
        return_.refresh_from_db()
        assert return_.state == ReturnState.SUBMITTED


def test_the_demo_holds_the_outcomes_the_assessment_and_the_reported_figures(db):
    """Seed 002's pledges, seed 003's maturity assessment (Leadership's "Embedded" left for
    someone to resolve) and seed 004's figures, loaded with the rest, once."""
    from frameworks.models import Assessment, Indicator, IndicatorValue, Outcome

    for _ in range(2):
        demo_data_load(password="demo-tracker-2020", today=DEMO_DAY)
    assert Outcome.objects.count() == 11
    assessment = Assessment.objects.get()
    assert assessment.judgements.count() == 8
    assert [j.level_text for j in assessment.judgements.all() if j.outside_scale] == ["Embedded"]
    assert sorted(
        (v.indicator.name, str(v.value.normalize())) for v in IndicatorValue.objects.all()
    ) == [
        ("Children's social care staff turnover", "10.58"),
        ("Children's social care vacancy gap", "19.55"),
        ("Registered users on the Firmstep platform", "20393"),
    ]
    assert Indicator.objects.filter(targets__isnull=False).count() == 0  # the papers give none
