import pytest
from django.conf import settings

from frameworks.models import (
    RAG,
    Framework,
    ImportBatch,
    Milestone,
    MilestonePost,
    Post,
    Return,
    Round,
    Theme,
)
from frameworks.services.imports import legacy_import
from tests.workbooks import CCFA, HUB, TRACKER_HEADER, VAWG, tracker, xlsx

ROUNDS = {"round_label": "Q2 2020-21", "previous_round_label": "Q4 2019-20"}


def table_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Framework,
            Theme,
            Milestone,
            Post,
            MilestonePost,
            Return,
            Round,
        )
    )


def run(data: bytes, **options):
    options = {
        "file_name": "tracker.xlsx",
        "framework_name": "Ward Councillor Support Framework",
        **ROUNDS,
        **options,
    }
    return legacy_import(data=data, **options)


def test_tracker_creates_themes_milestones_posts_rounds_and_returns(db):
    report = run(tracker(CCFA, HUB, VAWG))
    assert report.ok, report.errors
    assert report.layout == "tracker" and report.header_row == 3 and report.sheet == "Tracker"
    assert (report.created.themes, report.created.milestones, report.created.posts) == (3, 3, 3)
    assert report.created.returns == 5  # VAWG was completed before: no current update
    ccfa = Milestone.objects.get(title__startswith="Develop and promote")
    assert ccfa.theme.name == "Overview and Scrutiny"  # <b> stripped
    assert ccfa.deadline_text == "Mar-20" and ccfa.deadline_date.isoformat() == "2020-03-31"
    assert ccfa.revised_deadline_text == "Nov-20"
    q2 = ccfa.returns.get(round__label="Q2 2020-21")
    assert q2.rag == RAG.IN_PROGRESS and q2.rag_text == "In progress"
    assert q2.previous == ccfa.returns.get(round__label="Q4 2019-20")
    assert q2.new_deadline_text == "Nov-20"
    rounds = {p.label: p for p in Round.objects.all()}
    assert rounds["Q4 2019-20"].start_date.isoformat() == "2020-01-01"
    assert rounds["Q2 2020-21"].end_date.isoformat() == "2020-09-30"
    assert ImportBatch.objects.get().sha256 == report.sha256
    assert any("gives no year" in w.message for w in report.warnings)  # VAWG "May"


def test_reimporting_the_same_file_changes_nothing_and_says_so(db):
    data = tracker(CCFA, HUB, VAWG)
    run(data)
    before = table_counts()
    report = run(data)
    assert report.ok and not report.changed
    assert report.summary.startswith("Nothing changed")
    assert report.unchanged.milestones == 3 and report.unchanged.returns == 5
    assert table_counts() == before


def test_next_rounds_tracker_adds_returns_and_reports_differences(db):
    run(tracker(CCFA, HUB, VAWG))
    renamed_lead = [*HUB[:2], "Head of Democratic Services", *HUB[3:]]
    ccfa_next = [
        *CCFA[:4],
        CCFA[7],
        CCFA[8],
        "Mar-21",
        "Signed off by CLT in October.",
        "Completed",
    ]
    new_row = [
        "Planning",
        "Add weekly list of planning applications, by ward, to the Members Hub",
        "Divisional Director, Planning and Building Control",
        "01-Jul-19",
        "",
        "",
        "",
        "Each Member receives a fortnightly ward-sorted listing.",
        "Completed",
    ]
    report = run(
        tracker(ccfa_next, renamed_lead, new_row),
        round_label="Q3 2020-21",
        previous_round_label="Q2 2020-21",
    )
    assert report.ok, report.errors
    assert report.created.milestones == 1
    assert report.new_milestones == [new_row[1]]
    assert report.missing_milestones == ["Training Programme for Members on VAWG"]
    assert len(report.lead_changes) == 1 and "Head of Democratic Services" in report.lead_changes[0]
    ccfa = Milestone.objects.get(title__startswith="Develop and promote")
    assert list(
        ccfa.returns.order_by("round__start_date").values_list("round__label", flat=True)
    ) == [
        "Q4 2019-20",
        "Q2 2020-21",
        "Q3 2020-21",
    ]
    assert Milestone.objects.count() == 4  # VAWG is kept, not deleted


def test_dry_run_reports_the_same_and_writes_nothing(db):
    before = table_counts()
    report = run(tracker(CCFA, HUB), dry_run=True)
    assert report.ok and report.created.milestones == 2 and report.dry_run
    assert report.summary.startswith("Would create")
    assert table_counts() == before
    assert not ImportBatch.objects.exists()


