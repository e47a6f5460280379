"""The round forms: a round's name and dates (`RoundForm`), and the confirm page's button that
opens or closes a round (`ConfirmForm`).

May import: the models and `frameworks.forms.base`. Imported by `frameworks.forms`, which
re-exports them.
"""

from __future__ import annotations

from django import forms

from frameworks.forms.base import DATE_INPUT_FORMATS, OUT_OF_DATE
from frameworks.models import Round


class ConfirmForm(forms.Form):
    """A confirm page's button (open or close a round): carries the version the person read."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is None:
            self.add_error(None, OUT_OF_DATE)
        return cleaned


class RoundForm(forms.ModelForm):
    start_date = forms.DateField(
        label="Start date",
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 01/10/2020.",
        error_messages={"invalid": "Enter the start date as a date, like 01/10/2020."},
    )
    end_date = forms.DateField(
        label="End date",
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 31/12/2020.",
        error_messages={"invalid": "Enter the end date as a date, like 31/12/2020."},
    )
    due_date = forms.DateField(
        label="Returns due",
        input_formats=DATE_INPUT_FORMATS,
        help_text="The date officers' returns are due. For example, 15/01/2021.",
        error_messages={"invalid": "Enter the due date as a date, like 15/01/2021."},
    )

    class Meta:
        model = Round
        fields = ["label", "start_date", "end_date", "due_date"]
        labels = {"label": "Round name"}
        help_texts = {"label": "Usually the financial-year quarter, for example Q3 2020-21."}
        error_messages = {"label": {"required": "Enter a name for the round."}}
