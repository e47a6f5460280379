"""Maturity self-assessment: a framework's scale of ordered levels, its quality standards, dated
assessments holding a judgement per standard, and the recommendations that become milestones.

Every write is atomic, locks the row it changes (`select_for_update`), refuses a stale
`expected_version` with `OUT_OF_DATE`, bumps `version` and is recorded in the audit trail
(django-simple-history) with the person and a reason. Errors are `ValidationError`s keyed by the
form field they are about.

A level written outside the scale (seed 003's Leadership is judged "Embedded", a level its own
scale of Emerging, Aspiring and Established does not define) is kept as written, with no level:
nothing maps it but a person, who adds it to the scale or maps it to a level
(`judgement_level_resolve`).

Imports read the 'how are we doing?' tool's table (`Standard | Level | Where are you now? | What
needs to improve?`, from an xlsx or csv, through `frameworks.importers.readers`):
`maturity_import_plan` says what an import would create, `maturity_import_apply` creates it
only if the plan is still the one the person confirmed.

May import: Django, the domain, the models, the importers' readers and the other services.
Imported by the maturity views, the demo (`demo_maturity`) and the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from frameworks.domain.text import clean_text, one_line
from frameworks.importers.readers import ImportFileError, Limits, open_source
from frameworks.models import (
    Assessment,
    Framework,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    Milestone,
    Recommendation,
    Theme,
)
from frameworks.services import OUT_OF_DATE, locked, save_audited

# An assessment's table is a few dozen rows: a file larger than this is not one.
MAX_IMPORT_BYTES: Final = 1024 * 1024
IMPORT_LIMITS: Final = Limits(max_bytes=MAX_IMPORT_BYTES, max_rows=2_000, max_cells=100_000)
HEADER_SEARCH_ROWS: Final = 20


def _same(a: str, b: str) -> bool:
    return one_line(a).casefold() == one_line(b).casefold()


def _assessment_name(assessment: Assessment) -> str:
    return f"{assessment.title} ({assessment.assessed_on.day} {assessment.assessed_on:%B %Y})"


# Bulleted text ----------------------------------------------------------------------------
# The papers' lists: "•" and "●" items, "○" sub-items (inside `<ul>` markup), or lines that
# start "- " (sub-items " - ", indented).
_TOP_GLYPHS: Final = "•●▪■"
_SUB_GLYPHS: Final = "○◦"
_GLYPH_SPLIT: Final = re.compile(f"\\s*([{_TOP_GLYPHS}{_SUB_GLYPHS}])\\s*")
_DASH_LINE: Final = re.compile(r"^(\s*)[-–*]\s+(?=\S)")


@dataclass(frozen=True)
class BulletItem:
    text: str
    children: tuple[str, ...] = ()

    @property
    def whole(self) -> str:
        """The item with its sub-items, as one line: what a recommendation says."""
        if not self.children:
            return self.text
        joiner = " " if self.text.endswith(":") else ": "
        return self.text + joiner + "; ".join(self.children)


@dataclass(frozen=True)
class BulletText:
    """Text read as paragraphs (str) and bullet items (`BulletItem`), in order."""

    blocks: tuple[str | BulletItem, ...]

    @property
    def items(self) -> list[BulletItem]:
        return [b for b in self.blocks if isinstance(b, BulletItem)]

    def as_text(self) -> str:
        """One line per paragraph and item ("• item", "○ sub-item"): how it is stored."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, BulletItem):
                lines.append(f"• {block.text}")
                lines += [f"○ {child}" for child in block.children]
            else:
                lines.append(block)
        return "\n".join(lines)

    def recommendations(self) -> list[str]:
        """Each bullet item (with its sub-items); a text with no bullets: each line."""
        items = self.items
        if items:
            return [item.whole for item in items]
        return [b for b in self.blocks if isinstance(b, str)]


