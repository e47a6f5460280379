"""A meeting's agenda pack: what it prints (`pack_snapshot`, data only, from the database) and
its own pages (front sheet and agenda, minutes of the previous meeting, actions from previous
meetings), laid out by WeasyPrint. The pack is put together, with each item's papers, blank
pages and page numbers, by `frameworks.reports.pack`.

May import models, selectors, the report renderer and the pack assembler. Imported by the
meetings service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from frameworks.models import (
    AgendaItem,
    BoardMember,
    Meeting,
    MeetingAction,
    Minutes,
    format_time,
)
from frameworks.reports.data import RAG_LABEL, build_snapshot
from frameworks.reports.pack import PackPart, assemble_pack, plan_pack
from frameworks.reports.render import (
    PDF_VARIANT,
    STATIC_DIR,
    _font_timestamp,
    html_document,
    render_pdf,
)

FRONT, MINUTES, ACTIONS = (
    "reports/pack_front.html",
    "reports/pack_minutes.html",
    "reports/pack_actions.html",
)
PACK_CSS = (STATIC_DIR / "report" / "pack.css").read_text(encoding="utf-8")
# A board report inside a pack: the pack numbers every page, so the report does not.
IN_PACK_CSS = (
    "@page { @bottom-right { content: none; } } @page appendix { @bottom-right { content: none; } }"
)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _meeting_data(meeting: Meeting | None) -> dict[str, Any] | None:
    if meeting is None:
        return None
    return {
        "id": meeting.pk,
        "date": meeting.date.isoformat(),
        "time": format_time(meeting.time) if meeting.time else "",
        "venue": meeting.venue,
    }


def pack_snapshot(meeting: Meeting, *, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the pack prints, as plain data: the front sheet (who sat on the board on the
    meeting's date), the agenda, each item's papers (a board report's own snapshot, or an
    uploaded paper's checksum), the previous meeting's minutes and the actions agreed at
    earlier meetings with their latest approved status."""
    board = meeting.board
    people = list(BoardMember.objects.filter(board=board).serving_on(meeting.date))
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("report__framework", "report__round", "report__meeting__board")
        .defer("paper")
        .order_by("position", "pk")
    )
    earlier = Meeting.objects.filter(board=board, date__lt=meeting.date).order_by("-date")
    previous = earlier.first()
    later = Meeting.objects.filter(board=board, date__gt=meeting.date).order_by("date").first()
    minutes = (
        Minutes.objects.filter(meeting=previous).prefetch_related("items__agenda_item").first()
        if previous
        else None
    )
    return {
        "board": board.name,
        "hard_copy_note": board.hard_copy_note,
        "meeting": _meeting_data(meeting),
        "chair": [_person(p) for p in people if p.kind == BoardMember.Kind.CHAIR],
        "members": [_person(p) for p in people if p.kind == BoardMember.Kind.MEMBER],
        "officers": [_person(p) for p in people if p.kind == BoardMember.Kind.OFFICER],
        "clerk": [_person(p) for p in people if p.kind == BoardMember.Kind.CLERK],
        "items": [_item(number, item, as_of) for number, item in enumerate(items, start=1)],
        "previous_minutes": _minutes(minutes) if minutes else None,
        "previous_meeting": _meeting_data(previous),
        "actions": _actions(meeting),
        "next_meeting": _meeting_data(later),
        "generated_at": (as_of or timezone.now()).isoformat(),
    }


def _person(person: BoardMember) -> dict[str, str]:
    return {"name": person.name, "role": person.role, "contact": person.contact}


def _item(number: int, item: AgendaItem, as_of: dt.datetime | None) -> dict[str, Any]:
    return {
        "id": item.pk,
        "number": number,
        "title": item.title,
        "time": format_time(item.time) if item.time else "",
        "presenter": item.presenter,
        "note": item.note,
        "kind": item.kind,
        "report": build_snapshot(report=item.report, as_of=as_of) if item.report else None,
        "paper_name": item.paper_name,
        "paper_sha256": item.paper_sha256,
        "paper_pages": item.paper_pages,
    }


def _minutes(minutes: Minutes) -> dict[str, Any]:
    return {
        "state": minutes.state,
        "present": _lines(minutes.present),
        "apologies": _lines(minutes.apologies),
        "officers": _lines(minutes.officers),
        "items": [
            {
                "title": entry.agenda_item.title,
                "discussion": entry.discussion,
                "agreed": _lines(entry.agreed),
            }
            for entry in minutes.items.all()
        ],
    }


