"""Tags for RAG and workflow state: always a word in a coloured tag, never colour alone."""

import datetime as dt
from collections.abc import Iterable

from django import template
from django.forms import BoundField, Select
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from frameworks.models import RAG, RAG_COLOUR, ReturnState, person_name

register = template.Library()

STATE_COLOUR = {
    ReturnState.NOT_STARTED: "grey",
    ReturnState.DRAFT: "light-blue",
    ReturnState.SUBMITTED: "blue",
    ReturnState.RETURNED: "orange",
    ReturnState.APPROVED: "green",
}


@register.simple_tag
def rag_tag(value: str | None, raw: str = "") -> SafeString:
    """A RAG status as a GOV.UK tag; an unrecognised imported status shows its raw text."""
    if value in RAG.values:
        return format_html(
            '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
            RAG_COLOUR[RAG(value)],
            RAG(value).label,
        )
    if raw:
        return format_html('<strong class="govuk-tag govuk-tag--grey">{}</strong>', raw)
    return format_html('<span class="govuk-hint govuk-!-margin-0">{}</span>', "No status")


@register.simple_tag
def state_tag(value: str) -> SafeString:
    state = ReturnState(value)
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', STATE_COLOUR[state], state.label
    )


ROUND_STATE_COLOUR = {"OPEN": "green", "DRAFT": "grey", "CLOSED": "blue"}


@register.simple_tag
def round_state_tag(round):
    """A round's state (Draft, Open, Closed) as a GOV.UK tag."""
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        ROUND_STATE_COLOUR.get(round.state, "blue"),
        round.get_state_display(),
    )


@register.simple_tag
def overdue_tag() -> SafeString:
    return format_html('<strong class="govuk-tag govuk-tag--red">{}</strong>', "Overdue")


@register.filter
def rag_label(value: str) -> str:
    return RAG(value).label if value in RAG.values else "No status"


@register.filter
def lookup(mapping, key):
    return mapping.get(key, 0) if mapping else 0


@register.filter
def person(user, default: str = "the command line") -> str:
    """A user's full name, else their username; `default` when there is nobody."""
    return person_name(user, default)


@register.simple_tag
def report_tag(key: str, raw: str = ""):
    """A status in a board report: the word in a tinted box (colour is never the only signal)."""
    from frameworks.reports.data import status_label

    return format_html('<span class="tag tag-{}">{}</span>', *status_label(key, raw))


@register.filter
def signed(value) -> str:
    """+3, −2 or 0: a change from the previous round."""
    if value is None:
        return "–"
    return f"+{value}" if value > 0 else ("−" + str(-value) if value < 0 else "0")


@register.filter
def lookup_label(mapping, key) -> str:
    return mapping.get(key, "") if mapping else ""


@register.simple_tag
def report_label(key: str) -> str:
    from frameworks.reports.data import RAG_LABEL

    return RAG_LABEL.get(key, key)


@register.filter
def select_options(field: BoundField) -> str:
    """A `<select>`'s options, as `govuk/field.html` wrote them one subwidget at a time (the
    value, the label and `selected`), without building a dict of attributes per option: for the
    250 leads of the milestone list's filter that took a tenth of the page. Widgets that add
    their own option attributes, and grouped choices, still go through their subwidgets."""
    widget = field.field.widget
    if type(widget).create_option is not Select.create_option:
        return _options_from_subwidgets(field)
    chosen = widget.format_value(field.value())  # a list, or a str (NullBooleanSelect)
    found = False
    options = []
    for value, label in widget.choices:  # what the widget's own options come from
        if isinstance(label, (list, tuple)):
            return _options_from_subwidgets(field)  # optgroups
        selected = (not found or widget.allow_multiple_selected) and str(value) in chosen
        found = found or selected
        options.append(
            format_html(
                '<option value="{}"{}>{}</option>', value, " selected" if selected else "", label
            )
        )
    return _joined(options)


# Attributes the GOV.UK templates write themselves, so `govuk_attrs` leaves them out.
_SET_BY_TEMPLATE = frozenset(["class", "aria-describedby", "data-label-size", "data-maxlength"])


@register.filter
def govuk_attrs(attrs: dict) -> str:
    """Widget attrs written as django/forms/widgets/attrs.html writes them (in order, `True` as
    a bare name, `False` and None left out), minus those in `_SET_BY_TEMPLATE`
    (`govuk/_attrs.html`)."""
    return mark_safe(  # each part escaped by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if name not in _SET_BY_TEMPLATE and value is not False and value is not None
        )
    )


def _options_from_subwidgets(field: BoundField) -> str:
    options = []
    for option in field.subwidgets:
        data = option.data
        attrs = govuk_attrs(data["attrs"])
        options.append(format_html('<option value="{}"{}>{}</option>', data["value"], attrs,
                                   data["label"]))  # fmt: skip
    return _joined(options)


def _joined(options: Iterable[str]) -> SafeString:
    """Each option followed by the line break and indent the template loop wrote."""
    return mark_safe("".join(f"{option}\n    " for option in options))  # each one escaped


@register.filter
def isodate(value: str, style: str = "long") -> str:
    """An ISO date from a snapshot as council papers print it: "Monday, 11 December 2023"
    (long) or "11 December 2023" (short); "" for none."""
    if not value:
        return ""
    day = dt.date.fromisoformat(str(value)[:10])
    text = f"{day.day} {day:%B %Y}"
    return f"{day:%A}, {text}" if style == "long" else text


INDICATOR_STATUS_COLOUR = {
    "ON_TARGET": "green",
    "WITHIN_TOLERANCE": "yellow",
    "OFF_TARGET": "red",
    "NO_TARGET": "grey",
    "NO_DATA": "grey",
}


@register.simple_tag
def indicator_status_tag(status) -> SafeString:
    """An indicator's status (`frameworks.domain.indicators.Status`, or its value) as a tag."""
    from frameworks.domain.vocabulary import IndicatorStatus

    key = str(getattr(status, "value", status))
    label = next(member.label for member in IndicatorStatus if member == key)
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', INDICATOR_STATUS_COLOUR[key], label
    )


@register.filter
def figure(value, unit: str = "") -> str:
    """A figure as a board paper prints it, with its unit: "19.55%", "20,393"; "" if none."""
    from frameworks.domain.indicators import format_number

    return format_number(value, unit)
