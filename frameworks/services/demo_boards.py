"""The demo's boards and meetings, from `fixtures/boards.json` (taken from seeds 003 and 004,
each entry citing its lines): both boards with their members, officers and clerk, their
meetings' agendas with the times and presenters as printed, the minutes of 17 October 2023
(Transformation Advisory Board) and 9 September 2019 (Transformation and Improvement Board)
with the actions they minuted as agreed, and the improvement plan's Q3 2019-20 report as item
4.1's papers of 9 December 2019. Page ranges are the pack's own, not the papers'.

Idempotent: a board whose meetings already have agendas is left alone. Called by the demo.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings

from frameworks.models import (
    AgendaItem,
    Board,
    BoardMember,
    BoardReport,
    Framework,
    Meeting,
    Minutes,
    Post,
    Round,
)
from frameworks.services import meetings
from frameworks.services.boards import board_get_or_create, meeting_get_or_create

BOARDS_FILE = Path(settings.BASE_DIR) / "fixtures" / "boards.json"
KINDS = {"minutes": AgendaItem.Kind.MINUTES, "actions": AgendaItem.Kind.ACTIONS}
# The minutes name no owner for what the board agreed: the clerk's post holds such an action
# until the board names one (said in each action's source reference).
CLERK_POST = "Head of Democratic Services"


def _time(value: str | None) -> dt.time | None:
    if not value or ":" not in value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return None


def _people(board: Board, spec: dict) -> None:
    for person in spec["members"]:
        kind = BoardMember.Kind.CHAIR if person["kind"] == "chair" else BoardMember.Kind.MEMBER
        role = "" if person["role"] == "Chair" else person["role"]
        meetings.board_member_add(board=board, kind=kind, name=person["name"], role=role, user=None)
    for person in spec["officers_in_attendance"]:
        meetings.board_member_add(
            board=board,
            kind=BoardMember.Kind.OFFICER,
            name=person["name"],
            role=person["title"] or "",
            user=None,
        )
    clerk = spec.get("clerk")
    if clerk:
        contact = ", ".join(v for v in (clerk.get("phone"), clerk.get("email")) if v)
        meetings.board_member_add(
            board=board,
            kind=BoardMember.Kind.CLERK,
            name=clerk["name"],
            role=clerk.get("title") or "",
            contact=contact,
            user=None,
        )


def _agenda(meeting: Meeting, agenda: list[dict], reports: dict[str, BoardReport]) -> None:
    for entry in agenda:
        kind = KINDS.get(entry["kind"], AgendaItem.Kind.NONE)
        report = reports.get(entry["number"])
        if report is not None:
            kind = AgendaItem.Kind.REPORT
        meetings.agenda_item_add(
            meeting=meeting,
            title=entry["title"],
            kind=kind,
            time=_time(entry["time"]),
            # Only what the agenda prints ("note" in the file also explains where things are).
            presenter=(entry["presenter"] or "") if entry["presenter_printed"] else "",
            note=entry["printed_note"] or "",
            report=report,
            user=None,
        )


def _improvement_plan_report(meeting: Meeting, spec: dict) -> BoardReport | None:
    """Seed 004's item 4.1: the improvement plan's Q3 2019-20 report, built by the app from the
    imported plan, with the cover's words as the paper prints them."""
    framework = Framework.objects.filter(name=spec["framework"]).first()
    round = Round.objects.filter(framework=framework, label=spec["round"]).first()
    if framework is None or round is None:
        return None
    from frameworks.services.reports import board_report_create

    report = BoardReport.objects.filter(framework=framework, round=round, meeting=meeting).first()
    if report is None:
        report = board_report_create(
            framework=framework,
            round=round,
            meeting=meeting,
            originating_officers="Afazul Hoque, Daniel Kerr, Filuck Miah",
            wards_affected="All wards",
        )
        BoardReport.objects.filter(pk=report.pk).update(
            title=spec["title"],
            report_of="Sharon Godman, Divisional Director Strategy Policy and Performance",
            lead_member="John Biggs, Mayor",
            **spec.get("text", {}),
        )
        report.refresh_from_db()
    return report


