"""The round forms: a round's name and dates (`RoundForm`), and the confirm page's button that
opens or closes a round (`ConfirmForm`).

May import: the domain, the models and `frameworks.forms.base`. Imported by
`frameworks.forms`, which re-exports them.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from frameworks.domain.deadlines import next_quarter, quarter_label
from frameworks.forms.base import GovukDateField
from frameworks.models import Round
from frameworks.services import OUT_OF_DATE


class ConfirmForm(forms.Form):
    """A confirm page's button (open or close a round): carries the version the person read."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is None:
            self.add_error(None, OUT_OF_DATE)
        return cleaned


class RoundForm(forms.ModelForm):
    start_date = GovukDateField(label="Start date")
    end_date = GovukDateField(label="End date")
    due_date = GovukDateField(label="Date returns are due")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The examples are the next quarter's dates, so they are never in the past.
        start, end = next_quarter(timezone.localdate())
        due = end + dt.timedelta(days=15)
        for name, day in (("start_date", start), ("end_date", end), ("due_date", due)):
            self.fields[name].help_text = f"For example, {day.day} {day.month} {day.year}"
        self.fields[
            "label"
        ].help_text = f"Usually the financial-year quarter, for example {quarter_label(start)}."
        self.fields["due_date"].help_text = (
            "When officers' returns are due. " + self.fields["due_date"].help_text
        )

    class Meta:
        model = Round
        fields = ["label", "start_date", "end_date", "due_date"]
        labels = {"label": "Round name"}
        help_texts = {"label": "Usually the financial-year quarter, for example Q3 2020-21."}
        error_messages = {"label": {"required": "Enter a name for the round."}}
