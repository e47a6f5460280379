"""A framework's measures as its exports carry them, read back: outcomes' codes and which
milestones serve them, indicators with their targets and values, and the maturity scale,
standards and assessments (`Measures`).

Three shapes, one result:
- a JSON export's "indicators" and "maturity" keys, and its themes' outcomes
  (`measures_from_json`, called by `json_export.extract_json`);
- the sheets an .xlsx export adds after its tracker sheet (`SHEETS`, read by
  `measures_from_sheets`);
- the same tables as CSV files in a .zip (the CSV export), opened as a workbook whose sheets
  are its files (`open_csv_bundle`).

The outcomes themselves, and the links from milestones to their own theme's outcomes, go into
the plan the importer already compares (`LegacyPlan.outcomes`, `MilestoneSpec.outcomes`);
`Measures` carries what those cannot: an outcome's code and a milestone serving an outcome of
another theme. Nothing here touches the database: `frameworks.services.import_measures`
compares and writes. May import: the domain, `readers` and `specs`; no Django.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any

from frameworks.domain.text import clean_text, one_line
from frameworks.domain.vocabulary import Direction, Frequency
from frameworks.importers import readers
from frameworks.importers.specs import OUTCOMES, LegacyPlan, OutcomeSpec, Problem, ThemeSpec

# The sheets an export adds after the tracker (and the CSV files of the .zip, named as the
# sheets in lower case with hyphens), each with its headings in order.
OUTCOMES_SHEET = "Outcomes"
INDICATORS_SHEET = "Indicators"
TARGETS_SHEET = "Indicator targets"
VALUES_SHEET = "Indicator values"
SCALE_SHEET = "Maturity scale"
STANDARDS_SHEET = "Maturity standards"
MATURITY_SHEET = "Maturity"
SHEETS: dict[str, list[str]] = {
    OUTCOMES_SHEET: ["Theme", "Outcome code", "Outcome", "Milestone code", "Milestone",
                     "Milestone's theme"],
    INDICATORS_SHEET: ["Number", "Indicator", "Unit", "Definition", "Good direction",
                       "Baseline", "Baseline date", "Baseline source", "Tolerance", "Owner",
                       "Frequency", "Outcomes"],
    TARGETS_SHEET: ["Number", "Indicator", "Round", "Financial year", "Target"],
    VALUES_SHEET: ["Number", "Indicator", "Round", "Value", "Note"],
    SCALE_SHEET: ["Rank", "Level", "Description"],
    STANDARDS_SHEET: ["Standard", "Description"],
    MATURITY_SHEET: ["Assessment", "Assessed on", "Source", "Standard", "Level",
                     "Level as written", "Where are you now?", "What needs to improve?",
                     "Recommendation", "Milestone code", "Milestone"],
}  # fmt: skip
HEADER_ROWS = 20  # a sheet's header row is in its first rows (a title may come first)
MAX_CSV_FILES = 20  # a CSV export holds at most len(SHEETS) + 1


def csv_name(sheet: str) -> str:
    """The CSV file of a sheet in the .zip export: "Indicator values" is indicator-values.csv."""
    return sheet.lower().replace(" ", "-") + ".csv"


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name).strip().casefold()


def _norm(title: str) -> str:
    """A title for finding it again (as `services.import_fields.norm` compares)."""
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


# What the importer writes ----------------------------------------------------------------------
@dataclass(frozen=True)
class MilestoneRef:
    """A milestone as an export names it: by its code when it has one, else its theme and title."""

    theme: str
    title: str
    code: str = ""


@dataclass(frozen=True)
class OutcomeRef:
    theme: str
    title: str


@dataclass(frozen=True)
class TargetItem:
    round: str  # a round's label, or "" for a financial year's target
    year: str  # "2019-20", or ""
    value: Decimal


@dataclass(frozen=True)
class ValueItem:
    round: str
    value: Decimal
    note: str = ""


@dataclass
class IndicatorItem:
    """An indicator as the file gives it; a blank (None or "") is "not given": it never clears
    what is stored."""

    name: str
    number: str = ""
    unit: str = ""
    definition: str = ""
    direction: str = ""
    baseline_value: Decimal | None = None
    baseline_date: dt.date | None = None
    baseline_source: str = ""
    tolerance: Decimal | None = None
    owner: str = ""
    frequency: str = ""
    outcomes: list[OutcomeRef] = field(default_factory=list)
    outcome_titles: list[str] = field(default_factory=list)  # a sheet names titles only
    targets: list[TargetItem] = field(default_factory=list)
    values: list[ValueItem] = field(default_factory=list)
    where: tuple[str, int | None] = ("", None)  # (sheet, row), for problems


@dataclass(frozen=True)
class LevelItem:
    name: str
    rank: int
    description: str = ""


@dataclass(frozen=True)
class StandardItem:
    name: str
    description: str = ""


@dataclass
class RecommendationItem:
    text: str
    milestone: MilestoneRef | None = None


@dataclass
class JudgementItem:
    standard: str
    level: str = ""  # the level on the scale, by name ("" when none: outside the scale)
    level_text: str = ""  # the level as the assessment wrote it
    evidence: str = ""
    improvements: str = ""
    recommendations: list[RecommendationItem] = field(default_factory=list)


@dataclass
class AssessmentItem:
    title: str
    assessed_on: dt.date
    source: str = ""
    judgements: list[JudgementItem] = field(default_factory=list)
    where: tuple[str, int | None] = ("", None)


@dataclass
class Measures:
    """Everything of a framework's measures that the rest of the plan does not carry."""

    outcome_codes: dict[OutcomeRef, str] = field(default_factory=dict)
    outcome_links: list[tuple[MilestoneRef, OutcomeRef]] = field(default_factory=list)
    indicators: list[IndicatorItem] = field(default_factory=list)
    levels: list[LevelItem] = field(default_factory=list)
    standards: list[StandardItem] = field(default_factory=list)
    assessments: list[AssessmentItem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.outcome_codes
            or self.outcome_links
            or self.indicators
            or self.levels
            or self.standards
            or self.assessments
        )


