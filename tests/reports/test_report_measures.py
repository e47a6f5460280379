"""The board pack's measures sections: progress by outcome, indicators and the maturity table,
each printed only when the framework has them.

The plans are built from the papers: seed 002's pledges (commitments and the outcomes they
serve), seed 003's maturity assessment of community engagement (its scale, standards and
levels, "Embedded" included) and seed 004's children's social care vacancy gap (26% reduced to
19.55%). The statuses of 002's commitments are the tests' own: the paper gives none.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from pypdf import PdfReader

from frameworks.models import (
    RAG,
    Assessment,
    BoardReport,
    IndicatorTarget,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    MilestoneOutcome,
    ReturnState,
    RoundState,
)
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_html, render_pdf
from frameworks.services import reports
from tests.factories import (
    ApprovedReturnFactory,
    FrameworkFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MilestoneFactory,
    OutcomeFactory,
    PostFactory,
    RoundFactory,
    ThemeFactory,
    board_meeting,
)

# Seed 002, Pledge 1: Involve. Four commitments serve the first outcome, one the second.
INVOLVE = "Pledge 1: Involve"
SERVICES_BETTER = "Services are better at delivering improved outcomes and customer satisfaction."
EXPERTS = (
    "Communities are recognised and valued as experts and put at the heart of deciding "
    "priorities and services."
)
CO_PRODUCTION = [
    "Introduce a 'co-production framework' to help us work together with communities to develop "
    "council plans and commission all services (where appropriate), including jointly delivered "
    "services.",
    "Use co-production in commissioning, starting with adult social care, health and wellbeing, "
    "and youth and cohesion services (which bring people from different backgrounds together).",
    "Co-produce new versions of key council plans, such as the Community Plan, Community Safety "
    "Partnership Plan and Health and Wellbeing Strategy.",
    "Report to our cabinet each year on our progress on co-producing commissioning across the "
    "council, and make sure this information is easily accessible on our website.",
]
ASSETS = (
    "Identify and involve community assets (things like physical spaces and the skills, "
    "knowledge, ability, resources, experience or enthusiasm of groups and individuals) to "
    "decide local priorities and design services."
)
# Seed 002, Pledge 2: a commitment linked to no outcome here.
ASK_THE_MAYOR = (
    "Improve council and committee meetings by introducing digital tools so that people can "
    "take part remotely, and introduce new features on our website to report on our performance."
)

# Seed 003: the scale (lines 520-522) and the eight standards with their levels.
SCALE = [
    ("Emerging", "not there yet, but you're able to identify areas for improvement"),
    ("Aspiring", "some good performance, but also some gaps"),
    ("Established", "good overall performance against the standard"),
]
STANDARDS = [
    ("Vision & Strategy", "There is a clearly stated vision for community engagement and a "
     "strategy, supported by clear objectives, to deliver it.", "Aspiring"),
    ("Participation", "There is a consistent approach to ensuring citizens can have a say in "
     "the decisions that affect them.", "Aspiring"),
    ("Equality, diversity, and inclusion", "The residents involved in decision-making reflect "
     "the makeup of the range of communities in Tower Hamlets.", "Aspiring"),
    ("Resources", "There are adequate resources to deliver engagement processes effectively",
     "Emerging"),
    ("Workforce", "The workforce has the necessary skills, knowledge and capabilities to "
     "deliver high quality community engagement", "Emerging"),
    ("Partnerships", "There are partnerships in place at all levels that enable effective "
     "community engagement to take place.", "Aspiring"),
    ("Leadership", "Senior leaders and managers are champions for community engagement.",
     "Embedded"),
    ("Learning and impact", "Community engagement has had an impact on policy and practice",
     "Emerging"),
]  # fmt: skip


def community_plan(*, extra: int = 0, name: str = "Community Engagement Framework 2018-2021"):
    """Seed 002's first pledge with its outcomes and commitments and seed 003's assessment,
    reported to the Transformation Advisory Board of 11 December 2023 (seed 003) for Q2 2023-24.
    `extra` adds that many more commitments, outcomes and standards (for the query count)."""
    framework = FrameworkFactory(name=name)
    involve = ThemeFactory(framework=framework, name=INVOLVE, order=1)
    connected = ThemeFactory(framework=framework, name="Pledge 2: Be open and connected", order=2)
    round = RoundFactory(
        framework=framework,
        label="Q2 2023-24",
        start_date=dt.date(2023, 7, 1),
        end_date=dt.date(2023, 9, 30),
        due_date=dt.date(2023, 10, 15),
        state=RoundState.CLOSED,
    )
    lead = PostFactory(title="Divisional Director SPP")
    better = OutcomeFactory(theme=involve, title=SERVICES_BETTER, order=1)
    experts = OutcomeFactory(theme=involve, title=EXPERTS, order=2)
    statuses = [RAG.COMPLETED, RAG.COMPLETED, RAG.IN_PROGRESS, None]
    for order, (title, rag) in enumerate(zip(CO_PRODUCTION, statuses, strict=True)):
        milestone = MilestoneFactory(theme=involve, title=title, order=order, lead=lead)
        MilestoneOutcome.objects.create(milestone=milestone, outcome=better)
        if rag:
            ApprovedReturnFactory(milestone=milestone, round=round, rag=rag)
    assets = MilestoneFactory(theme=involve, title=ASSETS, order=10, lead=lead)
    MilestoneOutcome.objects.create(milestone=assets, outcome=experts)
    ApprovedReturnFactory(milestone=assets, round=round, rag=RAG.ONGOING)
    MilestoneFactory(theme=connected, title=ASK_THE_MAYOR, order=1, lead=lead)
    for n in range(extra):
        outcome = OutcomeFactory(theme=connected, title=f"{EXPERTS} ({n})", order=10 + n)
        milestone = MilestoneFactory(theme=connected, title=f"{ASSETS} ({n})", lead=lead)
        MilestoneOutcome.objects.create(milestone=milestone, outcome=outcome)
        ApprovedReturnFactory(milestone=milestone, round=round, rag=RAG.COMPLETED)

    levels = {
        name: MaturityLevel.objects.create(
            framework=framework, name=name, description=description, rank=rank
        )
        for rank, (name, description) in enumerate(SCALE, start=1)
    }
    assessment = Assessment.objects.create(
        framework=framework,
        title="Community Engagement Evaluation",
        assessed_on=dt.date(2023, 9, 4),
        source="Transformation Advisory Board, 11 December 2023, item 4 (appendix)",
    )
    standards = STANDARDS + [(f"Standard {n}", STANDARDS[0][1], "Aspiring") for n in range(extra)]
    for order, (name, description, level) in enumerate(standards):
        standard = MaturityStandard.objects.create(
            framework=framework, name=name, description=description, order=order
        )
        Judgement.objects.create(
            assessment=assessment,
            standard=standard,
            level=levels.get(level),
            level_text=level,
        )
    meeting = board_meeting("Transformation Advisory Board", date=dt.date(2023, 12, 11))
    return reports.board_report_create(framework=framework, round=round, meeting=meeting)


def improvement_plan(*, extra: int = 0, name: str = "Tower Hamlets Improvement Plan"):
    """Seed 004's vacancy gap on an improvement plan reported to the Transformation and
    Improvement Board of 9 December 2019 for Q3 2019-20, with the quarter before (no figure).
    `extra` adds that many more indicators with a value (for the query count)."""
    framework = FrameworkFactory(name=name)
    theme = ThemeFactory(framework=framework, name="R5 Workforce", code="R5")
    owner = PostFactory(title="Divisional Director, Human Resources and Organisational Change")
    MilestoneFactory(theme=theme, title="Increase the number of permanent staff", lead=owner)
    before = RoundFactory(
        framework=framework,
        label="Q2 2019-20",
        start_date=dt.date(2019, 7, 1),
        end_date=dt.date(2019, 9, 30),
        due_date=dt.date(2019, 10, 15),
        state=RoundState.CLOSED,
    )
    round = RoundFactory(
        framework=framework,
        label="Q3 2019-20",
        start_date=dt.date(2019, 10, 1),
        end_date=dt.date(2019, 12, 31),
        due_date=dt.date(2020, 1, 15),
        state=RoundState.CLOSED,
    )
    gap = IndicatorFactory(
        framework=framework,
        number="9",
        name="Children's social care vacancy gap",
        unit="%",
        direction="LOWER",
        baseline_value=Decimal("26"),
        tolerance=Decimal("1"),
        owner=owner,
    )
    # The paper sets no target: this year's target of 20% is the test's, to print one.
    IndicatorTarget.objects.create(indicator=gap, year="2019-20", value=Decimal("20"))
    IndicatorValueFactory(indicator=gap, round=before, value=None, state=ReturnState.NOT_STARTED,
                          note="")  # fmt: skip
    IndicatorValueFactory(indicator=gap, round=round)  # 19.55%, approved
    turnover = IndicatorFactory(
        framework=framework,
        name="Children's social care staff turnover",
        number="",
        unit="%",
        direction="LOWER",
        owner=owner,
    )
    IndicatorValueFactory(
        indicator=turnover,
        round=round,
        value=Decimal("10.58"),
        note="Turnover has decreased further to 10.58%.",
    )
    for n in range(extra):
        more = IndicatorFactory(
            framework=framework, number=str(20 + n), name=f"Registered users ({n})", owner=owner
        )
        IndicatorTarget.objects.create(indicator=more, round=round, value=Decimal("20000"))
        IndicatorValueFactory(indicator=more, round=before, value=Decimal("18000"))
        IndicatorValueFactory(indicator=more, round=round, value=Decimal("20393"))
    meeting = board_meeting(date=dt.date(2019, 12, 9))
    return reports.board_report_create(framework=framework, round=round, meeting=meeting)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def section(html: str, heading: str) -> str:
    """The body's section under an <h2> starting with `heading`, up to the next <h2>."""
    start = re.search(rf"<h2>\d+\. {re.escape(heading)}", html)
    assert start, heading
    end = html.find("<h2>", start.end())
    return html[start.start() : end]


