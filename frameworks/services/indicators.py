"""Indicators (KPIs): keeping their definitions, outcomes and targets, and importing their values
from a spreadsheet ("indicator, round, value, note") with a preview, then a confirmation.

Every write locks the row it changes, refuses a stale `expected_version` (`OUT_OF_DATE`) and is
recorded in the audit trail with the person and a reason. `expected_version=None` skips the check:
only for callers with no page a person read (the demo, commands, tests).

An indicator's targets are guarded by the indicator's version: setting, replacing or removing one
bumps it, so two people editing targets from the same page cannot overwrite each other.

The value import reads the file with `frameworks.importers.readers`, checks every row (nothing is
written if any row is wrong) and plans what it will do (`indicator_values_preview`);
`indicator_values_import` plans again on locked rows and writes only if that is still what the
person previewed. Imported values are approved values. A value someone gave in the app (a draft,
submitted, returned or approved figure not written by an import) is replaced only if the person
ticked to replace it on the preview; otherwise it is kept. Importing the same file twice changes
nothing.

May import: Django, the domain, the models, the importers' readers and `frameworks.services`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from frameworks.domain.indicators import FigureError, format_number, parse_figure
from frameworks.domain.text import clean_text, one_line
from frameworks.importers.readers import ImportFileError, Limits, open_source
from frameworks.models import (
    Direction,
    Framework,
    Frequency,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Outcome,
    Post,
    ReturnState,
    Round,
)
from frameworks.services import OUT_OF_DATE

YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")
IMPORT_REASON = "Imported from "  # + the file's name: how the audit trail tells imported values


def check_year(year: str) -> str:
    """A financial year as councils write it, "2019-20", checked; the tidied text."""
    year = year.strip().replace("/", "-").replace("\u2013", "-")
    found = YEAR_RE.match(year)
    if not found:
        raise ValidationError(
            {"year": "Enter the financial year like 2019-20 (the year it starts, then the next)."}
        )
    start, end = int(found[1]), int(found[2])
    if (start + 1) % 100 != end:
        raise ValidationError(
            {"year": f"{year} is not a financial year: write {start}-{(start + 1) % 100:02d}."}
        )
    return year


# Definitions -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorInput:
    """What the indicator form holds: everything but the targets."""

    name: str
    number: str = ""
    unit: str = ""
    definition: str = ""
    direction: str = Direction.HIGHER
    baseline_value: Decimal | None = None
    baseline_date: dt.date | None = None
    baseline_source: str = ""
    tolerance: Decimal | None = None
    owner: Post | None = None
    frequency: str = Frequency.QUARTERLY
    outcomes: tuple[Outcome, ...] = ()

    @classmethod
    def of(cls, data: IndicatorInput | Mapping) -> IndicatorInput:
        if isinstance(data, IndicatorInput):
            return data
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise TypeError(f"IndicatorInput has no {sorted(unknown)}")
        values = dict(data)
        values["outcomes"] = tuple(values.get("outcomes") or ())
        return cls(**values)

    @classmethod
    def from_indicator(cls, indicator: Indicator) -> IndicatorInput:
        return cls(
            **{
                f.name: getattr(indicator, f.name)
                for f in fields(cls)
                if f.name not in ("outcomes",)
            },
            outcomes=tuple(indicator.outcomes.all()),
        )


_LENGTHS = {"name": 255, "number": 20, "unit": 40, "baseline_source": 255}
_LABELS = {
    "name": "The name",
    "number": "The number",
    "unit": "The unit",
    "baseline_source": "The baseline's source",
}


def _checked(framework: Framework, data: IndicatorInput, *, pk: int | None) -> IndicatorInput:
    """The input tidied, or a ValidationError keyed by field saying every problem at once."""
    data = replace(
        data,
        name=one_line(data.name),
        number=one_line(data.number),
        unit=one_line(data.unit),
        definition=clean_text(data.definition),
        baseline_source=one_line(data.baseline_source),
    )
    errors: dict[str, str] = {}
    if not data.name:
        errors["name"] = "Enter the indicator's name."
    for name, most in _LENGTHS.items():
        if len(getattr(data, name)) > most:
            errors[name] = f"{_LABELS[name]} must be {most} characters or fewer."
    if data.direction not in Direction.values:
        errors["direction"] = "Choose whether higher or lower is better."
    if data.frequency not in Frequency.values:
        errors["frequency"] = "Choose how often the indicator reports."
    if data.tolerance is not None and data.tolerance < 0:
        errors["tolerance"] = (
            "The tolerance cannot be negative: enter how far short of the target still counts "
            "as within tolerance, for example 2."
        )
    if data.baseline_date and data.baseline_value is None:
        errors["baseline_value"] = "Enter the baseline figure for this date, or remove the date."
    for name in ("baseline_value", "tolerance"):
        value = getattr(data, name)
        if value is not None and name not in errors:
            try:
                parse_figure(value)
            except FigureError as exc:
                errors[name] = str(exc)
    others = Indicator.objects.filter(framework=framework)
    if pk is not None:
        others = others.exclude(pk=pk)
    if data.name and "name" not in errors:
        same = others.filter(name__iexact=data.name).values_list("name", flat=True).first()
        if same:
            errors["name"] = f"{framework.name} already has an indicator called “{same}”."
    if data.number and "number" not in errors:
        same = others.filter(number__iexact=data.number).values_list("name", flat=True).first()
        if same:
            errors["number"] = (
                f"Indicator {data.number} is already “{same}”: choose another number."
            )
    strangers = [o for o in data.outcomes if o.framework_id != framework.pk]
    if strangers:
        errors["outcomes"] = (
            f"“{strangers[0].title}” is an outcome of another framework: choose this framework's "
            "outcomes."
        )
    if errors:
        raise ValidationError(errors)
    return data


_FIELDS = (
    "name",
    "number",
    "unit",
    "definition",
    "direction",
    "baseline_value",
    "baseline_date",
    "baseline_source",
    "tolerance",
    "owner",
    "frequency",
)


def _outcomes_changed(indicator: Indicator, outcomes: Iterable[Outcome]) -> bool:
    return set(indicator.outcomes.values_list("pk", flat=True)) != {o.pk for o in outcomes}


@transaction.atomic
def indicator_create(*, framework: Framework, user, data: IndicatorInput | Mapping) -> Indicator:
    """Add an indicator to a framework, at the end of its list, with the outcomes it measures."""
    checked = _checked(framework, IndicatorInput.of(data), pk=None)
    last = framework.indicators.order_by("-order").values_list("order", flat=True).first()
    indicator = Indicator(framework=framework, order=(last or 0) + 1)
    for name in _FIELDS:
        setattr(indicator, name, getattr(checked, name))
    indicator._history_user = user
    indicator._change_reason = "Indicator added"
    indicator.full_clean()
    indicator.save()
    if checked.outcomes:  # a second entry in the audit trail, naming the outcomes
        indicator._change_reason = "Outcomes linked"
        indicator.outcomes.set(checked.outcomes)
    return indicator


def _locked(indicator: Indicator, expected_version: int | None) -> Indicator:
    current = (
        Indicator.objects.select_for_update(of=("self",))
        .select_related("framework")
        .get(pk=indicator.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(OUT_OF_DATE)
    return current


@transaction.atomic
def indicator_update(
    *,
    indicator: Indicator,
    user,
    data: IndicatorInput | Mapping,
    expected_version: int | None,
) -> Indicator:
    """Change an indicator's definition, owner or outcomes, as read at `expected_version`. One
    entry in the audit trail, with the outcomes as they are after the change."""
    current = _locked(indicator, expected_version)
    checked = _checked(current.framework, IndicatorInput.of(data), pk=current.pk)
    changed = [n for n in _FIELDS if getattr(current, n) != getattr(checked, n)]
    outcomes = _outcomes_changed(current, checked.outcomes)
    if not changed and not outcomes:
        return current
    for name in changed:
        setattr(current, name, getattr(checked, name))
    current.full_clean()
    if outcomes:  # linked first, unrecorded, so the save below records them with the rest
        current.skip_history_when_saving = True  # type: ignore[attr-defined]
        try:
            current.outcomes.set(checked.outcomes)
        finally:
            del current.skip_history_when_saving  # type: ignore[attr-defined]
    current.version += 1
    current._history_user = user
    words = [getattr(Indicator._meta.get_field(n), "verbose_name", n) for n in changed]
    if outcomes:
        words.append("outcomes")
    current._change_reason = f"Changed: {', '.join(str(w) for w in words)}"[:100]
    current.save()
    return current


# Targets -----------------------------------------------------------------------------------------
@transaction.atomic
def indicator_target_set(
    *,
    indicator: Indicator,
    user,
    round: Round | None = None,
    year: str = "",
    value: Decimal | None,
    expected_version: int | None,
) -> IndicatorTarget | None:
    """Set, replace or (with `value=None`) remove the target for a round or a financial year
    ("2019-20"), as the indicator was read at `expected_version`. Returns the target, or None
    when removed."""
    current = _locked(indicator, expected_version)
    if (round is None) == (not year.strip()):
        raise ValidationError(
            {"round": "Choose a round or enter a financial year for the target, not both."}
        )
    if round is not None and round.framework_id != current.framework_id:
        raise ValidationError({"round": "Choose one of this framework's rounds."})
    year = check_year(year) if round is None else ""
    if value is not None:
        try:
            value = parse_figure(value)
        except FigureError as exc:
            raise ValidationError({"value": str(exc)}) from exc
    period = round.label if round is not None else year
    existing = (
        # Its own row only, and no ordering: the default one joins the (nullable) round, which
        # PostgreSQL will not lock.
        IndicatorTarget.objects.select_for_update(of=("self",))
        .filter(indicator=current, **({"round": round} if round is not None else {"year": year}))
        .order_by()
        .first()
    )
    if value is None:
        if existing is None:
            raise ValidationError({"value": f"There is no target for {period} to remove."})
        reason = f"Target for {period} removed"
        existing._history_user, existing._change_reason = user, reason
        existing.delete()
        target = None
    elif existing is not None and existing.value == value:
        return existing  # nothing to change
    else:
        target = existing or IndicatorTarget(indicator=current, round=round, year=year)
        target.value = value
        reason = f"Target for {period} set to {format_number(value, current.unit)}"
        target._history_user, target._change_reason = user, reason
        target.full_clean()
        target.save()
    current.version += 1
    current._history_user, current._change_reason = user, reason[:100]
    current.save(update_fields=["version", "updated_at"])
    return target


# Importing values --------------------------------------------------------------------------------
MAX_IMPORT_ROWS = 2_000
MAX_NOTE_LENGTH = 5_000
MAX_NOTES_LENGTH = 500_000  # all the notes of one file: the preview carries them to the import
HEADER_ROWS = 20  # the header row is looked for in the first 20 rows of each sheet
IMPORT_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_rows=MAX_IMPORT_ROWS + HEADER_ROWS + 500)
COLUMNS = {"indicator": "Indicator", "round": "Round", "value": "Value", "note": "Note"}


class Action:
    NEW = "new"  # no value yet for that round (or only an empty one, not started)
    CHANGE = "change"  # a value an earlier import wrote, changed
    REPLACE = "replace"  # a value given in the app: replaced only if the person ticks to
    SAME = "same"  # already there: nothing to do


@dataclass(frozen=True)
class ImportProblem:
    message: str
    row: int | None = None
    column: str = ""
    sheet: str = ""

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"sheet “{self.sheet}”" if self.sheet else "",
                f"row {self.row}" if self.row else "",
                f"column “{self.column}”" if self.column else "",
            )
            if part
        )
        return f"{where[:1].upper()}{where[1:]}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ValueRow:
    """One row of the file, read: which indicator, which round, the figure and the note."""

    row: int
    indicator_id: int
    round_id: int
    value: Decimal
    note: str

    def as_list(self) -> list:
        return [self.row, self.indicator_id, self.round_id, str(self.value), self.note]

    @classmethod
    def from_list(cls, data: list) -> ValueRow:
        row, indicator_id, round_id, value, note = data
        return cls(int(row), int(indicator_id), int(round_id), Decimal(value), str(note))


@dataclass(frozen=True)
class PlannedValue:
    """What importing one row will do, beside what the tracker holds now."""

    row: ValueRow
    indicator: Indicator
    round: Round
    action: str
    before_value: Decimal | None = None
    before_note: str = ""
    before_state: str = ""
    before_version: int | None = None
    stored: IndicatorValue | None = field(default=None, compare=False, repr=False)

    @property
    def after_note(self) -> str:
        return self.row.note or self.before_note

    def key(self) -> list:
        return [*self.row.as_list(), self.action, self.before_version]


@dataclass
class ImportPlan:
    """A file read and compared with the tracker: the rows, or the problems that stop it."""

    framework: Framework
    file_name: str
    sheet: str = ""
    header_row: int | None = None
    rows: list[PlannedValue] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)

    def of(self, action: str) -> list[PlannedValue]:
        return [p for p in self.rows if p.action == action]

    @property
    def to_write(self) -> list[PlannedValue]:
        return [p for p in self.rows if p.action != Action.SAME]

    @property
    def fingerprint(self) -> str:
        """What the preview showed, in one string: confirming checks the plan still has it."""
        rows = sorted((p.key() for p in self.rows), key=lambda key: key[0])
        return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()

    @property
    def value_rows(self) -> list[ValueRow]:
        return [p.row for p in self.rows]


@dataclass(frozen=True)
class ImportResult:
    created: int
    changed: int
    replaced: int
    kept: int
    unchanged: int

    @property
    def summary(self) -> str:
        parts = []
        for count, words in (
            (self.created, "new value{s} imported"),
            (self.changed + self.replaced, "value{s} changed"),
            (self.kept, "value{s} given in the app kept"),
            (self.unchanged, "value{s} already there"),
        ):
            if count:
                parts.append(f"{count:,} {words.format(s='' if count == 1 else 's')}")
        return (", ".join(parts) or "Nothing to import") + "."


class ImportChanged(Exception):
    """The tracker changed between the preview and the confirmation: nothing was written."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("The indicators' values changed since your preview: nothing was imported.")
        self.plan = plan


