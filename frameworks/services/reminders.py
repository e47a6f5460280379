"""Email reminders about returns, and the policy team's weekly digest of late returns.

`reminders_send` is run by the `send_reminders` command (cron) or `frameworks.tasks`. It is
idempotent: every email is first recorded as a `Reminder` with a unique (recipient, kind, key),
so however often it runs, nobody gets the same reminder twice.

The schedule, for each open round with due date D (working days exclude weekends and English
bank holidays, from the govuk-bank-holidays package's bundled list, never downloaded):

- "before": TRACKER_REMINDER_DAYS_BEFORE working days before D (none if the setting is 0);
- "on": D itself;
- "after n": n working days after D, for each n in TRACKER_REMINDER_DAYS_AFTER.

Each stage is sent on the first run on or after its day, but not once the next stage's day has
come: after an outage, officers get the one reminder that is current, not every one they missed.
The last stage is sent on the first run after its day while the round is still open.
Runs on a weekend or bank holiday send nothing; the next working day's run catches up. (So if a
round is due on a day that is not a working day, there is no "due today" email: the first
"after" reminder goes on the next working day.)

Reminders go to every active holder, with an email address, of a post linked (as lead or
supporting) to a milestone whose return is not started, draft or returned in an open round: the
same returns as their "Your returns" list. One email per person, round and stage.

The digest goes to every active member of the Policy team group with an email address, at most
once per ISO week (key "digest:2021-W02"): on the first working-day run of the week, so normally
Monday, Tuesday after a bank holiday Monday, or later if the earlier runs were missed. It lists
the late returns (open round, due date passed, not submitted) per post. A run that finds no late
returns sends no digest, so the week's digest may go on a later run that week that finds some;
someone who joins the policy team mid-week gets that week's digest on the next run.

Sending: the `Reminder` row is inserted (and committed) first; if the key already exists the
email is skipped. The email is sent after the commit; if sending fails the row is deleted so the
next run tries again. Call `reminders_send` outside a transaction so each row commits on its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from govuk_bank_holidays.bank_holidays import BankHolidays

from frameworks.models import (
    MilestonePost,
    Post,
    Reminder,
    Return,
    ReturnQuerySet,
    Round,
    RoundState,
    person_name,
)
from frameworks.rules import POLICY_TEAM

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

DIVISION = BankHolidays.ENGLAND_AND_WALES


# Working days ------------------------------------------------------------------------------
@functools.cache
def _bank_holidays() -> BankHolidays:
    # The bundled list only: use_cached_holidays=True never touches the network.
    return BankHolidays(use_cached_holidays=True)


@functools.cache
def _last_known_holiday() -> dt.date:
    return _bank_holidays().get_holidays(division=DIVISION)[-1]["date"]


@functools.cache
def _warn_unknown_year(year: int) -> None:
    logger.warning(
        "No bank holidays are known for %s; counting weekends only. Upgrade govuk-bank-holidays.",
        year,
    )


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not an English bank holiday. Beyond the bundled list (which ends in
    the year of `_last_known_holiday`) only weekends are known: a warning is logged."""
    if day.year > _last_known_holiday().year:
        _warn_unknown_year(day.year)
    return _bank_holidays().is_work_day(day, division=DIVISION)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start`, up to and including `end` (negative if `end` is earlier).

    For example, from Thursday 24 December 2020 to Tuesday 5 January 2021 is 5 working days
    (29, 30, 31 December, 4 and 5 January): 25 and 28 December and 1 January are bank holidays.
    """
    if end < start:
        return -working_days_between(end, start)
    days = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        days += is_working_day(day)
    return days


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The working day `n` working days after `day` (before it if `n` is negative)."""
    step = dt.timedelta(days=1 if n >= 0 else -1)
    for _ in range(abs(n)):
        day += step
        while not is_working_day(day):
            day += step
    return day


def format_date(day: dt.date) -> str:
    """GOV.UK style: 5 January 2021."""
    return f"{day.day} {day:%B %Y}"


# Stages ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    kind: Reminder.Kind
    day: dt.date
    key: str
    after: int = 0  # working days after the due date, for AFTER_DUE


def reminder_stages(*, round: Round) -> list[Stage]:
    """Every reminder stage of a round, in date order."""
    due = round.due_date
    stages = []
    before = settings.TRACKER_REMINDER_DAYS_BEFORE
    if before > 0:
        stages.append(
            Stage(
                kind=Reminder.Kind.BEFORE_DUE,
                day=add_working_days(due, -before),
                key=f"period:{round.pk}:before:{due}",
            )
        )
    stages.append(Stage(kind=Reminder.Kind.ON_DUE, day=due, key=f"period:{round.pk}:on:{due}"))
    for n in sorted({n for n in settings.TRACKER_REMINDER_DAYS_AFTER if n > 0}):
        stages.append(
            Stage(
                kind=Reminder.Kind.AFTER_DUE,
                day=add_working_days(due, n),
                key=f"period:{round.pk}:after:{n}:{due}",
                after=n,
            )
        )
    return stages


def reminder_stage(*, round: Round, today: dt.date) -> Stage | None:
    """The stage whose reminder is current on `today`: the last one whose day has come.
    None before the first stage's day. (Whether the round is open is the caller's business.)"""
    current = None
    for stage in reminder_stages(round=round):
        if stage.day <= today:
            current = stage
    return current


def digest_key(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"digest:{year}-W{week:02d}"


# What to send ------------------------------------------------------------------------------
@dataclass
class Email:
    recipient: User
    kind: Reminder.Kind
    key: str
    subject: str
    body: str
    returns: int
    round: Round | None = None

    @property
    def address(self) -> str:
        return self.recipient.email


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
        def count(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        counts = (
            f"{count(len(self.reminders), 'reminder')} and {count(len(self.digests), 'digest')}"
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


def _reminder_emails(today: dt.date, run: ReminderRun) -> list[Email]:
    stages = {}
    for round in Round.objects.open().select_related("framework"):
        stage = reminder_stage(round=round, today=today)
        if stage is not None:
            stages[round.pk] = stage
    if not stages:
        return []
    # (round, user) -> returns, and the posts that bring them to this user.
    by_person: dict[tuple[int, int], dict[int, Return]] = defaultdict(dict)
    posts: dict[tuple[int, int], dict[int, Post]] = defaultdict(dict)
    users = {}
    for return_ in _returns(Return.objects.filter(round_id__in=stages)):
        for link in return_.milestone.leads.all():
            for user in link.post.holders.all():
                if not user.email:
                    run.no_email.add(user.username)
                    continue
                users[user.pk] = user
                key = (return_.round_id, user.pk)
                by_person[key][return_.pk] = return_
                posts[key][link.post_id] = link.post
    emails = []
    for (round_id, user_id), by_pk in by_person.items():
        returns = list(by_pk.values())
        round, user, stage = returns[0].round, users[user_id], stages[round_id]
        due = format_date(round.due_date)
        subject = {
            Reminder.Kind.BEFORE_DUE: f"are due on {due}",
            Reminder.Kind.ON_DUE: "are due today",
            Reminder.Kind.AFTER_DUE: "are late",
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
                "days_late": working_days_between(round.due_date, today),
                "items": [_Item(u, _link("frameworks:return-edit", u.pk)) for u in returns],
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
                returns=len(returns),
                round=round,
            )
        )
    return emails


@dataclass
class _PostLate:
    title: str
    holders: list[str]
    items: list[_Item] = field(default_factory=list)


@dataclass
class _RoundLate:
    round: Round
    due: str
    days_late: int
    link: str
    posts: dict[int | None, _PostLate] = field(default_factory=dict)
    count: int = 0

    @property
    def post_list(self) -> list[_PostLate]:
        return sorted(self.posts.values(), key=lambda p: p.title)


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
    if not late:
        return []
    rounds: dict[int, _RoundLate] = {}
    for return_ in late:
        round = return_.round
        entry = rounds.get(round.pk)
        if entry is None:
            entry = rounds[round.pk] = _RoundLate(
                round=round,
                due=format_date(round.due_date),
                days_late=working_days_between(round.due_date, today),
                link=_link("frameworks:round-detail", round.pk),
            )
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
    monday = today - dt.timedelta(days=today.weekday())
    week = format_date(monday)
    subject = f"Late returns: week beginning {week}"
    body = _render(
        "emails/digest.txt",
        {
            "week": week,
            "today": format_date(today),
            "count": len(late),
            "rounds": list(rounds.values()),
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
            returns=len(late),
        )
        for user in recipients
    ]


# Sending -----------------------------------------------------------------------------------
def _send(email: Email, *, connection, now: dt.datetime) -> bool | None:
    """Record, then send. True if sent, None if already sent (now or by a concurrent run),
    False if sending failed (the record is removed so that the next run tries again)."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                recipient=email.recipient,
                round=email.round,
                kind=email.kind,
                key=email.key,
                subject=email.subject,
                body=email.body,
                returns=email.returns,
                sent_at=now,
            )
    except IntegrityError:
        return None
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.address],
        headers={"Auto-Submitted": "auto-generated"},
        connection=connection,
    )
    try:
        message.send()
    except Exception:
        logger.exception("Could not send %r to %s; will try again", email.subject, email.address)
        reminder.delete()
        return False
    return True


def reminders_send(*, today: dt.date, dry_run: bool = False) -> ReminderRun:
    """Send the reminders and digest due on `today` that have not been sent yet."""
    run = ReminderRun(today=today, dry_run=dry_run, working_day=is_working_day(today))
    if not run.working_day:
        return run
    candidates = _reminder_emails(today, run) + _digest_emails(today)
    sent = set(
        Reminder.objects.filter(key__in={e.key for e in candidates}).values_list(
            "recipient_id", "kind", "key"
        )
    )
    todo = []
    for email in candidates:
        if (email.recipient.pk, email.kind, email.key) in sent:
            run.already_sent += 1
        else:
            todo.append(email)
    if dry_run:
        for email in todo:
            (run.digests if email.kind == Reminder.Kind.DIGEST else run.reminders).append(email)
        return run
    if not todo:
        return run
    now = timezone.now()
    with get_connection() as connection:
        for email in todo:
            outcome = _send(email, connection=connection, now=now)
            if outcome is None:
                run.already_sent += 1
            elif outcome is False:
                run.failed.append(email)
            elif email.kind == Reminder.Kind.DIGEST:
                run.digests.append(email)
            else:
                run.reminders.append(email)
    return run


# Reads -------------------------------------------------------------------------------------
def reminders_for(*, user, limit: int = 10) -> list[Reminder]:
    """The reminders (and digests) most recently sent to this user, newest first."""
    if not user.is_authenticated:
        return []
    return list(Reminder.objects.filter(recipient=user).order_by("-sent_at", "-pk")[:limit])
