"""The account pages: django-allauth's pages as the app offers them (deny by default, nothing a
council does not use), the sign-in page with and without single sign-on, MFA required by role,
the invitation link, the sign-in log and the audit trail of sign-ins."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from frameworks.models import AccountEvent
from frameworks.services.accounts import user_invite
from tests.factories import DemocraticServicesUserFactory, PolicyUserFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # UserFactory's


ARGUMENTS = {
    "account_confirm_email": {"key": "made-up"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "set-password"},
    "openid_connect_login": {"provider_id": "council"},
    "openid_connect_callback": {"provider_id": "council"},
}


def allauth_urls() -> dict[str, str]:
    """Every django-allauth page under /accounts/ by name, with made-up arguments."""
    names: list[str] = []

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.append(entry.name)

    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "accounts/":
            walk(entry.url_patterns)
    return {name: reverse(name, kwargs=ARGUMENTS.get(name)) for name in names}


# Open to anyone: signing in and getting back in.
PUBLIC = {
    "account_login",
    "account_logout",  # signed out: sent back to sign in
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_inactive",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "mfa_authenticate",
}
# Not offered at all (tracker/urls.py): nobody signs up, manages email or sets a password here.
NOT_OFFERED = {
    "account_signup",
    "account_email",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_set_password",
    "socialaccount_connections",
    "account_confirm_login_code",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
}


def test_account_pages_refuse_anonymous_people_and_never_fail(client):
    urls = allauth_urls()
    assert {"account_login", "mfa_activate_totp", "account_change_password"} <= urls.keys()
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code < 500, (name, url, response.status_code)
        if name in NOT_OFFERED:
            assert response.status_code == 404, (name, url)
        elif name not in PUBLIC:
            assert response.status_code in (302, 404, 405), (name, url, response.status_code)
            if response.status_code == 302:
                assert response.url.startswith(reverse("account_login")), (name, response.url)


@pytest.mark.parametrize("make", [UserFactory, PolicyUserFactory, DemocraticServicesUserFactory])
def test_account_pages_answer_every_role_without_failing(client, make):
    user = make()
    client.force_login(user)
    for name, url in allauth_urls().items():
        response = client.get(url)
        assert response.status_code < 500, (name, url, response.status_code)
        if name in NOT_OFFERED:
            assert response.status_code == 404, (name, url)


def test_the_sign_in_page_offers_single_sign_on_only_when_configured(client, settings):
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with" not in page and "Username or email address" in page
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [{"provider_id": "council", "name": "Barnet account", "client_id": "x",
                      "secret": "y", "settings": {"server_url": "https://login.example"}}]
        }
    }  # fmt: skip
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with Barnet account" in page and "Or sign in with a password" in page
    assert page.index("Sign in with Barnet account") < page.index("Username or email address")


def test_local_sign_in_can_be_switched_off(client, settings, officer, mailoutbox):
    officer.email = "sam@example.gov.uk"
    officer.save()
    settings.LOCAL_SIGN_IN = False
    page = client.get(reverse("account_login")).content.decode()
    assert "Username or email address" not in page and "I have forgotten" not in page
    response = client.post(reverse("account_login"), {"login": "sam", "password": PASSWORD})
    assert response.status_code == 200
    assert "Passwords are switched off here" in response.content.decode()
    assert client.get(reverse("frameworks:return-list")).status_code == 302
    client.post(reverse("account_reset_password"), {"email": "sam@example.gov.uk"})
    assert mailoutbox == []
    with pytest.raises(ValidationError, match="Passwords are switched off"):
        user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B", roles=set(),
                    invited_by=None, accept_url="x{token}")  # fmt: skip


def test_a_failed_sign_in_is_in_the_audit_trail_with_the_name_typed(client, officer):
    client.post(reverse("account_login"), {"login": "Sam ", "password": "wrong"})
    event = AccountEvent.objects.get()
    assert (event.kind, event.username, event.user, event.method) == (
        "SIGN_IN_FAILED", "sam", None, "password"
    )  # fmt: skip
    assert event.ip_address == "127.0.0.1"


def test_the_policy_team_must_set_up_mfa_after_a_password_sign_in(client, settings):
    PolicyUserFactory(username="priya")
    response = client.post(reverse("account_login"), {"login": "priya", "password": PASSWORD})
    assert response.status_code == 302
    for url in ("/", "/rounds/", "/reports/"):
        assert client.get(url).url == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_officers_do_not_have_to_set_up_mfa_unless_configured(client, officer, settings):
    client.post(reverse("account_login"), {"login": "sam", "password": PASSWORD})
    assert client.get("/returns/").status_code == 200
    settings.ACCOUNTS_MFA_REQUIRED_FOR = ["officer"]
    assert client.get("/returns/").url == reverse("mfa_activate_totp")


def test_someone_with_an_authenticator_app_is_asked_for_its_code(client):
    priya = PolicyUserFactory(username="priya")
    TOTP.activate(priya, generate_totp_secret())
    response = client.post(reverse("account_login"), {"login": "priya", "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302  # not signed in until the code is given
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Incorrect code." in response.content.decode()
    assert AccountEvent.objects.filter(kind="MFA_FAILED", user=priya).exists()
    assert Authenticator.objects.filter(user=priya).count() == 1


def test_the_invitation_link_works_for_anyone_and_says_why_it_does_not(client):
    accept = "http://testserver/invitation/{token}/"
    sent = user_invite(email="jo@example.gov.uk", first_name="Jo", last_name="B", roles=set(),
                       invited_by=None, accept_url=accept)  # fmt: skip
    url = sent.link.removeprefix("http://testserver")
    page = client.get(url)
    assert page.status_code == 200 and "Set your password" in page.content.decode()
    bad = client.get(reverse("frameworks:invitation-accept", args=["not-a-token"]))
    assert bad.status_code == 410 and "copied wrongly" in bad.content.decode()
    client.post(url, {"password1": "Members-Bulletin-2021", "password2": "Members-Bulletin-2021"})
    used = client.get(url)
    assert used.status_code == 410 and "It has been used already" in used.content.decode()


def test_the_sign_in_log_reads_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    admin = UserFactory(username="alex", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for n in range(60):
        AccountEvent.objects.create(kind="SIGN_IN_FAILED", username=f"someone{n}", actor=admin)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("frameworks:accountevent-list"))
    assert page.status_code == 200 and "60 events" in page.content.decode()
    for n in range(30):
        UserFactory(username=f"officer{n}")
    with django_assert_max_num_queries(8):
        people = client.get(reverse("frameworks:invitation-list"))
    assert "31 people with an account" in people.content.decode()


def test_the_admin_signs_people_in_through_the_apps_page(client):
    """So MFA and the lockout apply to /admin/ as well."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2F"