def _words(value: object) -> str:
    return " ".join(str(value if value is not None else "").split())


def _heading(value: object) -> str | None:
    """Which column a header cell names, if any: "Indicator (number or name)" is "indicator"."""
    text = _words(value).casefold()
    for key in COLUMNS:
        if text == key or text.startswith(key + " ") or text.startswith(key + "("):
            return key
    return None


def _find_header(sheet) -> tuple[int, dict[str, int]] | None:
    for number, cells in sheet.rows():
        if number > HEADER_ROWS:
            return None
        found: dict[str, int] = {}
        for index, cell in enumerate(cells):
            key = _heading(cell)
            if key and key not in found:
                found[key] = index
        if {"indicator", "round", "value"} <= set(found):
            return number, found
    return None


def _indicator_lookup(framework: Framework) -> tuple[dict[str, Indicator], dict[str, Indicator]]:
    indicators = list(Indicator.objects.filter(framework=framework))
    by_number = {i.number.casefold(): i for i in indicators if i.number}
    by_name = {" ".join(i.name.split()).casefold(): i for i in indicators}
    return by_number, by_name


def _match_indicator(text: str, by_number: dict, by_name: dict) -> Indicator | None:
    key = text.casefold()
    if key in by_number:
        return by_number[key]
    if key.startswith("indicator ") and key[len("indicator ") :].strip() in by_number:
        return by_number[key[len("indicator ") :].strip()]
    if key.endswith(".0") and key[:-2] in by_number:  # a number typed into a spreadsheet
        return by_number[key[:-2]]
    return by_name.get(key)


