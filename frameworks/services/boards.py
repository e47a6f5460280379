"""Boards and committees that reports go to, and their meetings: one board per name however
"&", case and punctuation are written, one meeting per board per day, and a time or venue once
recorded never overwritten.

May import models; imported by the report views, the `board_report` command and the demo."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from frameworks.models import Board, Meeting


def board_key(name: str) -> str:
    """Two spellings of one board's name give the same key: "&" reads as "and"; case, spaces
    and punctuation do not count."""
    return slugify(name.replace("&", " and "))[:200]


def _board_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter the board's name."})
    if len(name) > 200:
        raise ValidationError({"name": "The board's name must be 200 characters or fewer."})
    if not board_key(name):
        raise ValidationError({"name": "Enter the board's name in letters or numbers."})
    return name


def _same_board_error(existing: Board | None, name: str) -> ValidationError:
    shown = existing.name if existing else name
    return ValidationError(
        {"name": f"There is already a board called “{shown}”. Use it rather than a second one."}
    )


def _save_board(board: Board, name: str, user) -> Board:
    key = board_key(name)
    existing = Board.objects.filter(slug=key).exclude(pk=board.pk).first()
    if existing is not None:
        raise _same_board_error(existing, name)
    board.name, board.slug = name, key
    board._history_user = user
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin loses on the unique key
            board.save()
    except IntegrityError as exc:
        raise _same_board_error(Board.objects.filter(slug=key).first(), name) from exc
    return board


@transaction.atomic
def board_create(*, name: str, user) -> Board:
    """Add a board or committee to the list that reports are written for."""
    return _save_board(Board(), _board_name(name), user)


@transaction.atomic
def board_get_or_create(*, name: str, user) -> Board:
    """The board with this name (however "&", case and spacing are written), added to the list
    if it is not there: for commands and the demo, which name a board rather than pick one."""
    return Board.objects.filter(slug=board_key(name)).first() or board_create(name=name, user=user)


@transaction.atomic
def board_rename(*, board: Board, name: str, user, expected_version: int | None) -> Board:
    """Rename a board; its meetings and reports keep pointing at it."""
    current = Board.objects.select_for_update().get(pk=board.pk)
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(
            {
                "name": f"Someone else renamed this board to “{current.name}” after you "
                "opened the page. Check the name, then save again."
            }
        )
    current.version += 1
    return _save_board(current, _board_name(name), user)


@transaction.atomic
def meeting_get_or_create(
    *, board: Board, date: dt.date, time: dt.time | None = None, venue: str = "", user=None
) -> Meeting:
    """The board's meeting on that date. A time or venue given for a meeting that has none
    is recorded; one that differs from what is recorded is refused, never overwritten."""
    venue = " ".join(venue.split())
    meeting = Meeting.objects.select_for_update().filter(board=board, date=date).first()
    if meeting is None:
        meeting = Meeting(board=board, date=date, time=time, venue=venue)
        meeting._history_user = user
        try:
            with transaction.atomic():
                meeting.save()
        except IntegrityError:  # created by someone else a moment ago
            meeting = Meeting.objects.select_for_update().get(board=board, date=date)
        else:
            return meeting
    errors = {}
    if time and meeting.time and time != meeting.time:
        errors["meeting_time"] = (
            f"{meeting} is recorded as starting at {meeting.time_display}. "
            "Enter that time or leave it blank."
        )
    if venue and meeting.venue and venue != meeting.venue:
        errors["venue"] = (
            f"{meeting} is recorded as being at {meeting.venue}. "
            "Enter that venue or leave it blank."
        )
    if errors:
        raise ValidationError(errors)
    fill = {
        "time": time if meeting.time is None else None,
        "venue": venue if not meeting.venue else "",
    }
    fill = {field: value for field, value in fill.items() if value}
    if fill:
        for field, value in fill.items():
            setattr(meeting, field, value)
        meeting._history_user = user
        meeting.save(update_fields=list(fill))
    return meeting
