"""The pledges layout (seed 002, the Community Engagement Framework 2018-2021): each pledge a
heading row and a `We will | So that` table, read from the workbook and the CSV that
fixtures/build_legacy.py builds from the paper, into 5 themes, 25 milestones and 11 outcomes,
every milestone serving its outcome; through the import pages as through the service."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from frameworks.importers.extract import extract_plan
from frameworks.importers.parsing import list_text, pledge_heading
from frameworks.importers.readers import open_source
from frameworks.models import (
    Framework,
    ImportBatch,
    Milestone,
    MilestoneOutcome,
    MilestonePost,
    Outcome,
    Theme,
)
from frameworks.services.demo_pledges import (
    PLEDGES_DESCRIPTION,
    PLEDGES_FRAMEWORK,
    demo_pledges_load,
)
from frameworks.services.imports import legacy_import
from tests.views.test_imports import page
from tests.workbooks import xlsx

LEGACY = Path(settings.BASE_DIR) / "fixtures" / "legacy"
XLSX = LEGACY / "pledges-community-engagement.xlsx"
CSV = LEGACY / "pledges-community-engagement.csv"
CEF = PLEDGES_FRAMEWORK
HEADER = ["We will", "So that"]

# 002, pledge 1's first outcome and the four commitments serving it.
SATISFACTION = "Services are better at delivering improved outcomes and customer satisfaction."
PLEDGE_1_FIRST = [
    "Introduce a 'co-production framework' to help us work together with communities to "
    "develop council plans and commission all services (where appropriate), including jointly "
    "delivered services.",
    "Use co-production in commissioning, starting with adult social care, health and "
    "wellbeing, and youth and cohesion services (which bring people from different "
    "backgrounds together).",
    "Co-produce new versions of key council plans, such as the Community Plan, Community "
    "Safety Partnership Plan and Health and Wellbeing Strategy.",
    "Report to our cabinet each year on our progress on co-producing commissioning across the "
    "council, and make sure this information is easily accessible on our website.",
]
ASK_THE_MAYOR_CELL = (
    "<ul style=\"list-style-type: none\"> ● Improve our 'Ask the Mayor' events by: "
    '<ul style="list-style-type: none"> – sharing local information relevant to the ward '
    "hosting the event; – providing opportunities for communities and partners to be "
    "involved; and – using digital tools (such as social media and short films) to improve how "
    "people can take part. "
)
ASK_THE_MAYOR = (
    "Improve our 'Ask the Mayor' events by: sharing local information relevant to the ward "
    "hosting the event; providing opportunities for communities and partners to be involved; "
    "and using digital tools (such as social media and short films) to improve how people can "
    "take part."
)
INSIGHT = (
    "Information and insight from local communities (community intelligence) are clearly "
    "reflected in the decisions we make."
)
SPACEHIVE = (
    '<ul style="list-style-type: none"> ● Encourage communities to use digital platforms such '
    "as Spacehive by promoting them through our website and social media. "
)
DIGITAL = "Local people are aware of digital services and are supported to use them."


def import_file(path: Path, **options):
    return legacy_import(data=path.read_bytes(), file_name=path.name, framework_name=CEF, **options)


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def plan_of(data: bytes, name: str = "pledges.xlsx"):
    return extract_plan(open_source(data, filename=name))


def located(plan) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in plan.errors]


@pytest.fixture
def imported(db):
    report = import_file(XLSX)
    assert report.ok, report.errors
    return Framework.objects.get(name=CEF)


# Reading the paper's shape ---------------------------------------------------------------------
@pytest.mark.parametrize("path", [XLSX, CSV], ids=["xlsx", "csv"])
def test_the_paper_gives_5_pledges_25_commitments_and_11_outcomes(db, path):
    report = import_file(path)
    assert report.ok, report.errors
    assert report.layout == "pledges" and report.header_row == 7
    assert report.summary == "Created 5 themes, 25 milestones, 11 outcomes and 25 outcome links."
    framework = Framework.objects.get(name=CEF)
    assert list(framework.themes.values_list("code", "name", "order")) == [
        ("1", "Involve", 1),
        ("2", "Be open and connected", 2),
        ("3", "Keep it simple", 3),
        ("4", "Share it", 4),
        ("5", "Enable", 5),
    ]
    assert framework.milestones.count() == 25
    assert framework.outcomes.count() == 11
    # Every milestone serves exactly one outcome, of its own pledge.
    links = MilestoneOutcome.objects.filter(milestone__framework=framework)
    assert links.count() == 25
    assert sorted(links.values_list("milestone_id", flat=True)) == sorted(
        framework.milestones.values_list("pk", flat=True)
    )
    assert all(link.outcome.theme_id == link.milestone.theme_id for link in links)
    # Pledge 1's first outcome is served by its first four commitments, in the paper's order.
    satisfaction = Outcome.objects.get(title=SATISFACTION)
    assert (satisfaction.theme.name, satisfaction.order) == ("Involve", 1)
    served = Milestone.objects.filter(outcome_links__outcome=satisfaction).order_by("order")
    assert list(served.values_list("title", flat=True)) == PLEDGE_1_FIRST
    # Pledge 4's second outcome: the two commitments from Spacehive on.
    digital = Outcome.objects.get(title=DIGITAL)
    assert [m.title[:40] for m in Milestone.objects.filter(outcome_links__outcome=digital)] == [
        "Encourage communities to use digital pla",
        "Work with our partners to deliver initia",
    ]
    # Outcomes per pledge, as the paper groups them.
    per_theme = [t.outcomes.count() for t in framework.themes.order_by("order")]
    assert per_theme == [2, 3, 2, 2, 2]


def test_the_repeated_heading_continues_pledge_2(imported):
    pledge_2 = Theme.objects.get(framework=imported, name="Be open and connected")
    assert Theme.objects.filter(name__icontains="open and connected").count() == 1
    assert pledge_2.milestones.count() == 6
    assert list(pledge_2.outcomes.values_list("order", flat=True)) == [1, 2, 3]
    # The four commitments after the page break serve the outcome on the first of them.
    third = pledge_2.outcomes.get(order=3)
    assert third.title.startswith("Local people are better able to influence issues")
    assert third.milestone_links.count() == 4
    titles = list(pledge_2.milestones.order_by("order").values_list("title", flat=True))
    assert titles[0] == ASK_THE_MAYOR
    assert titles[2].startswith("Establish a Strategic Partnership Board")


def test_list_markup_is_cleaned_to_the_papers_sentences(imported):
    texts = [
        *Milestone.objects.values_list("title", flat=True),
        *Outcome.objects.values_list("title", flat=True),
        *Theme.objects.values_list("name", flat=True),
    ]
    assert not [t for t in texts if any(mark in t for mark in ("<", ">", "●", "–", "\n"))]
    assert not [t for t in texts if t != t.strip()]
    mayor = Milestone.objects.get(title__startswith="Improve our 'Ask the Mayor'")
    assert mayor.title == ASK_THE_MAYOR
    assert mayor.outcome_links.get().outcome.title == INSIGHT


def test_commitments_have_no_lead_and_no_deadline(imported):
    assert not MilestonePost.objects.exists()
    assert set(Milestone.objects.values_list("deadline_kind", flat=True)) == {"NOT_SET"}
    assert not imported.rounds.exists()
    first = Milestone.objects.get(title=PLEDGE_1_FIRST[0])
    assert first.source_reference == f"{XLSX.name}, sheet Pledges, row 8"


def test_each_outcome_and_link_has_its_audit_row(imported):
    reason = f"Import of {XLSX.name}"
    assert Outcome.history.filter(history_change_reason__startswith=reason).count() == 11
    assert MilestoneOutcome.history.filter(history_change_reason__startswith=reason).count() == 25


def test_the_preview_writes_nothing_and_says_what_it_would_create(db):
    report = import_file(CSV, dry_run=True)
    assert report.ok, report.errors
    assert report.summary == (
        "Would create 5 themes, 25 milestones, 11 outcomes and 25 outcome links."
    )
    assert report.created.outcomes == 11 and len(report.new_outcomes) == 11
    assert report.preview[0]["outcomes"] == [SATISFACTION]
    assert not Framework.objects.exists() and not Outcome.objects.exists()


@pytest.mark.parametrize("path", [XLSX, CSV], ids=["xlsx", "csv"])
def test_reimporting_the_paper_changes_nothing(imported, path):
    history = Outcome.history.count() + MilestoneOutcome.history.count()
    again = import_file(path)
    assert again.ok and not again.changed
    assert again.summary.startswith("Nothing changed")
    unchanged = again.unchanged
    assert (unchanged.themes, unchanged.milestones, unchanged.outcomes) == (5, 25, 11)
    assert unchanged.outcome_links == 25
    assert Outcome.history.count() + MilestoneOutcome.history.count() == history


def test_a_lost_link_is_listed_as_a_change_and_made_again(imported):
    mayor = Milestone.objects.get(title=ASK_THE_MAYOR)
    mayor.outcome_links.all().delete()
    preview = import_file(XLSX, dry_run=True)
    assert preview.summary == "Would create 1 outcome link."
    assert [(c["milestone"], c["field"], c["before"], c["after"]) for c in preview.changes] == [
        (ASK_THE_MAYOR[:119] + "…", "Outcome", "", INSIGHT)
    ]
    report = import_file(XLSX)
    assert report.ok and report.created.outcome_links == 1
    assert mayor.outcome_links.get().outcome.title == INSIGHT


def test_a_link_the_file_does_not_give_is_kept(imported):
    """A commitment made to serve a second outcome in the app keeps it: a file never unlinks."""
    first = Milestone.objects.get(title=PLEDGE_1_FIRST[0])
    assets = Outcome.objects.get(title__startswith="Communities are recognised")
    MilestoneOutcome.objects.create(milestone=first, outcome=assets)
    again = import_file(XLSX)
    assert again.ok and not again.changed
    assert first.outcome_links.count() == 2


# Problems, each on its row ---------------------------------------------------------------------
def test_a_commitment_before_any_pledge_heading_is_an_error_on_its_row(db):
    data = xlsx(
        [
            HEADER,
            [SPACEHIVE, DIGITAL],
            ["Pledge 4: Share it"],
            [SPACEHIVE, DIGITAL],
        ],
        sheet="Pledges",
    )
    plan = plan_of(data)
    assert located(plan) == [
        (
            2,
            "We will",
            "This commitment comes before any pledge heading: add a row above it with only its "
            "pledge's heading, for example “Pledge 1: Involve”.",
        )
    ]
    report = legacy_import(data=data, file_name="pledges.xlsx", framework_name=CEF)
    assert not report.ok and not Framework.objects.exists()


def test_a_so_that_with_no_commitment_is_an_error_on_its_row(db):
    data = as_csv([["Pledge 4: Share it"], HEADER, [SPACEHIVE, DIGITAL], ["", SATISFACTION]])
    plan = plan_of(data, "pledges.csv")
    assert located(plan) == [
        (
            4,
            "So that",
            f"“{SATISFACTION}” has no “We will” commitment beside it: give the commitment it is "
            "the outcome of, in the same row.",
        )
    ]


def test_a_pledges_first_commitment_with_a_blank_so_that_is_an_error(db):
    data = xlsx([["Pledge 4: Share it"], HEADER, [SPACEHIVE, None]], sheet="Pledges")
    assert located(plan_of(data)) == [
        (
            3,
            "So that",
            "This is the first commitment of “Share it” and its “So that” is blank: give the "
            "outcome it serves (a blank “So that” continues the outcome above).",
        )
    ]


def test_a_blank_so_that_never_continues_the_previous_pledges_outcome(db):
    rows = [["Pledge 4: Share it"], HEADER, [SPACEHIVE, DIGITAL], ["Pledge 5: Enable"]]
    rows.append(["Improve our training and development programme.", None])
    errors = located(plan_of(xlsx(rows, sheet="Pledges")))
    assert [(row, column) for row, column, _ in errors] == [(5, "So that")]


def test_one_number_for_two_pledges_is_an_error_on_the_heading_row(db):
    rows = [["Pledge 4: Share it"], HEADER, [SPACEHIVE, DIGITAL], ["Pledge 4: Enable"]]
    rows.append(["Improve our training and development programme.", "Our staff have the skills."])
    errors = located(plan_of(xlsx(rows, sheet="Pledges")))
    assert [(row, column) for row, column, _ in errors] == [(4, None)]
    assert "give each pledge one number and one name" in errors[0][2]


def test_the_headings_are_recognised_with_guidance_and_a_chosen_layout(db):
    data = xlsx(
        [
            ["We will\nOne commitment a row", "So that\nThe outcome it serves"],
            ["Pledge 4: Share it"],
            [SPACEHIVE, DIGITAL],
        ],
        sheet="Pledges",
    )
    plan = plan_of(data)
    assert (plan.layout, plan.header_row, plan.errors) == ("pledges", 1, [])
    assert [m.outcomes for m in plan.milestones] == [[DIGITAL]]
    # A tracker is not a pledges file: asked for one, the importer names the headings it wants.
    tracker = (LEGACY / "tracker-ward-councillor-support.xlsx").read_bytes()
    wrong = extract_plan(open_source(tracker, filename="tracker.xlsx"), layout="pledges")
    assert "Expected the headings We will | So that." in wrong.errors[0].message


def test_the_other_legacy_workbooks_are_not_read_as_pledges():
    for name, layout in (
        ("tracker-ward-councillor-support.xlsx", "tracker"),
        ("framework-ward-councillor-support.xlsx", "framework"),
        ("actions-improvement-plan.xlsx", "actions"),
    ):
        data = (LEGACY / name).read_bytes()
        assert extract_plan(open_source(data, filename=name)).layout == layout


# The cell rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (ASK_THE_MAYOR_CELL, ASK_THE_MAYOR),
        (SPACEHIVE, SPACEHIVE.split("● ", 1)[1].strip()),
        ("Improve X by:\n• a\n• b", "Improve X by: a; b"),
        ("<ul><li>Gain the Mark.</li><li>Widen use of social media.</li></ul>",
         "• Gain the Mark.\n• Widen use of social media."),
        ("Established – good overall performance", "Established – good overall performance"),
        ("-5% on last year", "-5% on last year"),
        (None, ""),
    ],
)  # fmt: skip
def test_list_text(cell, text):
    assert list_text(cell) == text


@pytest.mark.parametrize(
    ("cell", "heading"),
    [
        ("Pledge 2: Be open and connected", ("2", "Be open and connected")),
        ("<b>Pledge 5: Enable</b>", ("5", "Enable")),
        ("Priority 3 – Keep it simple", ("3", "Keep it simple")),
        ("Pledge: Enable", ("", "Enable")),
        (SPACEHIVE, None),
        ("What will we do", None),
    ],
)
def test_pledge_heading(cell, heading):
    assert pledge_heading(cell) == heading


# Through the pages ---------------------------------------------------------------------------
@pytest.fixture
def policy(client, policy_user):
    client.force_login(policy_user)
    return policy_user


def upload(client, path: Path):
    data: dict[str, object] = {"framework": "new", "framework_name": CEF, "layout": "auto"}
    data |= {"sheet": "", "round": "", "previous_round": ""}
    data["file"] = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("frameworks:import-create"), data)


@pytest.mark.parametrize("path", [XLSX, CSV], ids=["xlsx", "csv"])
def test_upload_preview_then_import_the_pledges(
    client, policy, path, django_assert_max_num_queries
):
    response = upload(client, path)
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert batch.state == ImportBatch.State.PREVIEWED and batch.layout == "pledges"
    with django_assert_max_num_queries(4):
        preview = client.get(response.url)
    shown = page(preview)
    assert shown.text_by_id["preview"].startswith(
        "Would create 5 themes, 25 milestones, 11 outcomes and 25 outcome links."
    )
    assert ["Create", "5", "25", "0", "0", "11", "25"] in shown.rows
    assert "11 new outcomes" in preview.content.decode()
    assert f"So that: {SATISFACTION}" in preview.content.decode()
    assert not Milestone.objects.exists(), "the preview writes nothing"

    response = client.post(reverse("frameworks:import-confirm", args=[batch.pk]))
    framework = Framework.objects.get(name=CEF)
    assert response.status_code == 302 and response.url == framework.get_absolute_url()
    assert (framework.themes.count(), framework.milestones.count()) == (5, 25)
    assert MilestoneOutcome.objects.filter(outcome__framework=framework).count() == 25
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and batch.applied_by == policy
    assert Outcome.history.filter(history_user=policy).count() == 11
    plan_page = client.get(response.url)
    assert plan_page.status_code == 200
    assert "Co-produce new versions of key council plans" in plan_page.content.decode()

    # The same file again: nothing to import, and the page says so.
    upload_again = {
        "framework": str(framework.pk),
        "framework_name": "",
        "layout": "pledges",
        "sheet": "",
        "round": "",
        "previous_round": "",
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
    }
    response = client.post(reverse("frameworks:import-create"), upload_again)
    again = page(client.get(response.url))
    assert again.text_by_id["preview"].startswith("Nothing changed")
    assert ["Already there", "5", "25", "0", "0", "11", "25"] in again.rows


def test_the_pledges_template_downloads_with_its_headings(client, policy):
    response = client.get(reverse("frameworks:import-template", args=["pledges"]))
    assert response["Content-Disposition"] == 'attachment; filename="pledges-template.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Pledges"
    assert [sheet["A1"].value.split("\n")[0], sheet["B1"].value.split("\n")[0]] == HEADER
    assert "Pledge 1: Involve" in sheet["A1"].value
    # Filled in as the guidance says, it imports.
    sheet.append(["Pledge 4: Share it"])
    sheet.append([SPACEHIVE, DIGITAL])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    plan = plan_of(buffer.getvalue())
    assert (plan.layout, len(plan.milestones), plan.errors) == ("pledges", 1, [])


# The demo ------------------------------------------------------------------------------------
def test_the_demo_holds_the_community_engagement_framework_once(db):
    framework = demo_pledges_load()
    assert framework.name == "Tower Hamlets Community Engagement Framework 2018-2021"
    assert framework.description == PLEDGES_DESCRIPTION
    assert (framework.themes.count(), framework.milestones.count()) == (5, 25)
    assert framework.outcomes.count() == 11
    version = framework.version
    again = demo_pledges_load()
    assert again.pk == framework.pk and again.version == version
    assert Milestone.objects.count() == 25 and MilestoneOutcome.objects.count() == 25
    assert ImportBatch.objects.count() == 2  # each load is recorded as an import


def test_the_command_names_the_outcomes_it_would_create(db):
    """`import_legacy` on the seed 002 CSV says what it would create, outcomes included."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "import_legacy", str(CSV),
        "--framework", "Community Engagement Framework", "--dry-run", stdout=out,
    )  # fmt: skip
    assert (
        "Created: 5 themes, 25 milestones, 0 posts, 0 returns, 11 outcomes, 25 outcome links."
        in out.getvalue()
    )
