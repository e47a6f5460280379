"""Each role lands on its own work, and the navigation marks where the person is."""

import pytest
from django.urls import reverse

from frameworks.models import ReturnState
from tests.factories import UserFactory
from tests.html import texts

CURRENT = ".govuk-service-navigation__item--active"


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("officer", "frameworks:return-list"),
        ("policy_user", "frameworks:round-list"),
        ("democratic_user", "frameworks:report-list"),
        ("admin_user", "frameworks:import-list"),
    ],
)
def test_each_role_lands_on_its_own_work(client, request, who, lands_on):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/").url == reverse(lands_on)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", is_staff=True, is_superuser=True)


def test_an_admin_who_holds_a_post_lands_on_their_returns(client, admin_user, post):
    post.holders.add(admin_user)
    client.force_login(admin_user)
    assert client.get("/").url == reverse("frameworks:return-list")


def test_reviewing_a_return_is_marked_as_rounds_work(client, policy_user, return_):
    return_.state = ReturnState.SUBMITTED
    return_.rag = "IN_PROGRESS"
    return_.save()
    client.force_login(policy_user)
    for url in (
        reverse("frameworks:return-review", args=[return_.pk]),
        reverse("frameworks:return-edit", args=[return_.pk]),
    ):
        assert texts(client.get(url), CURRENT) == ["Rounds"], url


def test_an_officer_on_their_return_is_in_your_returns(client, officer, return_):
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-edit", args=[return_.pk]))
    assert texts(page, CURRENT) == ["Your returns"]


def test_creating_a_round_is_marked_as_rounds_not_frameworks(client, policy_user, milestone):
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:round-create", args=[milestone.framework.slug]))
    assert texts(page, CURRENT) == ["Rounds"]


@pytest.mark.parametrize(
    ("url", "section"),
    [
        (reverse("frameworks:framework-list"), "Frameworks"),
        (reverse("frameworks:report-list"), "Reports"),
        (reverse("frameworks:board-list"), "Reports"),
        (reverse("frameworks:import-list"), "Imports"),
        (reverse("frameworks:round-list"), "Rounds"),
    ],
)
def test_each_section_is_marked_once(client, policy_user, url, section):
    client.force_login(policy_user)
    assert texts(client.get(url), CURRENT) == [section]
