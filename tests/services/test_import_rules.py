"""The rules every import obeys, reproduced on the demo (seeds 000 and 001) as a council would hit
them: re-importing the council's own tracker or any export changes nothing, a column the file
does not have changes nothing, older files never overwrite newer information, returns people
have worked on are never changed, and what is written is versioned and in the audit trail."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.utils.text import Truncator

from frameworks import exports, selectors
from frameworks.importers.readers import open_source
from frameworks.models import (
    RAG,
    Framework,
    Milestone,
    Return,
    ReturnState,
    Round,
    RoundState,
)
from frameworks.services.demo import demo_data_load
from frameworks.services.imports import legacy_import
from frameworks.services.returns import (
    ReturnInput,
    return_approve,
    return_save_draft,
    return_submit,
)
from tests.builders import DEMO_DAY
from tests.workbooks import tracker

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"
WARD = "Ward Councillor Support Framework"
Q2 = {"round_label": "Q2 2020-21", "previous_round_label": "Q4 2019-20"}


@pytest.fixture
def demo(db):
    return demo_data_load(password="demo-tracker-2020", today=DEMO_DAY).framework


def import_bytes(data: bytes, name: str = "tracker.xlsx", framework: str = WARD, **options):
    return legacy_import(data=data, file_name=name, framework_name=framework, **options)


def snapshot(framework: Framework) -> dict:
    """Everything an import could change, as plain data."""
    data = selectors.framework_export_data(framework=Framework.objects.get(pk=framework.pk))
    versions = sorted(Milestone.objects.filter(framework=framework).values_list("pk", "version"))
    returns = sorted(
        Return.objects.filter(milestone__framework=framework).values_list(
            "pk", "version", "state", "narrative", "new_deadline_text", "rag"
        )
    )
    return {"data": data, "versions": versions, "returns": returns}


def export(framework: str, fmt: str, round: str = "") -> bytes:
    fw = Framework.objects.get(name=framework)
    data = selectors.framework_export_data(framework=fw)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False).encode()
    current, previous = selectors.export_rounds(framework=fw, round=round)
    if fmt == "xlsx":
        return exports.tracker_xlsx(data, round=current, previous=previous)
    return exports.tracker_csv(data, round=current, previous=previous).encode("utf-8-sig")


def rounds_of(fmt: str, round: str, previous: str) -> dict:
    return {} if fmt == "json" else {"round_label": round, "previous_round_label": previous}


def test_reimporting_the_councils_tracker_over_the_demo_changes_nothing(demo):
    with_activity = Milestone.objects.filter(framework=demo).exclude(existing_activity="").count()
    assert with_activity == 34
    before = snapshot(demo)
    path = LEGACY / "tracker-ward-councillor-support.xlsx"

    report = import_bytes(path.read_bytes(), path.name, **Q2)

    assert report.ok, report.errors
    assert not report.changed and report.changes == [] and report.conflicts == []
    assert report.summary.startswith("Nothing changed")
    assert report.unchanged.milestones == 73
    assert snapshot(demo) == before  # "Builds on" (existing activity) kept on all 34


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
@pytest.mark.parametrize(
    ("round", "previous"), [("Q2 2020-21", "Q4 2019-20"), ("Q3 2020-21", "Q2 2020-21")]
)
def test_reimporting_every_export_changes_nothing_and_says_so(demo, fmt, round, previous):
    before = snapshot(demo)
    revised = Milestone.objects.filter(framework=demo).exclude(revised_deadline_text="").count()
    assert revised == 24

    report = import_bytes(
        export(WARD, fmt, round), f"export.{fmt}", **rounds_of(fmt, round, previous)
    )

    assert report.ok, report.errors
    assert (report.changes, report.conflicts, report.kept) == ([], [], [])
    assert report.summary.startswith("Nothing changed")
    assert snapshot(demo) == before  # existing activity and Q2's approved new deadlines kept


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_an_return_a_spreadsheet_would_run_as_a_formula_round_trips(demo, fmt):
    """Exports write such text inert (a leading apostrophe in a CSV); it reads back as written."""
    return_ = a_q2_return(demo)
    Return.objects.filter(pk=return_.pk).update(narrative="=SUM(A1:A3) milestones met")
    before = snapshot(demo)

    report = import_bytes(
        export(WARD, fmt, "Q2 2020-21"),
        f"export.{fmt}",
        **rounds_of(fmt, "Q2 2020-21", "Q4 2019-20"),
    )

    assert report.ok and report.changes == [], report.changes
    assert snapshot(demo) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_export_import_export_gives_the_same_data(demo, fmt):
    first = export(WARD, fmt, "Q2 2020-21")
    report = import_bytes(
        first, f"export.{fmt}", framework="Copy", **rounds_of(fmt, "Q2 2020-21", "Q4 2019-20")
    )
    assert report.ok, report.errors
    second = export("Copy", fmt, "Q2 2020-21")
    if fmt == "json":
        a, b = json.loads(first), json.loads(second)
        assert b["themes"] == a["themes"]
        assert [(p["label"], p["start_date"], p["due_date"]) for p in b["periods"]] == [
            (p["label"], p["start_date"], p["due_date"]) for p in a["periods"]
        ]
        assert (b["description"], b["owner"]) == (a["description"], a["owner"])
    else:
        assert table(second, fmt) == table(first, fmt)
        assert len(table(first, fmt)) == 73 + 1


def table(data: bytes, fmt: str) -> list:
    """A tracker export's rows as data: the headings and one row per milestone (an .xlsx has a
    title row naming the framework, and a blank row, above them)."""
    rows = [row for _, row in open_source(data, filename=f"x.{fmt}").sheets[0].rows()]
    return rows[2:] if fmt == "xlsx" else rows


def test_a_column_the_file_does_not_have_changes_nothing(demo):
    """The actions layout has no deadline and no existing activity; the tracker layout has no
    code column here: none of them is blanked."""
    milestone = (
        Milestone.objects.filter(framework=demo)
        .exclude(existing_activity="")
        .exclude(leads__post__title="Divisional Director SPP")
        .first()
    )
    Milestone.objects.filter(pk=milestone.pk).update(code="W1.1")
    row = milestone_row(milestone, lead="Divisional Director SPP")

    report = import_bytes(tracker(row), **Q2)

    assert report.ok, report.errors
    stored = Milestone.objects.get(pk=milestone.pk)
    assert stored.code == "W1.1" and stored.existing_activity == milestone.existing_activity
    assert [c["field"] for c in report.changes] == ["Lead"]
    assert stored.version == milestone.version + 1


def milestone_row(milestone: Milestone, *current: str, lead: str = "") -> list[str]:
    """A tracker-layout row for a milestone: theme, title, lead (its own unless given),
    deadline, then (if given) the current round's progress and RAG status."""
    leads = [{"post": link.post.title, "role": link.role} for link in milestone.leads.all()]
    row = [
        milestone.theme.name,
        milestone.title,
        lead or exports.lead_cell(leads),
        milestone.deadline_text,
    ]
    return row + (["", "", "", *current] if current else [])


