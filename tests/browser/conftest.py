"""Fixtures for the real-browser tests (marker `browser`).

Debian's Chromium (never a downloaded browser: the tests run without internet), one per
session; a fresh context per page, with the service's locale and time zone. Every request
that leaves the live server is refused and reported, so nothing (axe-core, fonts, a CDN) is
fetched from the network, and JavaScript errors, console errors and failed responses fail
the test that caused them.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps its asyncio loop marked as running in this thread from
    # start() to stop(), so Django refuses ORM calls from the test thread (factories,
    # refresh_from_db, transactional_db's flush) with SynchronousOnlyOperation. Nothing
    # here is async: allow them while the browser is up, and only then.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def allowed_origins() -> list[str]:
    """Servers besides the live server the browser may reach (a test's identity provider)."""
    return []


@pytest.fixture
def new_page(
    browser, live_server, transactional_db, allowed_origins
) -> Iterator[Callable[..., Page]]:
    """`new_page(**context_options)`: a page in a new context (a separate person's browser)."""
    contexts = []
    problems: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        if any(url.startswith(origin) for origin in [live_server.url, *allowed_origins]):
            route.continue_()
        else:
            problems.append(f"Refused a request off the test server: {url}")
            route.abort()

    def make(**context_options) -> Page:
        options = {
            "locale": "en-GB",
            "timezone_id": "Europe/London",
            "base_url": live_server.url,
            **context_options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(5_000)
        context.route("**/*", guard)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and problems.append(f"Console error: {message.text} ({message.location})")
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and problems.append(f"HTTP {response.status} for {response.url}")
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "The browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def code_now(secret: str) -> str:
    """What an authenticator app set up with `secret` shows now: as a person would, wait for a
    code that lasts until it is typed."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if time.time() % 30 > 27:
        time.sleep(30.5 - time.time() % 30)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def totp_code(user) -> str:
    """The code `user`'s authenticator app shows now, given as fresh: allauth refuses a code used
    once within its period, and one person may sign in twice in a test's thirty seconds."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from allauth.mfa.utils import decrypt
    from django.core.cache import cache

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    code = code_now(decrypt(authenticator.data["secret"]))
    cache.delete(TOTP(authenticator)._get_used_cache_key(code))
    return code


def ensure_authenticator_app(user) -> None:
    """Give `user` an authenticator app, as someone in a role that needs MFA has set one up."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())


@pytest.fixture
def login() -> Callable[..., None]:
    """`login(page, username, password)`: sign in through the real sign-in form. The policy team,
    democratic services and admins need MFA: they get an authenticator app (as if set up
    before) and the fixture types its current code."""
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from frameworks.accounts.middleware import mfa_required

    def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
        user = get_user_model().objects.get(username=username)
        if mfa_required(user):
            ensure_authenticator_app(user)
        page.goto("/accounts/login/")
        page.get_by_label("Username or email address").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        if mfa_required(user):
            page.get_by_label("Authentication code").fill(totp_code(user))
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text(re.compile(r"^Signed in as "))).to_be_visible()

    return sign_in
