"""What every form shares: the GOV.UK renderer (`GovukFormRenderer`, the `FORM_RENDERER` of
`tracker.settings`, through `frameworks.forms`), the date formats people may type, GOV.UK's
date input (`GovukDateField`).

Plain Django, no models or services. May be imported by the other `frameworks.forms` modules.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]


class GovukFormRenderer(TemplatesSetting):
    """Render every form and field with GOV.UK Design System markup."""

    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"


class GovukDateInput(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes (`govuk/field.html` draws them, as the
    widget type "govukdate"). Posted as `<name>_day`, `<name>_month` and `<name>_year`."""

    def __init__(self, attrs: dict | None = None) -> None:
        part = {"inputmode": "numeric", "autocomplete": "off"}
        super().__init__(
            {
                "day": forms.TextInput(part),
                "month": forms.TextInput(part),
                "year": forms.TextInput(part),
            },
            attrs,
        )

    def id_for_label(self, id_: str) -> str:
        """The day box: where the error summary's link for the date takes the person."""
        return f"{id_}_0" if id_ else id_

    def decompress(self, value: dt.date | None) -> list:
        return [value.day, value.month, value.year] if value else [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date asked as GOV.UK asks it, with GOV.UK's messages, each naming the field: "Enter the
    start date", "Start date must include a month", "Start date must be a real date"."""

    widget = GovukDateInput

    def __init__(self, *, label: str, **kwargs) -> None:
        parts = (forms.CharField(required=False),) * 3
        kwargs.setdefault(
            "error_messages", {"required": f"Enter the {label[0].lower()}{label[1:]}"}
        )
        super().__init__(fields=parts, require_all_fields=False, label=label, **kwargs)

    def compress(self, data_list: list) -> dt.date | None:
        day, month, year = [(part or "").strip() for part in (data_list or ["", "", ""])]
        if not (day or month or year):
            return None
        missing = [
            name for name, part in (("day", day), ("month", month), ("year", year)) if not part
        ]
        if missing:
            raise ValidationError(f"{self.label} must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{self.label} must be a real date, in numbers")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.label} must be a real date") from None
