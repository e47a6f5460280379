"""Indicator pages: the list with each indicator's status, one indicator with its trend, why it
has its status and its text equivalent; adding, changing and setting targets (the policy team
and administrators); importing values with a preview, then a confirmation. Query counts stay
the same whatever the number of indicators and rounds.

Figures from seed 004's Q3 2019-20 improvement plan report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frameworks.domain.vocabulary import IndicatorStatus
from frameworks.models import Direction, Frequency, IndicatorTarget, IndicatorValue, ReturnState
from frameworks.selectors.indicators import indicator_get_for_user, indicator_rows
from tests.factories import (
    FrameworkFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MilestoneFactory,
    OutcomeFactory,
    PostFactory,
    RoundFactory,
    ThemeFactory,
)
from tests.html import attrs, buttons, error_summary, text, texts

VACANCY_NOTE = (
    "In Children's Social Care we have reduced our vacancy gap further from 26% to 19.55%."
)


def _quarter(framework, year: int, quarter: int, **kwargs):
    """Round "Q<quarter> <year>-<yy>" of the financial year starting in April `year`."""
    month = 4 + 3 * (quarter - 1)
    start = dt.date(year + (month > 12), (month - 1) % 12 + 1, 1)
    end_month = (month + 2 - 1) % 12 + 1
    end_year = year + (month + 2 > 12)
    end = (dt.date(end_year + (end_month == 12), end_month % 12 + 1, 1)) - dt.timedelta(days=1)
    return RoundFactory(
        framework=framework,
        label=f"Q{quarter} {year}-{(year + 1) % 100:02d}",
        start_date=start,
        end_date=end,
        due_date=end + dt.timedelta(days=15),
        state=kwargs.pop("state", "CLOSED"),
        **kwargs,
    )


@pytest.fixture
def plan(db):
    return FrameworkFactory(name="Tower Hamlets Improvement Plan", slug="improvement-plan")


@pytest.fixture
def q2(plan):
    return _quarter(plan, 2019, 2)


@pytest.fixture
def q3(plan):
    return _quarter(plan, 2019, 3)


@pytest.fixture
def vacancy(plan):
    return IndicatorFactory(
        framework=plan, number="1", name="Children's social care vacancy gap", unit="%",
        direction=Direction.LOWER, baseline_value=Decimal("26"),
        baseline_source="The figure before Q3 2019-20; the paper gives no date.",
        owner=PostFactory(title="Amanda Harcus"),
    )  # fmt: skip


def _indicator_with(plan, round, *, name, value, target=None, tolerance=None, unit="%"):
    indicator = IndicatorFactory(
        framework=plan, name=name, number="", unit=unit, direction=Direction.LOWER,
        tolerance=tolerance,
    )  # fmt: skip
    if target is not None:
        IndicatorTarget.objects.create(indicator=indicator, year="2019-20", value=target)
    if value is not None:
        IndicatorValueFactory(indicator=indicator, round=round, value=value)
    return indicator


# The list and its statuses ----------------------------------------------------------------------
def test_the_list_shows_each_status_as_a_tag_in_words(client, officer, plan, q3):
    MilestoneFactory(theme=ThemeFactory(framework=plan))
    _indicator_with(plan, q3, name="On", value=Decimal("19.55"), target=Decimal("20"))
    _indicator_with(
        plan, q3, name="Within", value=Decimal("21"), target=Decimal("20"), tolerance=Decimal("2")
    )
    _indicator_with(plan, q3, name="Off", value=Decimal("25"), target=Decimal("20"))
    _indicator_with(plan, q3, name="No target", value=Decimal("10.58"))
    _indicator_with(plan, q3, name="Nothing yet", value=None, target=Decimal("20"))
    client.force_login(officer)  # officers read a framework open to them
    page = client.get(reverse("frameworks:indicator-list", args=[plan.slug]))
    assert page.status_code == 200
    rows = texts(page, "tbody tr")
    assert rows == [
        "– None On 19.55% 20% On target No owner yet",
        "– None Within 21% 20% Within tolerance No owner yet",
        "– None Off 25% 20% Off target No owner yet",
        "– None No target 10.58% – None No target set No owner yet",
        "– None Nothing yet – None 20% No data No owner yet",
    ]
    assert [a["class"] for a in attrs(page, "tbody .govuk-tag")] == [
        "govuk-tag govuk-tag--green",
        "govuk-tag govuk-tag--yellow",
        "govuk-tag govuk-tag--red",
        "govuk-tag govuk-tag--grey",
        "govuk-tag govuk-tag--grey",
    ]
    assert "Add an indicator" not in page.content.decode()  # officers only read


def test_the_policy_team_sees_how_to_add_and_import(client, policy_user, plan):
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:indicator-list", args=[plan.slug]))
    assert "This framework has no indicators yet." in page.content.decode()
    links = [a["href"] for a in attrs(page, "main a.govuk-button")]
    assert links == [
        reverse("frameworks:indicator-create", args=[plan.slug]),
        reverse("frameworks:indicatorvalue-import", args=[plan.slug]),
    ]


def test_a_framework_closed_to_officers_hides_its_indicators(client, other_officer, vacancy):
    vacancy.framework.officers_read_all = False
    vacancy.framework.save()
    client.force_login(other_officer)
    listed = reverse("frameworks:indicator-list", args=[vacancy.framework.slug])
    assert client.get(listed).status_code == 404
    assert client.get(vacancy.get_absolute_url()).status_code == 404
    assert indicator_get_for_user(pk=vacancy.pk, user=other_officer) is None


def test_another_round_can_be_shown(client, policy_user, plan, q2, q3, vacancy):
    IndicatorValueFactory(indicator=vacancy, round=q2, value=Decimal("26"))
    IndicatorValueFactory(indicator=vacancy, round=q3, value=Decimal("19.55"))
    client.force_login(policy_user)
    url = reverse("frameworks:indicator-list", args=[plan.slug])
    assert texts(client.get(url), "tbody td")[2] == "19.55%"  # the latest round with values
    assert texts(client.get(url, {"round": q2.pk}), "tbody td")[2] == "26%"


# One indicator ----------------------------------------------------------------------------------
def test_an_indicator_page_explains_its_status_and_shows_the_trend_with_its_text_equivalent(
    client, officer, plan, q2, q3, vacancy
):
    MilestoneFactory(theme=ThemeFactory(framework=plan))
    q4 = _quarter(plan, 2019, 4)
    IndicatorValueFactory(indicator=vacancy, round=q3, value=Decimal("19.55"), note=VACANCY_NOTE)
    IndicatorValueFactory(
        indicator=vacancy, round=q4, value=Decimal("18"), state=ReturnState.SUBMITTED
    )  # not approved: not shown
    client.force_login(officer)
    page = client.get(vacancy.get_absolute_url())
    body = page.content.decode()
    assert text(page, "h1") == "Children's social care vacancy gap"
    why = text(page, "#why-this-status")
    assert why == (
        "Why this status No target is set for this round, so the value reported (19.55%) is not "
        "judged. No target has been set for this indicator."
    )
    assert "26% " in text(page, ".govuk-summary-list") and "Lower is better" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in body
    assert texts(page, "table tbody tr") == [
        "Q2 2019-20 No data None No data",
        f"Q3 2019-20 19.55% None No target set {VACANCY_NOTE}",
    ]
    assert "18%" not in body


def test_the_round_with_values_and_the_year_target_judge_the_indicator(
    client, policy_user, plan, q3, vacancy
):
    IndicatorValueFactory(indicator=vacancy, round=q3, value=Decimal("21"))
    IndicatorTarget.objects.create(indicator=vacancy, year="2019-20", value=Decimal("20"))
    client.force_login(policy_user)
    page = client.get(vacancy.get_absolute_url())
    assert text(page, "#why-this-status") == (
        "Why this status 21% is 1 percentage point above the target of 20% (lower is better), "
        "with no tolerance set."
    )
    assert "Financial year 2019-20: 20%" in text(page, ".govuk-summary-list")


# Selectors --------------------------------------------------------------------------------------
def test_rows_run_up_to_the_round_asked_for_with_the_target_in_force(plan, q2, q3, vacancy):
    IndicatorTarget.objects.create(indicator=vacancy, year="2019-20", value=Decimal("22"))
    IndicatorTarget.objects.create(indicator=vacancy, round=q3, value=Decimal("20"))
    IndicatorValueFactory(indicator=vacancy, round=q2, value=Decimal("26"))
    IndicatorValueFactory(indicator=vacancy, round=q3, value=Decimal("19.55"))
    _quarter(plan, 2019, 4)
    (row,) = indicator_rows(framework=plan, round=q3)
    assert [(p.round_label, p.value, p.target) for p in row.points] == [
        ("Q2 2019-20", Decimal("26"), Decimal("22")),
        ("Q3 2019-20", Decimal("19.55"), Decimal("20")),
    ]
    assert [p.status.value for p in row.points] == [
        IndicatorStatus.OFF_TARGET,
        IndicatorStatus.ON_TARGET,
    ]
    assert row.latest.round_label == "Q3 2019-20"
    assert len(indicator_rows(framework=plan)[0].points) == 3


def test_a_round_an_annual_indicator_is_not_due_in_says_so(plan, q3):
    annual = IndicatorFactory(framework=plan, name="Annual", frequency=Frequency.ANNUAL)
    (row,) = indicator_rows(framework=plan, round=q3)
    assert row.indicator == annual
    assert row.latest.status.reason == "It reports annually, so no value is due in Q3 2019-20."


def _grow(plan, *, indicators: int, rounds: int):
    made = [_quarter(plan, 2018 + n // 4, n % 4 + 1) for n in range(rounds)]
    theme = ThemeFactory(framework=plan)
    for n in range(indicators):
        indicator = IndicatorFactory(framework=plan, owner=PostFactory())
        indicator.outcomes.add(OutcomeFactory(theme=theme, framework=plan))
        IndicatorTarget.objects.create(indicator=indicator, round=made[-1], value=n)
        for round in made:
            IndicatorValueFactory(indicator=indicator, round=round, value=Decimal(n))
    return made


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


@pytest.mark.parametrize("page", ["list", "detail"])
def test_pages_and_rows_take_the_same_queries_whatever_the_size(
    client, policy_user, page, django_assert_max_num_queries
):
    client.force_login(policy_user)
    counts = []
    for indicators, rounds in ((2, 2), (9, 6)):
        plan = FrameworkFactory()
        _grow(plan, indicators=indicators, rounds=rounds)
        first = plan.indicators.first()
        url = (
            reverse("frameworks:indicator-list", args=[plan.slug])
            if page == "list"
            else first.get_absolute_url()
        )
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
        counts.append(_queries(lambda url=url: client.get(url)))
        counts.append(_queries(lambda plan=plan: indicator_rows(framework=plan)) * 1000)
    assert counts[0] == counts[2] and counts[1] == counts[3] == 5000


# Adding and changing ----------------------------------------------------------------------------
def test_the_policy_team_adds_an_indicator_with_its_outcomes(client, policy_user, plan):
    outcome = OutcomeFactory(theme=ThemeFactory(framework=plan), framework=plan)
    post = PostFactory(title="Amanda Harcus")
    client.force_login(policy_user)
    url = reverse("frameworks:indicator-create", args=[plan.slug])
    form = client.get(url)
    assert "values can only be given in a return when an owner post is set" in (
        form.content.decode()
    )
    response = client.post(
        url,
        {
            "name": "Children's social care vacancy gap", "unit": "%", "direction": "LOWER",
            "baseline_value": "26%", "tolerance": "2", "owner": post.pk,
            "frequency": "QUARTERLY", "outcomes": [outcome.pk],
            "baseline_date_day": "", "baseline_date_month": "", "baseline_date_year": "",
        },
    )  # fmt: skip
    indicator = plan.indicators.get()
    assert response.status_code == 302 and response.url == indicator.get_absolute_url()
    assert (indicator.baseline_value, indicator.tolerance) == (Decimal("26"), Decimal("2"))
    assert list(indicator.outcomes.all()) == [outcome]
    assert indicator.history.first().history_user == policy_user


def test_mistakes_are_shown_on_their_fields(client, policy_user, plan, vacancy):
    client.force_login(policy_user)
    page = client.post(
        reverse("frameworks:indicator-create", args=[plan.slug]),
        {
            "name": "children's social care vacancy gap", "direction": "LOWER",
            "frequency": "QUARTERLY", "tolerance": "-2", "baseline_value": "about 26",
            "baseline_date_day": "30", "baseline_date_month": "9", "baseline_date_year": "2019",
        },
    )  # fmt: skip
    assert page.status_code == 200
    summary = error_summary(page)
    assert "“about 26” is not a number" in summary
    page = client.post(
        reverse("frameworks:indicator-create", args=[plan.slug]),
        {"name": "children's social care vacancy gap", "direction": "LOWER",
         "frequency": "QUARTERLY", "tolerance": "-2"},
    )  # fmt: skip
    summary = error_summary(page)
    assert "already has an indicator called “Children's social care vacancy gap”" in summary
    assert "The tolerance cannot be negative" in summary
    assert text(page, "#id_tolerance-error").endswith("for example 2.")


def test_changing_from_a_stale_page_changes_nothing(client, policy_user, vacancy):
    client.force_login(policy_user)
    url = reverse("frameworks:indicator-edit", args=[vacancy.pk])
    form = client.get(url)
    assert attrs(form, "input[name=version]")[0]["value"] == str(vacancy.version)
    assert attrs(form, "input[name=baseline_value]")[0]["value"] == "26"
    data = {
        "name": vacancy.name, "unit": "%", "direction": "LOWER", "frequency": "QUARTERLY",
        "tolerance": "2", "version": vacancy.version, "baseline_value": "26",
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    page = client.post(url, {**data, "tolerance": "5"})
    assert "This page is out of date" in error_summary(page)
    vacancy.refresh_from_db()
    assert vacancy.tolerance == Decimal("2")


def test_targets_are_set_and_removed_on_their_page(client, policy_user, vacancy, q3):
    client.force_login(policy_user)
    url = reverse("frameworks:indicator-targets", args=[vacancy.pk])
    response = client.post(url, {"year": "2019-20", "value": "20%", "version": vacancy.version})
    assert response.status_code == 302
    response = client.post(url, {"round": q3.pk, "value": "19", "version": vacancy.version + 1})
    page = client.get(url)
    assert texts(page, "tbody th") == ["Q3 2019-20", "Financial year 2019-20"]
    target = vacancy.targets.get(round=q3)
    assert "Remove the target for Q3 2019-20" in buttons(page)
    client.post(url, {"remove": target.pk, "version": vacancy.version + 2})
    assert list(vacancy.targets.values_list("year", flat=True)) == ["2019-20"]
    page = client.post(url, {"year": "2019-2020", "value": "20", "version": vacancy.version + 3})
    assert "Enter the financial year like 2019-20" in error_summary(page)
    page = client.post(url, {"value": "20", "version": vacancy.version + 3})
    assert "Choose a round, or enter a financial year" in error_summary(page)
    page = client.post(url, {"year": "2020-21", "value": "20", "version": 1})
    assert "This page is out of date" in error_summary(page)


@pytest.mark.parametrize("name", ["indicator-edit", "indicator-targets"])
def test_officers_cannot_change_indicators(client, officer, vacancy, name):
    client.force_login(officer)
    url = reverse(f"frameworks:{name}", args=[vacancy.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Renamed", "year": "2019-20", "value": "1"}).status_code == 403
    vacancy.refresh_from_db()
    assert vacancy.name == "Children's social care vacancy gap" and not vacancy.targets.exists()


# Importing values -------------------------------------------------------------------------------
def _upload(client, plan, content: str, name: str = "q3-values.csv"):
    return client.post(
        reverse("frameworks:indicatorvalue-import", args=[plan.slug]),
        {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")},
    )


def _confirm(client, plan, preview, **extra):
    token = attrs(preview, "input[name=token]")[0]["value"]
    return client.post(
        reverse("frameworks:indicatorvalue-import-confirm", args=[plan.slug]),
        {"token": token, **extra},
    )


CSV = f'Indicator,Round,Value,Note\n1,Q3 2019-20,19.55%,"{VACANCY_NOTE}"\n'


def test_an_import_is_previewed_then_confirmed_and_a_second_time_changes_nothing(
    client, policy_user, plan, q3, vacancy
):
    client.force_login(policy_user)
    preview = _upload(client, plan, CSV)
    assert preview.status_code == 200
    assert texts(preview, "#to-import tbody tr, .govuk-table tbody tr")[0].startswith(
        "2 Indicator 1: Children's social care vacancy gap Q3 2019-20 None 19.55%"
    )
    assert not IndicatorValue.objects.exists()
    response = _confirm(client, plan, preview)
    assert response.status_code == 302
    assert response.url == reverse("frameworks:indicator-list", args=[plan.slug])
    value = IndicatorValue.objects.get()
    assert (value.value, value.state) == (Decimal("19.55"), "APPROVED")
    assert value.history.get().history_change_reason == "Imported from q3-values.csv"
    follow = client.get(response.url)
    assert "Imported q3-values.csv: 1 new value imported." in follow.content.decode()

    again = _upload(client, plan, CSV)
    assert "Nothing to import: every value in the file is already in the tracker." in (
        again.content.decode()
    )
    assert "Import the values" not in buttons(again)
    assert value.history.count() == 1


def test_a_wrong_file_lists_every_row_and_imports_nothing(client, policy_user, plan, q3, vacancy):
    client.force_login(policy_user)
    page = _upload(client, plan, "Indicator,Round,Value\n9,Q3 2019-20,3\n1,Q9 2019-20,x\n")
    assert page.status_code == 200
    summary = error_summary(page)
    assert "Nothing has been imported" in summary
    assert "Row 2, column “Indicator”: Tower Hamlets Improvement Plan has no indicator" in summary
    assert "Row 3, column “Round”" in summary
    assert not IndicatorValue.objects.exists()
    page = _upload(client, plan, "")
    assert "The file you chose is empty" in error_summary(page)


def test_a_value_given_in_the_app_is_replaced_only_when_ticked(
    client, policy_user, plan, q3, vacancy, officer
):
    given = IndicatorValueFactory(
        indicator=vacancy, round=q3, value=Decimal("20"), state=ReturnState.SUBMITTED,
        submitted_by=officer, note="From the return",
    )  # fmt: skip
    client.force_login(policy_user)
    preview = _upload(client, plan, CSV)
    assert "Values given in the app (1)" in preview.content.decode()
    assert "Submitted" in text(preview, "#replacing + p + .app-figure tbody")
    _confirm(client, plan, preview)
    given.refresh_from_db()
    assert (given.value, given.state) == (Decimal("20"), "SUBMITTED")
    _confirm(client, plan, _upload(client, plan, CSV), replace="on")
    given.refresh_from_db()
    assert (given.value, given.state) == (Decimal("19.55"), "APPROVED")


def test_a_change_after_the_preview_shows_the_new_preview_and_writes_nothing(
    client, policy_user, plan, q3, vacancy
):
    client.force_login(policy_user)
    preview = _upload(client, plan, CSV)
    IndicatorValueFactory(indicator=vacancy, round=q3, value=Decimal("18"), state="DRAFT")
    page = _confirm(client, plan, preview)
    assert page.status_code == 200
    assert "changed after your preview: nothing was imported" in error_summary(page)
    assert IndicatorValue.objects.get().value == Decimal("18")


def test_a_tampered_or_someone_elses_preview_imports_nothing(
    client, policy_user, plan, q3, vacancy
):
    from tests.factories import PolicyUserFactory

    client.force_login(policy_user)
    preview = _upload(client, plan, CSV)
    token = attrs(preview, "input[name=token]")[0]["value"]
    url = reverse("frameworks:indicatorvalue-import-confirm", args=[plan.slug])
    response = client.post(url, {"token": token[:-2] + "xx"})
    assert response.status_code == 302 and not IndicatorValue.objects.exists()
    client.force_login(PolicyUserFactory())
    client.post(url, {"token": token})
    assert not IndicatorValue.objects.exists()


def test_officers_cannot_import_values(client, officer, plan, q3, vacancy):
    client.force_login(officer)
    url = reverse("frameworks:indicatorvalue-import", args=[plan.slug])
    assert client.get(url).status_code == 403
    assert _upload(client, plan, CSV).status_code == 403
    assert not IndicatorValue.objects.exists()
