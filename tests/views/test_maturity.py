"""The maturity pages: import seed 003's judgements with a preview, settle "Embedded", make a
recommendation a milestone; who may read and who may write; queries bounded whatever the size."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from frameworks.models import Assessment, Framework, MaturityLevel, Milestone
from frameworks.selectors.maturity import maturity_table
from frameworks.services.demo_maturity import SCALE
from frameworks.services.maturity import (
    maturity_import_apply,
    maturity_level_add,
    recommendation_adopt,
)
from tests.factories import (
    AssessmentFactory,
    FrameworkFactory,
    JudgementFactory,
    MaturityLevelFactory,
    MaturityStandardFactory,
    RecommendationFactory,
)
from tests.html import attrs, buttons, error_summary, text, texts

XLSX = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "legacy"
    / ("maturity-community-engagement-2023.xlsx")
)
TITLE = "Community engagement maturity assessment"


@pytest.fixture
def framework(db, policy_user) -> Framework:
    framework = FrameworkFactory(
        name="Tower Hamlets Community Engagement Framework 2018-2021", slug="community-engagement"
    )
    for name, description, rank in SCALE:
        maturity_level_add(
            framework=framework, name=name, description=description, rank=rank, user=policy_user
        )
    return framework


@pytest.fixture
def assessment(framework, policy_user) -> Assessment:
    return maturity_import_apply(
        framework=framework, data=XLSX.read_bytes(), file_name=XLSX.name, title=TITLE,
        assessed_on=dt.date(2023, 9, 4), user=policy_user, fingerprint=None,
    )  # fmt: skip


def _upload(client, framework, **extra):
    with XLSX.open("rb") as upload:
        return client.post(
            reverse("frameworks:assessment-import", args=[framework.slug]),
            {
                "file": upload,
                "title": TITLE,
                "assessed_on_day": "4",
                "assessed_on_month": "9",
                "assessed_on_year": "2023",
                "source": "Community Engagement Evaluation report",
                **extra,
            },
        )


def _token(page) -> str:
    (field,) = attrs(page, "input[name=token]")
    return field["value"]


# Import ------------------------------------------------------------------------------------
def test_the_import_previews_then_creates_with_embedded_flagged(client, framework, policy_user):
    client.force_login(policy_user)
    preview = _upload(client, framework)
    assert preview.status_code == 200
    assert error_summary(preview) == ""
    assert not Assessment.objects.exists()  # a preview writes nothing
    warnings = texts(preview, ".govuk-warning-text__text")
    assert warnings == [
        "Warning Row 10: “Embedded” is not on this framework's scale (Emerging, Aspiring, "
        "Established). Confirm to import it unmapped, then add it to the scale or map it on the "
        "assessment page."
    ]
    created = texts(preview, "main ul.govuk-list--bullet li")
    assert "8 judgements, one per standard, each with its evidence" in created
    assert any(line.startswith("8 standards this framework does not have yet") for line in created)
    assert "Import the assessment" in buttons(preview)

    done = client.post(preview.request["PATH_INFO"], {"token": _token(preview)})
    assessment = Assessment.objects.get()
    assert done.status_code == 302 and done.url == assessment.get_absolute_url()
    assert assessment.source == "Community Engagement Evaluation report"
    page = client.get(done.url)
    assert "is imported. 1 level is not on the scale" in text(page, ".govuk-notification-banner")
    levels = dict(
        zip(texts(page, "tbody th"), texts(page, "tbody td[data-label=Level]"), strict=True)
    )
    assert levels["Leadership"] == "Embedded Not on the scale"
    assert levels["Resources"] == "Emerging"
    resolve = reverse(
        "frameworks:judgement-resolve", args=[assessment.judgements.get(level=None).pk]
    )
    assert resolve in [a["href"] for a in attrs(page, ".govuk-warning-text a")]


def test_confirming_twice_imports_once(client, framework, policy_user):
    client.force_login(policy_user)
    preview = _upload(client, framework)
    url, token = preview.request["PATH_INFO"], _token(preview)
    client.post(url, {"token": token})
    again = client.post(url, {"token": token})
    assert again.status_code == 200
    assert "This framework already has an assessment on 4 September 2023" in error_summary(again)
    assert Assessment.objects.count() == 1


def test_a_plan_changed_since_the_preview_is_shown_again_not_imported(
    client, framework, policy_user
):
    client.force_login(policy_user)
    preview = _upload(client, framework)
    maturity_level_add(
        framework=framework, name="Embedded", description="test level", rank=4, user=policy_user
    )
    stale = client.post(preview.request["PATH_INFO"], {"token": _token(preview)})
    assert stale.status_code == 200
    assert "The framework changed since your preview" in error_summary(stale)
    assert texts(stale, ".govuk-warning-text__text") == []  # Embedded is on the scale now
    assert not Assessment.objects.exists()


def test_a_tampered_preview_imports_nothing(client, framework, policy_user):
    client.force_login(policy_user)
    preview = _upload(client, framework)
    response = client.post(preview.request["PATH_INFO"], {"token": _token(preview) + "x"})
    assert response.status_code == 302
    assert not Assessment.objects.exists()


def test_a_file_with_problems_lists_them_with_rows_and_offers_no_import(
    client, framework, policy_user
):
    client.force_login(policy_user)
    data = b"Standard,Level\r\nParticipation,Aspiring\r\n,Emerging\r\n"

    page = client.post(
        reverse("frameworks:assessment-import", args=[framework.slug]),
        {
            "file": SimpleUploadedFile("judgements.csv", data, content_type="text/csv"),
            "title": TITLE,
            "assessed_on_day": "4",
            "assessed_on_month": "9",
            "assessed_on_year": "2023",
        },
    )
    assert "Row 3, Standard: Enter the standard's name in this row" in error_summary(page)
    assert "Import the assessment" not in buttons(page)
    assert text(page, "title").startswith("Error:")


# Settling "Embedded" -----------------------------------------------------------------------
def test_embedded_is_added_to_the_scale_from_the_page(client, assessment, policy_user):
    client.force_login(policy_user)
    judgement = assessment.judgements.get(level=None)
    url = reverse("frameworks:judgement-resolve", args=[judgement.pk])
    page = client.get(url)
    assert text(page, "legend") == "What is “Embedded”?"
    assert texts(page, ".govuk-radios__label") == [
        "A new level: add “Embedded” to the scale",
        "The same as Established",
        "The same as Aspiring",
        "The same as Emerging",
    ]
    missing = client.post(url, {"choice": "add", "version": judgement.version})
    assert "Say what “Embedded” means, as the scale's other levels do" in error_summary(missing)
    assert "Enter the position of “Embedded” on the scale" in error_summary(missing)
    done = client.post(
        url,
        {"choice": "add", "description": "Test: set by the policy team", "rank": "4",
         "version": judgement.version},
    )  # fmt: skip
    assert done.status_code == 302
    judgement.refresh_from_db()
    assert (judgement.level.name, judgement.level.rank) == ("Embedded", 4)


def test_embedded_is_mapped_from_the_page(client, assessment, policy_user):
    client.force_login(policy_user)
    judgement = assessment.judgements.get(level=None)
    established = MaturityLevel.objects.get(framework=assessment.framework, name="Established")
    client.post(
        reverse("frameworks:judgement-resolve", args=[judgement.pk]),
        {"choice": str(established.pk), "version": judgement.version},
    )
    judgement.refresh_from_db()
    assert (judgement.level, judgement.level_text) == (established, "Embedded")
    page = client.get(assessment.get_absolute_url())
    assert "Established (written as “Embedded”)" in texts(page, "tbody td[data-label=Level]")
    assert texts(page, ".govuk-warning-text") == []


def test_a_judgement_edited_on_a_stale_page_is_not_saved(client, assessment, policy_user):
    client.force_login(policy_user)
    judgement = assessment.judgements.get(standard__name="Workforce")
    url = reverse("frameworks:judgement-edit", args=[judgement.pk])
    page = client.get(url)
    assert texts(page, ".govuk-radios__label")[-1] == "Not judged"
    aspiring = MaturityLevel.objects.get(framework=assessment.framework, name="Aspiring")
    data = {"level": str(aspiring.pk), "evidence": "", "improvements": judgement.improvements}
    assert client.post(url, {**data, "version": judgement.version}).status_code == 302
    stale = client.post(url, {**data, "level": "none", "version": judgement.version})
    assert "This page is out of date, so nothing was changed" in error_summary(stale)
    judgement.refresh_from_db()
    assert judgement.level == aspiring


# Recommendations ---------------------------------------------------------------------------
def test_make_this_a_milestone_links_back_and_refuses_twice(client, assessment, policy_user):
    client.force_login(policy_user)
    page = client.get(assessment.get_absolute_url())
    assert buttons(page).count("Make this a milestone") == 0  # the label includes its text
    assert len([b for b in buttons(page) if b.startswith("Make this a milestone")]) == 39
    recommendation = assessment.judgements.get(standard__name="Leadership").recommendations.get()
    url = reverse("frameworks:recommendation-adopt", args=[recommendation.pk])
    done = client.post(url, {"version": recommendation.version}, follow=True)
    milestone = Milestone.objects.get()
    assert "is a milestone in Leadership" in text(done, ".govuk-notification-banner")
    assert milestone.get_absolute_url() in [a["href"] for a in attrs(done, "main li a")]
    twice = client.post(url, {"version": recommendation.version}, follow=True)
    assert "This recommendation is already a milestone" in text(twice, ".govuk-notification-banner")
    assert Milestone.objects.count() == 1
    assert client.get(url).status_code == 405  # a GET never creates one
    # The new milestone (no lead or deadline yet) opens like any other, and so does its plan.
    assert client.get(milestone.get_absolute_url()).status_code == 200
    assert client.get(assessment.framework.get_absolute_url()).status_code == 200


# Access ------------------------------------------------------------------------------------
def test_officers_and_democratic_services_read_but_do_not_write(
    client, assessment, officer, democratic_user
):
    recommendation = assessment.judgements.get(standard__name="Leadership").recommendations.get()
    for user in (officer, democratic_user):
        client.force_login(user)
        page = client.get(assessment.get_absolute_url())
        assert page.status_code == 200
        assert not [b for b in buttons(page) if b.startswith("Make this a milestone")]
        assert "The policy team can add it to the scale" in text(page, ".govuk-warning-text")
        listing = client.get(reverse("frameworks:assessment-list", args=["community-engagement"]))
        assert listing.status_code == 200 and "Import an assessment" not in listing.content.decode()
        adopt = reverse("frameworks:recommendation-adopt", args=[recommendation.pk])
        assert client.post(adopt, {"version": recommendation.version}).status_code == 403
        resolve = reverse("frameworks:judgement-resolve", args=[recommendation.judgement_id])
        assert client.post(resolve, {"choice": "add"}).status_code == 403
    assert not Milestone.objects.exists()


def test_a_framework_closed_to_officers_hides_its_assessments(client, assessment, officer):
    Framework.objects.filter(pk=assessment.framework_id).update(officers_read_all=False)
    client.force_login(officer)
    assert client.get(assessment.get_absolute_url()).status_code == 404
    url = reverse("frameworks:assessment-list", args=[assessment.framework.slug])
    assert client.get(url).status_code == 404


# Queries -----------------------------------------------------------------------------------
def _assessments(standards: int, recommendations: int, user) -> Framework:
    """Test data of any size: two assessments of `standards` standards each, the later with
    `recommendations` recommendations a standard, one of them a milestone."""
    framework = FrameworkFactory()
    for rank in (1, 2, 3):
        MaturityLevelFactory(framework=framework, rank=rank)
    levels = list(framework.maturity_levels.order_by("rank"))
    first = AssessmentFactory(framework=framework, assessed_on=dt.date(2023, 9, 4))
    second = AssessmentFactory(framework=framework, assessed_on=dt.date(2024, 9, 4))
    for n in range(standards):
        standard = MaturityStandardFactory(framework=framework)
        JudgementFactory(assessment=first, standard=standard, level=levels[n % 3], level_text="")
        judgement = JudgementFactory(assessment=second, standard=standard)
        for _ in range(recommendations):
            RecommendationFactory(judgement=judgement)
        recommendation_adopt(
            recommendation=judgement.recommendations.first(), user=user, expected_version=None
        )
    return framework


@pytest.mark.parametrize("size", [(2, 1), (12, 5)])
def test_assessment_pages_read_a_fixed_number_of_queries(
    client, policy_user, officer, size, django_assert_max_num_queries
):
    framework = _assessments(*size, user=policy_user)
    latest = framework.assessments.order_by("-assessed_on").first()
    for user in (policy_user, officer):
        client.force_login(user)
        with django_assert_max_num_queries(9):
            assert client.get(latest.get_absolute_url()).status_code == 200
        with django_assert_max_num_queries(7):
            url = reverse("frameworks:assessment-list", args=[framework.slug])
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(4):
        table = maturity_table(framework=framework)
    assert len(table.rows) == size[0]


def test_a_new_assessment_from_the_page(client, framework, policy_user, assessment):
    client.force_login(policy_user)
    response = client.post(
        reverse("frameworks:assessment-create", args=[framework.slug]),
        {"title": "Test data: a second assessment", "assessed_on_day": "4",
         "assessed_on_month": "9", "assessed_on_year": "2024"},
    )  # fmt: skip
    second = Assessment.objects.get(assessed_on=dt.date(2024, 9, 4))
    assert response.url == second.get_absolute_url()
    page = client.get(second.get_absolute_url())
    assert set(texts(page, "tbody td[data-label=Level]")) == {"Not judged yet"}
    assert "Not judged this time (was Embedded)" in texts(page, "tbody td[data-label=Movement]")
    taken = client.post(
        reverse("frameworks:assessment-create", args=[framework.slug]),
        {
            "title": "Again",
            "assessed_on_day": "4",
            "assessed_on_month": "9",
            "assessed_on_year": "2024",
        },
    )
    assert "already has an assessment on 4 September 2024" in error_summary(taken)