def a_q2_return(demo: Framework) -> Return:
    """A Q2 2020-21 return as the council recorded it (imported, approved)."""
    returns = Return.objects.filter(round__label="Q2 2020-21", milestone__framework=demo)
    return returns.select_related("milestone__theme").first()


def short(title: str) -> str:
    """A milestone as import reports name it."""
    return Truncator(title).chars(120)


def tracker_row(return_: Return, **cells) -> list[str]:
    """The tracker-layout row for this update's milestone, as the council's tracker has it."""
    milestone = return_.milestone
    values = {
        "theme": milestone.theme.name,
        "title": milestone.title,
        "lead": milestone_row(milestone)[2],
        "deadline": milestone.deadline_text,
        "previous": "",
        "previous_rag": "",
        "new_deadline": return_.new_deadline_text,
        "progress": return_.narrative,
        "rag": return_.rag_text or RAG(return_.rag).label,
        **cells,
    }
    return list(values.values())


def approve_in_q3(demo, policy_user, **data) -> Return:
    """The officer's Q3 return for one of their milestones, submitted and approved in the app."""
    officer = policy_user.__class__.objects.get(username="officer")
    return_ = (
        Return.objects.filter(round__label="Q3 2020-21", milestone__framework=demo)
        .filter(milestone__posts__holders=officer)
        .select_related("milestone__theme")
        .first()
    )
    with time_machine.travel(dt.datetime(2020, 12, 15, 12, tzinfo=dt.UTC), tick=False):
        return_submit(
            return_=return_, user=officer, data=ReturnInput(**data), expected_version=None
        )
        return return_approve(return_=return_, user=policy_user, expected_version=None)


def close(demo, label: str) -> None:
    Round.objects.filter(framework=demo, label=label).update(state=RoundState.CLOSED)


