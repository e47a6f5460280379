"""Single sign-on through a real OpenID Connect provider on loopback (tests/oidc/server.mjs,
npm's certified `oidc-provider`), standing in for the council's Microsoft Entra ID: sign in,
get the role the provider's claims map to, sign out of both; lose the role when the group is
removed at the provider; a disabled account is refused; an existing user is found by verified
email address, never by name."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from frameworks.models import AccountEvent
from frameworks.rules import POLICY_TEAM
from tests.browser.test_journey import AccessibilityAudit, journey  # noqa: F401 (a fixture)
from tests.factories import PostFactory, UserFactory
from tests.oidc.provider import OidcProvider

pytestmark = pytest.mark.browser

POLICY_ROLE = "ActionTracker.PolicyTeam"
BUTTON = "Sign in with Test Council account"


@pytest.fixture(scope="module")
def provider(live_server) -> Iterator[OidcProvider]:
    with OidcProvider(
        redirect_uris=[f"{live_server.url}/accounts/oidc/council/login/callback/"],
        post_logout_redirect_uris=[f"{live_server.url}/accounts/login/"],
    ) as running:
        yield running


@pytest.fixture
def allowed_origins(provider) -> list[str]:
    return [provider.issuer]


@pytest.fixture(autouse=True)
def sso(settings, provider) -> OidcProvider:
    """The app configured as OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET would configure
    it (tracker/settings.py), against the provider on loopback."""
    settings.SSO_ENABLED = True
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"].append(provider.issuer)
    settings.CONTENT_SECURITY_POLICY = csp
    settings.OIDC_CLIENT_ID = provider.client_id
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "council",
                    "name": "Test Council account",
                    "client_id": provider.client_id,
                    "secret": provider.client_secret,
                    "settings": {"server_url": provider.issuer, "fetch_userinfo": False},
                }
            ],
        }
    }
    return provider


def sign_in_at_provider(page: Page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("button", name=BUTTON).click()
    expect(page).to_have_title("Test Council sign-in")
    page.get_by_label("Username").fill(login)
    page.get_by_role("button", name="Sign in").click()


def sign_out_of_both(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("Test Council sign-out")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def nav(page: Page):
    return page.get_by_role("navigation", name="Menu")


def test_sign_in_with_the_council_account_gives_the_mapped_role_then_sign_out(new_page, provider):
    provider.set_account(
        "alice",
        email="alice.policy@example.gov.uk",
        name="Alice Policy",
        roles=[POLICY_ROLE],
    )
    page = new_page()
    audit = AccessibilityAudit()
    page.goto("/accounts/login/")
    audit.check(page, "sign-in page with single sign-on")
    sign_in_at_provider(page, "alice")
    expect(page.get_by_text("Signed in as Alice Policy")).to_be_visible()
    expect(nav(page).get_by_role("link", name="Rounds")).to_be_visible()

    alice = get_user_model().objects.get(email="alice.policy@example.gov.uk")
    assert alice.groups.filter(name=POLICY_TEAM).exists()
    assert not alice.has_usable_password()
    events = list(AccountEvent.objects.filter(user=alice).values_list("kind", "method", "detail"))
    assert (AccountEvent.Kind.ROLE_GRANTED, "single sign-on", "Policy team") in events
    assert (AccountEvent.Kind.SIGNED_IN, "single sign-on", "") in events

    page.get_by_role("link", name="Alice Policy").click()
    expect(page.get_by_text("Linked. Your IT service desk")).to_be_visible()
    audit.check(page, "your account, signed in through the provider")

    sign_out_of_both(page)
    page.goto("/returns/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/returns/$"))
    # The provider's session ended too: signing in again asks for the account again.
    page.get_by_role("button", name=BUTTON).click()
    expect(page).to_have_title("Test Council sign-in")
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.SIGNED_OUT).exists()
    audit.assert_clean()


def test_removing_the_group_at_the_provider_removes_the_role_at_the_next_sign_in(
    new_page, provider
):
    provider.set_account(
        "bola", email="bola@example.gov.uk", name="Bola Adeyemi", roles=[POLICY_ROLE]
    )
    page = new_page()
    sign_in_at_provider(page, "bola")
    expect(nav(page).get_by_role("link", name="Rounds")).to_be_visible()
    sign_out_of_both(page)

    provider.set_account("bola", email="bola@example.gov.uk", name="Bola Adeyemi", roles=[])
    sign_in_at_provider(page, "bola")
    expect(page.get_by_text("Signed in as Bola Adeyemi")).to_be_visible()
    expect(nav(page).get_by_role("link", name="Rounds")).to_have_count(0)

    bola = get_user_model().objects.get(email="bola@example.gov.uk")
    assert not bola.groups.exists()
    assert AccountEvent.objects.filter(
        user=bola, kind=AccountEvent.Kind.ROLE_REMOVED, detail="Policy team"
    ).exists()


def test_an_account_disabled_at_the_provider_cannot_sign_in(new_page, provider):
    provider.set_account(
        "carl", email="carl@example.gov.uk", name="Carl Left", roles=[POLICY_ROLE], disabled=True
    )
    page = new_page()
    audit = AccessibilityAudit()
    sign_in_at_provider(page, "carl")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not signed in")
    expect(page.get_by_text("your council account is switched off")).to_be_visible()
    audit.check(page, "refused by the provider")
    page.goto("/returns/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert not get_user_model().objects.filter(email="carl@example.gov.uk").exists()
    refused = AccountEvent.objects.get(kind=AccountEvent.Kind.SIGN_IN_FAILED)
    assert (refused.method, refused.detail) == ("single sign-on", "This account is disabled")
    audit.assert_clean()


def test_an_account_switched_off_in_the_app_cannot_sign_in_through_the_provider(new_page, provider):
    UserFactory(username="dee", email="dee@example.gov.uk", is_active=False)
    provider.set_account("dee", email="dee@example.gov.uk", name="Dee Jones")
    page = new_page()
    sign_in_at_provider(page, "dee")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is switched off")
    page.goto("/returns/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_an_existing_officer_is_found_by_verified_email_and_keeps_their_posts(
    new_page,
    provider,
    journey,  # noqa: F811
):
    sam = get_user_model().objects.get(username=journey.officer)
    sam.email = "sam.ahmed@example.gov.uk"
    sam.save()
    # Same display name, another address: a different person, never matched by name.
    provider.set_account("other-sam", email="sam.a@example.gov.uk", name="Sam Ahmed")
    provider.set_account("sam.ahmed", email="SAM.AHMED@example.gov.uk", name="Sam Ahmed")

    page = new_page()
    sign_in_at_provider(page, "sam.ahmed")
    expect(page.get_by_text("Signed in as Sam Ahmed")).to_be_visible()
    expect(page.get_by_role("link", name=journey.milestone.title)).to_be_visible()
    assert sam.socialaccount_set.get().uid == "sam.ahmed"

    other = new_page()
    sign_in_at_provider(other, "other-sam")
    expect(other.get_by_text("Signed in as Sam Ahmed")).to_be_visible()
    expect(other.get_by_role("link", name=journey.milestone.title)).to_have_count(0)
    newcomer = get_user_model().objects.get(email="sam.a@example.gov.uk")
    assert newcomer.pk != sam.pk and not newcomer.posts.exists()


def test_an_unverified_email_is_not_matched_to_an_existing_account(new_page, provider):
    holder = UserFactory(username="erin", email="erin@example.gov.uk")
    PostFactory(title="Head of Democratic Services").holders.add(holder)
    provider.set_account("mallory", email="erin@example.gov.uk", name="Erin", email_verified=False)
    page = new_page()
    sign_in_at_provider(page, "mallory")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not set up your account")
    assert not holder.socialaccount_set.exists()
    page.goto("/returns/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
