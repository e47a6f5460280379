"""Tags for RAG and workflow state: always a word in a coloured tag, never colour alone."""

from django import template
from django.utils.html import format_html

from frameworks.models import RAG, RAG_COLOUR, UpdateState, person_name

register = template.Library()

STATE_COLOUR = {
    UpdateState.NOT_STARTED: "grey",
    UpdateState.DRAFT: "light-blue",
    UpdateState.SUBMITTED: "blue",
    UpdateState.RETURNED: "orange",
    UpdateState.APPROVED: "green",
}


@register.simple_tag
def rag_tag(value: str, raw: str = ""):
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
def state_tag(value: str):
    state = UpdateState(value)
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', STATE_COLOUR[state], state.label
    )


PERIOD_STATE_COLOUR = {"OPEN": "green", "DRAFT": "grey", "CLOSED": "blue"}


@register.simple_tag
def period_state_tag(period):
    """A round's state (Draft, Open, Closed) as a GOV.UK tag."""
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        PERIOD_STATE_COLOUR.get(period.state, "blue"),
        period.get_state_display(),
    )


@register.simple_tag
def overdue_tag():
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
