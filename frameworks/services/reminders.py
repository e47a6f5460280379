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
supporting) to a milestone whose return is not started, draft or returned in an open round, or
owning an indicator whose value in that round is not started, draft or returned: the same
returns and values as their "Your returns" list. One email per person, round and stage, listing
both. (`Reminder.returns` counts what the email lists: returns and values together.)

The digest goes to every active member of the Policy team group with an email address, at most
once per ISO week (key "digest:2021-W02"): on the first working-day run of the week, so normally
Monday, Tuesday after a bank holiday Monday, or later if the earlier runs were missed. It lists
the late returns and indicator values (open round, due date passed, not submitted) per post
(the milestone's lead and supporting posts, the indicator's owner post). A run that finds
nothing late sends no digest, so the week's digest may go on a later run that week that finds
some; someone who joins the policy team mid-week gets that week's digest on the next run.

Sending: the `Reminder` row is inserted (and committed) first; if the key already exists the
email is skipped. The email is sent after the commit; if sending fails the row is deleted so the
next run tries again. Call `reminders_send` outside a transaction so each row commits on its own.

Here: `reminders_send` (the entry point), `post_chase` (the policy team chasing one post now,
once a day), sending and recording each email (`_send`), and `reminders_for` (what a person
was sent). The schedule is `reminder_schedule`, the officers'
emails `reminder_emails` and the digest `reminder_digest`; their public names are re-exported
from here. May import: Django, the models, `frameworks.rules` and those modules; never selectors
or views.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from frameworks.models import Post, Reminder, Round
from frameworks.services.reminder_digest import _digest_emails
from frameworks.services.reminder_emails import Email, ReminderRun, _reminder_emails, chase_emails
from frameworks.services.reminder_schedule import (
    DIVISION,
    Stage,
    add_working_days,
    digest_key,
    format_date,
    is_working_day,
    reminder_stage,
    reminder_stages,
    working_days_between,
)

__all__ = [
    "DIVISION",
    "Email",
    "ReminderRun",
    "Stage",
    "add_working_days",
    "digest_key",
    "format_date",
    "is_working_day",
    "post_chase",
    "reminder_stage",
    "reminder_stages",
    "reminders_for",
    "reminders_send",
    "working_days_between",
]

logger = logging.getLogger(__name__)


# Sending -----------------------------------------------------------------------------------
def _send(email: Email, *, connection, now: dt.datetime, sent_by=None) -> bool | None:
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
                sent_by=sent_by,
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
    _send_all(todo, run)
    return run


def _send_all(emails: list[Email], run: ReminderRun, *, sent_by=None) -> None:
    """Send each email (`_send`), counting in `run` what went, what had gone already and what
    failed."""
    if not emails:
        return
    now = timezone.now()
    with get_connection() as connection:
        for email in emails:
            outcome = _send(email, connection=connection, now=now, sent_by=sent_by)
            if outcome is None:
                run.already_sent += 1
            elif outcome is False:
                run.failed.append(email)
            elif email.kind == Reminder.Kind.DIGEST:
                run.digests.append(email)
            else:
                run.reminders.append(email)


def post_chase(*, round: Round, post: Post, user, today: dt.date | None = None) -> ReminderRun:
    """Chase one post now, from the round's page: each holder of `post` gets the reminder email
    listing the post's outstanding returns in `round` and the outstanding values of the
    indicators it owns, recorded with who chased. Once a day per
    person, round and post: chasing again the same day sends nothing more. Call it outside a
    transaction, like `reminders_send`."""
    today = today or timezone.localdate()
    current = Round.objects.get(pk=round.pk)  # as it is now, not as the page showed it
    if not current.is_open:
        raise ValidationError(f"{current.label} is not open, so there are no returns to chase.")
    run = ReminderRun(today=today, dry_run=False, working_day=is_working_day(today))
    _send_all(chase_emails(round=current, post=post, today=today, run=run), run, sent_by=user)
    return run


# Reads -------------------------------------------------------------------------------------
def reminders_for(*, user, limit: int = 10) -> list[Reminder]:
    """The reminders (and digests) most recently sent to this user, newest first."""
    if not user.is_authenticated:
        return []
    return list(Reminder.objects.filter(recipient=user).order_by("-sent_at", "-pk")[:limit])
