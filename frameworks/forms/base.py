"""What every form shares: the GOV.UK renderer (`GovukFormRenderer`, the `FORM_RENDERER` of
`tracker.settings`, through `frameworks.forms`), the date formats people may type and the
message of a form whose page is out of date.

Plain Django, no models or services. May be imported by the other `frameworks.forms` modules.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]


OUT_OF_DATE = (
    "This page is out of date, so nothing was changed. Reload the page, read it, then try again."
)


class GovukFormRenderer(TemplatesSetting):
    """Render every form and field with GOV.UK Design System markup."""

    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"
