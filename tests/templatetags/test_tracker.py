"""Template helpers: the GOV.UK select writes the options Django's own widgets would."""

from html import unescape

import pytest
from django import forms

from frameworks.templatetags.tracker import select_options


class RoundForm(forms.Form):
    published = forms.NullBooleanField()
    status = forms.ChoiceField(choices=[("AMBER", "In progress"), ("GREEN", "Completed & closed")])
    boards = forms.MultipleChoiceField(
        choices=[("CLT", "Corporate Leadership Team"), ("OSC", "Overview & Scrutiny")],
        widget=forms.SelectMultiple,
    )


def _by_subwidgets(field) -> list[tuple[str, str, bool]]:
    return [
        (str(o.data["value"]), str(o.data["label"]), bool(o.data["attrs"].get("selected")))
        for o in field.subwidgets
    ]


def _written(html: str) -> list[tuple[str, str, bool]]:
    options = []
    for part in html.split("<option value=")[1:]:
        head, rest = part.split(">", 1)
        value, label = head.split('"')[1], rest.split("</option>")[0]
        options.append((unescape(value), unescape(label), "selected" in head))
    return options


@pytest.mark.parametrize(
    "data", [{}, {"published": "true", "status": "GREEN", "boards": ["CLT", "OSC"]}]
)
@pytest.mark.parametrize("name", ["published", "status", "boards"])
def test_options_and_selection_are_those_of_the_widget(data, name):
    field = RoundForm(data)[name]
    assert _written(select_options(field)) == _by_subwidgets(field)


def test_labels_and_values_are_escaped():
    html = select_options(RoundForm({"status": "GREEN"})["status"])
    assert '<option value="GREEN" selected>Completed &amp; closed</option>' in html
