"""Outcomes, indicators and the maturity self-assessment in a real browser, on the demo's own
data (seeds 002, 003 and 004), at desktop and phone widths: every new page passes axe, and the
policy team resolves the level the paper wrote outside its scale (003's "Embedded"), makes a
recommendation a milestone in one click, and previews importing the papers' figures.
Screenshots go to test-results/measures/ for people to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from frameworks.models import Assessment, Framework, Indicator, Judgement, Recommendation
from frameworks.services.demo import demo_data_load
from tests.browser.test_journey import AccessibilityAudit
from tests.browser.test_measures_journey import look
from tests.browser.test_report_journey import REVEALING_RADIOS
from tests.builders import DEMO_DAY

pytestmark = pytest.mark.browser
PASSWORD = "demo-tracker-2020"
ENGAGEMENT = "Tower Hamlets Community Engagement Framework 2018-2021"


@pytest.fixture
def demo(transactional_db):
    demo_data_load(password=PASSWORD, today=DEMO_DAY)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_policy_team_reads_and_keeps_outcomes_indicators_and_maturity(
    new_page, login, demo, width, tmp_path
):
    page = new_page(viewport={"width": width, "height": 900})
    audit = AccessibilityAudit(exclude=[REVEALING_RADIOS])
    login(page, "policy", PASSWORD)
    engagement = Framework.objects.get(name=ENGAGEMENT)

    # The framework's page leads to its outcomes and its maturity assessment.
    page.goto(engagement.get_absolute_url())
    links = page.locator("#outcomes-and-measures")
    expect(links).to_contain_text("Progress by outcome (11 outcomes)")
    links.get_by_role("link", name="Progress by outcome").click()
    expect(page.get_by_role("heading", name="Progress by outcome", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="1 Involve", level=2)).to_be_visible()
    look(page, audit, f"outcomes-{width}")

    page.goto(engagement.get_absolute_url())
    page.locator("#outcomes-and-measures").get_by_role("link", name="Maturity").click()
    look(page, audit, f"assessments-{width}")
    assessment = Assessment.objects.get(framework=engagement)
    page.goto(assessment.get_absolute_url())
    expect(page.get_by_role("main")).to_contain_text("Embedded")
    look(page, audit, f"assessment-{width}")

    # Leadership's "Embedded" is not on the paper's scale: the policy team maps it.
    leadership = Judgement.objects.get(assessment=assessment, standard__name="Leadership")
    page.goto(f"/judgements/{leadership.pk}/resolve/")
    look(page, audit, f"judgement-resolve-{width}")
    page.get_by_role("radio", name="The same as Established").check()
    page.get_by_role("button", name="Save").click()
    leadership.refresh_from_db()
    assert leadership.level is not None and leadership.level.name == "Established"
    assert leadership.level_text == "Embedded"

    # A recommendation becomes a milestone in one click, linked back to its standard.
    recommendation = Recommendation.objects.filter(judgement=leadership).first()
    page.goto(assessment.get_absolute_url())
    section = page.get_by_role("region", name="Leadership")
    section.get_by_role("button", name=re.compile(r"^Make this a milestone")).first.click()
    recommendation.refresh_from_db()
    assert recommendation.milestone is not None
    page.goto(recommendation.milestone.get_absolute_url())
    expect(page.locator("#from-assessment")).to_contain_text("Leadership")
    look(page, audit, f"milestone-from-recommendation-{width}")

    # The improvement plan's indicators: the figures seed 004 reports, no targets.
    vacancy = Indicator.objects.get(name="Children's social care vacancy gap")
    page.goto(f"/frameworks/{vacancy.framework.slug}/indicators/")
    expect(page.get_by_role("main")).to_contain_text("19.55%")
    look(page, audit, f"indicators-{width}")
    page.get_by_role("link", name=re.compile("Children's social care vacancy gap")).first.click()
    expect(page.get_by_role("img")).to_have_count(1)
    look(page, audit, f"indicator-{width}")
    for name, url in [
        ("indicator-edit", f"/indicators/{vacancy.pk}/edit/"),
        ("indicator-targets", f"/indicators/{vacancy.pk}/targets/"),
        ("indicator-create", f"/frameworks/{vacancy.framework.slug}/indicators/new/"),
        ("assessment-create", f"/frameworks/{engagement.slug}/assessments/new/"),
        ("maturitylevel-create", f"/frameworks/{engagement.slug}/assessments/levels/new/"),
        ("maturitystandard-create", f"/frameworks/{engagement.slug}/assessments/standards/new/"),
        ("judgement-edit", f"/judgements/{leadership.pk}/"),
    ]:
        page.goto(url)
        look(page, audit, f"{name}-{width}")

    # Importing the papers' figures again: the preview says nothing would change.
    figures = tmp_path / "figures.csv"
    figures.write_text(
        "Indicator,Round,Value,Note\nChildren's social care vacancy gap,Q3 2019-20,19.55%,\n",
        encoding="utf-8",
    )
    page.goto(f"/frameworks/{vacancy.framework.slug}/indicators/import/")
    look(page, audit, f"indicatorvalue-import-{width}")
    page.get_by_label("Spreadsheet of values").set_input_files(str(figures))
    page.get_by_role("button", name="Check the file").click()
    look(page, audit, f"indicatorvalue-import-preview-{width}")

    page.goto(f"/frameworks/{engagement.slug}/assessments/import/")
    look(page, audit, f"assessment-import-{width}")
    audit.assert_clean()
