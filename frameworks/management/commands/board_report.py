"""`manage.py board_report --framework NAME --round LABEL --output FILE.pdf [--board NAME]
[--meeting-date YYYY-MM-DD] [--meeting-time HH:MM] [--publish [--confirm]]`: print the board
pack for a round. Publishing is refused, as on the web, until the report's text is written;
`--confirm` confirms the warnings (meeting passed, round open) that the web page asks about."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from frameworks.models import BoardReport, Framework
from frameworks.services import boards, reports

DEFAULT_BOARD = "Transformation and Improvement Board"


class Command(BaseCommand):
    help = "Write a round's board report as a PDF (and optionally publish it for the meeting)."

    def add_arguments(self, parser):
        parser.add_argument("--framework", required=True, help="Framework name or slug.")
        parser.add_argument(
            "--round", "--period", required=True, help="Round label, e.g. Q2 2020-21."
        )
        parser.add_argument("--output", required=True, help="Where to write the PDF.")
        parser.add_argument("--board", default=DEFAULT_BOARD)
        parser.add_argument(
            "--meeting-date", default="", help="YYYY-MM-DD (default: the round's due date)."
        )
        parser.add_argument(
            "--meeting-time", default="", help="HH:MM, if known (no time is printed otherwise)."
        )
        parser.add_argument("--publish", action="store_true", help="Freeze it as a new version.")
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="Publish even though the meeting has passed or the round is still open.",
        )

    def handle(self, *args, **options):
        name = options["framework"]
        framework = (
            Framework.objects.filter(name__iexact=name).first()
            or Framework.objects.filter(slug=name).first()
        )
        if framework is None:
            raise CommandError(f"There is no framework called “{name}”.")
        round = framework.rounds.filter(label__iexact=options["round"].strip()).first()
        if round is None:
            labels = ", ".join(framework.rounds.values_list("label", flat=True)) or "none"
            raise CommandError(f"{framework.name} has no round “{options['round']}”: {labels}.")
        try:
            day = (
                dt.date.fromisoformat(options["meeting_date"])
                if options["meeting_date"]
                else round.due_date
            )
        except ValueError as exc:
            raise CommandError("--meeting-date must look like 2020-12-09.") from exc
        try:
            time = (
                dt.time.fromisoformat(options["meeting_time"]) if options["meeting_time"] else None
            )
        except ValueError as exc:
            raise CommandError("--meeting-time must look like 18:00.") from exc
        try:
            board = boards.board_get_or_create(name=options["board"], user=None)
            meeting = boards.meeting_get_or_create(board=board, date=day, time=time)
            report = BoardReport.objects.filter(
                framework=framework, round=round, meeting=meeting
            ).first() or reports.board_report_create(
                framework=framework, round=round, meeting=meeting
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        output = Path(options["output"])
        if options["publish"]:
            published = self._publish(report, confirm=options["confirm"])
            content, pages = bytes(published.pdf), published.pages
        else:
            rendered = reports.board_report_pdf(report=report)
            content, pages = rendered.content, rendered.pages
        output.write_bytes(content)
        self.stdout.write(f"Wrote {output}: {pages} pages, {len(content):,} bytes.")

    def _publish(self, report: BoardReport, *, confirm: bool):
        warnings = reports.board_report_publish_warnings(report)
        try:
            outcome = reports.board_report_publish(
                report=report,
                user=None,
                expected_version=None,  # no page was seen: the report as it is now
                acknowledged=[w.code for w in warnings] if confirm else (),
            )
        except reports.PublishNeedsConfirmation as exc:
            raise CommandError(
                " ".join(w.message for w in exc.warnings) + " Add --confirm to publish anyway."
            ) from exc
        except ValidationError as exc:
            raise CommandError(
                "The report cannot be published yet: " + " ".join(exc.messages)
            ) from exc
        published = outcome.published
        if outcome.created:
            self.stderr.write(
                f"Published version {published.version} (SHA-256 {published.sha256[:16]}…)."
            )
        else:
            self.stderr.write(
                f"Nothing changed since version {published.version}: no new version made."
            )
        return published
