"""The reminders to officers: what a run sends (`Email`) and records (`ReminderRun`), and each
officer's email for a round's current stage (`_reminder_emails`), with the helpers the digest
(`reminder_digest`) shares: the outstanding returns with their posts and holders, the
outstanding indicator values with their owner posts and holders, links and templates.

An officer's quarterly return is their milestones' returns and the values of the indicators
whose owner post they hold: one email per person and round lists both.

Builds emails; sends and records nothing. May import: the models and
`frameworks.services.reminder_schedule`. Imported by `frameworks.services.reminder_digest` and
`frameworks.services.reminders` (which re-exports `Email` and `ReminderRun`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse

from frameworks.models import (
    IndicatorValue,
    IndicatorValueQuerySet,
    MilestonePost,
    Post,
    Reminder,
    Return,
    ReturnQuerySet,
    ReturnState,
    Round,
    person_name,
)
from frameworks.services.reminder_schedule import (
    Stage,
    format_date,
    reminder_stage,
    working_days_between,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# What to send ------------------------------------------------------------------------------
def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def counted(returns: int, values: int, *, adjective: str = "") -> str:
    """What an email lists, in words: "2 returns and 1 indicator value", "1 late return",
    "3 indicator values" (returns are named when there are no values, even none)."""
    parts = []
    if returns or not values:
        parts.append(_count(returns, f"{adjective}return"))
    if values:
        parts.append(_count(values, f"{adjective}indicator value"))
    return " and ".join(parts)


@dataclass
class Email:
    recipient: User
    kind: Reminder.Kind
    key: str
    subject: str
    body: str
    returns: int  # what the email lists: milestone returns and indicator values together
    round: Round | None = None
    values: int = 0  # of which indicator values

    @property
    def address(self) -> str:
        return self.recipient.email

    @property
    def listed(self) -> str:
        """What the email lists, in words: "2 returns and 1 indicator value"."""
        return counted(self.returns - self.values, self.values)


@dataclass
class ReminderRun:
    today: dt.date
    dry_run: bool = False
    working_day: bool = True
    reminders: list[Email] = field(default_factory=list)  # sent (or, in a dry run, to send)
    digests: list[Email] = field(default_factory=list)
    already_sent: int = 0
    failed: list[Email] = field(default_factory=list)
    no_email: set[str] = field(default_factory=set)  # holders we could not remind

    @property
    def summary(self) -> str:
        counts = (
            f"{_count(len(self.reminders), 'reminder')} and {_count(len(self.digests), 'digest')}"
        )
        return f"Would send {counts}." if self.dry_run else f"Sent {counts}."


def _link(name: str, pk: int) -> str:
    return settings.TRACKER_BASE_URL.rstrip("/") + reverse(name, args=[pk])


def _render(template: str, context: dict) -> str:
    return render_to_string(template, context).strip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _name(user) -> str:
    return person_name(user)


def _returns(returns: ReturnQuerySet) -> list[Return]:
    """Outstanding returns with their milestones, posts and active holders (four queries)."""
    User = get_user_model()
    links = MilestonePost.objects.select_related("post").prefetch_related(
        Prefetch("post__holders", queryset=User.objects.filter(is_active=True).order_by("pk"))
    )
    return list(
        returns.outstanding()
        .select_related("milestone__theme", "round__framework")
        .prefetch_related(Prefetch("milestone__leads", queryset=links.order_by("order", "pk")))
        .order_by(
            "round__framework__name",
            "round__due_date",
            "round_id",
            "milestone__theme__order",
            "milestone__order",
            "milestone__pk",
        )
    )


def _values(values: IndicatorValueQuerySet) -> list[IndicatorValue]:
    """Outstanding indicator values with their indicators, rounds, owner posts and the posts'
    active holders (two queries)."""
    User = get_user_model()
    return list(
        values.outstanding()
        .select_related("indicator__owner", "round__framework")
        .prefetch_related(
            Prefetch(
                "indicator__owner__holders",
                queryset=User.objects.filter(is_active=True).order_by("pk"),
            )
        )
        .order_by(
            "round__framework__name",
            "round__due_date",
            "round_id",
            "indicator__order",
            "indicator__pk",
        )
    )


@dataclass
class _Item:
    return_: Return
    link: str

    @property
    def milestone(self):
        return self.return_.milestone

    @property
    def status(self) -> str:
        return self.return_.get_state_display()

    @property
    def returned(self) -> bool:
        return self.return_.state == ReturnState.RETURNED


@dataclass
class _ValueItem:
    value: IndicatorValue
    link: str

    @property
    def indicator(self):
        return self.value.indicator

    @property
    def label(self) -> str:
        """The indicator as the dashboard numbers it ("Indicator 9: …"), else "Indicator: …":
        never taken for a milestone."""
        indicator = self.value.indicator
        number = f" {indicator.number}" if indicator.number else ""
        return f"Indicator{number}: {indicator.name}"

    @property
    def status(self) -> str:
        return self.value.get_state_display()

    @property
    def returned(self) -> bool:
        return self.value.state == ReturnState.RETURNED


def _reminder_emails(today: dt.date, run: ReminderRun) -> list[Email]:
    """The scheduled reminders due today: one per person and open round whose stage is today."""
    stages = {}
    for round in Round.objects.open().select_related("framework"):
        stage = reminder_stage(round=round, today=today)
        if stage is not None:
            stages[round.pk] = stage
    if not stages:
        return []
    return _officer_emails(
        Return.objects.filter(round_id__in=stages),
        IndicatorValue.objects.filter(round_id__in=stages),
        stages,
        today,
        run,
    )


def chase_emails(*, round: Round, post: Post, today: dt.date, run: ReminderRun) -> list[Email]:
    """A chase the policy team sends now: to each holder of `post`, the post's outstanding
    returns in `round` and the outstanding values of the indicators it owns. Keyed by round,
    post and day, so chasing twice in a day sends once."""
    stage = Stage(kind=Reminder.Kind.CHASE, day=today, key=f"chase:{round.pk}:{post.pk}:{today}")
    returns = Return.objects.filter(round=round, milestone__leads__post=post).distinct()
    values = IndicatorValue.objects.filter(round=round, indicator__owner=post)
    return _officer_emails(returns, values, {round.pk: stage}, today, run, only_post=post)


def _officer_emails(
    returns: ReturnQuerySet,
    values: IndicatorValueQuerySet,
    stages: dict[int, Stage],
    today: dt.date,
    run: ReminderRun,
    *,
    only_post: Post | None = None,
) -> list[Email]:
    """One email per person and round listing their outstanding `returns` (all the posts they
    hold that lead them, or only `only_post`'s) and outstanding indicator `values` (of the
    indicators those posts own), worded for the round's stage. Six queries, whatever the
    number of returns, values and people."""
    # (round, user) -> returns and values, and the posts that bring them to this user.
    by_person: dict[tuple[int, int], dict[int, Return]] = defaultdict(dict)
    values_by_person: dict[tuple[int, int], dict[int, IndicatorValue]] = defaultdict(dict)
    posts: dict[tuple[int, int], dict[int, Post]] = defaultdict(dict)
    rounds: dict[int, Round] = {}
    users = {}

    def holders(post: Post, round_id: int):
        for user in post.holders.all():
            if not user.email:
                run.no_email.add(user.username)
                continue
            users[user.pk] = user
            key = (round_id, user.pk)
            posts[key][post.pk] = post
            yield key

    for return_ in _returns(returns):
        rounds.setdefault(return_.round_id, return_.round)
        for link in return_.milestone.leads.all():
            if only_post is not None and link.post_id != only_post.pk:
                continue
            for key in holders(link.post, return_.round_id):
                by_person[key][return_.pk] = return_
    for value in _values(values):
        owner = value.indicator.owner
        if owner is None or (only_post is not None and owner.pk != only_post.pk):
            continue
        rounds.setdefault(value.round_id, value.round)
        for key in holders(owner, value.round_id):
            values_by_person[key][value.pk] = value
    emails = []
    # In the order found: returns' people first, in plan order, then those with only values.
    for round_id, user_id in dict.fromkeys([*by_person, *values_by_person]):
        returns_listed = list(by_person.get((round_id, user_id), {}).values())
        values_listed = list(values_by_person.get((round_id, user_id), {}).values())
        round, user, stage = rounds[round_id], users[user_id], stages[round_id]
        due = format_date(round.due_date)
        days_late = working_days_between(round.due_date, today) if round.due_date < today else 0
        subject = {
            Reminder.Kind.BEFORE_DUE: f"are due on {due}",
            Reminder.Kind.ON_DUE: "are due today",
            Reminder.Kind.AFTER_DUE: "are late",
            Reminder.Kind.CHASE: "are late" if days_late else f"are due on {due}",
        }[stage.kind]
        subject = _one_line(f"Your {round.label} returns for {round.framework.name} {subject}")
        body = _render(
            "emails/reminder.txt",
            {
                "name": _name(user),
                "round": round,
                "framework": round.framework,
                "due": due,
                "stage": stage.kind,
                "days_late": days_late,
                "items": [_Item(u, _link("frameworks:return-edit", u.pk)) for u in returns_listed],
                "values": [
                    _ValueItem(v, _link("frameworks:indicatorvalue-edit", v.pk))
                    for v in values_listed
                ],
                "to_submit": counted(len(returns_listed), len(values_listed)),
                "posts": sorted(p.title for p in posts[(round_id, user_id)].values()),
                "service": settings.TRACKER_SERVICE_NAME,
                "returns_link": settings.TRACKER_BASE_URL.rstrip("/")
                + reverse("frameworks:return-list"),
            },
        )
        emails.append(
            Email(
                recipient=user,
                kind=stage.kind,
                key=stage.key,
                subject=subject,
                body=body,
                returns=len(returns_listed) + len(values_listed),
                values=len(values_listed),
                round=round,
            )
        )
    return emails