def test_an_older_rounds_tracker_keeps_what_a_later_approved_return_set(demo, policy_user):
    approved = approve_in_q3(
        demo, policy_user, narrative="Delayed.", rag=RAG.IN_PROGRESS, new_deadline="Jun-21"
    )
    milestone = Milestone.objects.get(pk=approved.milestone_id)
    assert milestone.revised_deadline_text == "Jun-21"
    close(demo, "Q3 2020-21")
    q2 = milestone.returns.select_related("milestone__theme").get(round__label="Q2 2020-21")
    leads = list(milestone.leads.values_list("post__title", flat=True))
    row = tracker_row(
        q2, lead="Head of Democratic Services", new_deadline=q2.new_deadline_text or "Dec-20"
    )

    report = import_bytes(tracker(row), "old.xlsx", **Q2)

    assert report.ok, report.errors
    kept = {(k["milestone"], k["field"]): k for k in report.kept}
    assert kept[(short(milestone.title), "Lead")]["before"] == "Divisional Director SPP"
    assert (short(milestone.title), "Revised deadline") in kept
    assert "Newer in the tracker, kept" in kept[(short(milestone.title), "Lead")]["message"]
    milestone.refresh_from_db()
    assert milestone.revised_deadline_text == "Jun-21"
    assert list(milestone.leads.values_list("post__title", flat=True)) == leads


def test_returns_people_worked_on_are_never_changed_by_an_import(demo, policy_user):
    q3 = Round.objects.get(framework=demo, label="Q3 2020-21")
    return_ = q3.returns.select_related("milestone__theme").first()
    officer = policy_user.__class__.objects.get(username="officer")
    return_.milestone.posts.first().holders.add(officer)
    saved = return_save_draft(
        return_=return_,
        user=officer,
        data=ReturnInput(narrative="My draft, not yet submitted."),
        expected_version=None,
    )
    milestone = return_.milestone
    row = milestone_row(milestone, "Imported words", "Completed")

    report = import_bytes(tracker(row), round_label="Q3 2020-21", previous_round_label="Q2 2020-21")

    assert report.ok, report.errors
    assert [c["milestone"] for c in report.conflicts] == [short(milestone.title)]
    assert "draft" in report.conflicts[0]["message"] or "open" in report.conflicts[0]["message"]
    stored = Return.objects.get(pk=return_.pk)
    assert (stored.narrative, stored.state, stored.version) == (
        "My draft, not yet submitted.",
        ReturnState.DRAFT,
        saved.version,
    )


def test_an_approved_return_in_a_closed_round_is_a_conflict_not_a_change(demo, policy_user):
    approved = approve_in_q3(demo, policy_user, narrative="Reviewed words.", rag=RAG.ONGOING)
    close(demo, "Q3 2020-21")
    milestone = Milestone.objects.select_related("theme").get(pk=approved.milestone_id)
    row = milestone_row(milestone, "Other words", "Completed")

    report = import_bytes(tracker(row), round_label="Q3 2020-21", previous_round_label="Q2 2020-21")

    assert len(report.conflicts) == 1 and "reviewed" in report.conflicts[0]["message"]
    stored = Return.objects.get(pk=approved.pk)
    assert (stored.narrative, stored.version) == ("Reviewed words.", approved.version)


def test_written_rows_get_a_new_version_and_an_audit_row_that_matches(demo, policy_user):
    return_ = a_q2_return(demo)
    milestone = return_.milestone
    row = milestone_row(milestone, "Corrected narrative from the council's tracker.", "Completed")

    report = import_bytes(tracker(row), user=policy_user, **Q2)

    assert report.ok, report.errors
    fields = {(c["field"], c["after"]) for c in report.changes if c["round"] == "Q2 2020-21"}
    assert ("Progress update", "Corrected narrative from the council's tracker.") in fields
    assert ("RAG status", "Completed") in fields
    stored = Return.objects.get(pk=return_.pk)
    assert stored.version == return_.version + 1
    assert stored.rag == RAG.COMPLETED
    record = stored.history.first()
    assert record.history_user == policy_user
    assert record.history_change_reason.startswith("Import of tracker.xlsx")
    assert (record.narrative, record.rag, record.version) == (
        stored.narrative,
        stored.rag,
        stored.version,
    )


def test_a_confirmation_writes_nothing_if_the_tracker_changed_since_the_preview(demo, policy_user):
    return_ = a_q2_return(demo)
    milestone = return_.milestone
    row = milestone_row(milestone, "Words from the file.", "Completed")
    data = tracker(row)
    preview = import_bytes(data, dry_run=True, **Q2)
    assert [c["field"] for c in preview.changes] == ["Progress update", "RAG status"]
    # Meanwhile someone corrects the same return through the app's own workflow.
    Return.objects.filter(pk=return_.pk).update(
        narrative="Corrected in the app.", reviewed_by=policy_user, version=return_.version + 1
    )

    report = import_bytes(data, expected=preview.comparison(), **Q2)

    assert report.stale and report.dry_run
    assert report.changes == [] and len(report.conflicts) == 1
    stored = Return.objects.get(pk=return_.pk)
    assert stored.narrative == "Corrected in the app."