# Cells -----------------------------------------------------------------------------------------
class CellError(ValueError):
    """A cell that cannot be read, with what to write instead."""


def text(value: Any) -> str:
    """A one-line cell (names, labels, codes)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return one_line("" if value is None else str(value))


_MARKUP = re.compile(r"<[A-Za-z/!]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+\d*);")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def long_text(value: Any) -> str:
    """A cell of prose (notes, evidence, outcomes): as written, its line breaks kept (text the
    tracker exported comes back as it was), unless it holds markup, which is cleaned as every
    imported cell's is (`clean_text`)."""
    if value is None:
        return ""
    written = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if _MARKUP.search(written):
        return clean_text(written)
    lines = _CONTROL.sub("", written).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def number(value: Any) -> Decimal | None:
    """A figure: a spreadsheet number, or text such as "19.55", "19.55%", "20,393" or "£1,200"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(f"“{value}” is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    written = str(value).strip()
    bare = re.sub(r"[,£$€%\s]", "", written)
    if not bare:
        return None
    try:
        figure = Decimal(bare)
    except InvalidOperation:
        raise CellError(f"“{written[:40]}” is not a number, like 19.55 or 20,393") from None
    if not figure.is_finite():
        raise CellError(f"“{written[:40]}” is not a number, like 19.55 or 20,393")
    return figure


def date(value: Any) -> dt.date | None:
    """A date: a spreadsheet date, or ISO 8601 text (2023-09-04)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CellError(f"“{str(value)[:40]}” is not a date written as 2023-09-04") from None


def _choice(value: Any, vocabulary, what: str) -> str:
    """A vocabulary's value from its value ("LOWER") or label ("Lower is better"); "" if blank."""
    written = text(value)
    if not written:
        return ""
    for member in vocabulary:
        if written.casefold() in (member.value.casefold(), member.label.casefold()):
            return member.value
    words = " or ".join(f"“{member.label}”" for member in vocabulary)
    raise CellError(f"“{written[:40]}” is not a {what}: write {words}")