def _read_rows(
    framework: Framework, data: bytes, file_name: str
) -> tuple[list[ValueRow], ImportPlan]:
    """Read and check the file's rows against the framework's indicators and rounds."""
    plan = ImportPlan(framework=framework, file_name=file_name)
    try:
        source = open_source(data, filename=file_name, limits=IMPORT_LIMITS)
        found = None
        for sheet in source.sheets:
            found = _find_header(sheet)
            if found:
                break
    except ImportFileError as exc:
        plan.errors.append(ImportProblem(exc.message))
        return [], plan
    if not found:
        plan.errors.append(
            ImportProblem(
                "No header row with the headings Indicator, Round and Value (and Note if you "
                f"have notes) in the first {HEADER_ROWS} rows of any sheet. Add that row above "
                "the figures and upload the file again."
            )
        )
        return [], plan
    header_row, columns = found
    plan.sheet = "" if source.kind == "csv" else sheet.name
    plan.header_row = header_row
    by_number, by_name = _indicator_lookup(framework)
    rounds = {
        " ".join(r.label.split()).casefold(): r for r in Round.objects.filter(framework=framework)
    }
    rows: list[ValueRow] = []
    seen: dict[tuple[int, int], int] = {}
    count = 0
    try:
        for number, cells in sheet.rows():
            if number <= header_row:
                continue

            def cell(key: str, cells=cells) -> object:
                index = columns.get(key)
                return cells[index] if index is not None and index < len(cells) else None

            raw = {key: cell(key) for key in COLUMNS}
            if all(_words(v) == "" for v in raw.values()):
                continue
            if all(_heading(raw[k]) == k for k in ("indicator", "round", "value")):
                continue  # the header row repeated (a printout's next page)
            count += 1
            if count > MAX_IMPORT_ROWS:
                plan.errors.append(
                    ImportProblem(
                        f"The file has more than {MAX_IMPORT_ROWS:,} rows of values: split it "
                        "into smaller files and import each.",
                        row=number,
                    )
                )
                break
            problem = _read_row(
                plan, number, raw, by_number=by_number, by_name=by_name, rounds=rounds
            )
            if problem is None:
                continue
            if isinstance(problem, ImportProblem):
                plan.errors.append(problem)
                continue
            value_row = problem
            pair = (value_row.indicator_id, value_row.round_id)
            if pair in seen:
                plan.errors.append(
                    ImportProblem(
                        f"This indicator's value for this round is also on row {seen[pair]}: "
                        "keep one of the two rows.",
                        row=number,
                    )
                )
                continue
            seen[pair] = number
            rows.append(value_row)
    except ImportFileError as exc:
        plan.errors.append(ImportProblem(exc.message))
    if plan.sheet:
        plan.errors = [replace(p, sheet=plan.sheet) if p.row else p for p in plan.errors]
        plan.warnings = [replace(p, sheet=plan.sheet) if p.row else p for p in plan.warnings]
    if sum(len(row.note) for row in rows) > MAX_NOTES_LENGTH:
        plan.errors.append(
            ImportProblem(
                "The notes in this file are too long to import at once: split it into smaller "
                "files and import each."
            )
        )
    if not rows and not plan.errors:
        plan.errors.append(ImportProblem("The file has no values under its header row."))
    return rows, plan


