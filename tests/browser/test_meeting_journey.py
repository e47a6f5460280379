"""Democratic services prepare a board meeting in the browser, on the demo's boards (seeds 003
and 004): add an item with uploaded papers (a file that is not a PDF is refused), reorder the
agenda, build the pack in the background, publish it, add an item and publish a supplementary
agenda; then minute the previous meeting and record an action. axe checks every page, at
desktop and phone widths."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect
from pypdf import PdfReader

from frameworks.models import AgendaPack, Meeting, MeetingAction
from frameworks.services.demo import demo_data_load
from tests.browser.test_journey import AccessibilityAudit
from tests.browser.test_report_journey import REVEALING_RADIOS
from tests.builders import DEMO_DAY

pytestmark = pytest.mark.browser
PASSWORD = "demo-tracker-2020"
SHOTS = Path(settings.BASE_DIR) / "test-results" / "meetings"


def look(page, audit: AccessibilityAudit, name: str) -> None:
    """axe finds nothing, and a screenshot for people to look at (test-results/meetings/)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    audit.check(page, name)


@pytest.fixture
def demo(transactional_db):
    demo_data_load(password=PASSWORD, today=DEMO_DAY)


def slides(tmp_path) -> str:
    from weasyprint import HTML

    path = tmp_path / "community-engagement-strategy.pdf"
    HTML(
        string="<h1>Community Engagement Strategy</h1><p>Questions for Transformation "
        "Advisory Board</p>"
    ).write_pdf(path)
    return str(path)


@pytest.mark.parametrize("width", [1280, 390])
def test_democratic_services_build_and_publish_the_agenda_pack(
    new_page, login, demo, width, tmp_path
):
    audit = AccessibilityAudit(exclude=[REVEALING_RADIOS])
    page = new_page(viewport={"width": width, "height": 900})
    login(page, "democratic", PASSWORD)
    page.goto("/meetings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    look(page, audit, f"meetings-{width}")
    page.get_by_role("link", name="Monday 11 December 2023").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monday 11 December 2023")
    expect(page.get_by_text("Richard Penn – Independent non-executive member")).to_be_visible()
    look(page, audit, f"meeting-{width}")

    # Papers for item 4: a Word file saved as .pdf is refused, the real PDF is taken.
    page.get_by_role("link", name="Add an item").click()
    page.get_by_label("Title", exact=True).fill("Community Engagement Evaluation")
    page.get_by_label("Uploaded papers (PDF)").check()
    word = tmp_path / "evaluation.pdf"
    word.write_bytes(b"PK\x03\x04" + b"\x00" * 300 + b"word/document.xml")
    page.get_by_label("Papers (PDF)", exact=True).set_input_files(str(word))
    page.get_by_role("button", name="Add the item").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not a PDF")
    look(page, audit, f"add-an-item-refused-file-{width}")
    page.get_by_label("Uploaded papers (PDF)").check()
    page.get_by_label("Papers (PDF)", exact=True).set_input_files(slides(tmp_path))
    page.get_by_role("button", name="Add the item").click()
    expect(page.get_by_role("alert")).to_contain_text("Community Engagement Evaluation")

    # Move it above Any Other Business.
    page.get_by_role("button", name="Move up item 7").click()
    rows = page.locator("#agenda ~ table tbody tr th")
    expect(rows.nth(5)).to_contain_text("Community Engagement Evaluation")

    page.get_by_role("button", name="Build a draft pack").click()
    expect(page.get_by_role("status")).to_contain_text("Ready", timeout=20_000)
    look(page, audit, f"pack-built-{width}")
    page.get_by_role("link", name="Back to the meeting").click()
    page.get_by_role("button", name="Publish the pack").click()
    expect(page.get_by_role("alert")).to_contain_text("Agenda pack version 1 is published")
    meeting = Meeting.objects.get(board__name="Transformation Advisory Board", date="2023-12-11")
    pack = AgendaPack.objects.get(meeting=meeting)
    reader = PdfReader(io.BytesIO(bytes(pack.pdf)))
    agenda = " ".join(reader.pages[1].extract_text().split())
    assert re.search(r"Community Engagement Evaluation \d+", agenda)
    assert [o.title for o in reader.outline][:2] == ["Agenda", "3. Minutes of the Previous Meeting"]

    with page.expect_download() as download:
        page.get_by_role("link", name="Agenda pack, version 1").click()
    assert download.value.path().read_bytes() == bytes(pack.pdf)  # the same file every time

    page.get_by_role("link", name="Add an item").click()
    page.get_by_label("Title", exact=True).fill("Forward plan")
    page.get_by_role("button", name="Add the item").click()
    page.get_by_role("button", name="Publish the pack").click()
    expect(page.get_by_role("alert")).to_contain_text("Supplementary agenda version 2")
    audit.assert_clean()


def test_minutes_of_the_previous_meeting_and_an_agreed_action(new_page, login, demo):
    audit = AccessibilityAudit(exclude=[REVEALING_RADIOS])
    page = new_page()
    login(page, "democratic", PASSWORD)
    october = Meeting.objects.get(board__name="Transformation Advisory Board", date="2023-10-17")
    page.goto(f"/meetings/{october.pk}/minutes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Minutes of 17 October 2023")
    expect(page.get_by_label("Members present")).to_contain_text("Richard Penn")
    look(page, audit, "minutes")
    page.get_by_role("link", name="Record an action").click()
    page.get_by_label("Agreed under item").select_option(label="6. ANY OTHER BUSINESS")
    page.get_by_label("What the Board agreed would be done").fill(
        "A forward plan for future agendas to be circulated to Members before the next meeting"
    )
    page.get_by_label("Owner (post)").select_option(label="Head of Democratic Services")
    page.get_by_label("Due").fill("Next meeting")
    look(page, audit, "record-an-action")
    page.get_by_role("button", name="Record the action").click()
    expect(page.get_by_role("alert")).to_contain_text("The action is recorded")
    assert MeetingAction.objects.count() == 4
    page.get_by_label("Approved at the meeting of").select_option(index=1)
    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.get_by_text("They can no longer be changed")).to_be_visible()
    look(page, audit, "approved-minutes")
    page.goto(f"/reports/boards/{october.board_id}/members/")
    expect(page.get_by_role("rowheader", name=re.compile("^Richard Penn"))).to_be_visible()
    look(page, audit, "board-members")
    page.get_by_role("link", name="Change Richard Penn").click()
    expect(page.get_by_label("Role, as printed")).to_have_value("Independent non-executive member")
    look(page, audit, "board-member-edit")
    page.goto("/meetings/new/")
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the board")
    look(page, audit, "add-a-meeting-errors")
    page.goto(f"/meetings/{october.pk}/")
    page.get_by_role("link", name="Change item 2").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value("LGA CORPORATE PEER CHALLENGE")
    look(page, audit, "change-an-item")
    audit.assert_clean()
