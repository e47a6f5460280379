"""Choices built from the domain's vocabularies, small helpers, and the abstract models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from frameworks.domain import vocabulary
from frameworks.domain.deadlines import Deadline
from frameworks.domain.vocabulary import Vocabulary


def text_choices(vocabulary: type[Vocabulary]) -> type[models.TextChoices]:
    """The `TextChoices` for fields and forms, built from a domain vocabulary (its values and
    labels are stated once, in `frameworks.domain.vocabulary`)."""
    # django-stubs types TextChoices(value), the member lookup, not Enum's functional API.
    choices: type[models.TextChoices] = models.TextChoices(  # type: ignore[call-overload]
        vocabulary.__name__,
        [(member.name, (member.value, member.label)) for member in vocabulary],
        module=__name__,
    )
    choices.__doc__ = vocabulary.__doc__
    return choices


if TYPE_CHECKING:
    # What `text_choices` builds at run time, as the type checker sees it: the members' names
    # (their values and labels are the domain's, and tests check the built classes match it).
    class RAG(models.TextChoices):
        COMPLETED: RAG
        IN_PROGRESS: RAG
        OVERDUE: RAG
        ONGOING: RAG
        NOT_STARTED: RAG
        CANCELLED: RAG

    class DeadlineKind(models.TextChoices):
        DATE: DeadlineKind
        ONGOING: DeadlineKind
        TBC: DeadlineKind
        IMMEDIATE: DeadlineKind
        CONDITIONAL: DeadlineKind
        NOT_SET: DeadlineKind

    class DatePrecision(models.TextChoices):
        DAY: DatePrecision
        MONTH: DatePrecision

    class PostRole(models.TextChoices):
        LEAD: PostRole
        SUPPORTING: PostRole

    class ImportLayout(models.TextChoices):
        FRAMEWORK: ImportLayout
        TRACKER: ImportLayout
        ACTIONS: ImportLayout
        PLEDGES: ImportLayout

    class Direction(models.TextChoices):
        HIGHER: Direction
        LOWER: Direction

    class Frequency(models.TextChoices):
        QUARTERLY: Frequency
        HALF_YEARLY: Frequency
        ANNUAL: Frequency

else:
    RAG = text_choices(vocabulary.RAG)
    DeadlineKind = text_choices(vocabulary.DeadlineKind)
    DatePrecision = text_choices(vocabulary.DatePrecision)
    PostRole = text_choices(vocabulary.PostRole)
    ImportLayout = text_choices(vocabulary.ImportLayout)
    Direction = text_choices(vocabulary.Direction)
    Frequency = text_choices(vocabulary.Frequency)

RAG_COLOUR = {
    RAG.COMPLETED: "green",
    RAG.IN_PROGRESS: "yellow",
    RAG.OVERDUE: "red",
    RAG.ONGOING: "blue",
    RAG.NOT_STARTED: "grey",
    RAG.CANCELLED: "grey",
}


class RoundState(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    OPEN = "OPEN", "Open"
    CLOSED = "CLOSED", "Closed"


class ReturnState(models.TextChoices):
    NOT_STARTED = "NOT_STARTED", "Not started"
    DRAFT = "DRAFT", "Draft"
    SUBMITTED = "SUBMITTED", "Submitted"
    RETURNED = "RETURNED", "Returned"
    APPROVED = "APPROVED", "Approved"


EDITABLE_RETURN_STATES = (
    ReturnState.NOT_STARTED,
    ReturnState.DRAFT,
    ReturnState.SUBMITTED,
    ReturnState.RETURNED,
)


def progress_mean(values) -> int | None:
    """A group's progress: the mean of its actions' % complete, truncated to a whole percent
    (as the performance-system export prints it); None when no action gives one."""
    known = [v for v in values if v is not None]
    return sum(known) // len(known) if known else None


def person_name(user, default: str = "") -> str:
    """How a person is named on pages, emails and the audit trail."""
    if not user:
        return default
    return user.get_full_name() or user.username


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Audited(models.Model):
    """A model with a `history` (django-simple-history). Set on an instance before `save()`,
    `_history_user` is the audit row's who and `_change_reason` its why, also outside a web
    request (the middleware gives the signed-in person otherwise). No fields of its own."""

    _history_user: Any
    _change_reason: str

    class Meta:
        abstract = True


def _deadline_property(prefix: str, doc: str) -> property:
    """A `Deadline` read from and written to the four fields `<prefix>_text`, `_date`,
    `_precision` and `_kind` (`Deadline.fields(prefix)` names them, for `update_fields`)."""

    def get(obj) -> Deadline:
        return Deadline.read(obj, prefix)

    def set_(obj, deadline: Deadline) -> None:
        deadline.write(obj, prefix)

    return property(get, set_, doc=doc)
