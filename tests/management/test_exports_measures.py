"""A plan's measures in its exports: each format (json, xlsx, the .zip of CSVs) carries the
outcomes and the milestones serving them, the indicators with their targets and values, and
the maturity scale, standards and assessments, and imports back into an empty database to the
same data: exported again, it is identical.

The plans are the board-report tests' (seed 002's pledges, seed 003's assessment and its
"Areas of improvement", seed 004's vacancy gap of 19.55%), with two of 003's recommendations:
one adopted as a milestone.
"""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from frameworks.exports_measures import measures_tables
from frameworks.importers.measures import SHEETS, csv_name
from frameworks.models import (
    Assessment,
    Framework,
    Indicator,
    IndicatorValue,
    Judgement,
    Milestone,
    MilestoneOutcome,
    Outcome,
    Post,
    Recommendation,
)
from frameworks.selectors import framework_export_data
from tests.reports.test_report_measures import (
    ASK_THE_MAYOR,
    EXPERTS,
    community_plan,
    improvement_plan,
)

COMMUNITY = "Community Engagement Framework 2018-2021"
IMPROVEMENT = "Tower Hamlets Improvement Plan"
# Seed 003, Participation's "Areas of improvement" (the first became a milestone).
FORWARD_PLAN = (
    "Create a corporate approach to identifying the opportunities to engage with communities "
    "and put plans in place. This could be through creating a forward plan of engagement "
    "opportunities."
)
STATUTORY_DUTIES = (
    "Ensure the Council is aware of their statutory duties to consult and there are plans in "
    "place to meet requirements."
)
FORMULA = '=HYPERLINK("http://evil.example","click")'  # as someone might type it in a note


def community(db) -> Framework:
    framework = community_plan().framework
    participation = Judgement.objects.get(
        assessment__framework=framework, standard__name="Participation"
    )
    participation.improvements = f"{FORWARD_PLAN}\n{STATUTORY_DUTIES}"
    participation.save()
    adopted = Milestone.objects.create(
        framework=framework,
        theme=framework.themes.get(order=1),
        title=FORWARD_PLAN,
        order=20,
    )
    Recommendation.objects.create(judgement=participation, text=FORWARD_PLAN, order=1,
                                  milestone=adopted)  # fmt: skip
    Recommendation.objects.create(judgement=participation, text=STATUTORY_DUTIES, order=2)
    # A milestone of one pledge serving an outcome of another.
    MilestoneOutcome.objects.create(
        milestone=Milestone.objects.get(title=ASK_THE_MAYOR),
        outcome=Outcome.objects.get(framework=framework, title=EXPERTS),
    )
    return framework


def improvement(db) -> Framework:
    framework = improvement_plan().framework
    gap = Indicator.objects.get(framework=framework, number="9")
    gap.outcomes.add(
        Outcome.objects.create(
            framework=framework,
            theme=framework.themes.get(),
            title="Services are better at delivering improved outcomes and customer satisfaction.",
        )
    )
    gap.definition = "Vacant social work posts as a share of the establishment."
    gap.baseline_source = "R5.14 Q3 2019-20 update: “from 26% to 19.55%”"
    gap.save()
    IndicatorValue.objects.filter(value=Decimal("10.58")).update(note=FORMULA)
    return framework


PLANS = {"community": (community, COMMUNITY), "improvement": (improvement, IMPROVEMENT)}


def export(name: str, fmt: str, tmp_path) -> bytes:
    path = tmp_path / f"{name}.{ {'csv': 'zip'}.get(fmt, fmt) }"
    call_command("export_framework", "--framework", name, "--format", fmt, "--output",
                 str(path), stderr=io.StringIO())  # fmt: skip
    return path.read_bytes()


def import_file(content: bytes, name: str, suffix: str, tmp_path, *args: str) -> dict:
    path = tmp_path / f"upload.{suffix}"
    path.write_bytes(content)
    out = io.StringIO()
    try:
        call_command("import_legacy", str(path), "--framework", name, "--json", *args,
                     stdout=out, stderr=io.StringIO())  # fmt: skip
    except SystemExit as exit:
        assert exit.code == 0, out.getvalue()
    return json.loads(out.getvalue())


