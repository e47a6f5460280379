from django.contrib.auth import get_user_model

from frameworks.models import RAG, Framework, Return, ReturnState, RoundState
from frameworks.services.demo import demo_data_load


def test_demo_loads_the_seeded_framework_once(db):
    result = demo_data_load(password="demo-tracker-2020")
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

    again = demo_data_load(password="demo-tracker-2020")
    assert not again.created
    assert Framework.objects.count() == 2
    # 70 updates in Q4 2019-20, 42 in Q2 2020-21, 34 returns in Q3 2020-21, and the 33
    # improvement-plan actions' Q3 2019-20 updates: none added again.
    assert Return.objects.count() == 70 + 42 + 34 + 33
