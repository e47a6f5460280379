import pytest
from django.urls import reverse

from frameworks.models import PeriodState, UpdateState
from tests.factories import (
    MilestoneFactory,
    PeriodFactory,
    PostFactory,
    UpdateFactory,
    UserFactory,
)


def test_policy_creates_opens_and_closes_a_round(client, policy_user, milestone):
    client.force_login(policy_user)
    framework = milestone.framework
    response = client.post(
        reverse("frameworks:period-create", args=[framework.slug]),
        {
            "label": "Q3 2020-21",
            "start_date": "01/10/2020",
            "end_date": "31/12/2020",
            "due_date": "15/01/2021",
        },
    )
    assert response.status_code == 302
    period = framework.periods.get(label="Q3 2020-21")
    assert period.state == PeriodState.DRAFT
    response = client.post(reverse("frameworks:period-open", args=[period.pk]), follow=True)
    assert "1 returns created" in response.content.decode()
    period.refresh_from_db()
    assert period.state == PeriodState.OPEN
    page = client.get(reverse("frameworks:period-close", args=[period.pk])).content.decode()
    assert "1 return has not been submitted" in page
    client.post(reverse("frameworks:period-close", args=[period.pk]))
    period.refresh_from_db()
    assert period.state == PeriodState.CLOSED


def test_create_round_with_bad_dates_shows_errors(client, policy_user, milestone):
    client.force_login(policy_user)
    response = client.post(
        reverse("frameworks:period-create", args=[milestone.framework.slug]),
        {"label": "", "start_date": "31/12/2020", "end_date": "not a date", "due_date": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter a name for the round" in page
    assert "Enter the end date as a date" in page
    assert not milestone.framework.periods.exists()


def test_dashboard_filters_returns_with_htmx_and_plain_links(client, policy_user, update):
    UpdateFactory(
        period=update.period,
        milestone=MilestoneFactory(
            theme=update.milestone.theme, title="Promote the Members Hub internally"
        ),
        state=UpdateState.SUBMITTED,
        rag="ONGOING",
        narrative="Done",
    )
    client.force_login(policy_user)
    url = reverse("frameworks:period-detail", args=[update.period_id])
    full = client.get(url, {"state": "SUBMITTED"}).content.decode()
    assert "<html" in full and "Promote the Members Hub internally" in full
    assert update.milestone.title not in full.split('id="returns-table"')[1]
    fragment = client.get(
        url, {"state": "SUBMITTED"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="returns-table"
    ).content.decode()
    assert "<html" not in fragment
    assert fragment.strip().startswith('<div id="returns-table">')
    assert "Promote the Members Hub internally" in fragment


@pytest.mark.parametrize("size", [4, 40])
def test_dashboard_query_count_does_not_grow(
    client, policy_user, period, size, django_assert_max_num_queries
):
    for i in range(size):
        post = PostFactory(title=f"Divisional Director {i}")
        UpdateFactory(
            period=period, milestone=MilestoneFactory(theme__framework=period.framework, lead=post)
        )
    client.force_login(policy_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("frameworks:period-detail", args=[period.pk]))
    assert response.content.decode().count("Divisional Director ") >= size


@pytest.mark.parametrize("size", [4, 40])
def test_framework_page_query_count_does_not_grow(
    client, officer, milestone, size, django_assert_max_num_queries
):
    for _ in range(size):
        MilestoneFactory(theme=milestone.theme)
    PeriodFactory(framework=milestone.framework)
    client.force_login(officer)
    with django_assert_max_num_queries(14):
        response = client.get(
            reverse("frameworks:framework-detail", args=[milestone.framework.slug])
        )
    assert response.status_code == 200


def test_dashboard_names_each_holder_of_a_post_once(client, policy_user, period):
    """A post leading many milestones is one row, its holders named once each, by surname
    (someone with no name, by username, comes first)."""
    post = PostFactory(title="Divisional Director Democratic Services")
    post.holders.add(
        UserFactory(username="z", first_name="Zoe", last_name="Ward"),
        UserFactory(username="a", first_name="Ann", last_name="Bell"),
        UserFactory(username="nameless", first_name="", last_name=""),
    )
    for _ in range(3):
        UpdateFactory(
            period=period, milestone=MilestoneFactory(theme__framework=period.framework, lead=post)
        )
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:period-detail", args=[period.pk])).content.decode()
    assert page.count("nameless, Ann Bell, Zoe Ward") == 1
    row = page.split("Divisional Director Democratic Services<br>")[1].split("</tr>")[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in row


def test_dashboard_and_framework_page_query_counts_are_the_same_at_any_size(
    client, policy_user, period, django_assert_max_num_queries
):
    counts = []
    for size in (3, 30):
        for i in range(size):
            UpdateFactory(
                period=period,
                milestone=MilestoneFactory(
                    theme__framework=period.framework, lead=PostFactory(title=f"Head {size} {i}")
                ),
            )
        client.force_login(policy_user)
        with django_assert_max_num_queries(12) as dashboard:
            client.get(reverse("frameworks:period-detail", args=[period.pk]))
        with django_assert_max_num_queries(16) as overview:
            client.get(reverse("frameworks:framework-detail", args=[period.framework.slug]))
        counts.append((len(dashboard.captured_queries), len(overview.captured_queries)))
    assert counts[0] == counts[1]