# From a JSON export ----------------------------------------------------------------------------
def measures_from_json(document: dict, plan: LegacyPlan) -> Measures:
    """The measures of a JSON export (`document`), and its outcomes and milestones' outcomes
    put in `plan`, whose themes and milestones `extract_json` has read already. Raises
    ValueError, KeyError or TypeError for a document that is not an export (the caller says
    so)."""
    measures = Measures()
    milestones = {(spec.theme, _norm(spec.title)): spec for spec in plan.milestones}
    for theme in document["themes"]:
        name = one_line(theme["name"])
        for outcome in theme.get("outcomes") or []:
            ref = OutcomeRef(name, long_text(outcome["title"]))
            _add_outcome(plan, ref, len(plan.outcomes) + 1)
            if one_line(outcome.get("code")):
                measures.outcome_codes[ref] = one_line(outcome.get("code"))
        for item in theme["milestones"]:
            milestone = MilestoneRef(name, clean_text(item["title"]), one_line(item.get("code")))
            spec = milestones.get((milestone.theme, _norm(milestone.title)))
            for served in item.get("outcomes") or []:
                ref = OutcomeRef(one_line(served["theme"]), long_text(served["title"]))
                _link(plan, measures, milestone, ref, spec)
    for item in document.get("indicators") or []:
        measures.indicators.append(_json_indicator(item))
    maturity = document.get("maturity") or {}
    for rank, level in enumerate(maturity.get("scale") or [], start=1):
        measures.levels.append(
            LevelItem(
                name=one_line(level["name"]),
                rank=int(level.get("rank") or rank),
                description=one_line(level.get("description")),
            )
        )
    for standard in maturity.get("standards") or []:
        measures.standards.append(
            StandardItem(one_line(standard["name"]), long_text(standard.get("description")))
        )
    for assessment in maturity.get("assessments") or []:
        measures.assessments.append(
            AssessmentItem(
                title=one_line(assessment["title"]),
                assessed_on=dt.date.fromisoformat(assessment["assessed_on"]),
                source=one_line(assessment.get("source")),
                judgements=[_json_judgement(j) for j in assessment.get("judgements") or []],
                where=("JSON", None),
            )
        )
    return measures


def _json_indicator(item: dict) -> IndicatorItem:
    def decimal(key: str) -> Decimal | None:
        return number(item.get(key))

    return IndicatorItem(
        name=one_line(item["name"]),
        number=one_line(item.get("number")),
        unit=one_line(item.get("unit")),
        definition=long_text(item.get("definition")),
        direction=_choice(item.get("direction"), Direction, "good direction"),
        baseline_value=decimal("baseline_value"),
        baseline_date=date(item.get("baseline_date")),
        baseline_source=one_line(item.get("baseline_source")),
        tolerance=decimal("tolerance"),
        owner=one_line(item.get("owner")),
        frequency=_choice(item.get("frequency"), Frequency, "frequency"),
        outcomes=[
            OutcomeRef(one_line(o["theme"]), long_text(o["title"]))
            for o in item.get("outcomes") or []
        ],
        targets=[
            TargetItem(
                round=one_line(t.get("period")),
                year=one_line(t.get("year")),
                value=Decimal(str(t["value"])),
            )
            for t in item.get("targets") or []
        ],
        values=[
            ValueItem(
                round=one_line(v["period"]),
                value=Decimal(str(v["value"])),
                note=long_text(v.get("note")),
            )
            for v in item.get("values") or []
            if v.get("state", "APPROVED") == "APPROVED" and v.get("value") is not None
        ],
        where=("JSON", None),
    )


def _json_judgement(item: dict) -> JudgementItem:
    recommendations = []
    for recommendation in item.get("recommendations") or []:
        milestone = recommendation.get("milestone")
        recommendations.append(
            RecommendationItem(
                text=long_text(recommendation["text"]),
                milestone=MilestoneRef(
                    one_line(milestone.get("theme")),
                    clean_text(milestone["title"]),
                    one_line(milestone.get("code")),
                )
                if milestone
                else None,
            )
        )
    return JudgementItem(
        standard=one_line(item["standard"]),
        level=one_line(item.get("level")),
        level_text=one_line(item.get("level_text")),
        evidence=long_text(item.get("evidence")),
        improvements=long_text(item.get("improvements")),
        recommendations=recommendations,
    )


