"""Council words for fields: every `period` foreign key is `round`, the import batch's round labels
are `round_label` and `previous_round_label`, related names are `returns` and `rounds`, and
constraints and indexes carry the new words (issue 15). Renames only: every row is kept."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

# Import reports are stored as JSON and read back by the import pages: their keys follow the
# code's words, so they are renamed with it, both ways.
OLD_TO_NEW = {"periods": "rounds", "updates": "returns"}
FIELDS = {"period": "round", "previous_period": "previous_round"}


def _renamed(report: dict, keys: dict, fields: dict) -> dict:
    report = {keys.get(k, k): v for k, v in report.items()}
    for counts in ("created", "updated", "unchanged"):
        if isinstance(report.get(counts), dict):
            report[counts] = {keys.get(k, k): v for k, v in report[counts].items()}
    report["preview"] = [
        {keys.get(k, k): v for k, v in row.items()} for row in report.get("preview") or []
    ]
    for problems in ("errors", "warnings"):
        for problem in report.get(problems) or []:
            if problem.get("field") in fields:
                problem["field"] = fields[problem["field"]]
    return report


def _rename_report_keys(apps, keys: dict, fields: dict) -> None:
    ImportBatch = apps.get_model("frameworks", "ImportBatch")
    for batch in ImportBatch.objects.exclude(report={}).only("pk", "report", "comparison"):
        batch.report = _renamed(batch.report, keys, fields)
        for old, new in keys.items():
            batch.comparison = batch.comparison.replace(f'"{old}":', f'"{new}":')
        batch.save(update_fields=["report", "comparison"])


def forwards(apps, schema_editor) -> None:
    _rename_report_keys(apps, OLD_TO_NEW, FIELDS)


def backwards(apps, schema_editor) -> None:
    _rename_report_keys(
        apps, {v: k for k, v in OLD_TO_NEW.items()}, {v: k for k, v in FIELDS.items()}
    )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("frameworks", "0011_returns_and_rounds"),
    ]

    operations = [
        # Constraints and indexes that name the old field go first, and come back renamed below.
        migrations.RemoveConstraint("return", "one_update_per_milestone_per_round"),
        migrations.RemoveIndex("return", "update_period_state"),
        migrations.RemoveConstraint("boardreport", "board_report_unique_per_meeting"),
        migrations.RemoveConstraint("round", "period_label_unique_in_framework"),
        migrations.RemoveConstraint("round", "period_end_after_start"),
        migrations.RemoveConstraint("return", "update_percent_complete_0_to_100"),
        migrations.RemoveConstraint("return", "update_submitted_has_rag"),
        migrations.RemoveConstraint("return", "update_returned_has_comment"),
        migrations.RemoveConstraint("return", "update_new_deadline_has_precision"),
        migrations.RenameField("return", "period", "round"),
        migrations.RenameField("historicalreturn", "period", "round"),
        migrations.RenameField("boardreport", "period", "round"),
        migrations.RenameField("historicalboardreport", "period", "round"),
        migrations.RenameField("reminder", "period", "round"),
        migrations.RenameField("importbatch", "period_label", "round_label"),
        migrations.RenameField("importbatch", "previous_period_label", "previous_round_label"),
        # What the models now say, with the new names.
        migrations.AlterModelOptions(
            name="historicalreturn",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical return",
                "verbose_name_plural": "historical returns",
            },
        ),
        migrations.AlterModelOptions(
            name="historicalround",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical round",
                "verbose_name_plural": "historical rounds",
            },
        ),
        migrations.AlterModelOptions(
            name="return",
            options={
                "ordering": ["round__start_date", "milestone__theme__order", "milestone__order"]
            },
        ),
        migrations.AlterField(
            model_name="return",
            name="milestone",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="returns",
                to="frameworks.milestone",
            ),
        ),
        migrations.AlterField(
            model_name="return",
            name="round",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="returns",
                to="frameworks.round",
            ),
        ),
        migrations.AlterField(
            model_name="round",
            name="framework",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rounds",
                to="frameworks.framework",
            ),
        ),
        migrations.AddIndex(
            model_name="return",
            index=models.Index(fields=["round", "state"], name="return_round_state"),
        ),
        migrations.AddConstraint(
            model_name="boardreport",
            constraint=models.UniqueConstraint(
                fields=("framework", "round", "meeting"),
                name="board_report_unique_per_meeting",
                violation_error_message="There is already a report on this round for this meeting.",
            ),
        ),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.UniqueConstraint(
                fields=("milestone", "round"),
                name="one_return_per_milestone_per_round",
                violation_error_message="This milestone already has a return for this round.",
            ),
        ),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("percent_complete__isnull", True),
                    ("percent_complete__lte", 100),
                    _connector="OR",
                ),
                name="return_percent_complete_0_to_100",
                violation_error_message="Percent complete must be between 0 and 100.",
            ),
        ),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "SUBMITTED"), _negated=True),
                    models.Q(("rag", ""), _negated=True),
                    models.Q(("rag_text", ""), _negated=True),
                    _connector="OR",
                ),
                name="return_submitted_has_rag",
                violation_error_message="A submitted return needs a RAG status.",
            ),
        ),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "RETURNED"), _negated=True),
                    models.Q(("review_comment", ""), _negated=True),
                    _connector="OR",
                ),
                name="return_returned_has_comment",
                violation_error_message="Say why the return is being sent back.",
            ),
        ),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("new_deadline_date__isnull", True),
                    models.Q(("new_deadline_precision", ""), _negated=True),
                    _connector="OR",
                ),
                name="return_new_deadline_has_precision",
                violation_error_message="A parsed new deadline needs a precision (day or month).",
            ),
        ),
        migrations.AddConstraint(
            model_name="round",
            constraint=models.UniqueConstraint(
                models.F("framework"),
                django.db.models.functions.text.Lower("label"),
                name="round_label_unique_in_framework",
                violation_error_message="This framework already has a round with this label.",
            ),
        ),
        migrations.AddConstraint(
            model_name="round",
            constraint=models.CheckConstraint(
                condition=models.Q(("end_date__gte", models.F("start_date"))),
                name="round_end_after_start",
                violation_error_message="The round must end on or after the day it starts.",
            ),
        ),
        migrations.AlterField(
            model_name="historicalreturn",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="The same milestone's return in the round before, shown beside the form.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="frameworks.return",
            ),
        ),
        migrations.AlterField(
            model_name="return",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                help_text="The same milestone's return in the round before, shown beside the form.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="frameworks.return",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