def bullet_text(value: object) -> BulletText:
    """Read a cell or a text box as paragraphs and bullets: markup removed (`clean_text`),
    "•"/"●" and lines starting "- " are items, "○" and indented " - " lines their sub-items.
    Reading its own `as_text()` again gives the same blocks."""
    raw = "" if value is None else str(value)
    lines = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _DASH_LINE.match(line)
        if match:
            glyph = "○" if match.group(1) else "•"
            line = f"{glyph} {line[match.end() :]}"
        lines.append(line)
    blocks: list[str | BulletItem] = []
    for paragraph in re.split(r"\n+", clean_text("\n".join(lines))):
        parts = _GLYPH_SPLIT.split(paragraph)
        lead = " ".join(parts[0].split())
        if lead:
            blocks.append(lead)
        for glyph, text in zip(parts[1::2], parts[2::2], strict=True):
            text = " ".join(text.split())
            if not text:
                continue
            last = blocks[-1] if blocks else None
            if glyph in _SUB_GLYPHS and isinstance(last, BulletItem):
                blocks[-1] = BulletItem(last.text, (*last.children, text))
            else:
                blocks.append(BulletItem(text))
    return BulletText(tuple(blocks))


def tidy_bullets(value: object) -> str:
    return bullet_text(value).as_text()


