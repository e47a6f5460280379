"""Indicators: keeping their definitions, outcomes and targets (version-checked, in the audit
trail), and importing their values from a spreadsheet with a preview, then a confirmation.

Figures from seed 004 (the Q3 2019-20 improvement plan report): the children's social care
vacancy gap "reduced … further from 26% to 19.55%", turnover "decreased further to 10.58%",
"20,393 registered users on the Firmstep platform"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from frameworks.domain.indicators import FigureError, parse_figure
from frameworks.models import Direction, IndicatorTarget, IndicatorValue, ReturnState
from frameworks.services import OUT_OF_DATE
from frameworks.services.indicators import (
    Action,
    ImportChanged,
    IndicatorInput,
    indicator_create,
    indicator_target_set,
    indicator_update,
    indicator_values_import,
    indicator_values_preview,
)
from tests.factories import (
    FrameworkFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    OutcomeFactory,
    PostFactory,
    RoundFactory,
    ThemeFactory,
)
from tests.workbooks import xlsx

VACANCY_NOTE = (
    "In Children's Social Care we have reduced our vacancy gap further from 26% to 19.55%."
)


@pytest.fixture
def plan(db):
    return FrameworkFactory(name="Tower Hamlets Improvement Plan", slug="improvement-plan")


@pytest.fixture
def q2(plan):
    return RoundFactory(
        framework=plan,
        label="Q2 2019-20",
        start_date=dt.date(2019, 7, 1),
        end_date=dt.date(2019, 9, 30),
        due_date=dt.date(2019, 10, 15),
        state="CLOSED",
    )


@pytest.fixture
def q3(plan):
    return RoundFactory(
        framework=plan,
        label="Q3 2019-20",
        start_date=dt.date(2019, 10, 1),
        end_date=dt.date(2019, 12, 31),
        due_date=dt.date(2020, 1, 15),
        state="CLOSED",
    )


@pytest.fixture
def vacancy(plan):
    return IndicatorFactory(
        framework=plan,
        number="1",
        name="Children's social care vacancy gap",
        unit="%",
        direction=Direction.LOWER,
    )


@pytest.fixture
def turnover(plan):
    return IndicatorFactory(
        framework=plan,
        number="2",
        name="Children's social care staff turnover",
        unit="%",
        direction=Direction.LOWER,
    )


@pytest.fixture
def editor(policy_user):
    return policy_user


# Figures ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "written, expected",
    [
        ("19.55%", "19.55"),
        ("20,393", "20393"),
        ("£1,200", "1200"),
        ("26", "26"),
        (" -3 ", "-3"),
        ("\u22123.5", "-3.5"),
        ("£-5", "-5"),
        (10.58, "10.58"),
        (20393, "20393"),
    ],
)
def test_figures_are_read_as_papers_print_them(written, expected):
    assert parse_figure(written) == Decimal(expected)


@pytest.mark.parametrize(
    "written, unit, message",
    [
        ("about 20", "", "is not a number"),
        ("1,23", "", "is not a number"),
        ("19.55%", "£", "is a percentage, but this indicator is in £"),
        ("£1,200", "%", "is an amount of money"),
        ("1.23456", "", "at most 4 decimal places"),
        ("", "", "Enter a number"),
        (True, "", "Enter a number"),
    ],
)
def test_a_figure_that_cannot_be_read_says_why(written, unit, message):
    with pytest.raises(FigureError, match=message):
        parse_figure(written, unit=unit)


# Definitions ------------------------------------------------------------------------------------
def test_an_indicator_is_created_with_its_outcomes_and_recorded_with_who(plan, editor):
    theme = ThemeFactory(framework=plan, name="Involve")
    outcome = OutcomeFactory(theme=theme, framework=plan)
    post = PostFactory(title="Amanda Harcus")
    indicator = indicator_create(
        framework=plan,
        user=editor,
        data=IndicatorInput(
            name="  Children's social care   vacancy gap ",
            unit="%",
            direction=Direction.LOWER,
            baseline_value=Decimal("26"),
            baseline_source="R5.14 Q3 2019-20 update",
            owner=post,
            outcomes=(outcome,),
        ),
    )
    assert indicator.name == "Children's social care vacancy gap"
    assert list(indicator.outcomes.all()) == [outcome]
    records = list(indicator.history.order_by("history_date", "history_id"))
    assert [r.history_change_reason for r in records] == ["Indicator added", "Outcomes linked"]
    assert {r.history_user for r in records} == {editor}
    assert [o.outcome_id for o in records[-1].outcomes.all()] == [outcome.pk]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": "children's social care VACANCY gap"}, "name", "already has an indicator"),
        ({"name": "Another", "number": "1"}, "number", "Indicator 1 is already"),
        ({"name": "Another", "tolerance": Decimal("-1")}, "tolerance", "cannot be negative"),
        (
            {"name": "Another", "baseline_date": dt.date(2019, 9, 30)},
            "baseline_value",
            "Enter the baseline figure for this date",
        ),
        ({"name": "   "}, "name", "Enter the indicator's name"),
        ({"name": "x" * 256}, "name", "255 characters or fewer"),
    ],
)
def test_a_wrong_indicator_is_refused_on_the_field_it_is_about(
    plan, vacancy, editor, changes, field, message
):
    with pytest.raises(ValidationError) as caught:
        indicator_create(framework=plan, user=editor, data=changes)
    assert message in " ".join(caught.value.message_dict[field])


def test_an_outcome_of_another_framework_is_refused(plan, editor):
    stranger = OutcomeFactory()
    with pytest.raises(ValidationError) as caught:
        indicator_create(
            framework=plan, user=editor, data={"name": "Turnover", "outcomes": [stranger]}
        )
    assert "outcome of another framework" in caught.value.message_dict["outcomes"][0]


def test_the_same_name_in_another_framework_is_fine(vacancy, editor):
    other = indicator_create(
        framework=FrameworkFactory(), user=editor, data={"name": vacancy.name, "number": "1"}
    )
    assert other.pk != vacancy.pk


def test_an_update_is_one_audited_change_and_a_stale_page_changes_nothing(plan, vacancy, editor):
    outcome = OutcomeFactory(theme=ThemeFactory(framework=plan), framework=plan)
    data = IndicatorInput.from_indicator(vacancy)
    seen = vacancy.version
    updated = indicator_update(
        indicator=vacancy,
        user=editor,
        data=IndicatorInput(**{**data.__dict__, "tolerance": Decimal("2"), "outcomes": (outcome,)}),
        expected_version=seen,
    )
    assert updated.version == seen + 1 and updated.tolerance == Decimal("2")
    latest = updated.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == editor
    assert latest.history_change_reason == "Changed: tolerance, outcomes"
    assert [o.outcome_id for o in latest.outcomes.all()] == [outcome.pk]
    assert updated.history.count() == 2  # created, then this one change

    with pytest.raises(ValidationError) as caught:
        indicator_update(
            indicator=vacancy,
            user=editor,
            data={**data.__dict__, "tolerance": Decimal("5")},
            expected_version=seen,
        )
    assert caught.value.messages == [OUT_OF_DATE]
    vacancy.refresh_from_db()
    assert vacancy.tolerance == Decimal("2")


def test_saving_without_a_change_leaves_the_version_alone(vacancy, editor):
    same = indicator_update(
        indicator=vacancy,
        user=editor,
        data=IndicatorInput.from_indicator(vacancy),
        expected_version=vacancy.version,
    )
    assert same.version == vacancy.version and vacancy.history.count() == 1


# Targets ----------------------------------------------------------------------------------------
def test_targets_per_round_and_year_are_set_replaced_and_removed(vacancy, q3, editor):
    version = vacancy.version
    target = indicator_target_set(
        indicator=vacancy, user=editor, year="2019-20", value="20%", expected_version=version
    )
    assert target.value == Decimal("20") and target.year == "2019-20"
    vacancy.refresh_from_db()
    assert vacancy.version == version + 1
    reason = vacancy.history.order_by("-history_id").first().history_change_reason
    assert reason == "Target for 2019-20 set to 20%"

    indicator_target_set(
        indicator=vacancy, user=editor, round=q3, value=Decimal("19"), expected_version=version + 1
    )
    indicator_target_set(
        indicator=vacancy, user=editor, round=q3, value=Decimal("18"), expected_version=version + 2
    )
    assert IndicatorTarget.objects.get(indicator=vacancy, round=q3).value == Decimal("18")
    indicator_target_set(
        indicator=vacancy, user=editor, round=q3, value=None, expected_version=version + 3
    )
    assert list(vacancy.targets.values_list("year", flat=True)) == ["2019-20"]
    removed = IndicatorTarget.history.filter(history_type="-").get()
    assert removed.history_user == editor
    assert removed.history_change_reason == "Target for Q3 2019-20 removed"


@pytest.mark.parametrize(
    "year, message",
    [
        ("2019-2020", "like 2019-20"),
        ("2019-21", "write 2019-20"),
        ("19-20", "like 2019-20"),
    ],
)
def test_a_financial_year_is_checked(vacancy, editor, year, message):
    with pytest.raises(ValidationError) as caught:
        indicator_target_set(
            indicator=vacancy, user=editor, year=year, value=Decimal(1), expected_version=None
        )
    assert message in caught.value.message_dict["year"][0]


def test_a_target_is_for_a_round_of_its_framework_or_a_year_not_both(vacancy, q3, editor):
    with pytest.raises(ValidationError, match="not both"):
        indicator_target_set(
            indicator=vacancy, user=editor, round=q3, year="2019-20", value=1, expected_version=None
        )
    elsewhere = RoundFactory(label="Q3 2019-20")
    with pytest.raises(ValidationError, match="this framework's rounds"):
        indicator_target_set(
            indicator=vacancy, user=editor, round=elsewhere, value=1, expected_version=None
        )
    with pytest.raises(ValidationError) as caught:
        indicator_target_set(
            indicator=vacancy, user=editor, round=q3, value=None, expected_version=None
        )
    assert "no target for Q3 2019-20 to remove" in caught.value.message_dict["value"][0]


def test_a_target_set_from_a_stale_page_is_refused(vacancy, editor):
    indicator_target_set(
        indicator=vacancy, user=editor, year="2019-20", value=20, expected_version=vacancy.version
    )
    with pytest.raises(ValidationError, match="out of date"):
        indicator_target_set(
            indicator=vacancy, user=editor, year="2019-20", value=25, expected_version=1
        )
    assert vacancy.targets.get().value == Decimal("20")


# Importing values -------------------------------------------------------------------------------
def _csv(*rows: str, header: str = "Indicator,Round,Value,Note") -> bytes:
    return "\n".join([header, *rows]).encode()


def _import(plan, user, data: bytes, name: str = "values.csv", *, replace: bool = False):
    preview = indicator_values_preview(framework=plan, data=data, file_name=name)
    assert not preview.errors, [str(e) for e in preview.errors]
    return preview, indicator_values_import(
        framework=plan,
        user=user,
        file_name=name,
        rows=preview.value_rows,
        fingerprint=preview.fingerprint,
        replace_app_values=replace,
    )


def test_an_import_previews_then_writes_approved_values_and_twice_changes_nothing(
    plan, q3, vacancy, turnover, editor
):
    data = xlsx(
        [
            ["Indicator", "Round", "Value", "Note"],
            [1, "q3 2019-20", "19.55%", VACANCY_NOTE],
            ["Children's social care staff turnover", "Q3 2019-20", 10.58, ""],
        ],
        sheet="Values",
        title="Improvement plan indicators, Q3",
    )
    preview = indicator_values_preview(framework=plan, data=data, file_name="q3.xlsx")
    assert not preview.errors
    assert (preview.sheet, preview.header_row) == ("Values", 3)
    assert [p.action for p in preview.rows] == [Action.NEW, Action.NEW]
    assert not IndicatorValue.objects.exists()  # the preview writes nothing

    result = indicator_values_import(
        framework=plan, user=editor, file_name="q3.xlsx", rows=preview.value_rows,
        fingerprint=preview.fingerprint,
    )  # fmt: skip
    assert (result.created, result.summary) == (2, "2 new values imported.")
    value = IndicatorValue.objects.get(indicator=vacancy, round=q3)
    assert (value.value, value.note, value.state) == (Decimal("19.55"), VACANCY_NOTE, "APPROVED")
    record = value.history.get()
    assert (record.history_user, record.history_change_reason) == (editor, "Imported from q3.xlsx")

    again, result = _import(plan, editor, data, "q3.xlsx")
    assert [p.action for p in again.rows] == [Action.SAME, Action.SAME]
    assert result.summary == "2 values already there."
    assert value.history.count() == 1


def test_a_value_an_import_wrote_is_changed_by_a_later_file(plan, q3, vacancy, editor):
    _import(plan, editor, _csv("1,Q3 2019-20,19.55%,"))
    preview, result = _import(plan, editor, _csv("Indicator 1,Q3 2019-20,19.5%,Corrected"))
    assert [p.action for p in preview.rows] == [Action.CHANGE]
    assert result.changed == 1
    value = IndicatorValue.objects.get()
    assert (value.value, value.note, value.version) == (Decimal("19.5"), "Corrected", 2)


def test_a_value_given_in_the_app_is_kept_unless_the_person_ticks_to_replace_it(
    plan, q3, vacancy, editor, officer
):
    given = IndicatorValueFactory(
        indicator=vacancy, round=q3, value=Decimal("19.55"), note="From the return",
        state=ReturnState.SUBMITTED, submitted_by=officer,
    )  # fmt: skip
    preview, result = _import(plan, editor, _csv("1,Q3 2019-20,20%,From the file"))
    assert [p.action for p in preview.rows] == [Action.REPLACE]
    assert preview.rows[0].before_state == "SUBMITTED"
    assert result.kept == 1 and "1 value given in the app kept" in result.summary
    given.refresh_from_db()
    assert (given.value, given.state) == (Decimal("19.55"), "SUBMITTED")

    _, result = _import(plan, editor, _csv("1,Q3 2019-20,20%,From the file"), replace=True)
    assert result.replaced == 1
    given.refresh_from_db()
    assert (given.value, given.note, given.state) == (Decimal("20"), "From the file", "APPROVED")


def test_an_empty_value_a_round_opened_is_filled_and_a_blank_note_keeps_the_stored_one(
    plan, q3, vacancy, turnover, editor
):
    IndicatorValueFactory(indicator=vacancy, round=q3, value=None, note="", state="NOT_STARTED")
    approved = IndicatorValueFactory(
        indicator=turnover, round=q3, value=Decimal("10.58"), note="Turnover has decreased further"
    )
    preview = indicator_values_preview(
        framework=plan, data=_csv("1,Q3 2019-20,19.55%,", "2,Q3 2019-20,10.58,"), file_name="x.csv"
    )
    assert [p.action for p in preview.rows] == [Action.NEW, Action.SAME]
    assert approved.note == "Turnover has decreased further"


def test_the_tracker_changing_after_the_preview_writes_nothing(plan, q3, vacancy, turnover, editor):
    data = _csv("1,Q3 2019-20,19.55%,", "2,Q3 2019-20,10.58%,")
    preview = indicator_values_preview(framework=plan, data=data, file_name="x.csv")
    IndicatorValueFactory(indicator=turnover, round=q3, value=Decimal("11"), state="DRAFT")
    with pytest.raises(ImportChanged) as caught:
        indicator_values_import(
            framework=plan, user=editor, file_name="x.csv", rows=preview.value_rows,
            fingerprint=preview.fingerprint,
        )  # fmt: skip
    assert [p.action for p in caught.value.plan.rows] == [Action.NEW, Action.REPLACE]
    assert not IndicatorValue.objects.filter(indicator=vacancy).exists()


def test_every_wrong_row_is_named_and_nothing_is_imported(plan, q3, vacancy, editor):
    data = _csv(
        "1,Q3 2019-20,19.55%,",
        "Indicator 7,Q3 2019-20,3,",
        "1,Q5 2019-20,3,",
        "1,Q3 2019-20,about a fifth,",
        "Children's social care vacancy gap,Q3 2019-20,19%,",
        ",Q3 2019-20,4,",
        "1,,4,",
    )
    preview = indicator_values_preview(framework=plan, data=data, file_name="wrong.csv")
    assert [str(p) for p in preview.errors] == [
        "Row 3, column “Indicator”: Tower Hamlets Improvement Plan has no indicator numbered or "
        "named “Indicator 7”.",
        "Row 4, column “Round”: Tower Hamlets Improvement Plan has no round “Q5 2019-20”. Create "
        "the round first, or correct its name.",
        "Row 5, column “Value”: “about a fifth” is not a number. Write it like 19.55%, 20,393 or "
        "£1,200.",
        "Row 6: This indicator's value for this round is also on row 2: keep one of the two rows.",
        "Row 7, column “Indicator”: Enter the indicator's number or name.",
        "Row 8, column “Round”: Enter the round, for example Q3 2019-20.",
    ]
    assert preview.rows == []
    assert not IndicatorValue.objects.exists()


def test_a_file_without_the_headings_or_unreadable_is_refused(plan, q3, vacancy):
    missing = indicator_values_preview(
        framework=plan, data=_csv("1,Q3 2019-20,3", header="Measure,Period,Figure"),
        file_name="x.csv",
    )  # fmt: skip
    assert "No header row with the headings Indicator, Round and Value" in str(missing.errors[0])
    empty = indicator_values_preview(framework=plan, data=b"", file_name="x.csv")
    assert "empty" in str(empty.errors[0])
    only_header = indicator_values_preview(framework=plan, data=_csv(), file_name="x.csv")
    assert str(only_header.errors[0]) == "The file has no values under its header row."


def test_a_row_without_a_value_is_left_out_and_said(plan, q3, vacancy, turnover, editor):
    preview, result = _import(plan, editor, _csv("1,Q3 2019-20,19.55%,", "2,Q3 2019-20,,"))
    assert [str(w) for w in preview.warnings] == [
        "Row 3, column “Value”: No value, so nothing is imported from this row."
    ]
    assert result.created == 1


def test_a_fraction_in_a_percentage_cell_is_flagged(plan, q3, vacancy):
    data = xlsx([["Indicator", "Round", "Value"], [1, "Q3 2019-20", 0.1955]], sheet="Values")
    preview = indicator_values_preview(framework=plan, data=data, file_name="x.xlsx")
    assert preview.rows[0].row.value == Decimal("0.1955")
    assert "type 19.55% instead" in str(preview.warnings[0])
    assert str(preview.warnings[0]).startswith("Sheet “Values”, row 2")


# The demo ---------------------------------------------------------------------------------------
SEED_004 = next(
    iter(Path(__file__).resolve().parents[2].parent.glob("shared/seeds/004_*.txt")), None
)


def test_the_demo_indicators_come_from_seed_004_and_load_once(db):
    from frameworks.selectors.indicators import indicator_rows
    from frameworks.services.demo import ACTIONS_FILE, ACTIONS_FRAMEWORK, ACTIONS_ROUND
    from frameworks.services.demo_indicators import INDICATORS, demo_indicators_load
    from frameworks.services.imports import legacy_import

    assert demo_indicators_load() == []  # no improvement plan yet: nothing to add to
    legacy_import(
        data=ACTIONS_FILE.read_bytes(), file_name=ACTIONS_FILE.name,
        framework_name=ACTIONS_FRAMEWORK, round_label=ACTIONS_ROUND,
    )  # fmt: skip
    loaded = demo_indicators_load()
    assert demo_indicators_load() == loaded
    assert IndicatorValue.history.count() == len(INDICATORS)  # once each

    rows = indicator_rows(framework=loaded[0].framework)
    assert [
        (r.indicator.name, r.indicator.owner.title, r.latest.round_label, r.latest.value)
        for r in rows
    ] == [
        ("Children's social care vacancy gap", "Amanda Harcus", "Q3 2019-20", Decimal("19.55")),
        ("Children's social care staff turnover", "Amanda Harcus", "Q3 2019-20", Decimal("10.58")),
        (
            "Registered users on the Firmstep platform",
            "Andreas Christophorou",
            "Q3 2019-20",
            Decimal("20393"),
        ),
    ]
    assert {r.latest.status.label for r in rows} == {"No target set"}
    assert not IndicatorTarget.objects.exists()  # the paper gives none
    assert rows[0].indicator.baseline_value == Decimal("26")
    assert rows[0].indicator.baseline_date is None  # the paper gives no date
    if SEED_004 is not None:  # every note is the paper's own words
        paper = " ".join(SEED_004.read_text(encoding="utf-8").split())
        for spec in INDICATORS:
            for sentence in spec.note.split(". "):
                assert sentence.rstrip(".") in paper, sentence


def test_an_overlong_note_is_a_row_error(plan, q3, vacancy):
    preview = indicator_values_preview(
        framework=plan, data=_csv(f"1,Q3 2019-20,19.55%,{'x' * 5001}"), file_name="x.csv"
    )
    assert str(preview.errors[0]).startswith("Row 2, column “Note”: The note is 5,001 characters")
