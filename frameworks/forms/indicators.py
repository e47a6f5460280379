"""The indicator forms: an indicator's definition (`IndicatorForm`), a target for a round or a
financial year (`IndicatorTargetForm`), and the upload and confirmation of a file of values
(`IndicatorValueImportForm`, `IndicatorValueConfirmForm`).

Figures are typed as people write them ("26%", "20,393", "£1,200") and read by
`frameworks.domain.indicators.parse_figure`. May import the models, `frameworks.forms.base`
and `frameworks.services.indicators`. Imported by `frameworks.forms`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms

from frameworks.domain.indicators import FigureError, format_number, parse_figure
from frameworks.forms.base import GovukDateField
from frameworks.models import Direction, Framework, Frequency, Indicator, Outcome, Post, Round
from frameworks.services.indicators import (
    IMPORT_LIMITS,
    IndicatorInput,
)


class FigureField(forms.CharField):
    """A number typed as a board paper prints it; cleaned to a Decimal (None when blank)."""

    def __init__(self, *, unit: str = "", **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)
        self.unit = unit

    def prepare_value(self, value):
        return format_number(value) if isinstance(value, Decimal) else value

    def clean(self, value) -> Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_figure(text, unit=self.unit)
        except FigureError as exc:
            raise forms.ValidationError(str(exc)) from exc


class OutcomesField(forms.ModelMultipleChoiceField):
    """A framework's outcomes as checkboxes, each with its theme."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.title}".strip() + f" ({obj.theme.name})"


OWNER_HINT = (
    "The post that gives the indicator's value in its quarterly return. Optional, but values can "
    "only be given in a return when an owner post is set."
)


class IndicatorForm(forms.Form):
    number = forms.CharField(
        label="Number (optional)",
        max_length=20,
        required=False,
        help_text="As the dashboard numbers it, for example 9.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    name = forms.CharField(
        label="Name",
        max_length=255,
        error_messages={"required": "Enter the indicator's name"},
        help_text="For example, Children's social care vacancy gap.",
    )
    unit = forms.CharField(
        label="Unit (optional)",
        max_length=40,
        required=False,
        help_text="For example %, people, days or £.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    definition = forms.CharField(
        label="Definition (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What is counted, and how.",
    )
    direction = forms.ChoiceField(
        label="Which way is better?",
        choices=Direction.choices,
        widget=forms.RadioSelect(attrs={"data-label-size": "s"}),
        error_messages={"required": "Choose whether higher or lower is better"},
    )
    baseline_value = FigureField(
        label="Baseline (optional)",
        help_text="The figure progress is measured from, for example 26%.",
    )
    baseline_date = GovukDateField(
        label="Date of the baseline (optional)",
        required=False,
        help_text="For example, 30 9 2019. Leave blank if the source gives no date.",
    )
    baseline_source = forms.CharField(
        label="Where the baseline comes from (optional)",
        max_length=255,
        required=False,
        help_text="For example, the report and the page it is on.",
    )
    tolerance = FigureField(
        label="Tolerance (optional)",
        help_text=(
            "How far short of the target, in the indicator's unit, still counts as within "
            "tolerance. For example, 2 for 2 percentage points. Leave blank for none."
        ),
    )
    owner = forms.ModelChoiceField(
        label="Owner post (optional)",
        queryset=Post.objects.order_by("title"),
        required=False,
        empty_label="No owner yet",
        help_text=OWNER_HINT,
    )
    frequency = forms.ChoiceField(
        label="How often does it report?",
        choices=Frequency.choices,
        initial=Frequency.QUARTERLY,
        widget=forms.RadioSelect(attrs={"data-label-size": "s"}),
        help_text="Half-yearly indicators report in the rounds ending in September and March; "
        "annual ones in the round ending in March.",
        error_messages={"required": "Choose how often the indicator reports"},
    )
    outcomes = OutcomesField(
        label="Outcomes it measures (optional)",
        queryset=Outcome.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"data-label-size": "s"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, framework: Framework, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(OutcomesField, self.fields["outcomes"])
        field.queryset = Outcome.objects.filter(framework=framework).select_related("theme")
        if not framework.outcomes.exists():
            del self.fields["outcomes"]

    @classmethod
    def initial_for(cls, indicator: Indicator) -> dict:
        data = IndicatorInput.from_indicator(indicator)
        initial = {name: getattr(data, name) for name in IndicatorInput.__dataclass_fields__}
        initial["outcomes"] = [o.pk for o in data.outcomes]
        initial["version"] = indicator.version
        return initial

    def indicator_input(self) -> IndicatorInput:
        data = self.cleaned_data
        return IndicatorInput(
            name=data["name"],
            number=data["number"],
            unit=data["unit"],
            definition=data["definition"],
            direction=data["direction"],
            baseline_value=data["baseline_value"],
            baseline_date=data["baseline_date"],
            baseline_source=data["baseline_source"],
            tolerance=data["tolerance"],
            owner=data["owner"],
            frequency=data["frequency"],
            outcomes=tuple(data.get("outcomes") or ()),
        )


class IndicatorTargetForm(forms.Form):
    round = forms.ModelChoiceField(
        label="Round",
        queryset=Round.objects.none(),
        required=False,
        empty_label="Not a round: a financial year",
        help_text="A round's own target wins over its financial year's.",
    )
    year = forms.CharField(
        label="Or a financial year",
        max_length=20,
        required=False,
        help_text="For example, 2019-20. Every round ending in that year is judged against it.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    value = FigureField(
        label="Target",
        help_text="Leave blank to remove the target for that round or year.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, indicator: Indicator, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["round"])
        field.queryset = Round.objects.filter(framework_id=indicator.framework_id).order_by(
            "start_date", "pk"
        )
        value = cast(FigureField, self.fields["value"])
        value.unit = indicator.unit
        if indicator.unit:
            value.help_text = f"In {indicator.unit}. {value.help_text}"

    def clean(self):
        cleaned = super().clean()
        year = (cleaned.get("year") or "").strip()
        if cleaned.get("round") and year:
            self.add_error("year", "Choose a round or enter a financial year, not both")
        elif not cleaned.get("round") and not year and "round" not in self.errors:
            self.add_error("round", "Choose a round, or enter a financial year such as 2019-20")
        cleaned["year"] = year
        return cleaned


class IndicatorValueImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet of values",
        help_text=(
            "An Excel workbook (.xlsx, .xlsm, .xlsb or .xls), an OpenDocument spreadsheet (.ods) "
            "or a CSV file, up to 2 MB."
        ),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.xlsm,.xlsb,.xls,.ods,.csv"}),
        error_messages={
            "required": "Choose the spreadsheet of values to import",
            "empty": "The file you chose is empty",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = IMPORT_LIMITS.max_bytes
        if upload and upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{limit // 1024 // 1024} MB. Split it into smaller files and import each."
            )
        return upload


class IndicatorValueConfirmForm(forms.Form):
    """The preview's *Import* button: the rows as read (signed) and whether values given in the
    app may be replaced."""

    token = forms.CharField(widget=forms.HiddenInput)
    replace = forms.BooleanField(required=False)