def _add_outcome(plan: LegacyPlan, ref: OutcomeRef, row: int) -> None:
    """An outcome into the plan (once), its theme too if the file has no milestone in it."""
    if any(o.theme == ref.theme and _norm(o.title) == _norm(ref.title) for o in plan.outcomes):
        return
    if not any(theme.name == ref.theme for theme in plan.themes):
        plan.themes.append(ThemeSpec(name=ref.theme))
    plan.outcomes.append(OutcomeSpec(row=row, theme=ref.theme, title=ref.title))
    plan.carries = plan.carries | {OUTCOMES}


def _link(plan: LegacyPlan, measures: Measures, milestone: MilestoneRef, outcome: OutcomeRef,
          spec) -> None:  # fmt: skip
    """A milestone serving an outcome: through the plan when both are in one theme of the file
    (`spec` is the milestone's, if the file has it), else in `measures`."""
    if spec is not None and outcome.theme == spec.theme:
        _add_outcome(plan, outcome, len(plan.outcomes) + 1)
        if all(_norm(title) != _norm(outcome.title) for title in spec.outcomes):
            spec.outcomes.append(outcome.title)
    else:
        measures.outcome_links.append((milestone, outcome))


# From the sheets of an .xlsx export, or the CSV files of a .zip ---------------------------------
class _SheetReader:
    """One measures sheet: its rows under the header row, each as {heading: cell}."""

    def __init__(self, sheet: readers.Sheet, name: str, plan: LegacyPlan) -> None:
        self.sheet, self.name, self.plan = sheet, name, plan

    def rows(self) -> Iterable[tuple[int, dict[str, Any]]]:
        headings = SHEETS[self.name]
        wanted = [_key(h) for h in headings]
        columns: dict[str, int] | None = None
        for number_, cells in self.sheet.rows():
            if columns is None:
                found = {_key(text(cell)): index for index, cell in enumerate(cells)}
                if wanted[0] in found and wanted[1] in found:
                    columns = {h: found[k] for h, k in zip(headings, wanted, strict=True)
                               if k in found}  # fmt: skip
                elif number_ >= HEADER_ROWS:
                    break
                continue
            row = {h: cells[i] if i < len(cells) else None for h, i in columns.items()}
            if all(text(value) == "" for value in row.values()):
                continue
            yield number_, row
        if columns is None:  # a sheet of this name that is not an export's: left alone
            self.plan.warnings.append(
                Problem(
                    self.sheet.name,
                    None,
                    None,
                    f"This sheet has no header row starting {' | '.join(headings[:3])} in its "
                    f"first {HEADER_ROWS} rows, so it was not read.",
                )
            )

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.plan.errors.append(Problem(self.sheet.name, row, column, message))


def measures_from_sheets(source: readers.Source, plan: LegacyPlan) -> LegacyPlan:
    """Read the measures sheets of `source` (by name, any case) into `plan` (its outcomes and
    milestones' outcomes) and `plan.measures`, after the plan's own sheet is read. A workbook
    without them is left as it was. Returns the plan."""
    sheets = {_key(sheet.name): sheet for sheet in source.sheets if sheet.name != plan.sheet}
    found = {
        name: _SheetReader(sheets[_key(name)], name, plan)
        for name in SHEETS
        if _key(name) in sheets
    }
    if not found:
        return plan
    measures = plan.measures if isinstance(plan.measures, Measures) else Measures()
    try:
        if OUTCOMES_SHEET in found:
            _read_outcomes(found[OUTCOMES_SHEET], plan, measures)
        indicators: dict[str, IndicatorItem] = {}
        if INDICATORS_SHEET in found:
            _read_indicators(found[INDICATORS_SHEET], measures, indicators)
        for name, add in ((TARGETS_SHEET, _add_target), (VALUES_SHEET, _add_value)):
            if name in found:
                _read_figures(found[name], indicators, add)
        if SCALE_SHEET in found:
            _read_scale(found[SCALE_SHEET], measures)
        if STANDARDS_SHEET in found:
            for _, row in found[STANDARDS_SHEET].rows():
                name = text(row["Standard"])
                if name:
                    measures.standards.append(StandardItem(name, long_text(row.get("Description"))))
        if MATURITY_SHEET in found:
            _read_maturity(found[MATURITY_SHEET], measures)
    except readers.ImportFileError as exc:
        plan.errors.append(Problem(plan.sheet, None, None, exc.message))
    plan.measures = measures
    return plan


