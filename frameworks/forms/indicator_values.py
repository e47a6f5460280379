"""The form an indicator's owner gives a value with, in their quarterly return; the reviewer's
decision is `ReviewForm`, as for a milestone's return."""

from __future__ import annotations

from django import forms

from frameworks.services.indicator_values import MAX_NOTE_LENGTH, IndicatorValueInput


class IndicatorValueForm(forms.Form):
    value = forms.CharField(
        label="Value",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        help_text="What the figure shows, where it comes from, and any caveat.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, unit: str = "", round_label: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if round_label:
            self.fields["value"].label = f"Value for {round_label}"
        hint = "A number, like 19.55 or 20,393."
        if unit == "%":
            hint = "A percentage, like 19.55."
        elif unit:
            hint = f"In {unit}: a number, like 19.55 or 20,393."
        self.fields["value"].help_text = hint

    @classmethod
    def initial_for(cls, value) -> dict:
        figure = "" if value.value is None else f"{value.value.normalize():f}"
        return {"value": figure, "note": value.note, "version": value.version}

    def to_input(self) -> IndicatorValueInput:
        return IndicatorValueInput(value=self.cleaned_data["value"], note=self.cleaned_data["note"])
