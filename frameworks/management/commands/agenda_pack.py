"""`manage.py agenda_pack --board NAME --meeting-date YYYY-MM-DD --output FILE.pdf [--publish]`:
write a board meeting's agenda pack. With `--publish` it is frozen as a new version (or the
latest, if nothing changed) and that version's file is written. Exit 0, or 1 with a message
saying what is missing."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from frameworks.models import Board, Meeting
from frameworks.services import meetings


class Command(BaseCommand):
    help = "Write a board meeting's agenda pack as a PDF (and optionally publish it)."

    def add_arguments(self, parser):
        parser.add_argument("--board", required=True, help="The board's name.")
        parser.add_argument("--meeting-date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="Where to write the PDF.")
        parser.add_argument("--publish", action="store_true", help="Freeze it as a version.")

    def handle(self, *args, board, meeting_date, output, publish, **options):
        found = Board.objects.filter(name__iexact=board.strip()).first()
        if found is None:
            names = ", ".join(Board.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No board called {board!r}. Boards: {names}.")
        try:
            day = dt.date.fromisoformat(meeting_date)
        except ValueError as exc:
            raise CommandError(f"--meeting-date {meeting_date!r} is not YYYY-MM-DD.") from exc
        meeting = Meeting.objects.filter(board=found, date=day).first()
        if meeting is None:
            dates = ", ".join(d.isoformat() for d in found.meetings.values_list("date", flat=True))
            raise CommandError(
                f"The {found.name} has no meeting on {day:%-d %B %Y}. Meetings: {dates or 'none'}."
            )
        try:
            if publish:
                outcome = meetings.agenda_pack_publish(meeting=meeting, user=None)
                content, pages = meetings.agenda_pack_reprint(pack=outcome.pack), outcome.pack.pages
                what = (
                    f"Published version {outcome.pack.version}"
                    if outcome.created
                    else f"Nothing changed: version {outcome.pack.version} stays published"
                )
            else:
                _, built = meetings.agenda_pack_build(meeting=meeting)
                content, pages, what = built.content, built.pages, "Built (not published)"
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        Path(output).write_bytes(content)
        self.stdout.write(f"{what}: {output}, {pages} pages.")
