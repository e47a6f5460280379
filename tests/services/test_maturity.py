"""Maturity self-assessment: the scale, standards, assessments, the import of seed 003's
judgements (built into fixtures/legacy by fixtures/build_maturity.py), settling "Embedded",
movement between two assessments, and recommendations made milestones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import (
    Assessment,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    Milestone,
    Recommendation,
    Theme,
)
from frameworks.selectors.maturity import maturity_table
from frameworks.services import OUT_OF_DATE
from frameworks.services.demo_maturity import FRAMEWORK, SCALE, demo_maturity_load
from frameworks.services.maturity import (
    UNCHANGED,
    ImportChanged,
    assessment_create,
    bullet_text,
    judgement_level_resolve,
    judgement_update,
    maturity_import_apply,
    maturity_import_plan,
    maturity_level_add,
    maturity_standard_add,
    recommendation_adopt,
)
from tests.factories import FrameworkFactory

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"
XLSX = LEGACY / "maturity-community-engagement-2023.xlsx"
CSV = LEGACY / "maturity-community-engagement-2023.csv"
STANDARDS = [
    "Vision & Strategy",
    "Participation",
    "Equality, diversity, and inclusion",
    "Resources",
    "Workforce",
    "Partnerships",
    "Leadership",
    "Learning and impact",
]
# As the paper judges them (seed 003 lines 529-659).
LEVELS = {
    "Vision & Strategy": "Aspiring",
    "Participation": "Aspiring",
    "Equality, diversity, and inclusion": "Aspiring",
    "Resources": "Emerging",
    "Workforce": "Emerging",
    "Partnerships": "Aspiring",
    "Leadership": "Embedded",
    "Learning and impact": "Emerging",
}
EMBEDDED_WARNING = (
    "“Embedded” is not on this framework's scale (Emerging, Aspiring, Established). Confirm to "
    "import it unmapped, then add it to the scale or map it on the assessment page"
)
ON = dt.date(2023, 9, 4)


@pytest.fixture
def framework(db, policy_user):
    framework = FrameworkFactory(name=FRAMEWORK, slug="community-engagement")
    for name, description, rank in SCALE:
        maturity_level_add(
            framework=framework, name=name, description=description, rank=rank, user=policy_user
        )
    return framework


def _import(framework, user, *, path=XLSX, on=ON) -> Assessment:
    return maturity_import_apply(
        framework=framework,
        data=path.read_bytes(),
        file_name=path.name,
        title="Community engagement maturity assessment",
        assessed_on=on,
        user=user,
        fingerprint=None,
    )


@pytest.fixture
def assessment(framework, policy_user) -> Assessment:
    return _import(framework, policy_user)


def _judgement(assessment: Assessment, standard: str) -> Judgement:
    return assessment.judgements.select_related("level", "standard").get(standard__name=standard)


# Reading bullets ---------------------------------------------------------------------------
def test_list_markup_bullets_and_dash_lines_become_items_with_their_sub_items():
    text = bullet_text(
        '<ul style="list-style-type: none"> • There is no other Council wide training on '
        "community engagement. For example: <ul> ○ In Childrens and Culture they have trained "
        "staff in co-production methods. ● Leaders attend events.\n"
        "- Some of the common barrier's include:\n - Language\n - Digital access"
    )
    assert [(i.text, i.children) for i in text.items] == [
        (
            "There is no other Council wide training on community engagement. For example:",
            ("In Childrens and Culture they have trained staff in co-production methods.",),
        ),
        ("Leaders attend events.", ()),
        ("Some of the common barrier's include:", ("Language", "Digital access")),
    ]
    assert bullet_text(text.as_text()) == text  # stored, it reads back the same
    assert (
        text.recommendations()[2]
        == "Some of the common barrier's include: Language; Digital access"
    )


def test_text_without_bullets_gives_a_recommendation_a_line():
    assert bullet_text("Better forward planning\nDevelop a how to guide").recommendations() == [
        "Better forward planning",
        "Develop a how to guide",
    ]


# The import ----------------------------------------------------------------------------------
def test_the_papers_workbook_previews_8_standards_and_flags_embedded(framework):
    plan = maturity_import_plan(framework=framework, data=XLSX.read_bytes(), file_name=XLSX.name)
    assert plan.errors == ()
    assert [j.standard for j in plan.judgements] == STANDARDS
    assert {j.standard: j.level_text for j in plan.judgements} == LEVELS
    assert [j.standard for j in plan.new_standards] == STANDARDS  # the import adds them
    assert [j.standard for j in plan.outside_scale] == ["Leadership"]
    (warning,) = plan.warnings
    assert (warning.row, warning.column, warning.message) == (10, "Level", EMBEDDED_WARNING)
    assert plan.recommendation_count == 39


def test_the_csv_export_previews_the_same_judgements(framework):
    xlsx = maturity_import_plan(framework=framework, data=XLSX.read_bytes(), file_name=XLSX.name)
    csv = maturity_import_plan(framework=framework, data=CSV.read_bytes(), file_name=CSV.name)
    assert csv.errors == ()
    assert [(j.standard, j.level_text, j.evidence, j.recommendations) for j in csv.judgements] == [
        (j.standard, j.level_text, j.evidence, j.recommendations) for j in xlsx.judgements
    ]


def test_importing_the_workbook_creates_the_assessment_with_embedded_unmapped(
    assessment, policy_user
):
    framework = assessment.framework
    assert (
        list(MaturityStandard.objects.filter(framework=framework).values_list("name", flat=True))
        == STANDARDS
    )
    leadership = MaturityStandard.objects.get(framework=framework, name="Leadership")
    assert (
        leadership.description
        == "Senior leaders and managers are champions for community engagement."
    )
    judged = {
        j.standard.name: (j.level.name if j.level else None, j.level_text)
        for j in assessment.judgements.select_related("level", "standard")
    }
    assert judged["Leadership"] == (None, "Embedded")
    assert judged["Resources"] == ("Emerging", "Emerging")
    assert {name: text for name, (_, text) in judged.items()} == LEVELS
    embedded = _judgement(assessment, "Leadership")
    assert embedded.outside_scale
    assert list(embedded.recommendations.values_list("text", flat=True)) == [
        "Explore how Council communications can be used to promote the importance of "
        "community engagement."
    ]
    vision = _judgement(assessment, "Vision & Strategy")
    assert vision.recommendations.count() == 4
    assert vision.evidence.startswith("• The Council’s Strategic Plan 2022-26")
    assert "○ Tower Hamlets VAWG Strategy 2019-2024" in vision.evidence
    participation = _judgement(assessment, "Participation")
    assert "co-produce, co-design services" in participation.evidence  # rejoined over the page
    assert Recommendation.objects.filter(judgement__assessment=assessment).count() == 39
    record = embedded.history.get()
    assert record.history_user == policy_user
    assert record.history_change_reason.startswith(
        "Import of maturity-community-engagement-2023.xlsx (SHA-256"
    )
    assert MaturityLevel.objects.filter(framework=framework).count() == 3  # nothing guessed


def test_a_level_matches_the_scale_by_name_ignoring_case_and_nothing_else(framework, policy_user):
    data = (
        "Standard,Level,Where are you now?,What needs to improve?\r\n"
        "Workforce: The workforce has the necessary skills,emerging,,- Identify the knowledge\r\n"
        "Resources,Emerging – not there yet,,\r\n"
        "Leadership,,,\r\n"
    ).encode()
    plan = maturity_import_plan(framework=framework, data=data, file_name="standards.csv")
    assert [(j.level_text, j.level) for j in plan.judgements] == [
        ("emerging", "Emerging"),
        ("Emerging – not there yet", ""),
        ("", ""),
    ]
    assert [w.row for w in plan.warnings] == [3]
    assert plan.judgements[2].outside_scale is False  # not judged is not outside the scale


def test_a_file_with_problems_says_which_rows_and_imports_nothing(framework, policy_user):
    data = (
        b"Standard,Level,Where are you now?,What needs to improve?\r\n"
        b"Participation,Aspiring,,\r\n"
        b",Emerging,Most services don't have a dedicated budget,\r\n"
        b"participation,Aspiring,,\r\n"
    )
    plan = maturity_import_plan(framework=framework, data=data, file_name="problems.csv")
    assert [str(p) for p in plan.errors] == [
        "Row 3, Standard: Enter the standard's name in this row",
        "Row 4, Standard: participation is also in row 2: keep one row per standard",
    ]
    with pytest.raises(ValidationError):
        maturity_import_apply(
            framework=framework, data=data, file_name="problems.csv", title="Assessment",
            assessed_on=ON, user=policy_user, fingerprint=plan.fingerprint,
        )  # fmt: skip
    assert not Assessment.objects.exists()
    assert not MaturityStandard.objects.exists()


def test_a_file_without_the_headings_is_refused_plainly(framework):
    plan = maturity_import_plan(
        framework=framework, data=b"Theme,Key Milestone\r\nPlanning,x\r\n", file_name="t.csv"
    )
    (problem,) = plan.errors
    assert problem.message.startswith("No header row was found")
    assert "Standard | Level | Where are you now? | What needs to improve?" in problem.message


def test_the_import_refuses_a_plan_that_changed_since_the_preview(framework, policy_user):
    plan = maturity_import_plan(framework=framework, data=XLSX.read_bytes(), file_name=XLSX.name)
    maturity_level_add(
        framework=framework, name="Embedded", description="test level", rank=4, user=policy_user
    )
    with pytest.raises(ImportChanged) as changed:
        maturity_import_apply(
            framework=framework, data=XLSX.read_bytes(), file_name=XLSX.name, title="Assessment",
            assessed_on=ON, user=policy_user, fingerprint=plan.fingerprint,
        )  # fmt: skip
    assert changed.value.plan.outside_scale == []
    assert not Assessment.objects.exists()


def test_one_assessment_a_day(assessment, policy_user):
    with pytest.raises(ValidationError) as refused:
        _import(assessment.framework, policy_user)
    assert refused.value.message_dict["assessed_on"] == [
        "This framework already has an assessment on 4 September 2023 (“Community engagement "
        "maturity assessment”). Choose another date, or change that assessment."
    ]


# Settling "Embedded" -----------------------------------------------------------------------
def test_embedded_added_to_the_scale_at_the_position_given(assessment, policy_user):
    embedded = _judgement(assessment, "Leadership")
    resolved = judgement_level_resolve(
        judgement=embedded,
        user=policy_user,
        add_to_scale={"description": "Test description given by the policy team", "rank": 4},
        expected_version=embedded.version,
    )
    level = MaturityLevel.objects.get(framework=assessment.framework, name="Embedded")
    assert (level.rank, level.description) == (4, "Test description given by the policy team")
    assert resolved.level == level and resolved.level_text == "Embedded"
    assert not resolved.outside_scale
    assert resolved.history.first().history_change_reason == "“Embedded” added to the scale"


def test_embedded_mapped_to_a_level_keeps_what_was_written(assessment, policy_user):
    embedded = _judgement(assessment, "Leadership")
    established = MaturityLevel.objects.get(framework=assessment.framework, name="Established")
    resolved = judgement_level_resolve(
        judgement=embedded, user=policy_user, level=established, expected_version=embedded.version
    )
    assert (resolved.level, resolved.level_text) == (established, "Embedded")
    assert resolved.history.first().history_change_reason == "“Embedded” mapped to Established"
    assert MaturityLevel.objects.filter(framework=assessment.framework).count() == 3


def test_resolving_is_refused_at_a_taken_position_twice_or_stale(assessment, policy_user):
    embedded = _judgement(assessment, "Leadership")
    with pytest.raises(ValidationError) as taken:
        judgement_level_resolve(
            judgement=embedded, user=policy_user,
            add_to_scale={"description": "test", "rank": 3}, expected_version=embedded.version,
        )  # fmt: skip
    assert taken.value.message_dict["rank"] == [
        "Position 3 is Established's. Choose a free position, for example 4 to put it above "
        "every other level"
    ]
    with pytest.raises(ValidationError) as stale:
        judgement_level_resolve(
            judgement=embedded, user=policy_user,
            level=MaturityLevel.objects.get(name="Established"),
            expected_version=embedded.version - 1,
        )  # fmt: skip
    assert stale.value.messages == [OUT_OF_DATE]
    resources = _judgement(assessment, "Resources")
    with pytest.raises(ValidationError, match="already on the scale"):
        judgement_level_resolve(
            judgement=resources, user=policy_user,
            level=MaturityLevel.objects.get(name="Established"), expected_version=None,
        )  # fmt: skip


# Movement ------------------------------------------------------------------------------------
def _second_assessment(framework, user) -> Assessment:
    """TEST DATA, not from the papers: a later assessment derived from the first, with
    Resources up to Aspiring, Partnerships down to Emerging and the others unchanged."""
    first = framework.assessments.get()
    second = assessment_create(
        framework=framework,
        title="Test data: a second assessment derived from the first",
        assessed_on=dt.date(2024, 9, 4),
        user=user,
    )
    levels = {level.name: level for level in framework.maturity_levels.all()}
    changed = {"Resources": "Aspiring", "Partnerships": "Emerging"}
    for judgement in second.judgements.select_related("standard"):
        before = _judgement(first, judgement.standard.name)
        name = changed.get(judgement.standard.name)
        judgement_update(
            judgement=judgement,
            user=user,
            expected_version=judgement.version,
            level=levels[name] if name else before.level,
            evidence=before.evidence,
            improvements=before.improvements,
        )
    return second


def test_a_second_assessment_shows_each_standards_movement(assessment, policy_user):
    framework = assessment.framework
    first_table = maturity_table(framework=framework)
    assert first_table.previous is None
    assert {r.movement.direction for r in first_table.rows} == {"NEW"}

    second = _second_assessment(framework, policy_user)
    table = maturity_table(framework=framework)
    assert (table.assessment, table.previous) == (second, assessment)
    assert [level.name for level in table.scale] == ["Emerging", "Aspiring", "Established"]
    moved = {r.standard: (r.level, r.previous_level, r.movement.words) for r in table.rows}
    assert moved["Resources"] == ("Aspiring", "Emerging", "Up from Emerging")
    assert moved["Partnerships"] == ("Emerging", "Aspiring", "Down from Aspiring")
    assert moved["Workforce"] == ("Emerging", "Emerging", "No change (Emerging)")
    # The second assessment has no level for Leadership (the first's was not on the scale).
    assert moved["Leadership"] == ("", "Embedded", "Not judged this time (was Embedded)")
    assert [r.standard for r in table.rows] == STANDARDS

    # As the board saw it on 11 December 2023: the first assessment, nothing to compare with.
    as_then = maturity_table(framework=framework, as_of=dt.date(2023, 12, 11))
    assert (as_then.assessment, as_then.previous) == (assessment, None)
    leadership = next(r for r in as_then.rows if r.standard == "Leadership")
    assert (leadership.level, leadership.outside_scale) == ("Embedded", True)
    assert maturity_table(framework=framework, as_of=dt.date(2023, 1, 1)) is None


def test_a_level_outside_the_scale_cannot_be_compared_until_resolved(assessment, policy_user):
    framework = assessment.framework
    second = assessment_create(
        framework=framework, title="Test data: a second assessment",
        assessed_on=dt.date(2024, 9, 4), user=policy_user,
    )  # fmt: skip
    established = MaturityLevel.objects.get(framework=framework, name="Established")
    judgement = _judgement(second, "Leadership")
    judgement_update(
        judgement=judgement, user=policy_user, expected_version=judgement.version,
        level=established, evidence="", improvements="",
    )  # fmt: skip
    row = next(r for r in maturity_table(framework=framework).rows if r.standard == "Leadership")
    assert row.movement.direction == "UNKNOWN"
    assert row.movement.words == "Cannot compare: “Embedded” is not on the scale (was Embedded)"
    first = _judgement(assessment, "Leadership")
    judgement_level_resolve(
        judgement=first, user=policy_user, add_to_scale={"description": "test", "rank": 4},
        expected_version=first.version,
    )  # fmt: skip
    row = next(r for r in maturity_table(framework=framework).rows if r.standard == "Leadership")
    assert row.movement.words == "Down from Embedded"


# Judgements ----------------------------------------------------------------------------------
def test_a_new_assessment_starts_with_each_standard_not_judged(assessment, policy_user):
    second = assessment_create(
        framework=assessment.framework, title="Test data", assessed_on=dt.date(2024, 1, 1),
        user=policy_user,
    )  # fmt: skip
    assert [j.standard.name for j in second.judgements.select_related("standard")] == STANDARDS
    assert not second.judgements.exclude(level=None).exists()


def test_editing_what_needs_to_improve_keeps_adopted_recommendations(assessment, policy_user):
    resources = _judgement(assessment, "Resources")
    first, second, *_ = resources.recommendations.all()
    recommendation_adopt(recommendation=first, user=policy_user, expected_version=first.version)
    updated = judgement_update(
        judgement=resources, user=policy_user, expected_version=resources.version,
        level=UNCHANGED, evidence=resources.evidence,
        improvements=f"- {first.text}\n- Explore options for a budget to support important "
        "community engagement activities.",
    )  # fmt: skip
    texts = list(updated.recommendations.values_list("text", "milestone_id"))
    assert texts[0] == (first.text, Milestone.objects.get().pk)
    assert texts[1] == (
        "Explore options for a budget to support important community engagement activities.",
        None,
    )
    assert updated.level.name == "Emerging"  # unchanged
    with pytest.raises(ValidationError) as refused:
        judgement_update(
            judgement=updated, user=policy_user, expected_version=updated.version,
            level=UNCHANGED, evidence="", improvements=second.text,
        )  # fmt: skip
    assert "is already a milestone, so it stays on the list" in refused.value.messages[0]
    assert updated.recommendations.count() == 2  # nothing changed


def test_a_stale_judgement_is_not_saved(assessment, policy_user):
    workforce = _judgement(assessment, "Workforce")
    judgement_update(
        judgement=workforce, user=policy_user, expected_version=workforce.version,
        level=UNCHANGED, evidence="Someone else's words", improvements=workforce.improvements,
    )  # fmt: skip
    with pytest.raises(ValidationError) as stale:
        judgement_update(
            judgement=workforce, user=policy_user, expected_version=workforce.version,
            level=None, evidence="", improvements="",
        )  # fmt: skip
    assert stale.value.messages == [OUT_OF_DATE]
    workforce.refresh_from_db()
    assert workforce.evidence == "Someone else's words" and workforce.level is not None


# Recommendations -----------------------------------------------------------------------------
def test_a_recommendation_becomes_a_milestone_linked_back_once(assessment, policy_user):
    recommendation = _judgement(assessment, "Leadership").recommendations.get()
    milestone = recommendation_adopt(
        recommendation=recommendation, user=policy_user, expected_version=recommendation.version
    )
    assert milestone.title == recommendation.text
    assert milestone.framework == assessment.framework
    assert milestone.theme == Theme.objects.get(framework=assessment.framework, name="Leadership")
    assert milestone.source_reference == (
        "Community engagement maturity assessment (4 September 2023), Leadership: what needs to "
        "improve, item 1"
    )
    recommendation.refresh_from_db()
    assert recommendation.milestone == milestone
    assert milestone.recommendation.judgement.standard.name == "Leadership"
    assert milestone.history.get().history_user == policy_user
    assert recommendation.history.first().history_change_reason == "Made a milestone"

    with pytest.raises(ValidationError) as twice:
        recommendation_adopt(
            recommendation=recommendation, user=policy_user, expected_version=recommendation.version
        )
    assert twice.value.messages[0].startswith("This recommendation is already a milestone")
    assert Milestone.objects.count() == 1

    # A second one of the same standard goes into the same theme, after the first.
    other = _judgement(assessment, "Workforce").recommendations.first()
    workforce = recommendation_adopt(recommendation=other, user=policy_user, expected_version=None)
    another = _judgement(assessment, "Workforce").recommendations.all()[1]
    again = recommendation_adopt(recommendation=another, user=policy_user, expected_version=None)
    assert (again.theme, again.order) == (workforce.theme, workforce.order + 1)


def test_a_stale_recommendation_is_not_adopted(assessment, policy_user):
    recommendation = _judgement(assessment, "Leadership").recommendations.get()
    with pytest.raises(ValidationError) as stale:
        recommendation_adopt(
            recommendation=recommendation, user=policy_user,
            expected_version=recommendation.version + 1,
        )  # fmt: skip
    assert stale.value.messages == [OUT_OF_DATE]
    assert not Milestone.objects.exists()


# The scale and standards -------------------------------------------------------------------
def test_levels_and_standards_are_unique_by_name(framework, policy_user):
    with pytest.raises(ValidationError) as level:
        maturity_level_add(framework=framework, name="established", user=policy_user)
    assert level.value.message_dict["name"] == ["The scale already has “established”"]
    top = maturity_level_add(framework=framework, name="Embedded", user=policy_user)
    assert top.rank == 4
    maturity_standard_add(framework=framework, name="Leadership", user=policy_user)
    with pytest.raises(ValidationError) as standard:
        maturity_standard_add(framework=framework, name=" leadership ", user=policy_user)
    assert standard.value.message_dict["name"] == [
        "This framework already has the standard “leadership”"
    ]


# The demo ------------------------------------------------------------------------------------
def test_the_demo_loads_the_papers_assessment_standalone_and_once(db):
    assessment = demo_maturity_load()
    framework = assessment.framework
    assert framework.name == "Tower Hamlets Community Engagement Framework 2018-2021"
    assert (assessment.title, assessment.assessed_on) == (
        "Community engagement maturity assessment",
        dt.date(2023, 9, 4),
    )
    assert [(lvl.name, lvl.rank) for lvl in framework.maturity_levels.order_by("rank")] == [
        ("Emerging", 1),
        ("Aspiring", 2),
        ("Established", 3),
    ]
    assert framework.maturity_standards.count() == 8
    assert [j.standard.name for j in assessment.judgements.filter(level=None)] == ["Leadership"]
    assert demo_maturity_load() == assessment
    assert (Assessment.objects.count(), MaturityStandard.objects.count()) == (1, 8)