def _read_outcomes(reader: _SheetReader, plan: LegacyPlan, measures: Measures) -> None:
    milestones = {(spec.theme, _norm(spec.title)): spec for spec in plan.milestones}
    by_code = {spec.code: spec for spec in plan.milestones if spec.code}
    for row_number, row in reader.rows():
        theme, title = text(row["Theme"]), long_text(row["Outcome"])
        if not theme or not title:
            reader.error(row_number, "Outcome", "Give the outcome and its theme.")
            continue
        ref = OutcomeRef(theme, title)
        _add_outcome(plan, ref, row_number)
        code = text(row.get("Outcome code"))
        if code:
            measures.outcome_codes[ref] = code
        milestone_title = long_text(row.get("Milestone"))
        milestone_code = text(row.get("Milestone code"))
        if not milestone_title and not milestone_code:
            continue
        milestone = MilestoneRef(
            text(row.get("Milestone's theme")) or theme, milestone_title, milestone_code
        )
        spec = by_code.get(milestone_code) if milestone_code else None
        spec = spec or milestones.get((milestone.theme, _norm(milestone.title)))
        _link(plan, measures, milestone, ref, spec)


def _read_indicators(
    reader: _SheetReader, measures: Measures, indicators: dict[str, IndicatorItem]
) -> None:
    for row_number, row in reader.rows():
        name = text(row["Indicator"])
        if not name:
            reader.error(row_number, "Indicator", "Give the indicator's name.")
            continue
        try:
            item = IndicatorItem(
                name=name,
                number=text(row.get("Number")),
                unit=text(row.get("Unit")),
                definition=long_text(row.get("Definition")),
                direction=_choice(row.get("Good direction"), Direction, "good direction"),
                baseline_value=number(row.get("Baseline")),
                baseline_date=date(row.get("Baseline date")),
                baseline_source=text(row.get("Baseline source")),
                tolerance=number(row.get("Tolerance")),
                owner=text(row.get("Owner")),
                frequency=_choice(row.get("Frequency"), Frequency, "frequency"),
                outcome_titles=[
                    one_line(line)
                    for line in long_text(row.get("Outcomes")).splitlines()
                    if one_line(line)
                ],
                where=(reader.sheet.name, row_number),
            )
        except CellError as exc:
            reader.error(row_number, None, f"{exc}.")
            continue
        measures.indicators.append(item)
        indicators[_key(name)] = item
        if item.number:
            indicators.setdefault(f"#{_key(item.number)}", item)


def _find_indicator(row: dict[str, Any], indicators: dict[str, IndicatorItem]):
    by_number = (
        indicators.get(f"#{_key(text(row.get('Number')))}") if text(row.get("Number")) else None
    )
    return by_number or indicators.get(_key(text(row.get("Indicator"))))


def _add_target(item: IndicatorItem, row: dict[str, Any]) -> None:
    value = number(row.get("Target"))
    if value is None:
        raise CellError("Give the target")
    round_, year = text(row.get("Round")), text(row.get("Financial year"))
    if bool(round_) == bool(year):
        raise CellError("Give the target's round or its financial year (one of the two)")
    item.targets.append(TargetItem(round=round_, year=year, value=value))


def _add_value(item: IndicatorItem, row: dict[str, Any]) -> None:
    value, round_ = number(row.get("Value")), text(row.get("Round"))
    if not round_:
        raise CellError("Give the round, for example Q3 2019-20")
    if value is not None:
        item.values.append(ValueItem(round=round_, value=value, note=long_text(row.get("Note"))))