def empty_the_database() -> None:
    """Every row gone (a test that calls this uses `transactional_db`: PostgreSQL will not
    TRUNCATE inside the test's transaction)."""
    call_command("flush", "--no-input", verbosity=0)
    assert not Framework.objects.exists() and not Post.objects.exists()


def without_source(data: dict) -> dict:
    """The export but each milestone's source: importing a plan notes where each milestone came
    from when it had no source (the one difference, as for the tracker's own round trip)."""
    themes = [
        {**theme, "milestones": [{**m, "source_reference": ""} for m in theme["milestones"]]}
        for theme in data["themes"]
    ]
    return {**data, "themes": themes}


def sheets(content: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def csv_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rounds(name: str) -> list[str]:
    """The round the tracker shows as current, and the one before, as the export chose them."""
    from frameworks.selectors import export_rounds

    current, previous = export_rounds(framework=Framework.objects.get(name=name))
    return ["--round", current, "--previous-round", previous] if current else []


def test_json_export_carries_outcomes_indicators_and_the_assessment(db):
    data = framework_export_data(framework=community(db))
    involve = data["themes"][0]
    assert [o["title"] for o in involve["outcomes"]][1] == EXPERTS
    assert involve["milestones"][0]["outcomes"] == [
        {"theme": "Pledge 1: Involve", "title": involve["outcomes"][0]["title"]}
    ]
    mayor = next(m for t in data["themes"] for m in t["milestones"] if m["title"] == ASK_THE_MAYOR)
    assert mayor["outcomes"] == [{"theme": "Pledge 1: Involve", "title": EXPERTS}]
    maturity = data["maturity"]
    assert [level["name"] for level in maturity["scale"]] == ["Emerging", "Aspiring", "Established"]
    (assessment,) = maturity["assessments"]
    judged = {j["standard"]: j for j in assessment["judgements"]}
    assert (
        judged["Leadership"]["level"] is None and judged["Leadership"]["level_text"] == "Embedded"
    )
    assert judged["Participation"]["recommendations"] == [
        {"text": FORWARD_PLAN, "milestone": {"theme": "Pledge 1: Involve", "code": "",
                                             "title": FORWARD_PLAN}},
        {"text": STATUTORY_DUTIES, "milestone": None},
    ]  # fmt: skip

    framework = improvement(db)
    # A figure still in its owner's return is not the plan's record: not exported.
    IndicatorValue.objects.filter(round__label="Q2 2019-20", indicator__number="9").update(
        value=Decimal("22"), state="SUBMITTED"
    )
    data = framework_export_data(framework=framework)
    gap = data["indicators"][0]
    assert gap["baseline_value"] == "26" and gap["tolerance"] == "1"
    assert gap["targets"] == [{"period": None, "year": "2019-20", "value": "20"}]
    assert gap["values"] == [
        {
            "period": "Q3 2019-20",
            "value": "19.55",
            "note": "In Children's Social Care we have reduced our vacancy gap further from 26% "
            "to 19.55%.",
            "state": "APPROVED",
        }
    ]  # only approved values: Q2 2019-20's is submitted, not yet approved
    assert gap["owner"] == "Divisional Director, Human Resources and Organisational Change"


def test_xlsx_export_adds_a_sheet_per_table_after_the_tracker(db, tmp_path):
    community(db)
    workbook = sheets(export(COMMUNITY, "xlsx", tmp_path))
    assert list(workbook) == ["Tracker", "Outcomes", "Maturity scale", "Maturity standards",
                              "Maturity"]  # fmt: skip
    assert workbook["Outcomes"][0] == tuple(SHEETS["Outcomes"])
    maturity = workbook["Maturity"]
    assert maturity[0] == tuple(SHEETS["Maturity"])
    leadership = next(row for row in maturity if row[3] == "Leadership")
    assert leadership[4:6] == (None, "Embedded")  # not on the scale: the level as written only
    improvement(db)
    workbook = sheets(export(IMPROVEMENT, "xlsx", tmp_path))
    assert list(workbook) == ["Tracker", "Outcomes", "Indicators", "Indicator targets",
                              "Indicator values"]  # fmt: skip
    values = workbook["Indicator values"]
    assert values[1][:4] == ("9", "Children's social care vacancy gap", "Q3 2019-20", 19.55)


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("fmt", ["json", "xlsx", "csv"])
def test_each_export_imports_into_an_empty_database_to_the_same_data(
    transactional_db, tmp_path, plan, fmt
):
    build, name = PLANS[plan]
    build(transactional_db)
    before_json = framework_export_data(framework=Framework.objects.get(name=name))
    options = rounds(name) if fmt != "json" else []
    exported = export(name, fmt, tmp_path)
    empty_the_database()

    report = import_file(exported, name, {"csv": "zip"}.get(fmt, fmt), tmp_path, *options)
    assert report["errors"] == []
    again = export(name, fmt, tmp_path)
    if fmt == "json":
        assert without_source(json.loads(again)) == without_source(json.loads(exported))
    elif fmt == "xlsx":
        assert sheets(again) == sheets(exported)
    else:
        assert csv_files(again) == csv_files(exported)
    after_json = framework_export_data(framework=Framework.objects.get(name=name))
    for key in ("indicators", "maturity"):  # every measure, whatever the format
        assert after_json[key] == before_json[key]
    assert [t["outcomes"] for t in after_json["themes"] if t["outcomes"]] == [
        t["outcomes"] for t in before_json["themes"] if t["outcomes"]
    ]

    # Importing the same file again changes nothing.
    report = import_file(exported, name, {"csv": "zip"}.get(fmt, fmt), tmp_path, *options)
    assert report["errors"] == [] and report["changes"] == [], report["changes"]


def test_formula_looking_text_stays_text_and_comes_back_as_written(transactional_db, tmp_path):
    improvement(transactional_db)
    workbook = load_workbook(io.BytesIO(export(IMPROVEMENT, "xlsx", tmp_path)))
    cell = next(c for row in workbook["Indicator values"].iter_rows() for c in row
                if c.value == FORMULA)  # fmt: skip
    assert cell.data_type == "s"
    files = csv_files(export(IMPROVEMENT, "csv", tmp_path))
    assert ("'" + FORMULA.replace('"', '""')).encode() in files["indicator-values.csv"]
    exported = export(IMPROVEMENT, "csv", tmp_path)
    empty_the_database()
    import_file(exported, IMPROVEMENT, "zip", tmp_path)
    assert IndicatorValue.objects.get(value=Decimal("10.58")).note == FORMULA


def test_the_csv_export_is_a_zip_of_one_file_per_table(db, tmp_path):
    community(db)
    improvement(db)
    for name in (COMMUNITY, IMPROVEMENT):
        files = csv_files(export(name, "csv", tmp_path))
        data = framework_export_data(framework=Framework.objects.get(name=name))
        assert list(files) == ["tracker.csv"] + [
            csv_name(table.name) for table in measures_tables(data)
        ]
        assert all(content.startswith(b"\xef\xbb\xbf") for content in files.values())
    assert export(COMMUNITY, "csv", tmp_path) == export(COMMUNITY, "csv", tmp_path)


def test_a_second_import_adds_what_changed_and_keeps_values_people_gave(db, tmp_path):
    """Re-importing an export after the plan moved on: the file's figures where nobody has
    touched them since, and a conflict (nothing written) where someone has."""
    framework = improvement(db)
    exported = export(IMPROVEMENT, "json", tmp_path)
    gap = Indicator.objects.get(framework=framework, number="9")
    value = gap.values.get(round__label="Q3 2019-20")
    value.value, value.reviewed_by = Decimal("21"), None
    value.save()
    assessment = Assessment.objects.filter(framework=framework)
    assert not assessment.exists()
    preview = import_file(exported, IMPROVEMENT, "json", tmp_path, "--dry-run")
    assert preview["changes"] and preview["created"]["milestones"] == 0
    report = import_file(exported, IMPROVEMENT, "json", tmp_path)
    assert [(c["field"], c["before"], c["after"]) for c in report["changes"]] == [
        ("Value", "21", "19.55")
    ]
    value.refresh_from_db()
    assert value.value == Decimal("19.55") and value.version == 2

    from tests.factories import PolicyUserFactory

    value.value, value.reviewed_by = Decimal("21"), PolicyUserFactory()
    value.save()
    report = import_file(exported, IMPROVEMENT, "json", tmp_path)
    assert report["changes"] == []
    assert report["conflicts"][0]["message"].startswith("Not imported: its value was given")
    value.refresh_from_db()
    assert value.value == Decimal("21")


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_plans_size(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(framework) -> int:
        with CaptureQueriesContext(connection) as captured:
            framework_export_data(framework=framework)
        return len(captured.captured_queries)

    small = [community(db), improvement(db)]
    big = [
        community_plan(extra=12, name="Copy").framework,
        improvement_plan(extra=12, name="Copy 2").framework,
    ]
    assert [queries(f) for f in small] == [queries(f) for f in big]
    assert max(queries(f) for f in big) <= 16


def test_the_preview_lists_what_an_import_would_add_and_writes_nothing(transactional_db, tmp_path):
    from frameworks.services.imports import legacy_import

    improvement(transactional_db)
    exported = export(IMPROVEMENT, "json", tmp_path)
    empty_the_database()
    preview = legacy_import(data=exported, file_name="plan.json", framework_name=IMPROVEMENT,
                            dry_run=True)  # fmt: skip
    assert preview.ok, preview.errors
    added = {(c["field"], c["round"], c["after"]) for c in preview.changes}
    assert ("New indicator", "", "Children's social care vacancy gap") in added
    assert ("Value", "Q3 2019-20", "19.55") in added
    assert ("Target", "2019-20", "20") in added
    assert not Framework.objects.exists() and not Indicator.objects.exists()
    confirmed = legacy_import(data=exported, file_name="plan.json", framework_name=IMPROVEMENT,
                              expected=preview.comparison())  # fmt: skip
    assert confirmed.ok and not confirmed.stale
    assert Indicator.objects.filter(framework__name=IMPROVEMENT).count() == 2


def test_a_zip_that_is_not_a_csv_export_is_refused_clearly(db, tmp_path):
    from frameworks.importers import readers
    from frameworks.importers.measures import open_csv_bundle

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("minutes.docx", b"not a table")
    assert open_csv_bundle(buffer.getvalue(), file_name="x.zip", limits=readers.Limits()) is None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tracker.csv", b"Theme," + b" " * 3_000_000)
    with pytest.raises(readers.ImportFileError, match="too large"):
        open_csv_bundle(buffer.getvalue(), file_name="x.zip", limits=readers.Limits(max_bytes=_MB))


_MB = 1024 * 1024


def test_a_file_that_changes_only_an_indicator_says_so_and_can_be_imported():
    """Only an indicator's figure differs: the preview does not say "Nothing changed", and the
    Import button is offered (the page enables it on listed changes too)."""
    from frameworks.services.import_report import ImportReport

    change = {"milestone": "Indicator 9", "code": "", "round": "Q3 2019-20", "field": "Value",
              "before": "21", "after": "19.55", "version": 2}  # fmt: skip
    report = ImportReport(dry_run=True, changes=[change])
    assert report.changed
    assert report.summary == "Would make 1 change to indicators or assessments (listed below)."
    assert ImportReport(changes=[change, change]).summary == (
        "Made 2 changes to indicators or assessments (listed below)."
    )
    assert not ImportReport().changed
