"""Indicator values in the quarterly return: the owner saves, submits; the policy team approves
or returns; stale pages and the wrong people are refused; opening a round creates the values due.
Figures are seed 004's (children's social care vacancy gap, 26% reduced to 19.55% in Q3 2019-20)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import Indicator, IndicatorValue, ReturnState, RoundState
from frameworks.services.indicator_values import (
    IndicatorValueConflict,
    IndicatorValueInput,
    indicator_value_approve,
    indicator_value_save_draft,
    indicator_value_send_back,
    indicator_value_submit,
)
from frameworks.services.rounds import round_open, round_outcome
from tests.factories import RoundFactory

FIGURE = IndicatorValueInput(
    value="19.55%",
    note="In Children's Social Care we have reduced our vacancy gap further from 26% to 19.55%.",
)


@pytest.fixture
def indicator(milestone, post):
    return Indicator.objects.create(
        framework=milestone.framework,
        name="Children's social care vacancy gap",
        unit="%",
        direction="LOWER",
        baseline_value=Decimal("26"),
        owner=post,
    )


@pytest.fixture
def value(indicator, round):
    return IndicatorValue.objects.create(indicator=indicator, round=round)


def test_a_figure_that_is_not_a_number_is_refused_on_the_field(value, officer):
    with pytest.raises(ValidationError) as error:
        indicator_value_save_draft(
            value=value, user=officer, data=IndicatorValueInput(value="about a fifth"),
            expected_version=value.version,
        )  # fmt: skip
    assert error.value.message_dict["value"] == [
        "“about a fifth” is not a number. Write it like 19.55%, 20,393 or £1,200."
    ]
    value.refresh_from_db()
    assert value.version == 1


def test_owner_saves_then_submits_and_the_policy_team_approves(value, officer, policy_user):
    draft = indicator_value_save_draft(
        value=value, user=officer, data=FIGURE, expected_version=value.version
    )
    assert (draft.state, draft.value, draft.saved_by) == (
        ReturnState.DRAFT,
        Decimal("19.55"),
        officer,
    )
    submitted = indicator_value_submit(
        value=draft, user=officer, data=FIGURE, expected_version=draft.version
    )
    assert submitted.state == ReturnState.SUBMITTED
    assert submitted.submitted_by == officer
    approved = indicator_value_approve(
        value=submitted, user=policy_user, expected_version=submitted.version
    )
    assert approved.state == ReturnState.APPROVED
    assert approved.reviewed_by == policy_user
    # The audit trail has each step, with who did it.
    trail = list(approved.history.order_by("history_date").values_list("state", "history_user"))
    assert trail[-3:] == [
        (ReturnState.DRAFT, officer.pk),
        (ReturnState.SUBMITTED, officer.pk),
        (ReturnState.APPROVED, policy_user.pk),
    ]
    with pytest.raises(ValidationError, match="approved and can no longer be changed"):
        indicator_value_save_draft(value=approved, user=officer, data=FIGURE, expected_version=None)


def test_submit_needs_a_figure_and_keeps_nothing_half_written(value, officer):
    with pytest.raises(ValidationError) as error:
        indicator_value_submit(
            value=value, user=officer, data=IndicatorValueInput(note="Figures not yet in"),
            expected_version=value.version,
        )  # fmt: skip
    assert error.value.message_dict["value"] == ["Enter the figure for Q3 2020-21."]
    value.refresh_from_db()
    assert (value.state, value.note, value.version) == (ReturnState.NOT_STARTED, "", 1)


def test_a_stale_page_is_refused(value, officer):
    indicator_value_save_draft(value=value, user=officer, data=FIGURE, expected_version=1)
    with pytest.raises(IndicatorValueConflict):
        indicator_value_save_draft(
            value=value, user=officer, data=IndicatorValueInput(value="20"), expected_version=1
        )
    value.refresh_from_db()
    assert value.value == Decimal("19.55")


def test_the_owner_cannot_approve_their_own_value_and_returning_needs_a_comment(
    value, officer, policy_user
):
    submitted = indicator_value_submit(value=value, user=officer, data=FIGURE, expected_version=1)
    with pytest.raises(ValidationError, match="Only the policy team"):
        indicator_value_approve(value=submitted, user=officer, expected_version=submitted.version)
    value.indicator.owner.holders.add(policy_user)
    with pytest.raises(ValidationError, match="You hold the post that owns this indicator"):
        indicator_value_approve(
            value=submitted, user=policy_user, expected_version=submitted.version
        )
    value.indicator.owner.holders.remove(policy_user)
    with pytest.raises(ValidationError) as error:
        indicator_value_send_back(
            value=submitted, user=policy_user, comment=" ", expected_version=submitted.version
        )
    assert "comment" in error.value.message_dict
    returned = indicator_value_send_back(
        value=submitted, user=policy_user, comment="Give the figure at 31 December.",
        expected_version=submitted.version,
    )  # fmt: skip
    assert returned.state == ReturnState.RETURNED
    # A returned value stays returned while the owner drafts again.
    again = indicator_value_save_draft(
        value=returned, user=officer, data=FIGURE, expected_version=returned.version
    )
    assert again.state == ReturnState.RETURNED


def test_a_closed_round_refuses_changes(value, officer):
    value.round.state = RoundState.CLOSED
    value.round.save()
    with pytest.raises(ValidationError, match="not open"):
        indicator_value_save_draft(value=value, user=officer, data=FIGURE, expected_version=None)


def test_opening_a_round_creates_the_values_due(milestone, post, policy_user):
    framework = milestone.framework
    quarterly = Indicator.objects.create(framework=framework, name="Vacancy gap", owner=post)
    annual = Indicator.objects.create(
        framework=framework, name="Turnover", owner=post, frequency="ANNUAL"
    )
    Indicator.objects.create(framework=framework, name="No owner yet")
    december = RoundFactory(
        framework=framework, label="Q3 2019-20", state=RoundState.DRAFT,
        start_date=dt.date(2019, 10, 1), end_date=dt.date(2019, 12, 31),
    )  # fmt: skip
    opened = round_open(round=december, user=policy_user, expected_version=december.version)
    assert list(opened.indicator_values.values_list("indicator", flat=True)) == [quarterly.pk]
    assert round_outcome(opened) == "is open: 1 return and 1 indicator value created."
    march = RoundFactory(
        framework=framework, label="Q4 2019-20", state=RoundState.DRAFT,
        start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 3, 31),
    )  # fmt: skip
    opened.state = RoundState.CLOSED
    opened.save()
    round_open(round=march, user=policy_user, expected_version=march.version)
    assert set(march.indicator_values.values_list("indicator", flat=True)) == {
        quarterly.pk,
        annual.pk,
    }
