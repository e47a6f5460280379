"""Data model: frameworks (plans), themes, milestones, posts, reporting rounds and returns.

Models hold data, invariants (database constraints and `clean()`), and small derived properties.
The rules those properties apply live in `frameworks.domain` (the vocabularies the `TextChoices`
are built from, deadlines, overdue); the models give them the stored values, e.g.
`milestone.deadline` (a `Deadline`) or `milestone.is_flagged_overdue(status, today)`.
Writes with side effects live in `frameworks.services`; multi-step reads in `frameworks.selectors`.

May import: Django, django-simple-history and the domain (`frameworks.domain`); never services,
importers, selectors, reports or views. Imported by every layer but the domain.

The models are split by area: `base` (choices, helpers, abstract models), `plans`, `rounds`,
`imports`, `reports`, `meetings`, `outcomes` (outcomes, indicators, maturity), `reminders`,
`accounts`. Import them from here: `from frameworks.models import X`.
"""

from frameworks.models.accounts import (
    ROLE_LABELS,
    AccountEvent,
    Invitation,
)
from frameworks.models.base import (
    EDITABLE_RETURN_STATES,
    RAG,
    RAG_COLOUR,
    Audited,
    DatePrecision,
    DeadlineKind,
    Direction,
    Frequency,
    ImportLayout,
    PostRole,
    ReturnState,
    RoundState,
    TimeStampedModel,
    person_name,
    progress_mean,
    text_choices,
)
from frameworks.models.imports import (
    ImportBatch,
)
from frameworks.models.meetings import (
    AgendaItem,
    AgendaPack,
    BoardMember,
    MeetingAction,
    Minutes,
    MinutesItem,
    PackBuild,
    action_log_name,
)
from frameworks.models.outcomes import (
    Assessment,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    IndicatorValueQuerySet,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    MilestoneOutcome,
    Outcome,
    Recommendation,
)
from frameworks.models.plans import (
    Framework,
    Milestone,
    MilestonePost,
    MilestoneQuerySet,
    Post,
    Theme,
)
from frameworks.models.reminders import (
    Reminder,
)
from frameworks.models.reports import (
    STATUTORY_SECTIONS,
    Board,
    BoardReport,
    Classification,
    ExemptParagraph,
    Meeting,
    PublishedReport,
    ReportBuild,
    format_time,
)
from frameworks.models.rounds import (
    Return,
    ReturnQuerySet,
    Round,
    RoundQuerySet,
)

__all__ = [
    "Assessment",
    "Direction",
    "Frequency",
    "Indicator",
    "IndicatorTarget",
    "IndicatorValue",
    "IndicatorValueQuerySet",
    "Judgement",
    "MaturityLevel",
    "MaturityStandard",
    "MilestoneOutcome",
    "Outcome",
    "Recommendation",
    "AgendaItem",
    "AgendaPack",
    "BoardMember",
    "MeetingAction",
    "Minutes",
    "MinutesItem",
    "PackBuild",
    "action_log_name",
    "ROLE_LABELS",
    "AccountEvent",
    "Invitation",
    "RAG",
    "DatePrecision",
    "DeadlineKind",
    "ImportLayout",
    "PostRole",
    "Audited",
    "Board",
    "BoardReport",
    "Classification",
    "EDITABLE_RETURN_STATES",
    "ExemptParagraph",
    "Framework",
    "ImportBatch",
    "Meeting",
    "Milestone",
    "MilestonePost",
    "MilestoneQuerySet",
    "RoundState",
    "Post",
    "Return",
    "ReturnQuerySet",
    "PublishedReport",
    "RAG_COLOUR",
    "Reminder",
    "ReportBuild",
    "Round",
    "RoundQuerySet",
    "STATUTORY_SECTIONS",
    "Theme",
    "TimeStampedModel",
    "ReturnState",
    "format_time",
    "person_name",
    "progress_mean",
    "text_choices",
]