@pytest.mark.django_db(transaction=True)
def test_an_import_and_an_officer_saving_a_draft_at_once(policy_user):
    if connection.vendor != "postgresql":
        pytest.skip("two real concurrent sessions need PostgreSQL (.ci/run's first pass)")
    framework = demo_data_load(password="demo-tracker-2020", today=DEMO_DAY).framework
    officer = policy_user.__class__.objects.get(username="officer")
    returns = list(
        Return.objects.filter(
            round__label="Q3 2020-21", milestone__framework=framework
        ).select_related("milestone__theme")
    )
    mine = next(u for u in returns if u.milestone.posts.filter(holders=officer).exists())
    rows = [
        milestone_row(u.milestone, f"Imported words {n}", "Completed")
        for n, u in enumerate(returns)
    ]
    data = tracker(*rows)
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def run_import():
        try:
            barrier.wait(timeout=10)
            outcome["report"] = import_bytes(
                data, round_label="Q3 2020-21", previous_round_label="Q2 2020-21"
            )
        finally:
            connections.close_all()

    def save_draft():
        try:
            barrier.wait(timeout=10)
            outcome["saved"] = return_save_draft(
                return_=mine,
                user=officer,
                data=ReturnInput(narrative="The officer's own draft."),
                expected_version=mine.version,
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_import), threading.Thread(target=save_draft)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    stored = Return.objects.get(pk=mine.pk)
    assert (stored.narrative, stored.state) == ("The officer's own draft.", ReturnState.DRAFT)
    assert stored.version == mine.version + 1
    record = stored.history.first()
    assert (record.narrative, record.state, record.version) == (
        stored.narrative,
        stored.state,
        stored.version,
    )
    report = outcome["report"]
    assert report.ok and report.changes == []  # an open round's returns are the leads' to write
    assert len(report.conflicts) == len(returns)
    assert not Return.objects.filter(round__label="Q3 2020-21", state=ReturnState.APPROVED).exists()


def test_the_json_export_carries_every_field_of_the_plan(demo, capsysbinary):
    call_command("export_framework", "--framework", WARD, "--format", "json")
    data = json.loads(capsysbinary.readouterr().out)
    milestones = [m for theme in data["themes"] for m in theme["milestones"]]
    assert {
        "existing_activity",
        "revised_deadline",
        "source_reference",
        "monitoring_groups",
        "risk",
    } <= set(milestones[0])
    assert sum(1 for m in milestones if m["existing_activity"]) == 34
    revised = [m["revised_deadline"] for m in milestones if m["revised_deadline"]]
    assert len(revised) == 24 and set(revised[0]) >= {"text", "date", "kind"}
    assert [p["label"] for p in data["periods"]] == ["Q4 2019-20", "Q2 2020-21", "Q3 2020-21"]
    assert {u["state"] for m in milestones for u in m["updates"]} == {ReturnState.APPROVED}


def test_the_command_lists_every_change_in_json(demo, tmp_path):
    from io import StringIO

    return_ = a_q2_return(demo)
    milestone = return_.milestone
    row = milestone_row(milestone, "Words from the file.", "Completed")
    path = tmp_path / "t.xlsx"
    path.write_bytes(tracker(row))
    out = StringIO()
    call_command(
        "import_legacy", str(path), "--framework", WARD, "--round", "Q2 2020-21",
        "--previous-round", "Q4 2019-20", "--dry-run", "--json", stdout=out,
    )  # fmt: skip
    report = json.loads(out.getvalue())
    assert [(c["field"], c["before"], c["after"]) for c in report["changes"]] == [
        ("Progress update", return_.narrative, "Words from the file."),
        ("RAG status", return_.rag_text or RAG(return_.rag).label, "Completed"),
    ]


def test_a_preview_reads_a_fixed_number_of_queries_whatever_the_file_changes(
    demo, django_assert_max_num_queries
):
    """Every milestone's lead changed: the preview still reads the plan in a few queries."""
    milestones = Milestone.objects.filter(framework=demo).select_related("theme")
    rows = [milestone_row(m, lead="Head of Corporate Communications") for m in milestones]
    data = tracker(*rows)

    with django_assert_max_num_queries(8):
        report = import_bytes(data, dry_run=True, **Q2)

    assert len(report.changes) == 73 and {c["field"] for c in report.changes} == {"Lead"}