def _read_row(
    plan: ImportPlan, number: int, raw: dict, *, by_number, by_name, rounds
) -> ValueRow | ImportProblem | None:
    name = _words(raw["indicator"])
    if isinstance(raw["indicator"], float) and raw["indicator"].is_integer():
        name = str(int(raw["indicator"]))
    if not name:
        return ImportProblem("Enter the indicator's number or name.", number, "Indicator")
    indicator = _match_indicator(name, by_number, by_name)
    if indicator is None:
        return ImportProblem(
            f"{plan.framework.name} has no indicator numbered or named “{name[:80]}”.",
            number,
            "Indicator",
        )
    label = _words(raw["round"])
    if not label:
        return ImportProblem("Enter the round, for example Q3 2019-20.", number, "Round")
    round = rounds.get(label.casefold())
    if round is None:
        return ImportProblem(
            f"{plan.framework.name} has no round “{label[:60]}”. Create the round first, or "
            "correct its name.",
            number,
            "Round",
        )
    if _words(raw["value"]) == "":
        plan.warnings.append(
            ImportProblem("No value, so nothing is imported from this row.", number, "Value")
        )
        return None
    try:
        value = parse_figure(raw["value"], unit=indicator.unit)
    except FigureError as exc:
        return ImportProblem(str(exc), number, "Value")
    cell = raw["value"]
    if isinstance(cell, float) and indicator.unit.strip() == "%" and 0 < abs(cell) < 1:
        percent = format_number(value * 100, "%")
        plan.warnings.append(
            ImportProblem(
                f"{value} is imported as {value}%. If the cell is formatted as a percentage, "
                f"Excel stores {percent} as {value}: type {percent} instead.",
                number,
                "Value",
            )
        )
    note = clean_text(raw["note"]) if raw["note"] is not None else ""
    if len(note) > MAX_NOTE_LENGTH:
        return ImportProblem(
            f"The note is {len(note):,} characters long: shorten it to {MAX_NOTE_LENGTH:,} or "
            "fewer.",
            number,
            "Note",
        )
    return ValueRow(number, indicator.pk, round.pk, value, note)