@pytest.fixture
def community(db):
    return community_plan()


@pytest.fixture
def improvement(db):
    return improvement_plan()


def test_progress_by_outcome_lists_each_outcomes_commitments_with_status_and_count(community):
    snapshot = build_snapshot(report=community)
    (theme,) = snapshot["outcomes"]
    assert theme["name"] == INVOLVE
    better, experts = theme["outcomes"]
    assert better["title"] == SERVICES_BETTER
    assert [c["title"] for c in better["commitments"]] == CO_PRODUCTION
    assert [c["rag"] for c in better["commitments"]] == [
        "COMPLETED", "COMPLETED", "IN_PROGRESS", "NONE"
    ]  # fmt: skip
    assert better["count_line"] == "4 commitments: 2 completed, 1 in progress, 1 no update"
    assert experts["count_line"] == "1 commitment: 1 ongoing"

    html = render_html(snapshot)
    outcomes = section(html, "Progress by outcome")
    assert "<h2>4. Progress by outcome</h2>" in outcomes
    assert escape(SERVICES_BETTER) in outcomes and escape(EXPERTS) in outcomes
    assert "4 commitments: 2 completed, 1 in progress, 1 no update" in outcomes
    assert '<span class="tag tag-IN_PROGRESS">In progress</span>' in outcomes
    assert '<span class="tag tag-NONE">No update</span>' in outcomes
    # A milestone serving no outcome is in the appendix, not repeated here.
    assert escape(ASK_THE_MAYOR) not in outcomes and escape(ASK_THE_MAYOR) in html
    # Each commitment points at its appendix row, which carries the anchor.
    for number in re.findall(r'<a href="#m(\d+)">', outcomes):
        assert f'<tr id="m{number}">' in html
    assert len(re.findall(r'<a href="#m(\d+)">', outcomes)) == 5