def _actions(meeting: Meeting) -> list[dict[str, str]]:
    """The actions agreed at the board's earlier meetings, with their latest approved status."""
    from frameworks.selectors.plans import milestones_with_status

    links = list(
        MeetingAction.objects.filter(
            minutes_item__minutes__meeting__board=meeting.board,
            minutes_item__minutes__meeting__date__lt=meeting.date,
        )
        .select_related("minutes_item__minutes__meeting", "milestone")
        .order_by("minutes_item__minutes__meeting__date", "milestone__order", "pk")
    )
    if not links:
        return []
    framework = links[0].milestone.framework
    status = {m.pk: m for m in milestones_with_status(framework=framework)}
    rows = []
    for link in links:
        milestone = status.get(link.milestone_id, link.milestone)
        rows.append(
            {
                "meeting": link.minutes_item.minutes.meeting.date.isoformat(),
                "action": milestone.title,
                "owner": ", ".join(lead.post.title for lead in milestone.leads.all()),
                "due": milestone.deadline.display,
                "status": RAG_LABEL.get(getattr(milestone, "latest_rag", "") or "", "No update"),
            }
        )
    return rows


def _layout(template: str, snapshot: dict[str, Any], **extra: Any):
    """One of the pack's own documents, laid out (not yet written: its page count is known)."""
    html = render_to_string(template, {"s": snapshot, "css": mark_safe(PACK_CSS), **extra})
    return html_document(html).render(pdf_variant=PDF_VARIANT)


def _written(document) -> tuple[bytes, int]:
    return document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages)


@dataclass(frozen=True)
class BuiltPack:
    content: bytes
    pages: int
    ranges: dict[int, tuple[int, int]]  # agenda item id -> (first page, last page)


def build_pack(snapshot: dict[str, Any], *, papers: dict[int, bytes], progress=None) -> BuiltPack:
    """The pack's PDF: the front sheet and agenda, then each item's papers starting on an odd
    page, numbered "Page X of Y" throughout. The agenda's page ranges are the pack's own: the
    papers are laid out first, then the agenda is set with their ranges (again, should the
    ranges make it longer)."""
    epoch = int(dt.datetime.fromisoformat(snapshot["generated_at"]).timestamp())
    with _font_timestamp(epoch):
        # (item id, bookmark, PDF, pages): each page count as its renderer or upload gave it,
        # so no PDF is read back before the assembler reads it (that costs as much as a merge).
        bodies: list[tuple[int, str, bytes, int]] = []
        for item in snapshot["items"]:
            title = f"{item['number']}. {item['title']}"
            if item["kind"] == AgendaItem.Kind.MINUTES and snapshot["previous_minutes"]:
                bodies.append((item["id"], title, *_written(_layout(MINUTES, snapshot))))
            elif item["kind"] == AgendaItem.Kind.ACTIONS:
                bodies.append((item["id"], title, *_written(_layout(ACTIONS, snapshot))))
            elif item["kind"] == AgendaItem.Kind.REPORT and item["report"]:
                report = render_pdf(item["report"], extra_css=IN_PACK_CSS)
                bodies.append((item["id"], title, report.content, report.pages))
            elif item["kind"] == AgendaItem.Kind.PAPER and item["id"] in papers:
                bodies.append((item["id"], title, papers[item["id"]], item["paper_pages"]))
        counts = [pages for *_, pages in bodies]
        ranges: dict[int, tuple[int, int]] = {}
        front_document = _layout(FRONT, snapshot, ranges=ranges)
        for _attempt in range(3):  # laid out again with the ranges (and again, should they
            placements, _total = plan_pack(  # make the agenda a page longer)
                page_counts=[len(front_document.pages), *counts],
                start_on_odd=[True] * (len(counts) + 1),
            )
            laid_out = {
                body[0]: (p.first_page, p.last_page)
                for body, p in zip(bodies, placements[1:], strict=True)
            }
            if laid_out == ranges:
                break
            ranges = laid_out
            front_document = _layout(FRONT, snapshot, ranges=ranges)
        front, _ = _written(front_document)
        parts = [PackPart(title="Agenda", pdf=front)] + [
            PackPart(title=title, pdf=pdf) for _, title, pdf, _ in bodies
        ]
        assembled = assemble_pack(
            parts=parts,
            title=f"{snapshot['board']} – agenda pack",
            source_date_epoch=epoch,
            progress=progress,
        )
    return BuiltPack(content=assembled.content, pages=assembled.pages, ranges=ranges)