def _imported_last(values: list[IndicatorValue]) -> set[int]:
    """The values whose latest change was an import (from their audit trail, in one query)."""
    latest: dict[int, str] = {}
    records = (
        IndicatorValue.history.filter(id__in=[v.pk for v in values])
        .order_by("id", "-history_date", "-history_id")
        .values_list("id", "history_change_reason")
    )
    for pk, reason in records:
        latest.setdefault(pk, reason or "")
    return {pk for pk, reason in latest.items() if reason.startswith(IMPORT_REASON)}


def _plan(plan: ImportPlan, rows: list[ValueRow], *, lock: bool = False) -> ImportPlan:
    """Compare the rows with the values stored for their indicators and rounds."""
    framework = plan.framework
    indicators = {
        i.pk: i
        for i in Indicator.objects.filter(
            framework=framework, pk__in={r.indicator_id for r in rows}
        )
    }
    rounds = {
        r.pk: r
        for r in Round.objects.filter(framework=framework, pk__in={r.round_id for r in rows})
    }
    stored = IndicatorValue.objects.filter(
        indicator_id__in=indicators, round_id__in=rounds
    ).order_by("pk")
    if lock:
        stored = stored.select_for_update(of=("self",))
    existing = {(v.indicator_id, v.round_id): v for v in stored}
    imported = _imported_last(list(existing.values()))
    planned = []
    for row in rows:
        indicator, round = indicators.get(row.indicator_id), rounds.get(row.round_id)
        if indicator is None or round is None:
            raise ImportChanged(replace(plan, rows=[]))
        value = existing.get((row.indicator_id, row.round_id))
        if value is None or (
            value.state == ReturnState.NOT_STARTED and value.value is None and not value.note
        ):
            action = Action.NEW
        elif (
            value.state == ReturnState.APPROVED
            and value.value == row.value
            and (not row.note or row.note == value.note)
        ):
            action = Action.SAME
        elif value.pk in imported and value.state == ReturnState.APPROVED:
            action = Action.CHANGE
        else:
            action = Action.REPLACE
        planned.append(
            PlannedValue(
                row=row,
                indicator=indicator,
                round=round,
                action=action,
                before_value=value.value if value else None,
                before_note=value.note if value else "",
                before_state=value.state if value else "",
                before_version=value.version if value else None,
                stored=value,
            )
        )
    return replace(plan, rows=planned)