def test_maturity_table_gives_each_standards_level_and_flags_the_one_off_the_scale(community):
    snapshot = build_snapshot(report=community)
    maturity = snapshot["maturity"]
    assert maturity["title"] == "Community Engagement Evaluation"
    assert maturity["date"] == "4 September 2023" and maturity["previous"] is None
    assert [level["name"] for level in maturity["scale"]] == [
        "Established",
        "Aspiring",
        "Emerging",
    ]  # from the most mature, as the paper lists them
    levels = {row["standard"]: (row["level"], row["outside_scale"]) for row in maturity["rows"]}
    assert levels["Leadership"] == ("Embedded", True)
    assert levels["Resources"] == ("Emerging", False)
    assert len(levels) == 8

    html = render_html(snapshot)
    table = section(html, "Maturity self-assessment")
    assert "<h2>5. Maturity self-assessment</h2>" in table
    assert "It is the first assessment, so no movement is shown." in table
    assert '<strong>Embedded</strong><br><span class="off-scale">(not on the scale)</span>' in (
        table
    )
    assert table.count("(not on the scale)") == 2  # the level, and the note under the scale
    assert "<strong>Established</strong> – good overall performance against the standard" in table
    # The statutory sections follow, numbered on.
    assert "<h2>6. Equalities implications</h2>" in html
    assert "<h2>8. Comments of Legal Services</h2>" in html
    assert "Indicators</h2>" not in html  # the plan has none


