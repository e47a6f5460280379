"""`manage.py board_report --framework NAME --period LABEL --output FILE.pdf [--board NAME]
[--meeting-date YYYY-MM-DD] [--publish]`: print the board pack for a round."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from frameworks.models import BoardReport, Framework
from frameworks.services import reports

DEFAULT_BOARD = "Transformation and Improvement Board"


class Command(BaseCommand):
    help = "Write a round's board report as a PDF (and optionally publish it for the meeting)."

    def add_arguments(self, parser):
        parser.add_argument("--framework", required=True, help="Framework name or slug.")
        parser.add_argument("--period", required=True, help="Round label, e.g. Q2 2020-21.")
        parser.add_argument("--output", required=True, help="Where to write the PDF.")
        parser.add_argument("--board", default=DEFAULT_BOARD)
        parser.add_argument(
            "--meeting-date", default="", help="YYYY-MM-DD (default: the round's due date)."
        )
        parser.add_argument("--publish", action="store_true", help="Freeze it as a new version.")

    def handle(self, *args, **options):
        name = options["framework"]
        framework = (
            Framework.objects.filter(name__iexact=name).first()
            or Framework.objects.filter(slug=name).first()
        )
        if framework is None:
            raise CommandError(f"There is no framework called “{name}”.")
        period = framework.periods.filter(label__iexact=options["period"].strip()).first()
        if period is None:
            labels = ", ".join(framework.periods.values_list("label", flat=True)) or "none"
            raise CommandError(f"{framework.name} has no round “{options['period']}”: {labels}.")
        try:
            day = (
                dt.date.fromisoformat(options["meeting_date"])
                if options["meeting_date"]
                else period.due_date
            )
        except ValueError as exc:
            raise CommandError("--meeting-date must look like 2020-12-09.") from exc
        london = timezone.get_current_timezone()
        starts_at = dt.datetime.combine(day, dt.time(18, 30), tzinfo=london)
        meeting = reports.meeting_get_or_create(board_name=options["board"], starts_at=starts_at)
        report = BoardReport.objects.filter(
            framework=framework, period=period, meeting=meeting
        ).first() or reports.board_report_create(
            framework=framework, period=period, meeting=meeting
        )
        output = Path(options["output"])
        if options["publish"]:
            published = reports.board_report_publish(report=report, user=None)
            content, pages = bytes(published.pdf), published.pages
            self.stderr.write(
                f"Published version {published.version} (SHA-256 {published.sha256[:16]}…)."
            )
        else:
            rendered = reports.board_report_pdf(report=report)
            content, pages = rendered.content, rendered.pages
        output.write_bytes(content)
        self.stdout.write(f"Wrote {output}: {pages} pages, {len(content):,} bytes.")
