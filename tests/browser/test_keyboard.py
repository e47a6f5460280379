"""Keyboard only: an officer submits a return and a reviewer approves it without touching the
mouse: Tab to move, Enter to follow a link or press a button, Space and the arrow keys for
radios. Each control the journey needs is reached by Tab from the page before."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Locator, Page, expect

from frameworks.accounts.middleware import mfa_required
from tests.browser.conftest import PASSWORD, ensure_authenticator_app, totp_code
from tests.browser.test_journey import FIRST_DRAFT, journey  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def tab_to(page: Page, target: Locator, *, limit: int = 120) -> None:
    """Press Tab until `target` has the focus; fail if it never does (it cannot be reached)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Could not reach {target} with the Tab key")


def sign_in_by_keyboard(page: Page, username: str) -> None:
    """Sign in with the keyboard; the policy team types the code from their authenticator app."""
    user = get_user_model().objects.get(username=username)
    if mfa_required(user):
        ensure_authenticator_app(user)
    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("Username or email address"))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    if mfa_required(user):
        tab_to(page, page.get_by_label("Authentication code"))
        page.keyboard.type(totp_code(user))
        page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^Signed in as "))).to_be_visible()


def test_an_officer_submits_a_return_with_the_keyboard(new_page, journey):  # noqa: F811
    page = new_page()
    sign_in_by_keyboard(page, journey.officer)
    tab_to(page, page.get_by_role("link", name=journey.milestone.title))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/returns/{journey.return_.pk}/$"))
    tab_to(page, page.get_by_label("Progress update"))
    page.keyboard.type(FIRST_DRAFT)
    tab_to(page, page.get_by_role("radio", name="Completed"))
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="Completed")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Submit for review"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/returns/$"))
    expect(page.get_by_role("alert")).to_contain_text("Return submitted for review")


def test_a_reviewer_approves_a_return_with_the_keyboard(new_page, journey):  # noqa: F811
    officer = new_page()
    sign_in_by_keyboard(officer, journey.officer)
    officer.goto(f"/returns/{journey.return_.pk}/")
    officer.get_by_label("Progress update").fill(FIRST_DRAFT)
    officer.get_by_role("radio", name="Completed").check()
    officer.get_by_role("button", name="Submit for review").click()
    expect(officer).to_have_url(re.compile(r"/returns/$"))

    page = new_page()
    sign_in_by_keyboard(page, journey.policy)
    expect(page).to_have_url(re.compile(r"/rounds/$"))
    tab_to(page, page.get_by_role("link", name=journey.round.label).first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.round.label)
    tab_to(page, page.get_by_role("link", name=re.compile(re.escape(journey.milestone.title[:40]))))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/returns/{journey.return_.pk}/review/$"))
    approve = page.get_by_role("radio", name="Approve")
    tab_to(page, approve)
    page.keyboard.press("Space")
    expect(approve).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Confirm decision"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Approved")
