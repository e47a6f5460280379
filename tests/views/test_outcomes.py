"""Progress by outcome: each outcome with the commitments serving it and their latest approved
status, as seed 002's pledge 1 ("Involve") sets them out."""

import pytest
from django.urls import reverse

from frameworks.models import RAG, MilestoneOutcome
from tests.factories import (
    ApprovedReturnFactory,
    FrameworkFactory,
    MilestoneFactory,
    OutcomeFactory,
    RoundFactory,
    ThemeFactory,
)
from tests.html import text, texts

PLEDGE_1 = [
    "Introduce a 'co-production framework' to help us work together with communities to develop "
    "council plans and commission all services (where appropriate), including jointly delivered "
    "services.",
    "Use co-production in commissioning, starting with adult social care, health and wellbeing, "
    "and youth and cohesion services (which bring people from different backgrounds together).",
    "Co-produce new versions of key council plans, such as the Community Plan, Community Safety "
    "Partnership Plan and Health and Wellbeing Strategy.",
    "Report to our cabinet each year on our progress on co-producing commissioning across the "
    "council, and make sure this information is easily accessible on our website.",
]


@pytest.fixture
def involve(post):
    framework = FrameworkFactory(name="Tower Hamlets Community Engagement Framework 2018-2021")
    theme = ThemeFactory(framework=framework, name="Involve", code="1")
    outcome = OutcomeFactory(
        theme=theme,
        title="Services are better at delivering improved outcomes and customer satisfaction.",
    )
    milestones = [
        MilestoneFactory(theme=theme, title=title, lead=post if i == 0 else None)
        for i, title in enumerate(PLEDGE_1)
    ]
    for milestone in milestones:
        MilestoneOutcome.objects.create(milestone=milestone, outcome=outcome)
    round = RoundFactory(framework=framework, label="Q3 2019-20", state="CLOSED")
    ApprovedReturnFactory(milestone=milestones[0], round=round, rag=RAG.COMPLETED)
    ApprovedReturnFactory(milestone=milestones[1], round=round, rag=RAG.IN_PROGRESS)
    return framework, outcome, milestones


def test_each_outcome_lists_its_commitments_with_their_status(client, officer, involve):
    framework, outcome, milestones = involve
    client.force_login(officer)
    page = client.get(reverse("frameworks:outcome-list", args=[framework.slug]))
    assert text(page, "h2") == "1 Involve"
    assert outcome.title in texts(page, "h3")
    assert text(page, ".app-outcome-summary") == (
        "4 commitments: 1 completed, 1 in progress, 2 no update"
    )
    assert texts(page, "tbody td:last-child") == [
        "Completed", "In progress", "No status", "No status",
    ]  # fmt: skip
    # The framework's page links here, and a milestone's page names the outcome it serves.
    overview = client.get(reverse("frameworks:framework-detail", args=[framework.slug]))
    assert "Progress by outcome (1 outcome)" in text(overview, "#outcomes-and-measures")
    detail = client.get(reverse("frameworks:milestone-detail", args=[milestones[0].pk]))
    assert outcome.title in text(detail, ".govuk-summary-list")


def test_an_officer_sees_only_their_commitments_when_the_plan_is_closed_to_officers(
    client, officer, involve
):
    framework, _, milestones = involve
    framework.officers_read_all = False
    framework.save()
    client.force_login(officer)
    page = client.get(reverse("frameworks:outcome-list", args=[framework.slug]))
    assert len(texts(page, "tbody tr")) == 1
    assert text(page, ".app-outcome-summary") == "1 commitment: 1 completed"


@pytest.mark.parametrize("outcomes", [1, 8])
def test_the_page_reads_a_fixed_number_of_queries(
    client, policy_user, involve, outcomes, django_assert_max_num_queries
):
    framework, outcome, milestones = involve
    for _ in range(outcomes):
        extra = OutcomeFactory(theme=outcome.theme)
        for milestone in milestones:
            MilestoneOutcome.objects.create(milestone=milestone, outcome=extra)
    client.force_login(policy_user)
    with django_assert_max_num_queries(10):
        client.get(reverse("frameworks:outcome-list", args=[framework.slug]))
