"""Local accounts in the browser: a policy officer sets up an authenticator app at their first
sign-in and signs in with its code (and once with a recovery code); an officer resets a
forgotten password through the email; an admin invites someone, who sets their password from
the email's link. axe checks every page on the way, at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from frameworks.models import AccountEvent
from tests.browser.conftest import PASSWORD, code_now, totp_code
from tests.browser.test_journey import AccessibilityAudit
from tests.factories import PolicyUserFactory, UserFactory

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Members-Bulletin-March-2021"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def sign_in_with_password(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email address").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_policy_team_sets_up_mfa_then_signs_in_with_a_code(new_page, width):
    priya = PolicyUserFactory(username="priya", first_name="Priya", last_name="Shah")
    page = new_page(viewport=WIDTHS[width])
    audit = AccessibilityAudit()

    sign_in_with_password(page, "priya")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.get_by_text("Your role needs two-factor authentication")).to_be_visible()
    audit.check(page, f"set up an authenticator app ({width})")
    # Nothing else opens until it is set up.
    page.goto("/rounds/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")

    secret = page.locator("#authenticator-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Set up").click()
    expect(page.get_by_role("link", name="Incorrect code.")).to_be_visible()
    audit.check(page, f"wrong code while setting up ({width})")
    page.get_by_label("Code from the app").fill(code_now(secret))
    page.get_by_role("button", name="Set up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("alert")).to_have_text(re.compile("Two-factor authentication is on"))
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery_code = codes.first.inner_text().strip()
    audit.check(page, f"recovery codes ({width})")
    page.get_by_role("link", name="Continue to Action Tracker").click()
    expect(page).to_have_url(re.compile(r"/rounds/$"))

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(page, "priya")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your authentication code")
    audit.check(page, f"enter your authentication code ({width})")
    # The app's current code. allauth refuses a code twice in its 30 seconds, so a person would
    # wait for the next; totp_code clears that marker instead of making the test wait.
    page.get_by_label("Authentication code").fill(totp_code(priya))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Signed in as Priya Shah")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(page, "priya")
    page.get_by_label("Authentication code").fill(recovery_code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Signed in as Priya Shah")).to_be_visible()
    page.get_by_role("link", name="Priya Shah").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    audit.check(page, f"your account ({width})")

    kinds = list(AccountEvent.objects.filter(user__username="priya").values_list("kind", "method"))
    assert (AccountEvent.Kind.MFA_ENABLED, "TOTP") in kinds
    assert (AccountEvent.Kind.MFA_FAILED, "") not in kinds  # the wrong code was at set-up
    assert (AccountEvent.Kind.SIGNED_IN, "password + TOTP code") in kinds
    assert (AccountEvent.Kind.SIGNED_IN, "password + recovery code") in kinds
    audit.assert_clean()


def test_an_officer_resets_a_forgotten_password_through_the_email(new_page):
    UserFactory(username="sam", first_name="Sam", email="sam.ahmed@example.gov.uk")
    page = new_page()
    audit = AccessibilityAudit()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="I have forgotten my password").click()
    audit.check(page, "reset your password")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("link", name="Enter your email address")).to_be_visible()
    audit.check(page, "reset your password, nothing entered")
    page.get_by_label("Email address").fill("sam.ahmed@example.gov.uk")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    audit.check(page, "check your email")

    (email,) = mail.outbox
    assert email.to == ["sam.ahmed@example.gov.uk"]
    assert email.subject == "Action Tracker: Reset your password"
    page.goto(link_in(email.body))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password", exact=True).fill("password123")
    page.get_by_label("Confirm new password").fill("password123")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("too common")
    audit.check(page, "choose a new password, too common")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been changed")

    page.goto(link_in(email.body))  # the link works once
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    sign_in_with_password(page, "sam.ahmed@example.gov.uk", NEW_PASSWORD)
    expect(page.get_by_text("Signed in as Sam")).to_be_visible()
    assert AccountEvent.objects.filter(
        user__username="sam", kind=AccountEvent.Kind.PASSWORD_RESET
    ).exists()
    audit.assert_clean()


def test_an_admin_invites_someone_who_sets_their_password_from_the_link(new_page, login):
    UserFactory(
        username="alex", first_name="Alex", last_name="Admin", is_staff=True, is_superuser=True
    )
    admin = new_page()
    audit = AccessibilityAudit()
    login(admin, "alex")
    admin.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    audit.check(admin, "people")
    admin.get_by_role("link", name="Invite someone").click()
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text("Enter their email address")
    audit.check(admin, "invite someone, nothing entered")
    admin.get_by_label("Email address").fill("jo.bloggs@example.gov.uk")
    admin.get_by_label("First name").fill("Jo")
    admin.get_by_label("Last name").fill("Bloggs")
    admin.get_by_label("Democratic services").check()
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_role("alert")).to_contain_text("emailed an invitation to jo.bloggs")
    waiting = admin.get_by_role("table", name="Invitations not yet accepted")
    row = waiting.get_by_role("row", name=re.compile("jo.bloggs@example.gov.uk"))
    expect(row).to_contain_text("Democratic services")
    expect(row).to_contain_text("Waiting")
    people = admin.get_by_role("table", name=re.compile("with an account"))
    expect(people.get_by_role("row", name=re.compile("jo.bloggs"))).to_contain_text(
        "Not yet: invited"
    )

    (email,) = mail.outbox
    assert "as Democratic services" in email.body
    invitee = new_page()
    invitee.goto(link_in(email.body))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Set your password")
    expect(invitee.get_by_text("Your username is jo.bloggs@example.gov.uk")).to_be_visible()
    audit.check(invitee, "set your password (invitation)")
    invitee.get_by_label("Create a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Confirm password").fill(NEW_PASSWORD + "x")
    invitee.get_by_role("button", name="Set password").click()
    expect(invitee.locator(".govuk-error-summary")).to_contain_text("do not match")
    invitee.get_by_label("Create a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Confirm password").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Set password").click()
    expect(invitee.get_by_role("alert")).to_contain_text("Your password is set")

    sign_in_with_password(invitee, "jo.bloggs@example.gov.uk", NEW_PASSWORD)
    # Democratic services need MFA: set up straight after the first sign-in.
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")

    admin.reload()
    expect(people.get_by_role("row", name=re.compile("jo.bloggs"))).to_contain_text("Password")
    expect(admin.get_by_text("No invitations are waiting to be accepted.")).to_be_visible()
    admin.get_by_role("link", name="Sign-in log").click()
    expect(admin.get_by_role("table")).to_contain_text("Invitation accepted")
    audit.check(admin, "sign-in log")
    audit.assert_clean()
