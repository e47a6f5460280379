"""The maturity self-assessment forms: a level of the scale, a standard, an assessment (typed
or imported from a spreadsheet), a judgement, and settling a level written outside the scale.
Each carries the version the person saw where it edits a row.

May import the models, the maturity service's limits and `frameworks.forms.base`. Imported by
`frameworks.forms`.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.html import escape

from frameworks.forms.base import GovukDateField
from frameworks.models import Judgement, MaturityLevel
from frameworks.services.maturity import MAX_IMPORT_BYTES, UNCHANGED

NOT_JUDGED = "none"
AS_WRITTEN = "written"
ADD_TO_SCALE = "add"

_TEXT = {"rows": 10}


class MaturityLevelForm(forms.Form):
    name = forms.CharField(
        label="Name of the level",
        max_length=100,
        help_text="For example, Established",
        error_messages={"required": "Enter the level's name, for example Established"},
    )
    description = forms.CharField(
        label="What it means",
        max_length=255,
        required=False,
        help_text="For example, good overall performance against the standard",
    )
    rank = forms.IntegerField(
        label="Position on the scale",
        required=False,
        min_value=1,
        help_text="1 is the least mature. Leave blank to put it above every other level.",
        error_messages={
            "invalid": "Enter the position as a whole number, for example 4",
            "min_value": "The position must be 1 or more (1 is the least mature)",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )


class MaturityStandardForm(forms.Form):
    name = forms.CharField(
        label="Name of the standard",
        max_length=200,
        help_text="For example, Leadership",
        error_messages={"required": "Enter the standard's name, for example Leadership"},
    )
    description = forms.CharField(
        label="What good looks like",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, Senior leaders and managers are champions for community "
        "engagement.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssessmentForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=255,
        help_text="For example, Community engagement maturity assessment",
        error_messages={"required": "Enter the assessment's title"},
    )
    assessed_on = GovukDateField(
        label="Date of the assessment", help_text="The date of the report, for example 4 9 2023"
    )
    source = forms.CharField(
        label="Where the judgements come from",
        max_length=255,
        required=False,
        help_text="Optional. The paper or workshop, for example Community Engagement Evaluation "
        "report",
    )


class AssessmentImportForm(AssessmentForm):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="An Excel workbook or a CSV file with the columns Standard, Level, Where are "
        "you now? and What needs to improve? (“Name: description” in the Standard column is "
        "fine). Up to 1 MB.",
        error_messages={"required": "Choose the spreadsheet to import"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.xlsm,.xlsb,.xls,.ods,.csv,text/csv"}
        ),
    )
    field_order = ["file", "title", "assessed_on", "source"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size / 1024 / 1024:.1f} MB: an assessment's "
                "spreadsheet must be 1 MB or smaller"
            )
        return upload


class JudgementForm(forms.Form):
    level = forms.ChoiceField(
        label="Level",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level, or Not judged"},
    )
    evidence = forms.CharField(
        label="Where are you now?",
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
        help_text="The evidence. Start each point on a new line with “- ” to make a list.",
    )
    improvements = forms.CharField(
        label="What needs to improve?",
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
        help_text="One recommendation a line, each starting with “- ”. Each can become a "
        "milestone.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, judgement: Judgement, scale: list[MaturityLevel], **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = {str(level.pk): level for level in scale}
        choices = [
            (
                str(level.pk),
                f"{level.name} – {level.description}" if level.description else level.name,
            )
            for level in reversed(scale)
        ]
        if judgement.outside_scale:
            choices.insert(
                0,
                (AS_WRITTEN, f"{judgement.level_text}, as written (not on the scale yet)"),
            )
        choices.append((NOT_JUDGED, "Not judged"))
        cast(forms.ChoiceField, self.fields["level"]).choices = choices

    def chosen_level(self):
        """The level chosen: a MaturityLevel, None (not judged) or the service's UNCHANGED."""
        value = self.cleaned_data["level"]
        if value == AS_WRITTEN:
            return UNCHANGED
        if value == NOT_JUDGED:
            return None
        return self.scale[value]


class JudgementResolveForm(forms.Form):
    choice = forms.ChoiceField(
        widget=forms.RadioSelect, error_messages={"required": "Choose what to do with the level"}
    )
    description = forms.CharField(label="What it means", max_length=255, required=False)
    rank = forms.IntegerField(
        label="Position on the scale",
        required=False,
        min_value=1,
        error_messages={
            "invalid": "Enter the position as a whole number, for example 4",
            "min_value": "The position must be 1 or more (1 is the least mature)",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, judgement: Judgement, scale: list[MaturityLevel], **kwargs):
        super().__init__(*args, **kwargs)
        self.written = judgement.level_text
        self.scale = {str(level.pk): level for level in scale}
        self.fields["choice"].label = f"What is “{self.written}”?"
        cast(forms.ChoiceField, self.fields["choice"]).choices = [
            (ADD_TO_SCALE, f"A new level: add “{self.written}” to the scale"),
            *[
                (str(level.pk), f"The same as {level.name}")
                for level in sorted(scale, key=lambda level: -level.rank)
            ],
        ]
        # Help text is shown as markup: the names (typed, or read from a file) are escaped.
        positions = ", ".join(f"{escape(level.name)} is {level.rank}" for level in scale)
        free = max((level.rank for level in scale), default=0) + 1
        self.fields["description"].help_text = (
            "As the scale's other levels say it, for example “good overall performance against "
            "the standard”."
        )
        self.fields["rank"].help_text = (
            f"1 is the least mature{': ' + positions if positions else ''}. Enter a free "
            f"position, for example {free} to put “{escape(self.written)}” above every other "
            "level."
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("choice") == ADD_TO_SCALE:
            if not (cleaned.get("description") or "").strip():
                self.add_error(
                    "description",
                    f"Say what “{self.written}” means, as the scale's other levels do",
                )
            if cleaned.get("rank") is None and "rank" not in self.errors:
                self.add_error("rank", f"Enter the position of “{self.written}” on the scale")
        return cleaned

    def resolution(self) -> dict:
        """The service's arguments: `level` or `add_to_scale`."""
        choice = self.cleaned_data["choice"]
        if choice == ADD_TO_SCALE:
            return {
                "add_to_scale": {
                    "description": self.cleaned_data["description"],
                    "rank": self.cleaned_data["rank"],
                }
            }
        return {"level": self.scale[choice]}