def indicator_values_preview(*, framework: Framework, data: bytes, file_name: str) -> ImportPlan:
    """Read a file of values ("indicator, round, value, note") for `framework` and say what
    importing it would do. Writes nothing. `plan.errors` non-empty: it cannot be imported."""
    rows, plan = _read_rows(framework, data, file_name)
    if plan.errors:
        return replace(plan, rows=[])
    return _plan(plan, rows)


@transaction.atomic
def indicator_values_import(
    *,
    framework: Framework,
    user,
    file_name: str,
    rows: list[ValueRow],
    fingerprint: str,
    replace_app_values: bool = False,
) -> ImportResult:
    """Import the previewed rows: compare again on locked rows and write only if that is still
    what the preview (`fingerprint`) showed, else raise ImportChanged with the new plan and
    write nothing. Values given in the app are replaced only with `replace_app_values`."""
    list(
        Round.objects.select_for_update(of=("self",))
        .filter(framework=framework, pk__in={r.round_id for r in rows})
        .order_by("pk")
        .values("pk")
    )
    plan = _plan(ImportPlan(framework=framework, file_name=file_name), rows, lock=True)
    if plan.fingerprint != fingerprint:
        raise ImportChanged(plan)
    now = timezone.now()
    reason = f"{IMPORT_REASON}{file_name}"[:100]
    counts = dict.fromkeys(("new", "change", "replace", "kept", "same"), 0)
    for planned in plan.rows:
        if planned.action == Action.SAME:
            counts["same"] += 1
            continue
        if planned.action == Action.REPLACE and not replace_app_values:
            counts["kept"] += 1
            continue
        value = planned.stored  # locked by `_plan`
        if value is None:
            value = IndicatorValue(indicator=planned.indicator, round=planned.round)
        else:
            value.version += 1
        value.value = planned.row.value
        value.note = planned.after_note
        value.state = ReturnState.APPROVED
        value.saved_at = value.reviewed_at = now
        value.saved_by = value.reviewed_by = user
        value.review_comment = ""
        value._history_user, value._change_reason = user, reason
        value.save()
        counts[planned.action] += 1
    return ImportResult(
        created=counts["new"],
        changed=counts["change"],
        replaced=counts["replace"],
        kept=counts["kept"],
        unchanged=counts["same"],
    )