def test_a_second_assessment_shows_each_standards_movement(community):
    """A later self-assessment of the same standards (the levels are the test's, on 003's
    scale): each standard's movement since 003's, and Leadership's cannot be said."""
    framework = community.framework
    later = Assessment.objects.create(
        framework=framework,
        title="Community Engagement Evaluation",
        assessed_on=dt.date(2023, 12, 1),
    )
    levels = {level.name: level for level in framework.maturity_levels.all()}
    for standard, level in [("Resources", "Aspiring"), ("Participation", "Aspiring"),
                            ("Workforce", "Emerging"), ("Leadership", "Established")]:  # fmt: skip
        Judgement.objects.create(
            assessment=later,
            standard=framework.maturity_standards.get(name=standard),
            level=levels[level],
            level_text=level,
        )
    snapshot = build_snapshot(report=community)
    maturity = snapshot["maturity"]
    assert maturity["date"] == "1 December 2023"
    assert maturity["previous"]["date"] == "4 September 2023"
    moved = {row["standard"]: row["movement"]["words"] for row in maturity["rows"]}
    assert moved["Resources"] == "Up from Emerging"
    assert moved["Participation"] == "No change (Aspiring)"
    assert moved["Leadership"].startswith("Cannot compare: “Embedded” is not on the scale")
    table = section(render_html(snapshot), "Maturity self-assessment")
    assert "Previous level (4 September 2023)" in table
    assert "▲</span> Up from Emerging" in table
    assert "since the assessment of 4 September 2023" in table


def test_an_assessment_after_the_meeting_is_not_in_its_report(community):
    Assessment.objects.update(assessed_on=dt.date(2024, 1, 15))
    snapshot = build_snapshot(report=community)
    assert "maturity" not in snapshot
    assert "Maturity self-assessment</h2>" not in render_html(snapshot)


def test_indicators_table_trend_and_why_this_status_from_the_papers_figures(improvement):
    snapshot = build_snapshot(report=improvement)
    gap, turnover = snapshot["indicators"]
    assert gap["value"] == "19.5500" and gap["value_text"] == "19.55%"
    assert gap["target_text"] == "20%" and gap["tolerance_text"] == "1 percentage point"
    assert gap["status"] == "ON_TARGET"
    assert gap["reason"] == "19.55% is below the target of 20% (lower is better)."
    assert gap["owner"] == "Divisional Director, Human Resources and Organisational Change"
    assert [(p["round"], p["value"], p["status"]) for p in gap["points"]] == [
        ("Q2 2019-20", None, "NO_DATA"),
        ("Q3 2019-20", "19.5500", "ON_TARGET"),
    ]
    assert turnover["status"] == "NO_TARGET" and turnover["target"] is None
    assert "outcomes" not in snapshot and "maturity" not in snapshot

    html = render_html(snapshot)
    indicators = section(html, "Indicators")
    assert "<h2>4. Indicators</h2>" in indicators
    assert "Of the 2 indicators, 1 is on target and 1 has no target set in Q3 2019-20." in (
        indicators
    )
    assert "Table 3 – Indicators in Q3 2019-20" in indicators
    assert '<span class="tag kpi-ON_TARGET">On target</span>' in indicators
    assert '<span class="tag kpi-NO_TARGET">No target set</span>' in indicators
    assert "<strong>Why this status:</strong> 19.55% is below the target of 20%" in indicators
    # Each indicator's chart, drawn now from the stored points, with its text equivalent.
    assert indicators.count("<svg") == 2
    assert "Figure 3 – Indicator 9: Children&#x27;s social care vacancy gap" in indicators
    assert "Figure 4 – Children&#x27;s social care staff turnover" in indicators
    assert "The figures in Figure 3" in indicators
    assert "<h2>5. Equalities implications</h2>" in html

    squeezed = pdf_text(render_pdf(snapshot).content).replace(" ", "")
    for words in (
        "Indicator 9: Children's social care vacancy gap",
        "19.55%",
        "1 percentage point",
        "On target",
        "Why this status: 19.55% is below the target of 20% (lower is better).",
        "Divisional Director, Human Resources and Organisational Change",
    ):
        assert words.replace(" ", "") in squeezed, words


