"""Send the reminders and weekly digest due today. Safe to run as often as you like: nobody gets
the same reminder twice. See `frameworks.services.reminders` for the schedule.

    manage.py send_reminders                      # as of today
    manage.py send_reminders --dry-run            # who would get what; sends and records nothing
    manage.py send_reminders --today 2021-01-05   # as of another day
"""

from __future__ import annotations

import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from frameworks.services.reminders import format_date, reminders_send


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{value}” is not a date; use YYYY-MM-DD, for example 2021-01-05."
        ) from None


class Command(BaseCommand):
    help = "Email officers about returns due or late, and the policy team its weekly digest."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print who would get which email; send and record nothing.",
        )
        parser.add_argument(
            "--today",
            type=iso_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="Run as of this day (default: today).",
        )

    def handle(self, *args, dry_run: bool, today: dt.date | None, **options) -> None:
        today = today or timezone.localdate()
        run = reminders_send(today=today, dry_run=dry_run)
        if not run.working_day:
            self.stdout.write(
                f"{format_date(today)} is not a working day, so nothing was sent. "
                "The next working day's run will send anything due."
            )
            return
        for email in run.reminders + run.digests:
            self.stdout.write(
                f"{'Would send' if dry_run else 'Sent'} to {email.address}: "
                f"{email.subject} ({email.listed})"
            )
        if run.no_email:
            self.stderr.write(
                "These post holders have no email address, so they were not reminded: "
                + ", ".join(sorted(run.no_email))
            )
        self.stdout.write(run.summary)
        if run.already_sent:
            self.stdout.write(f"{run.already_sent} already sent earlier, so not sent again.")
        if run.failed:
            raise CommandError(
                f"Could not send {len(run.failed)} email{'' if len(run.failed) == 1 else 's'} "
                "(see the log); the next run will try again."
            )
