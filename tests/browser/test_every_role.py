"""Each role's day on the demo, as a newcomer signs in today: at desktop width and at 390 px
(a phone), every page is the role's own landing page or reached from it, marks where the person
is in the navigation, never scrolls sideways, and has no axe-core violations. Screenshots of
every page are saved in test-results/roles/ for people to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from frameworks.models import BoardReport, Return, Round, RoundState
from frameworks.services.demo import demo_data_load
from tests.browser.test_journey import AccessibilityAudit
from tests.browser.test_report_journey import REVEALING_RADIOS

pytestmark = pytest.mark.browser

PASSWORD = "demo-tracker-2020"
SHOTS = Path(settings.BASE_DIR) / "test-results" / "roles"
WIDTHS = (1280, 390)
LEGACY = Path(settings.BASE_DIR) / "fixtures" / "legacy" / "tracker-ward-councillor-support.xlsx"


@pytest.fixture
def demo(transactional_db):
    return demo_data_load(password=PASSWORD).framework


def sideways_scroll(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def look(page: Page, audit: AccessibilityAudit, role: str, name: str, width: int) -> None:
    """What a person would notice: the page fits the screen, and axe finds nothing."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{role}-{name}-{width}.png", full_page=True)
    assert sideways_scroll(page) <= 0, f"{role}: {name} scrolls sideways at {width} px"
    audit.check(page, f"{role}: {name} at {width} px")


def current_section(page: Page) -> str:
    return page.locator(".govuk-service-navigation__item--active").inner_text().strip()


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_day(new_page, login, demo, width):
    audit = AccessibilityAudit(exclude=[REVEALING_RADIOS])
    page = new_page(viewport={"width": width, "height": 900})
    login(page, "officer", PASSWORD)
    expect(page).to_have_url(re.compile(r"/returns/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your returns")
    look(page, audit, "officer", "returns", width)
    mine = Return.objects.filter(
        round__state=RoundState.OPEN, milestone__leads__post__holders__username="officer"
    ).first()
    page.goto(f"/returns/{mine.pk}/")
    expect(page.locator(".govuk-character-count__status")).to_have_text(
        "You have 20,000 characters remaining"
    )
    look(page, audit, "officer", "return", width)
    page.goto(f"/frameworks/{demo.slug}/")
    assert current_section(page) == "Frameworks"
    look(page, audit, "officer", "framework", width)
    page.goto(f"/frameworks/{demo.slug}/milestones/")
    look(page, audit, "officer", "milestones", width)
    page.locator(".app-account__name").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("Divisional Director SPP")).to_be_visible()
    look(page, audit, "officer", "account", width)
    audit.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_policy_team_day(new_page, login, demo, width, mailoutbox):
    audit = AccessibilityAudit(exclude=[REVEALING_RADIOS])
    page = new_page(viewport={"width": width, "height": 900})
    login(page, "policy", PASSWORD)
    expect(page).to_have_url(re.compile(r"/rounds/$"))
    look(page, audit, "policy", "rounds", width)
    current = Round.objects.get(framework=demo, state=RoundState.OPEN)
    page.goto(f"/rounds/{current.pk}/")
    assert current_section(page) == "Rounds"
    look(page, audit, "policy", "round", width)
    # Chase one post now: its holder gets the email, and the page says so.
    page.get_by_role("button", name="Chase Divisional Director SPP now").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Reminder sent to Sam Ahmed (Divisional Director SPP)."
    )
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (
            ["officer@example.org"],
            f"Your {current.label} returns for {demo.name} are due on {current.due_date:%-d %B %Y}",
        )  # fmt: skip
    ]
    page.goto(f"/frameworks/{demo.slug}/rounds/new/")
    assert current_section(page) == "Rounds"
    page.get_by_role("button", name="Create round").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the start date")
    look(page, audit, "policy", "create-round-errors", width)
    page.goto("/posts/")
    assert current_section(page) == "Posts"
    look(page, audit, "policy", "posts", width)
    page.get_by_role("link", name="Merge two posts").click()
    page.get_by_label("The post to keep").select_option(label="Head of Democratic Services")
    page.get_by_label("The post to merge into it").select_option(label="Head of Democratic Service")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Merge posts")).to_be_visible()
    look(page, audit, "policy", "merge-posts", width)
    page.get_by_role("button", name="Merge posts").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "“Head of Democratic Service” is merged into “Head of Democratic Services”."
    )
    merged = page.get_by_role("rowheader", name=re.compile("^Head of Democratic Services"))
    expect(merged).to_contain_text("Also written as Head of Democratic Service")
    page.goto(f"/frameworks/{demo.slug}/")
    headline = page.get_by_role("heading", name=re.compile("^Where the plan stands"))
    expect(headline).to_have_text("Where the plan stands: latest approved status")
    # The headline's counts agree with each other and with the plan: every milestone once.
    totals = page.locator("table").first.locator("tr").last.locator("td").all_inner_texts()
    assert sum(int(n) for n in totals) == demo.milestones.count()
    overdue = page.locator("#overdue-and-slipped + p").inner_text()
    listed = page.get_by_text(re.compile(r"^Overdue milestones \(\d+\)$"))
    if overdue.split()[0] != "0":
        expect(listed).to_have_text(f"Overdue milestones ({overdue.split()[0]})")
    look(page, audit, "policy", "framework", width)
    audit.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_democratic_services_day(new_page, login, demo, width):
    audit = AccessibilityAudit(exclude=[REVEALING_RADIOS])
    page = new_page(viewport={"width": width, "height": 900})
    login(page, "democratic", PASSWORD)
    expect(page).to_have_url(re.compile(r"/reports/$"))
    look(page, audit, "democratic", "reports", width)
    report = BoardReport.objects.get(framework=demo)
    page.goto(f"/reports/{report.pk}/")
    assert current_section(page) == "Reports"
    look(page, audit, "democratic", "report", width)
    page.goto(f"/reports/{report.pk}/edit/")
    look(page, audit, "democratic", "report-edit", width)
    audit.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_day(new_page, login, demo, width):
    audit = AccessibilityAudit(exclude=[REVEALING_RADIOS])
    page = new_page(viewport={"width": width, "height": 900})
    login(page, "admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/imports/$"))
    look(page, audit, "admin", "imports", width)
    page.goto("/imports/new/")
    page.get_by_label("Spreadsheet").set_input_files(LEGACY)
    page.get_by_label(demo.name).check()
    page.get_by_label("Current round").fill("Q2 2020-21")
    page.get_by_label("Previous round (optional)").fill("Q4 2019-20")
    page.get_by_role("button", name=re.compile("^(Preview|Check|Upload)")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    look(page, audit, "admin", "import-preview", width)
    page.goto("/people/")
    assert current_section(page) == "People"
    look(page, audit, "admin", "people", width)
    page.get_by_role("link", name="Sign-in log").click()
    expect(page.get_by_role("table")).to_contain_text("Signed in")
    look(page, audit, "admin", "sign-in-log", width)
    page.goto("/accounts/2fa/")
    expect(page.get_by_text("Set up", exact=True)).to_be_visible()
    look(page, audit, "admin", "two-factor", width)
    audit.assert_clean()