def test_the_snapshot_is_json_with_numbers_as_text_and_no_svg(improvement, community):
    import json

    for report in (improvement, community):
        snapshot = build_snapshot(report=report)
        stored = json.dumps(snapshot)  # JSON as the published report stores it
        assert "<svg" not in stored
        assert json.loads(stored) == snapshot
        for indicator in snapshot.get("indicators", []):
            for point in indicator["points"]:
                assert point["value"] is None or isinstance(point["value"], str)


def test_a_plan_without_measures_prints_none_of_their_sections(db):
    from tests.factories import ApprovedReturnFactory as Approved

    milestone = MilestoneFactory()
    round = RoundFactory(framework=milestone.framework, label="Q2 2020-21", state="CLOSED")
    Approved(milestone=milestone, round=round)
    meeting = board_meeting(date=dt.date(2020, 12, 9))
    report = reports.board_report_create(
        framework=milestone.framework, round=round, meeting=meeting
    )
    snapshot = build_snapshot(report=report)
    assert not {"outcomes", "indicators", "maturity"} & set(snapshot)
    html = render_html(snapshot)
    for heading in ("Progress by outcome", "Indicators", "Maturity self-assessment"):
        assert f"{heading}</h2>" not in html
    assert "<h2>4. Equalities implications</h2>" in html


def test_a_report_published_before_the_measures_sections_reprints_as_it_was(community):
    """A snapshot of schema 2 (published before this change) has none of the new keys: it
    renders without their sections, numbered as it was."""
    snapshot = build_snapshot(report=community)
    old = {key: value for key, value in snapshot.items()
           if key not in ("outcomes", "indicators", "maturity")}  # fmt: skip
    old["schema"] = 2
    html = render_html(old)
    assert "Progress by outcome</h2>" not in html and "Maturity self-assessment</h2>" not in html
    assert "<h2>4. Equalities implications</h2>" in html
    assert "<h2>6. Comments of Legal Services</h2>" in html
    assert render_pdf(old).pages >= 3


def test_the_pdf_prints_every_section_with_the_papers_words(community):
    text = pdf_text(render_pdf(build_snapshot(report=community)).content)
    squeezed = text.replace(" ", "")
    for words in (
        "4. Progress by outcome",
        "4 commitments: 2 completed, 1 in progress, 1 no update",
        "5. Maturity self-assessment",
        "Embedded",
        "(not on the scale)",
        "Aspiring – some good performance, but also some gaps",
    ):
        assert words.replace(" ", "") in squeezed, words
    assert SERVICES_BETTER.replace(" ", "") in squeezed


def fresh(report) -> BoardReport:
    """The report as a page reads it: with its framework, round, meeting and board."""
    return BoardReport.objects.select_related("framework", "round", "meeting__board").get(
        pk=report.pk
    )


def queries(report) -> int:
    report = fresh(report)
    with CaptureQueriesContext(connection) as captured:
        build_snapshot(report=report)
    return len(captured.captured_queries)


def test_snapshot_query_count_is_fixed_whatever_the_number_of_measures(
    db, django_assert_max_num_queries
):
    small = [community_plan(), improvement_plan()]
    big = [community_plan(extra=12, name="Copy"), improvement_plan(extra=12, name="Copy 2")]
    assert [queries(report) for report in small] == [queries(report) for report in big]
    for report in small + big:
        report = fresh(report)
        with django_assert_max_num_queries(14):
            build_snapshot(report=report)
    community, plan = (build_snapshot(report=report) for report in big)
    assert sum(len(theme["outcomes"]) for theme in community["outcomes"]) == 14
    assert len(community["maturity"]["rows"]) == 20
    assert len(plan["indicators"]) == 14


def test_indicator_status_tints_keep_their_words_legible():
    """Each indicator status's tag: dark words on a light tint, WCAG AA contrast (4.5:1)."""
    from frameworks.domain.vocabulary import IndicatorStatus
    from frameworks.reports.render import PRINT_CSS
    from tests.reports.test_report_xlsx import _luminance

    tints = dict(re.findall(r"\.kpi-([A-Z_]+) \{[^}]*?color: #([0-9a-f]{6})", PRINT_CSS))
    assert set(tints) == {status.value for status in IndicatorStatus}
    for status, body in re.findall(r"\.kpi-([A-Z_]+) \{([^}]*)\}", PRINT_CSS):
        background = re.search(r"background: #([0-9a-f]{6})", body)
        fill = background[1] if background else "ffffff"  # no data: an outline on white
        lighter, darker = sorted((_luminance(fill), _luminance(tints[status])), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, status
