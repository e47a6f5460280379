"""The renames of issue 15 keep every row: a round and its returns written before the migrations
(as a ReportingPeriod and ProgressUpdates) are the same Round and Returns after them, and a stored
import report reads with the new words."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("frameworks", "0010_round_labels_unique_ignoring_case")]
AFTER = [("frameworks", "0012_round_and_return_fields")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_renaming_periods_and_updates_to_rounds_and_returns_keeps_the_data():
    old = _migrate(BEFORE)
    try:
        framework = old.get_model("frameworks", "Framework").objects.create(
            name="Ward Councillor Support Framework", slug="ward"
        )
        theme = old.get_model("frameworks", "Theme").objects.create(
            framework=framework, name="Strengthening the Member Role"
        )
        milestone = old.get_model("frameworks", "Milestone").objects.create(
            framework=framework, theme=theme, code="R6.20", title="Promote the Members Hub"
        )
        period = old.get_model("frameworks", "ReportingPeriod").objects.create(
            framework=framework,
            label="Q2 2020-21",
            start_date=dt.date(2020, 7, 1),
            end_date=dt.date(2020, 9, 30),
            due_date=dt.date(2020, 10, 16),
            state="CLOSED",
        )
        old.get_model("frameworks", "ProgressUpdate").objects.create(
            milestone=milestone,
            period=period,
            narrative="The Members Hub went live in September.",
            rag="COMPLETED",
            state="APPROVED",
        )
        old.get_model("frameworks", "ImportBatch").objects.create(
            file_name="tracker.xlsx",
            sha256="0" * 64,
            size=1,
            framework_name="Ward Councillor Support Framework",
            period_label="Q2 2020-21",
            previous_period_label="Q4 2019-20",
            report={
                "periods": {"CURRENT": "Q2 2020-21"},
                "created": {"themes": 1, "updates": 3},
                "preview": [{"title": "Promote the Members Hub", "updates": []}],
                "errors": [{"field": "previous_period", "message": "Give its label."}],
            },
            comparison='[[], [], [], {"themes": 1, "updates": 3}]',
        )

        new = _migrate(AFTER)

        round_ = new.get_model("frameworks", "Round").objects.get()
        assert (round_.label, round_.framework_id, round_.state) == (
            "Q2 2020-21",
            framework.pk,
            "CLOSED",
        )
        return_ = new.get_model("frameworks", "Return").objects.get()
        assert (return_.round_id, return_.milestone_id) == (round_.pk, milestone.pk)
        assert return_.narrative == "The Members Hub went live in September."
        assert (return_.rag, return_.state) == ("COMPLETED", "APPROVED")
        batch = new.get_model("frameworks", "ImportBatch").objects.get()
        assert (batch.round_label, batch.previous_round_label) == ("Q2 2020-21", "Q4 2019-20")
        assert batch.report["rounds"] == {"CURRENT": "Q2 2020-21"}
        assert batch.report["created"] == {"themes": 1, "returns": 3}
        assert batch.report["preview"][0]["returns"] == []
        assert batch.report["errors"][0]["field"] == "previous_round"
        assert '"returns": 3' in batch.comparison
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