def _read_figures(reader: _SheetReader, indicators: dict[str, IndicatorItem], add) -> None:
    for row_number, row in reader.rows():
        item = _find_indicator(row, indicators)
        if item is None:
            reader.error(
                row_number,
                "Indicator",
                f"“{text(row.get('Indicator'))[:80]}” is not on the {INDICATORS_SHEET} sheet.",
            )
            continue
        try:
            add(item, row)
        except CellError as exc:
            reader.error(row_number, None, f"{exc}.")


def _read_scale(reader: _SheetReader, measures: Measures) -> None:
    for row_number, row in reader.rows():
        name = text(row["Level"])
        try:
            rank = number(row["Rank"])
        except CellError:
            rank = None
        if not name or rank is None or rank != rank.to_integral() or rank < 1:
            reader.error(row_number, "Rank", "Give the level and its rank: 1, 2, 3 …")
            continue
        measures.levels.append(LevelItem(name, int(rank), text(row.get("Description"))))


def _read_maturity(reader: _SheetReader, measures: Measures) -> None:
    assessments: dict[dt.date, AssessmentItem] = {}
    judgements: dict[tuple[dt.date, str], JudgementItem] = {}
    for row_number, row in reader.rows():
        try:
            day = date(row["Assessed on"])
        except CellError as exc:
            reader.error(row_number, "Assessed on", f"{exc}.")
            continue
        standard = text(row.get("Standard"))
        if day is None or not standard:
            reader.error(row_number, None, "Give the assessment's date and the standard.")
            continue
        assessment = assessments.get(day)
        if assessment is None:
            assessment = assessments[day] = AssessmentItem(
                title=text(row["Assessment"]),
                assessed_on=day,
                source=text(row.get("Source")),
                where=(reader.sheet.name, row_number),
            )
            measures.assessments.append(assessment)
        judgement = judgements.get((day, _key(standard)))
        if judgement is None:
            judgement = judgements[(day, _key(standard))] = JudgementItem(
                standard=standard,
                level=text(row.get("Level")),
                level_text=text(row.get("Level as written")),
                evidence=long_text(row.get("Where are you now?")),
                improvements=long_text(row.get("What needs to improve?")),
            )
            assessment.judgements.append(judgement)
        recommendation = long_text(row.get("Recommendation"))
        if recommendation:
            code, title = text(row.get("Milestone code")), long_text(row.get("Milestone"))
            judgement.recommendations.append(
                RecommendationItem(
                    recommendation, MilestoneRef("", title, code) if code or title else None
                )
            )


# The CSV export: a .zip of CSV files -----------------------------------------------------------
def open_csv_bundle(
    data: bytes, *, file_name: str, limits: readers.Limits
) -> readers.Source | None:
    """A .zip holding only CSV files (the CSV export) as one source, a sheet per file named as
    the file (tracker.csv is the sheet "tracker"); None for anything else, which the readers
    then recognise. Each file is read as an uploaded CSV is, within the same limits; the
    files' unpacked sizes are checked before any is unpacked."""
    if not data.startswith(b"PK\x03\x04") or len(data) > limits.max_bytes:
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        if not infos or not all(info.filename.lower().endswith(".csv") for info in infos):
            return None
        total = sum(info.file_size for info in infos)
        if (
            len(infos) > MAX_CSV_FILES
            or total > limits.max_uncompressed_bytes
            or any(info.file_size > limits.max_bytes or info.flag_bits & 0x1 for info in infos)
        ):
            raise readers.ImportFileError(
                "This .zip is not a CSV export of a framework that can be read: it holds too "
                "many files, files that are too large, or files with a password. Export the "
                "framework again and upload that file.",
                code="not_a_workbook",
            )
        sheets = []
        for info in infos:
            try:
                with archive.open(info) as member:
                    content = member.read(limits.max_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise readers.ImportFileError(
                    f"The file {info.filename!r} in this .zip is damaged. Export the framework "
                    "again and upload that file.",
                    code="unreadable",
                ) from exc
            name = PurePosixPath(info.filename).name
            part = readers.open_source(content, filename=name, limits=limits)
            sheets.extend(part.sheets)
    return readers.Source(
        filename=file_name,
        kind="csv",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sheets=sheets,
    )
