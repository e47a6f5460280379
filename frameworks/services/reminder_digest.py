"""The policy team's weekly digest (`_digest_emails`): the late returns of every open round,
grouped by round and post, one email for each member of the policy team. A late indicator value
(given in the same quarterly return) is listed under the indicator's owner post.

Builds emails; sends and records nothing. May import: the models, `frameworks.rules` and the
other `frameworks.services.reminder_*` modules. Imported by `frameworks.services.reminders`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model

from frameworks.models import IndicatorValue, MilestonePost, Reminder, Return, Round, RoundState
from frameworks.rules import POLICY_TEAM
from frameworks.services.reminder_emails import (
    Email,
    _Item,
    _link,
    _name,
    _render,
    _returns,
    _ValueItem,
    _values,
    counted,
)
from frameworks.services.reminder_schedule import digest_key, format_date, working_days_between


@dataclass
class _PostLate:
    title: str
    holders: list[str]
    items: list[_Item] = field(default_factory=list)
    values: list[_ValueItem] = field(default_factory=list)

    @property
    def late(self) -> str:
        return counted(len(self.items), len(self.values), adjective="late ")


@dataclass
class _RoundLate:
    round: Round
    due: str
    days_late: int
    link: str
    posts: dict[int | str | None, _PostLate] = field(default_factory=dict)
    count: int = 0
    value_count: int = 0

    @property
    def post_list(self) -> list[_PostLate]:
        return sorted(self.posts.values(), key=lambda p: p.title)

    @property
    def late(self) -> str:
        return counted(self.count, self.value_count, adjective="late ")


def _digest_emails(today: dt.date) -> list[Email]:
    User = get_user_model()
    recipients = list(
        User.objects.filter(groups__name=POLICY_TEAM, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    if not recipients:
        return []
    late = _returns(Return.objects.filter(round__state=RoundState.OPEN, round__due_date__lt=today))
    late_values = _values(
        IndicatorValue.objects.filter(round__state=RoundState.OPEN, round__due_date__lt=today)
    )
    if not late and not late_values:
        return []
    rounds: dict[int, _RoundLate] = {}

    def entry_for(round: Round) -> _RoundLate:
        entry = rounds.get(round.pk)
        if entry is None:
            entry = rounds[round.pk] = _RoundLate(
                round=round,
                due=format_date(round.due_date),
                days_late=working_days_between(round.due_date, today),
                link=_link("frameworks:round-detail", round.pk),
            )
        return entry

    for return_ in late:
        entry = entry_for(return_.round)
        entry.count += 1
        item = _Item(return_, _link("frameworks:return-edit", return_.pk))
        links: list[MilestonePost | None] = list(return_.milestone.leads.all()) or [None]
        for link in links:
            post_id = link.post_id if link else None
            if post_id not in entry.posts:
                entry.posts[post_id] = _PostLate(
                    title=link.post.title if link else "No post linked to the milestone",
                    holders=[_name(u) for u in link.post.holders.all()] if link else [],
                )
            entry.posts[post_id].items.append(item)
    for value in late_values:
        entry = entry_for(value.round)
        entry.value_count += 1
        owner = value.indicator.owner
        # A post's row is shared by its returns and its values; values with no owner post have
        # a row of their own (not the milestones' one with no post).
        key: int | str = owner.pk if owner else "no owner"
        if key not in entry.posts:
            entry.posts[key] = _PostLate(
                title=owner.title if owner else "No owner post for the indicator",
                holders=[_name(u) for u in owner.holders.all()] if owner else [],
            )
        entry.posts[key].values.append(
            _ValueItem(value, _link("frameworks:indicatorvalue-edit", value.pk))
        )
    monday = today - dt.timedelta(days=today.weekday())
    week = format_date(monday)
    subject = f"Late returns: week beginning {week}"
    body = _render(
        "emails/digest.txt",
        {
            "week": week,
            "today": format_date(today),
            # "there is 1 late return and 2 late indicator values": the verb agrees with the
            # first count said.
            "verb": "is" if (len(late) or len(late_values)) == 1 else "are",
            "late": counted(len(late), len(late_values), adjective="late "),
            "values": bool(late_values),
            "rounds": sorted(
                rounds.values(),
                key=lambda e: (e.round.framework.name, e.round.due_date, e.round.pk),
            ),
            "service": settings.TRACKER_SERVICE_NAME,
        },
    )
    key = digest_key(today)
    return [
        Email(
            recipient=user,
            kind=Reminder.Kind.DIGEST,
            key=key,
            subject=subject,
            body=body,
            returns=len(late) + len(late_values),
            values=len(late_values),
        )
        for user in recipients
    ]