def test_one_bad_row_stops_everything(db):
    no_title = ["Place Shaping", "", "Divisional Director SPP", "Apr-20"]
    report = run(tracker(CCFA, no_title, HUB))
    assert not report.ok
    problem = report.errors[0]
    assert (problem.sheet, problem.row, problem.column) == ("Tracker", 5, "Key Milestone")
    assert "no key milestone" in problem.message
    assert table_counts() == (0,) * 7


def test_percent_out_of_range_is_an_error_with_its_cell(db):
    header = [*TRACKER_HEADER, "% complete"]
    report = run(xlsx([header, [*CCFA, "150%"]]))
    assert not report.ok
    assert report.errors[0].row == 2 and report.errors[0].column == "% complete"
    assert table_counts() == (0,) * 7


def test_missing_required_column_is_named(db):
    header = [h for h in TRACKER_HEADER if not h.startswith("Lead")]
    report = run(xlsx([header, CCFA[:2] + CCFA[3:]]), layout="tracker")
    assert not report.ok
    assert report.errors[0].message.startswith("Required column “Lead” is missing")
    assert table_counts() == (0,) * 7


def test_no_header_anywhere_is_explained(db):
    report = run(xlsx([["Minutes of the previous meeting"], ["Apologies"]]))
    assert not report.ok
    assert "No recognisable header row in the first 20 rows" in report.errors[0].message


def test_tracker_without_round_labels_asks_for_them(db):
    report = run(tracker(CCFA), round_label="", previous_round_label="")
    assert not report.ok
    assert {e.field for e in report.errors} == {"round", "previous_round"}
    assert table_counts() == (0,) * 7


def test_unknown_round_label_that_is_not_a_quarter_is_refused(db):
    report = run(tracker(CCFA), round_label="Autumn 2020")
    assert not report.ok
    assert "not a financial-year quarter" in report.errors[0].message


@pytest.mark.parametrize(
    "cell", ["<script>alert(1)</script>Promote the hub", '<a href="javascript:alert(1)">hub</a>']
)
def test_imported_markup_never_survives(db, cell):
    row = [*HUB]
    row[1] = cell
    report = run(tracker(row))
    assert report.ok, report.errors
    title = Milestone.objects.get().title
    assert "<" not in title and "javascript" not in title


def test_existing_posts_are_reused_by_title_and_former_title(db):
    Post.objects.create(
        title="Divisional Director, Strategy, Policy and Performance",
        former_titles=["Divisional Director SPP"],
    )
    report = run(tracker(CCFA))
    assert report.created.posts == 0
    assert (
        Milestone.objects.get().posts.get().title
        == "Divisional Director, Strategy, Policy and Performance"
    )


# A large file is written a chunk of milestones at a time while the rest is read ------------
LEGACY_TRACKER = settings.BASE_DIR / "fixtures" / "legacy" / "tracker-ward-councillor-support.xlsx"


def test_a_dry_run_reports_exactly_what_the_import_then_does(db):
    data = LEGACY_TRACKER.read_bytes()
    preview = run(data, dry_run=True).as_dict()
    assert table_counts() == (0,) * 7
    report = run(data)
    assert report.ok, report.errors
    assert {**report.as_dict(), "dry_run": True, "summary": ""} == {**preview, "summary": ""}
    assert report.created.milestones == Milestone.objects.count() == 73
    # Every current update points at the same milestone's update in the round before.
    for return_ in Return.objects.filter(round__label="Q2 2020-21"):
        expected = return_.milestone.returns.filter(round__label="Q4 2019-20").first()
        assert return_.previous == expected


def test_an_return_without_one_in_the_round_before_points_at_nothing(db):
    hub_current_only = [*HUB[:4], "", "", *HUB[6:]]
    report = run(tracker(hub_current_only, CCFA))
    assert report.ok, report.errors
    ccfa = Milestone.objects.get(title__startswith="Develop and promote")
    q2 = ccfa.returns.get(round__label="Q2 2020-21")
    assert q2.previous == ccfa.returns.get(round__label="Q4 2019-20")
    hub = Milestone.objects.get(title__startswith="Promote the Members Hub")
    assert hub.returns.get().previous is None


def test_a_problem_in_the_last_row_leaves_nothing_written_and_no_counts(db):
    no_title = ["Place Shaping", "", "Divisional Director SPP", "Apr-20"]
    report = run(tracker(CCFA, HUB, VAWG, no_title))
    assert not report.ok
    assert [(p.row, p.column) for p in report.errors] == [(7, "Key Milestone")]
    assert report.created.milestones == 0 and report.preview == []
    assert report.summary.startswith("Nothing was imported")
    assert table_counts() == (0,) * 7
