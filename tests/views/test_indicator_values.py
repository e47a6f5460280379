"""The owner gives an indicator's value in their quarterly return, beside last round's value and
the target; the policy team reviews it on the round's page. Seed 004's figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from frameworks.models import Indicator, IndicatorTarget, IndicatorValue, ReturnState
from frameworks.services.indicator_values import IndicatorValueInput, indicator_value_submit
from tests.factories import RoundFactory
from tests.html import error_summary, text, texts


@pytest.fixture
def indicator(milestone, post):
    return Indicator.objects.create(
        framework=milestone.framework,
        number="5",
        name="Children's social care vacancy gap",
        unit="%",
        direction="LOWER",
        tolerance=Decimal("2"),
        owner=post,
    )


@pytest.fixture
def value(indicator, round):
    return IndicatorValue.objects.create(indicator=indicator, round=round)


@pytest.fixture
def previous(indicator, round):
    """Last round's approved value: the 26% the paper says the gap was reduced from."""
    earlier = RoundFactory(
        framework=round.framework, label="Q2 2020-21", state="CLOSED",
        start_date=dt.date(2020, 7, 1), end_date=dt.date(2020, 9, 30),
    )  # fmt: skip
    return IndicatorValue.objects.create(
        indicator=indicator, round=earlier, value=Decimal("26"), state=ReturnState.APPROVED,
        note="Vacancy gap at the end of September.",
    )  # fmt: skip


def test_the_task_list_has_the_value_beside_the_milestones(client, officer, return_, value):
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-list"))
    assert "Indicator 5: Children's social care vacancy gap" in texts(
        page, ".govuk-task-list__link"
    )
    assert return_.milestone.title in texts(page, ".govuk-task-list__link")
    assert "completed 0 of 1 return and 0 of 1 indicator value" in text(page, "main")


def test_the_value_page_shows_last_rounds_value_and_the_target(
    client, officer, value, previous, round
):
    IndicatorTarget.objects.create(indicator=value.indicator, round=round, value=Decimal("20"))
    client.force_login(officer)
    page = client.get(reverse("frameworks:indicatorvalue-edit", args=[value.pk]))
    aside = text(page, ".app-previous-update")
    assert "Q2 2020-21" in aside and "26%" in aside
    assert "20%, tolerance 2%" in text(page, ".govuk-summary-list")


def test_submitting_goes_back_to_the_task_list_and_errors_are_specific(client, officer, value):
    client.force_login(officer)
    url = reverse("frameworks:indicatorvalue-edit", args=[value.pk])
    response = client.post(url, {"value": "a fifth", "note": "", "version": 1, "action": "submit"})
    refused = "“a fifth” is not a number. Write it like 19.55%, 20,393 or £1,200."
    assert refused in error_summary(response)
    response = client.post(
        url, {"value": "19.55", "note": "Reduced further.", "version": 1, "action": "submit"}
    )
    assert response.url == reverse("frameworks:return-list")
    value.refresh_from_db()
    assert (value.state, value.value) == (ReturnState.SUBMITTED, Decimal("19.55"))


def test_another_officer_cannot_open_or_change_the_value(client, other_officer, value):
    client.force_login(other_officer)
    url = reverse("frameworks:indicatorvalue-edit", args=[value.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"value": "1", "version": 1}).status_code == 404


def test_the_policy_team_reviews_values_from_the_round_page(
    client, officer, policy_user, value, previous, round
):
    IndicatorTarget.objects.create(indicator=value.indicator, year="2020-21", value=Decimal("20"))
    indicator_value_submit(
        value=value, user=officer, data=IndicatorValueInput(value="21.5"), expected_version=1
    )
    client.force_login(policy_user)
    round_page = client.get(reverse("frameworks:round-detail", args=[round.pk]))
    assert "21.5%" in text(round_page, "#indicator-values + table")
    review_url = reverse("frameworks:indicatorvalue-review", args=[value.pk])
    page = client.get(review_url)
    assert "Within tolerance" in text(page, "main")
    assert "21.5% is 1.5 percentage points above the target of 20%" in text(page, "main")
    response = client.post(review_url, {"decision": "approve", "comment": "", "version": 2})
    assert response.url == reverse("frameworks:round-detail", args=[round.pk])
    value.refresh_from_db()
    assert value.state == ReturnState.APPROVED


def test_a_decision_on_a_value_that_changed_is_refused(client, officer, policy_user, value):
    submitted = indicator_value_submit(
        value=value, user=officer, data=IndicatorValueInput(value="19.55"), expected_version=1
    )
    client.force_login(policy_user)
    review_url = reverse("frameworks:indicatorvalue-review", args=[value.pk])
    response = client.post(review_url, {"decision": "approve", "version": submitted.version - 1})
    assert "This value changed after you opened it" in error_summary(response)
    value.refresh_from_db()
    assert value.state == ReturnState.SUBMITTED


@pytest.mark.parametrize("extra", [0, 12])
def test_pages_read_a_fixed_number_of_queries(
    client, officer, policy_user, value, round, post, extra, django_assert_max_num_queries
):
    for n in range(extra):
        other = Indicator.objects.create(
            framework=round.framework, name=f"Indicator copy {n}", owner=post
        )
        IndicatorValue.objects.create(indicator=other, round=round)
    client.force_login(officer)
    with django_assert_max_num_queries(14):
        client.get(reverse("frameworks:return-list"))
    with django_assert_max_num_queries(14):
        client.get(reverse("frameworks:indicatorvalue-edit", args=[value.pk]))
    client.force_login(policy_user)
    with django_assert_max_num_queries(30):
        client.get(reverse("frameworks:round-detail", args=[round.pk]))
