"""The accounts services: roles from the provider's claims, invitations, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError

from frameworks.models import AccountEvent, Invitation
from frameworks.roles import user_roles
from frameworks.rules import DEMOCRATIC_SERVICES
from frameworks.services.accounts import (
    invitation_accept,
    invitation_withdraw,
    roles_from_claims,
    user_invite,
    user_roles_apply_claims,
)
from tests.factories import PolicyUserFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCEPT = "http://testserver/invitation/{token}/"
PASSWORD = "Members-Bulletin-March-2021"


def test_claims_map_to_roles_by_the_setting_and_grant_nothing_else(settings):
    settings.OIDC_ROLE_CLAIMS = ["roles", "groups"]
    settings.OIDC_ROLE_MAP = {
        "policy": "ActionTracker.PolicyTeam",
        "democratic": "0b6f-group-id;ActionTracker.DemocraticServices",
        "admin": "ActionTracker.Admin",
    }
    assert roles_from_claims({"roles": ["ActionTracker.PolicyTeam"]}) == {"policy"}
    assert roles_from_claims({"groups": ["0b6f-group-id"], "roles": "ActionTracker.Admin"}) == {
        "democratic",
        "admin",
    }
    assert roles_from_claims(
        {"roles": ["Global Administrator"], "name": "ActionTracker.Admin"}
    ) == (set())
    assert roles_from_claims({}) == set()


def test_roles_follow_the_claims_at_every_sign_in_and_each_change_is_recorded(officer, post):
    change = user_roles_apply_claims(
        user=officer, claims={"roles": ["ActionTracker.PolicyTeam", "ActionTracker.Admin"]}
    )
    assert change.granted == {"policy", "admin"} and not change.removed
    officer.refresh_from_db()
    assert user_roles(officer) == {"policy", "admin"} and officer.is_staff

    change = user_roles_apply_claims(user=officer, claims={"roles": []})
    assert change.removed == {"policy", "admin"}
    officer.refresh_from_db()
    assert user_roles(officer) == set() and not officer.is_staff and not officer.is_superuser
    assert list(officer.posts.all()) == [post]  # posts are the app's own
    assert list(
        AccountEvent.objects.filter(user=officer).order_by("pk").values_list("kind", "detail")
    ) == [
        ("ROLE_GRANTED", "Admin"),
        ("ROLE_GRANTED", "Policy team"),
        ("ROLE_REMOVED", "Admin"),
        ("ROLE_REMOVED", "Policy team"),
    ]
    assert user_roles_apply_claims(user=officer, claims={}).granted == frozenset()
    assert AccountEvent.objects.count() == 4  # nothing changed, nothing recorded


def test_an_invitation_makes_a_user_without_a_password_and_emails_a_link(
    django_capture_on_commit_callbacks,
):
    admin = UserFactory(username="alex", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        sent = user_invite(
            email="Jo.Bloggs@example.gov.uk", first_name="Jo", last_name="Bloggs",
            roles={"democratic"}, invited_by=admin, accept_url=ACCEPT,
        )  # fmt: skip
    user = sent.invitation.user
    assert user.username == "jo.bloggs@example.gov.uk" and not user.has_usable_password()
    assert user.groups.get().name == DEMOCRATIC_SERVICES
    (email,) = mail.outbox
    assert sent.link in email.body and email.to == ["Jo.Bloggs@example.gov.uk"]
    assert sent.invitation.token_sha256 not in email.body  # only the hash is stored
    event = AccountEvent.objects.get(kind="INVITED")
    assert (event.user, event.actor, event.detail) == (user, admin, "Democratic services")


def test_inviting_again_withdraws_the_earlier_link():
    first = user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B", roles=set(),
                        invited_by=None, accept_url=ACCEPT)  # fmt: skip
    second = user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B", roles=set(),
                         invited_by=None, accept_url=ACCEPT)  # fmt: skip
    first.invitation.refresh_from_db()
    assert first.invitation.state == "Withdrawn" and second.invitation.state == "Waiting"
    token = first.link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(ValidationError, match="withdrawn"):
        invitation_accept(token=token, password=PASSWORD)


def test_an_address_that_can_already_sign_in_is_refused():
    UserFactory(username="sam", email="sam@example.gov.uk")
    with pytest.raises(ValidationError) as refused:
        user_invite(email="SAM@example.gov.uk", first_name="S", last_name="A", roles=set(),
                    invited_by=None, accept_url=ACCEPT)  # fmt: skip
    assert refused.value.message_dict == {
        "email": ["SAM@example.gov.uk already has an account. They can reset their password."]
    }
    assert not Invitation.objects.exists()


def test_accepting_sets_the_password_once_and_verifies_the_address():
    sent = user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B", roles=set(),
                       invited_by=None, accept_url=ACCEPT)  # fmt: skip
    token = sent.link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(ValidationError, match="too common"):
        invitation_accept(token=token, password="password123")
    user = invitation_accept(token=token, password=PASSWORD)
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    with pytest.raises(ValidationError, match="accepted"):
        invitation_accept(token=token, password="Another-Password-2021")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_link_stops_working_when_it_expires(settings):
    settings.ACCOUNTS_INVITATION_DAYS = 7
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        sent = user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B",
                           roles=set(), invited_by=None, accept_url=ACCEPT)  # fmt: skip
    token = sent.link.rstrip("/").rsplit("/", 1)[1]
    with (
        time_machine.travel(dt.datetime(2026, 12, 8, 9, 1, tzinfo=dt.UTC), tick=False),
        pytest.raises(ValidationError, match="expired"),
    ):
        invitation_accept(token=token, password=PASSWORD)
    assert not sent.invitation.user.has_usable_password()


def test_withdrawing_twice_changes_nothing_the_second_time():
    admin = PolicyUserFactory(is_staff=True)
    sent = user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B", roles=set(),
                       invited_by=admin, accept_url=ACCEPT)  # fmt: skip
    assert invitation_withdraw(invitation=sent.invitation, user=admin)
    assert not invitation_withdraw(invitation=sent.invitation, user=admin)
    assert AccountEvent.objects.filter(kind="INVITATION_WITHDRAWN").count() == 1


def test_an_unknown_role_is_refused():
    with pytest.raises(ValidationError, match="no role called superuser"):
        user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B",
                    roles={"superuser"}, invited_by=None, accept_url=ACCEPT)  # fmt: skip