# The scale ---------------------------------------------------------------------------------
def _level_refusal(framework: Framework, name: str, rank: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    levels = list(MaturityLevel.objects.filter(framework=framework))
    if not name:
        errors["name"] = "Enter the level's name, for example Established"
    elif len(name) > 100:
        errors["name"] = "The level's name must be 100 characters or fewer"
    elif any(_same(level.name, name) for level in levels):
        errors["name"] = f"The scale already has “{name}”"
    if rank is not None:
        if rank < 1:
            errors["rank"] = "The position must be 1 or more (1 is the least mature)"
        elif taken := next((level for level in levels if level.rank == rank), None):
            free = max((level.rank for level in levels), default=0) + 1
            errors["rank"] = (
                f"Position {rank} is {taken.name}'s. Choose a free position, for example {free} "
                "to put it above every other level"
            )
    return errors


@transaction.atomic
def maturity_level_add(
    *, framework: Framework, name: str, description: str = "", rank: int | None = None, user
) -> MaturityLevel:
    """Add a level to a framework's scale, at `rank` (a free position; 1 is the least mature)
    or, with no rank, at the top of the scale."""
    Framework.objects.select_for_update().get(pk=framework.pk)
    name = one_line(name)
    errors = _level_refusal(framework, name, rank)
    if errors:
        raise ValidationError(errors)
    if rank is None:
        top = MaturityLevel.objects.filter(framework=framework).aggregate(n=Max("rank"))["n"]
        rank = (top or 0) + 1
    level = MaturityLevel(framework=framework, rank=rank)
    save_audited(
        level, user, "Added to the scale", name=name, description=one_line(description)[:255]
    )
    return level


# Standards ---------------------------------------------------------------------------------
def _standard_refusal(framework: Framework, name: str, exclude: int | None = None) -> dict:
    if not name:
        return {"name": "Enter the standard's name, for example Leadership"}
    if len(name) > 200:
        return {"name": "The standard's name must be 200 characters or fewer"}
    others = MaturityStandard.objects.filter(framework=framework)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if any(_same(other, name) for other in others.values_list("name", flat=True)):
        return {"name": f"This framework already has the standard “{name}”"}
    return {}


@transaction.atomic
def maturity_standard_add(
    *, framework: Framework, name: str, description: str = "", user, reason: str = ""
) -> MaturityStandard:
    """Add a standard after the framework's others. Assessments made from now on judge it."""
    Framework.objects.select_for_update().get(pk=framework.pk)
    name = one_line(name)
    errors = _standard_refusal(framework, name)
    if errors:
        raise ValidationError(errors)
    last = MaturityStandard.objects.filter(framework=framework).aggregate(n=Max("order"))["n"]
    standard = MaturityStandard(framework=framework, order=(last or 0) + 1)
    save_audited(
        standard,
        user,
        reason or "Standard added",
        name=name,
        description=clean_text(description),
    )
    return standard


@transaction.atomic
def maturity_standard_update(
    *,
    standard: MaturityStandard,
    name: str,
    description: str,
    user,
    expected_version: int | None,
) -> MaturityStandard:
    current = locked(MaturityStandard, standard, expected_version)
    name = one_line(name)
    errors = _standard_refusal(current.framework, name, exclude=current.pk)
    if errors:
        raise ValidationError(errors)
    save_audited(current, user, "Standard changed", name=name, description=clean_text(description))
    return current


# Assessments and judgements -----------------------------------------------------------------
def assessment_date_refusal(*, framework: Framework, assessed_on: dt.date) -> str:
    """Why an assessment cannot be dated `assessed_on` ("" if it can): one a day."""
    existing = Assessment.objects.filter(framework=framework, assessed_on=assessed_on).first()
    if existing is None:
        return ""
    return (
        f"This framework already has an assessment on {assessed_on.day} {assessed_on:%B %Y} "
        f"(“{existing.title}”). Choose another date, or change that assessment."
    )


def _assessment_checks(framework: Framework, title: str, assessed_on: dt.date) -> None:
    errors = {}
    if not title:
        errors["title"] = "Enter the assessment's title"
    elif len(title) > 255:
        errors["title"] = "The title must be 255 characters or fewer"
    if refusal := assessment_date_refusal(framework=framework, assessed_on=assessed_on):
        errors["assessed_on"] = refusal
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assessment_create(
    *, framework: Framework, title: str, assessed_on: dt.date, source: str = "", user
) -> Assessment:
    """A new assessment with an empty judgement for each of the framework's standards, to be
    filled in on its page."""
    Framework.objects.select_for_update().get(pk=framework.pk)
    title = one_line(title)
    _assessment_checks(framework, title, assessed_on)
    assessment = Assessment(framework=framework)
    save_audited(
        assessment,
        user,
        "Assessment started",
        title=title,
        assessed_on=assessed_on,
        source=one_line(source)[:255],
    )
    for standard in MaturityStandard.objects.filter(framework=framework).order_by("order", "pk"):
        save_audited(
            Judgement(assessment=assessment, standard=standard), user, "Assessment started"
        )
    return assessment


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()


def _check_level(judgement: Judgement, level: MaturityLevel) -> None:
    if level.framework_id != judgement.assessment.framework_id:
        raise ValidationError({"level": "Choose a level from this framework's scale"})


def _sync_recommendations(judgement: Judgement, improvements: str, user, reason: str) -> None:
    """Make the judgement's recommendations the items of its "What needs to improve?" text:
    new items are added, items gone are removed, unless they are already milestones."""
    wanted = bullet_text(improvements).recommendations()
    existing = list(Recommendation.objects.select_for_update().filter(judgement=judgement))
    by_text: dict[str, list[Recommendation]] = {}
    for rec in existing:
        by_text.setdefault(rec.text, []).append(rec)
    kept: list[Recommendation] = []
    for order, text in enumerate(wanted, start=1):
        matches = by_text.get(text)
        if matches:
            rec = matches.pop(0)
            if rec.order != order:
                save_audited(rec, user, reason, order=order)
        else:
            rec = Recommendation(judgement=judgement, order=order)
            save_audited(rec, user, reason, text=text)
        kept.append(rec)
    gone = [rec for recs in by_text.values() for rec in recs]
    adopted = [rec for rec in gone if rec.milestone_id]
    if adopted:
        raise ValidationError(
            {
                "improvements": f"“{adopted[0].text}” is already a milestone, so it stays on the "
                "list. Put it back; to change its words, change the milestone."
            }
        )
    for rec in gone:
        rec._history_user = user
        rec._change_reason = reason
        rec.delete()


@transaction.atomic
def judgement_update(
    *,
    judgement: Judgement,
    user,
    expected_version: int | None,
    level: MaturityLevel | None | _Unchanged = UNCHANGED,
    evidence: str,
    improvements: str,
) -> Judgement:
    """Change a judgement: its level (a level of the scale, None for not judged, or UNCHANGED,
    which keeps a level written outside the scale as it is), "Where are you now?" and "What
    needs to improve?", whose items are its recommendations."""
    current = locked(Judgement, judgement, expected_version)
    fields: dict = {"evidence": tidy_bullets(evidence), "improvements": tidy_bullets(improvements)}
    if isinstance(level, MaturityLevel):
        _check_level(current, level)
        if level.pk != current.level_id:
            fields.update(level=level, level_text=level.name)
    elif level is None:
        fields.update(level=None, level_text="")
    save_audited(current, user, "Judgement changed", **fields)
    _sync_recommendations(current, fields["improvements"], user, "Judgement changed")
    return current


@transaction.atomic
def judgement_level_resolve(
    *,
    judgement: Judgement,
    user,
    level: MaturityLevel | None = None,
    add_to_scale: dict | None = None,
    expected_version: int | None,
) -> Judgement:
    """Settle a level written outside the scale: map it to a level of the scale (`level`), or
    add it to the scale as written (`add_to_scale`: its `description` and `rank`) and link it.
    The level as written is kept on the judgement."""
    current = locked(Judgement, judgement, expected_version)
    if not current.outside_scale:
        raise ValidationError(
            "This judgement's level is already on the scale: change it on the judgement instead."
        )
    if (level is None) == (add_to_scale is None):
        raise ValidationError(
            {"choice": f"Choose whether to add “{current.level_text}” to the scale or map it"}
        )
    written = current.level_text
    if level is not None:
        _check_level(current, level)
        reason = f"“{written}” mapped to {level.name}"
    else:
        assert add_to_scale is not None
        description = one_line(add_to_scale.get("description", ""))
        if not description:
            raise ValidationError(
                {"description": f"Say what “{written}” means, as the scale's other levels do"}
            )
        rank = add_to_scale.get("rank")
        if rank is None:
            raise ValidationError({"rank": f"Enter the position of “{written}” on the scale"})
        level = maturity_level_add(
            framework=current.assessment.framework,
            name=written,
            description=description,
            rank=rank,
            user=user,
        )
        reason = f"“{written}” added to the scale"
    save_audited(current, user, reason, level=level)
    return current


# Recommendations ---------------------------------------------------------------------------
def _theme_for(standard: MaturityStandard, user) -> Theme:
    """The framework's theme named after the standard, made if it has none."""
    framework = standard.framework
    theme = next(
        (t for t in Theme.objects.filter(framework=framework) if _same(t.name, standard.name)),
        None,
    )
    if theme is None:
        last = Theme.objects.filter(framework=framework).aggregate(n=Max("order"))["n"]
        theme = Theme(framework=framework, order=(last or 0) + 1)
        save_audited(
            theme, user, "For the recommendations of a maturity standard", name=standard.name
        )
    return theme


@transaction.atomic
def recommendation_adopt(
    *,
    recommendation: Recommendation,
    user,
    theme: Theme | None = None,
    expected_version: int | None,
) -> Milestone:
    """Make a recommendation a milestone of its framework, titled with its words, in the theme
    named after its standard (made if missing) or in `theme`, with a source reference naming
    the assessment and the standard, and linked back. A recommendation becomes one milestone
    only. Leads and deadlines are added on the milestone, as for any other."""
    current = locked(Recommendation, recommendation, None)
    if current.milestone_id is not None:
        raise ValidationError(
            f"This recommendation is already a milestone: “{current.milestone}”. Open it "
            "from the assessment page."
        )
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(OUT_OF_DATE)
    judgement = Judgement.objects.select_related(
        "assessment__framework", "standard__framework"
    ).get(pk=current.judgement_id)
    framework = judgement.assessment.framework
    Framework.objects.select_for_update().get(pk=framework.pk)
    if theme is None:
        theme = _theme_for(judgement.standard, user)
    elif theme.framework_id != framework.pk:
        raise ValidationError({"theme": "Choose a theme of this framework"})
    where = (
        f"{_assessment_name(judgement.assessment)}, {judgement.standard.name}: what needs to "
        f"improve, item {current.order}"
    )
    last = Milestone.objects.filter(framework=framework, theme=theme).aggregate(n=Max("order"))
    milestone = Milestone(framework=framework, theme=theme, order=(last["n"] or 0) + 1)
    reason = f"From a recommendation of {_assessment_name(judgement.assessment)}"
    if len(where) > 255:
        where = where[:254] + "…"
    save_audited(milestone, user, reason, title=one_line(current.text), source_reference=where)
    save_audited(current, user, "Made a milestone", milestone=milestone)
    return milestone


# Import ------------------------------------------------------------------------------------
_COLUMNS: Final = {
    "standard": ("standard",),
    "level": ("level",),
    "evidence": ("where are you now",),
    "improvements": (
        "what needs to improve",
        "areas of improvement",
        "areas for improvement",
    ),
}
COLUMN_LABELS: Final = {
    "standard": "Standard",
    "level": "Level",
    "evidence": "Where are you now?",
    "improvements": "What needs to improve?",
}


@dataclass(frozen=True)
class ImportProblem:
    message: str
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else ""
        if where and self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class PlannedJudgement:
    row: int
    standard: str
    description: str
    new_standard: bool
    level_text: str  # as written
    level: str  # the scale's level it is ("" when not judged or outside the scale)
    evidence: str
    improvements: str
    recommendations: tuple[str, ...]

    @property
    def outside_scale(self) -> bool:
        return bool(self.level_text) and not self.level


@dataclass(frozen=True)
class MaturityImportPlan:
    """What importing a file into a framework would create, without creating it."""

    file_name: str
    sha256: str
    sheet: str = ""
    header_row: int | None = None
    scale: tuple[str, ...] = ()
    judgements: tuple[PlannedJudgement, ...] = ()
    errors: tuple[ImportProblem, ...] = ()
    warnings: tuple[ImportProblem, ...] = ()
    fingerprint: str = field(default="", compare=False)

    @property
    def new_standards(self) -> list[PlannedJudgement]:
        return [j for j in self.judgements if j.new_standard]

    @property
    def outside_scale(self) -> list[PlannedJudgement]:
        return [j for j in self.judgements if j.outside_scale]

    @property
    def recommendation_count(self) -> int:
        return sum(len(j.recommendations) for j in self.judgements)


class ImportChanged(Exception):
    """The framework changed since the preview: the import would not be what was confirmed."""

    def __init__(self, plan: MaturityImportPlan) -> None:
        super().__init__("The framework changed since the preview.")
        self.plan = plan


def _heading(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    first = value.strip().split("\n", 1)[0]
    words = " ".join(re.sub(r"[^\w\s]", " ", first.casefold()).split())
    for key, starts in _COLUMNS.items():
        if any(words.startswith(start) for start in starts):
            return key
    return None


def _columns(values: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        key = _heading(value)
        if key and key not in found:
            found[key] = index
    return found if {"standard", "level"} <= found.keys() else {}


def _cell(values: tuple, index: int | None) -> object:
    return values[index] if index is not None and index < len(values) else None


def _fingerprint(plan: MaturityImportPlan) -> str:
    body = {
        "sha256": plan.sha256,
        "scale": plan.scale,
        "judgements": [asdict(j) for j in plan.judgements],
        "errors": [asdict(p) for p in plan.errors],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _outside_message(level_text: str, scale: tuple[str, ...]) -> str:
    listed = f"({', '.join(scale)})" if scale else "(it has no levels yet)"
    return (
        f"“{level_text}” is not on this framework's scale {listed}. Confirm to import it "
        "unmapped, then add it to the scale or map it on the assessment page"
    )


def maturity_import_plan(
    *, framework: Framework, data: bytes, file_name: str
) -> MaturityImportPlan:
    """Read an assessment's table and say what importing it into `framework` would create:
    a judgement per row, standards the framework does not have yet, each level matched to the
    scale by its name (any level not on the scale flagged, never guessed), the evidence, and a
    recommendation per item of "What needs to improve?". Problems are listed with their rows;
    nothing is written."""
    sha256 = hashlib.sha256(data).hexdigest()
    levels = list(MaturityLevel.objects.filter(framework=framework).order_by("rank"))
    scale = tuple(level.name for level in levels)
    base = MaturityImportPlan(file_name=file_name, sha256=sha256, scale=scale)
    try:
        source = open_source(data, filename=file_name, limits=IMPORT_LIMITS)
        located = None
        for sheet in source.sheets:
            for number, values in sheet.rows():
                if number > HEADER_SEARCH_ROWS:
                    break
                columns = _columns(values)
                if columns:
                    located = (sheet, number, columns)
                    break
            if located:
                break
        if located is None:
            wanted = " | ".join(COLUMN_LABELS.values())
            return _finish(
                base,
                errors=[
                    ImportProblem(
                        f"No header row was found: the first {HEADER_SEARCH_ROWS} rows of each "
                        f"sheet were searched for the headings {wanted}. Add them above the "
                        "table (Standard and Level at least) and upload the file again."
                    )
                ],
            )
        sheet, header_row, columns = located
        rows = [(n, v) for n, v in sheet.rows() if n > header_row]
    except ImportFileError as exc:
        return _finish(base, errors=[ImportProblem(exc.message)])

    standards = {s.name.casefold(): s for s in MaturityStandard.objects.filter(framework=framework)}
    by_name = {level.name.casefold(): level for level in levels}
    errors: list[ImportProblem] = []
    warnings: list[ImportProblem] = []
    planned: list[PlannedJudgement] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        cells = {key: _cell(values, index) for key, index in columns.items()}
        if not any(one_line(v) for v in cells.values()):
            continue  # a blank row
        if _columns(values):
            continue  # the header repeated
        standard_cell = one_line(cells.get("standard"))
        name, _, description = standard_cell.partition(":")
        name, description = name.strip(), description.strip()
        if not name:
            errors.append(
                ImportProblem("Enter the standard's name in this row", number, "Standard")
            )
            continue
        if len(name) > 200:
            errors.append(
                ImportProblem(
                    "The standard's name (before the colon) must be 200 characters or fewer",
                    number,
                    "Standard",
                )
            )
            continue
        key = " ".join(name.split()).casefold()
        if key in seen:
            errors.append(
                ImportProblem(
                    f"{name} is also in row {seen[key]}: keep one row per standard",
                    number,
                    "Standard",
                )
            )
            continue
        seen[key] = number
        level_text = one_line(cells.get("level"))
        if len(level_text) > 100:
            errors.append(
                ImportProblem("The level must be 100 characters or fewer", number, "Level")
            )
            continue
        level = by_name.get(level_text.casefold()) if level_text else None
        if level_text and level is None:
            warnings.append(ImportProblem(_outside_message(level_text, scale), number, "Level"))
        existing = standards.get(key)
        improvements = bullet_text(cells.get("improvements"))
        planned.append(
            PlannedJudgement(
                row=number,
                standard=existing.name if existing else name,
                description=existing.description if existing else description,
                new_standard=existing is None,
                level_text=level_text,
                level=level.name if level else "",
                evidence=tidy_bullets(cells.get("evidence")),
                improvements=improvements.as_text(),
                recommendations=tuple(improvements.recommendations()),
            )
        )
    if not planned and not errors:
        errors.append(
            ImportProblem(
                f"The table under the header row (row {header_row}) has no standards. Add a "
                "row for each standard and upload the file again."
            )
        )
    return _finish(
        base,
        sheet=sheet.name,
        header_row=header_row,
        judgements=planned,
        errors=errors,
        warnings=warnings,
    )


def _finish(plan: MaturityImportPlan, **fields) -> MaturityImportPlan:
    for name in ("judgements", "errors", "warnings"):
        if name in fields:
            fields[name] = tuple(fields[name])
    done = replace(plan, **fields)
    return replace(done, fingerprint=_fingerprint(done))


@transaction.atomic
def maturity_import_apply(
    *,
    framework: Framework,
    data: bytes,
    file_name: str,
    title: str,
    assessed_on: dt.date,
    source: str = "",
    user,
    fingerprint: str | None,
) -> Assessment:
    """Import an assessment as `maturity_import_plan` says, if that is still the plan the person
    confirmed (`fingerprint`; None: no check, for the demo and commands), else raise
    ImportChanged with the new plan. One transaction: the framework is locked, the standards
    the file adds are created after the others, then the assessment, a judgement per row (a
    level not on the scale kept as written, with no level) and its recommendations."""
    Framework.objects.select_for_update().get(pk=framework.pk)
    title = one_line(title)
    _assessment_checks(framework, title, assessed_on)
    plan = maturity_import_plan(framework=framework, data=data, file_name=file_name)
    if plan.errors:
        raise ValidationError([str(problem) for problem in plan.errors])
    if fingerprint is not None and fingerprint != plan.fingerprint:
        raise ImportChanged(plan)
    reason = f"Import of {file_name} (SHA-256 {plan.sha256[:12]}…)"
    standards = {s.name: s for s in MaturityStandard.objects.filter(framework=framework)}
    levels = {level.name: level for level in MaturityLevel.objects.filter(framework=framework)}
    for planned in plan.new_standards:
        standards[planned.standard] = maturity_standard_add(
            framework=framework,
            name=planned.standard,
            description=planned.description,
            user=user,
            reason=reason,
        )
    assessment = Assessment(framework=framework)
    save_audited(
        assessment,
        user,
        reason,
        title=title,
        assessed_on=assessed_on,
        source=one_line(source)[:255],
    )
    for planned in plan.judgements:
        judgement = Judgement(assessment=assessment, standard=standards[planned.standard])
        save_audited(
            judgement,
            user,
            reason,
            level=levels.get(planned.level) if planned.level else None,
            level_text=planned.level_text,
            evidence=planned.evidence,
            improvements=planned.improvements,
        )
        for order, text in enumerate(planned.recommendations, start=1):
            save_audited(Recommendation(judgement=judgement, order=order), user, reason, text=text)
    return assessment
