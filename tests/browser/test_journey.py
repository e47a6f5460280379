"""A return's whole journey in a real browser: officer, policy team, back and forth.

Runs axe-core (bundled in axe-playwright-python, injected into the page: no network) on each
page the journey passes through, and checks that the stylesheet, htmx and GOV.UK Frontend
actually load, since DEBUG is off and static files come from the live server's handler.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from frameworks.models import Milestone, Return, ReturnState, Round, RoundState
from tests.factories import (
    ApprovedReturnFactory,
    MilestoneFactory,
    PolicyUserFactory,
    PostFactory,
    ReturnFactory,
    RoundFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

MILESTONE = "Develop and promote the Councillor Call for Action (CCfA)"
PREVIOUS_NARRATIVE = (
    "A draft Councillor Call for Action has been completed and will be programmed for sign off "
    "by CLT in October."
)
FIRST_DRAFT = "The CCfA guidance was signed off by CLT and promoted in the Members Bulletin."
RESUBMITTED = (
    "How much: the CCfA guidance was signed off by CLT and promoted in the Members Bulletin. "
    "Next step: a briefing for all Councillors in March."
)
RETURN_COMMENT = "Please say what the next step is, following the OBA principles."

_axe = Axe()


@dataclass
class Journey:
    officer: str
    policy: str
    milestone: Milestone
    round: Round
    return_: Return


@pytest.fixture
def journey(transactional_db) -> Journey:
    post = PostFactory(title="Divisional Director SPP")
    officer = UserFactory(username="sam", first_name="Sam", last_name="Ahmed")
    post.holders.add(officer)
    policy = PolicyUserFactory(username="priya", first_name="Priya", last_name="Shah")
    milestone = MilestoneFactory(
        lead=post, title=MILESTONE, theme=ThemeFactory(name="Members' Support")
    )
    previous_round = RoundFactory(
        framework=milestone.framework,
        label="Q2 2020-21",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 9, 30),
        due_date=dt.date(2020, 10, 15),
        state=RoundState.CLOSED,
    )
    round = RoundFactory(framework=milestone.framework, label="Q3 2020-21")
    previous = ApprovedReturnFactory(
        milestone=milestone, round=previous_round, narrative=PREVIOUS_NARRATIVE
    )
    return_ = ReturnFactory(milestone=milestone, round=round, previous=previous)
    return Journey(
        officer=officer.username,
        policy=policy.username,
        milestone=milestone,
        round=round,
        return_=return_,
    )


def future_deadline() -> str:
    """A new deadline the service accepts: in the future, as officers type it (dd/mm/yyyy)."""
    return (timezone.localdate() + dt.timedelta(days=180)).strftime("%d/%m/%Y")


class AccessibilityAudit:
    """Runs axe-core on each page visited; the test fails at the end, listing every page's
    violations, so one problem does not hide the rest of the journey."""

    def __init__(self, *, exclude: list[str] | None = None) -> None:
        """`exclude`: CSS selectors of elements axe leaves out (each with its reason)."""
        self.reports: list[str] = []
        self.pages: list[str] = []
        self.context = {"exclude": [[selector] for selector in exclude]} if exclude else None

    def check(self, page: Page, where: str) -> None:
        assert_assets_loaded(page)
        results = _axe.run(page, context=self.context)
        self.pages.append(where)
        if results.violations_count:
            self.reports.append(f"== {where} ({page.url})\n{results.generate_report()}")

    def assert_clean(self) -> None:
        if self.reports:
            pytest.fail(
                f"axe-core found accessibility violations on {len(self.reports)} of "
                f"{len(self.pages)} pages:\n\n" + "\n\n".join(self.reports),
                pytrace=False,
            )


def assert_assets_loaded(page: Page) -> None:
    """The stylesheet, htmx and GOV.UK Frontend really loaded (axe's contrast checks need CSS)."""
    page.wait_for_load_state("load")
    loaded = page.evaluate(
        """() => ({
            css: [...document.styleSheets].some(
                (sheet) => (sheet.href || '').includes('/static/css/app.css')
                    && sheet.cssRules.length > 0),
            htmx: typeof window.htmx !== 'undefined',
            govukFrontend: document.body.classList.contains('govuk-frontend-supported'),
        })"""
    )
    assert loaded == {"css": True, "htmx": True, "govukFrontend": True}, loaded


def test_return_journey_from_officer_to_approval(new_page, login, journey):
    officer = new_page()
    policy = new_page()
    return_ = journey.return_
    audit = AccessibilityAudit()

    # 1. The officer signs in and finds the return on their task list.
    officer.goto("/")
    expect(officer).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(officer.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    audit.check(officer, "the sign-in page")
    login(officer, journey.officer)
    expect(officer.get_by_role("heading", name="Your returns", level=1)).to_be_visible()
    task = officer.get_by_role("link", name=MILESTONE)
    expect(task).to_have_accessible_description("Not started")
    audit.check(officer, "the task list")

    task.click()
    expect(officer.get_by_role("heading", name=MILESTONE, level=1)).to_be_visible()
    previous = officer.get_by_role("complementary", name="Last round's update")
    expect(previous).to_contain_text("Q2 2020-21")
    expect(previous).to_contain_text(PREVIOUS_NARRATIVE)
    audit.check(officer, "the update page")

    # 2. Typing saves a draft by itself (htmx, 3 s after the last keystroke).
    narrative = officer.get_by_label("Progress update")
    narrative.fill(FIRST_DRAFT)
    expect(officer.get_by_role("status")).to_contain_text(
        "Draft saved automatically", timeout=10_000
    )
    return_.refresh_from_db()
    assert return_.state == ReturnState.DRAFT
    assert return_.narrative == FIRST_DRAFT
    # The new version came back out of band, so the next save is not taken for a conflict.
    expect(officer.locator("#id_version")).to_have_value(str(return_.version))

    # 3. In progress past the deadline needs a new deadline: an error summary, text kept.
    officer.get_by_role("radio", name="In progress").check()
    officer.get_by_role("button", name="Submit for review").click()
    summary = officer.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(officer).to_have_title(re.compile(r"^Error: "))
    error_link = summary.get_by_role("link", name=re.compile("has passed"))
    expect(error_link).to_have_attribute("href", "#id_new_deadline")
    expect(officer.get_by_label("Progress update")).to_have_value(FIRST_DRAFT)
    expect(officer.get_by_role("radio", name="In progress")).to_be_checked()
    audit.check(officer, "the update page with errors")
    error_link.click()
    new_deadline = officer.get_by_role("textbox", name="New deadline", exact=True)
    expect(new_deadline).to_be_focused()

    new_deadline.fill(future_deadline())
    officer.get_by_role("button", name="Submit for review").click()
    expect(officer).to_have_url(re.compile(r"/returns/$"))
    expect(officer.get_by_role("alert")).to_contain_text("Return submitted for review")
    expect(officer.get_by_role("link", name=MILESTONE)).to_have_accessible_description("Submitted")

    # 4. The policy team filters the round's returns and sends this one back.
    login(policy, journey.policy)
    policy.goto(f"/rounds/{journey.round.pk}/")
    expect(policy.get_by_role("heading", name="Q3 2020-21", level=1)).to_be_visible()
    audit.check(policy, "the round's dashboard")
    policy.evaluate("() => { window.notReloaded = true }")
    filters = policy.get_by_role("navigation", name="Filter returns by status")
    filters.get_by_role("link", name=re.compile(r"^Submitted")).click()
    expect(policy).to_have_url(re.compile(r"/rounds/\d+/\?state=SUBMITTED$"))
    table = policy.locator("#returns-table")
    expect(table.get_by_role("table")).to_contain_text("Returns that are submitted: 1")
    expect(table.get_by_role("link", name=MILESTONE)).to_be_visible()
    assert policy.evaluate("() => window.notReloaded === true"), "htmx did not swap in place"

    table.get_by_role("link", name=MILESTONE).click()
    expect(policy.get_by_role("heading", name=MILESTONE, level=1)).to_be_visible()
    audit.check(policy, "the review page")
    policy.get_by_role("radio", name="Return it to the officer").check()
    policy.get_by_label("Comment for the officer").fill(RETURN_COMMENT)
    policy.get_by_role("button", name="Confirm decision").click()
    expect(policy).to_have_url(re.compile(rf"/rounds/{journey.round.pk}/$"))
    expect(policy.get_by_role("alert")).to_contain_text("Returned to the officer")

    # 5. The officer sees it returned, reads the comment, edits and resubmits.
    officer.goto("/returns/")
    task = officer.get_by_role("link", name=MILESTONE)
    expect(task).to_have_accessible_description("Returned")
    task.click()
    returned = officer.get_by_role("region", name="Returned by the policy team")
    expect(returned).to_contain_text(RETURN_COMMENT)
    expect(officer.get_by_label("Progress update")).to_have_value(FIRST_DRAFT)
    officer.get_by_label("Progress update").fill(RESUBMITTED)
    officer.get_by_role("button", name="Submit for review").click()
    expect(officer).to_have_url(re.compile(r"/returns/$"))
    expect(officer.get_by_role("link", name=MILESTONE)).to_have_accessible_description("Submitted")

    # 6. The policy team approves it; it can no longer be changed.
    policy.goto(f"/returns/{return_.pk}/review/")
    expect(policy.get_by_text(RESUBMITTED)).to_be_visible()
    policy.get_by_role("radio", name="Approve").check()
    policy.get_by_role("button", name="Confirm decision").click()
    expect(policy.get_by_role("alert")).to_contain_text("Approved")

    officer.goto("/returns/")
    expect(officer.get_by_role("link", name=MILESTONE)).to_have_accessible_description("Approved")
    audit.check(officer, "the task list after approval")
    officer.get_by_role("link", name=MILESTONE).click()
    expect(
        officer.get_by_text("This return has been approved and can no longer be changed.")
    ).to_be_visible()
    expect(officer.get_by_label("Progress update")).to_have_count(0)
    expect(officer.get_by_role("button", name="Submit for review")).to_have_count(0)

    officer.goto(f"/frameworks/{journey.milestone.framework.slug}/")
    expect(officer.get_by_role("link", name=MILESTONE)).to_be_visible()
    audit.check(officer, "the framework page")
    officer.get_by_role("link", name=MILESTONE).click()
    expect(officer).to_have_url(re.compile(rf"/milestones/{journey.milestone.pk}/$"))
    expect(officer.get_by_text(RESUBMITTED)).to_be_visible()
    audit.check(officer, "the milestone page")
    officer.get_by_role("link", name="See every change to this milestone").click()
    expect(officer.get_by_text("Approved").first).to_be_visible()
    audit.check(officer, "the milestone's history page")

    officer.goto(f"/frameworks/{journey.milestone.framework.slug}/milestones/")
    expect(officer.get_by_role("link", name=MILESTONE)).to_be_visible()
    audit.check(officer, "the milestone list")
    officer.get_by_label("Search").fill("Councillor Call")
    officer.get_by_role("button", name="Apply filters").click()
    expect(officer).to_have_url(re.compile(r"q=Councillor"))
    expect(officer.get_by_role("link", name=MILESTONE)).to_be_visible()
    audit.check(officer, "the milestone list, filtered")

    return_.refresh_from_db()
    assert return_.state == ReturnState.APPROVED
    assert return_.narrative == RESUBMITTED
    audit.assert_clean()


def test_officer_can_save_and_submit_without_javascript(new_page, login, journey):
    page = new_page(java_script_enabled=False)
    login(page, journey.officer)
    page.get_by_role("link", name=MILESTONE).click()
    page.get_by_label("Progress update").fill(FIRST_DRAFT)
    page.get_by_role("radio", name="Ongoing").check()
    page.get_by_role("button", name="Save as draft").click()
    expect(page).to_have_url(re.compile(rf"/returns/{journey.return_.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text("Draft saved. It has not been submitted")
    expect(page.get_by_label("Progress update")).to_have_value(FIRST_DRAFT)
    journey.return_.refresh_from_db()
    assert journey.return_.state == ReturnState.DRAFT

    page.get_by_role("button", name="Submit for review").click()
    expect(page).to_have_url(re.compile(r"/returns/$"))
    expect(page.get_by_role("link", name=MILESTONE)).to_have_accessible_description("Submitted")
    journey.return_.refresh_from_db()
    assert journey.return_.state == ReturnState.SUBMITTED


def test_dashboard_filter_swaps_in_place_and_shows_which_filter_is_on(new_page, login, journey):
    policy = new_page()
    login(policy, journey.policy)
    policy.goto(f"/rounds/{journey.round.pk}/")
    filters = policy.get_by_role("navigation", name="Filter returns by status")
    expect(filters.locator("[aria-current]")).to_have_text(["All (1)"])
    policy.evaluate("() => { window.notReloaded = true }")

    # A keyboard user picks a filter: htmx swaps the table and pushes the URL.
    chosen = filters.get_by_role("link", name="Not started (1)")
    chosen.focus()
    with policy.expect_response(re.compile(r"\?state=NOT_STARTED$")) as swap:
        chosen.press("Enter")
    expect(policy).to_have_url(re.compile(r"/rounds/\d+/\?state=NOT_STARTED$"))
    table = policy.locator("#returns-table")
    expect(table.get_by_role("table")).to_contain_text("Returns that are")
    expect(table.get_by_role("link", name=MILESTONE)).to_be_visible()
    assert policy.evaluate("() => window.notReloaded === true"), "htmx did not swap in place"

    # Checked together, so one fix does not hide the next problem.
    seen = {
        "filter marked current (aria-current, and bold)": filters.locator(
            "[aria-current]"
        ).all_inner_texts(),
        "keyboard focus still on the chosen filter": policy.evaluate(
            """() => document.activeElement === document.body
                ? 'lost (on the page body)' : document.activeElement.textContent.trim()"""
        ),
        "table caption": table.locator("caption").inner_text(),
        # Without it the browser's cache can answer Back with the bare table fragment.
        "Vary names HX-Request": "hx-request" in swap.value.headers.get("vary", "").lower(),
    }
    assert seen == {
        "filter marked current (aria-current, and bold)": ["Not started (1)"],
        "keyboard focus still on the chosen filter": "Not started (1)",
        "table caption": "Returns that are not started: 1",
        "Vary names HX-Request": True,
    }