def _minutes(spec: dict, meeting: Meeting) -> None:
    """Minutes as printed: an agenda item for each minuted item (the paper prints no agenda for
    the meeting), the attendance and discussion, and each action minuted as agreed."""
    if Minutes.objects.filter(meeting=meeting).exists():
        return
    if not meeting.agenda_items.exists():
        for item in spec["items"]:
            meetings.agenda_item_add(meeting=meeting, title=item["title"], user=None)
    minutes = meetings.minutes_start(meeting=meeting, user=None)
    by_title = {e.agenda_item.title: e for e in minutes.items.select_related("agenda_item")}
    texts = {
        by_title[item["title"]].agenda_item_id: (item["discussion"], "\n".join(item["agreed"]))
        for item in spec["items"]
        if item["title"] in by_title
    }

    def lines(people: list[dict], key: str) -> str:
        return "\n".join(f"{p['name']} – {p[key]}" if p.get(key) else p["name"] for p in people)

    minutes = meetings.minutes_update(
        minutes=minutes,
        user=None,
        expected_version=None,
        present=lines(spec["present"], "role"),
        apologies=lines(spec["apologies"], "role"),
        officers=lines(spec["officers_present"], "title"),
        items=texts,
    )
    agreed = [
        a for a in spec["actions"] if (a.get("note") or "").startswith("Basis: minuted as agreed")
    ]
    if not agreed:
        return
    owner, _ = Post.objects.get_or_create(title=CLERK_POST)
    numbers = {item["number"]: item["title"] for item in spec["items"]}
    for action in agreed:
        entry = by_title.get(numbers.get(action["item_number"], ""))
        if entry is None:
            continue
        meetings.meeting_action_add(
            minutes_item=entry,
            action=action["text"][:1].upper() + action["text"][1:],
            owner=owner,
            due=action["due"] or "",
            user=None,
        )


def demo_boards_load(path: Path = BOARDS_FILE) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    reports_spec = {(r["board"], r["meeting_date"], r["agenda_number"]): r for r in data["reports"]}
    for spec in data["boards"]:
        board = board_get_or_create(name=spec["name"], user=None)
        if AgendaItem.objects.filter(meeting__board=board).exists():
            continue
        if spec["hard_copy_note"] and not board.hard_copy_note:
            Board.objects.filter(pk=board.pk).update(hard_copy_note=spec["hard_copy_note"])
        if not board.people.exists():
            _people(board, spec)
        for meeting_spec in sorted(spec["meetings"], key=lambda m: m["date"]):
            meeting = meeting_get_or_create(
                board=board,
                date=dt.date.fromisoformat(meeting_spec["date"]),
                time=_time(meeting_spec["time"]),
                venue=meeting_spec["venue"] or "",
            )
            reports = {}
            for number in (e["number"] for e in meeting_spec["agenda"]):
                report_spec = reports_spec.get((spec["name"], meeting_spec["date"], number))
                if report_spec and report_spec.get("round"):
                    report = _improvement_plan_report(meeting, report_spec)
                    if report is not None:
                        reports[number] = report
            _agenda(meeting, meeting_spec["agenda"], reports)
            nxt = meeting_spec.get("next_meeting")
            if nxt:
                meeting_get_or_create(
                    board=board,
                    date=dt.date.fromisoformat(nxt["date"]),
                    time=_time(nxt.get("time")),
                    venue=nxt.get("venue") or "",
                )
        for minutes_spec in data["minutes"]:
            if minutes_spec["board"] == spec["name"]:
                meeting = Meeting.objects.get(
                    board=board, date=dt.date.fromisoformat(minutes_spec["meeting_date"])
                )
                _minutes(minutes_spec, meeting)
