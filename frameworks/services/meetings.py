"""Meetings: board membership, agendas and their papers, the agenda pack (built in the
background, published with versions), minutes, and the actions a board agrees.

Every write locks the row it changes, checks the version the person saw and is recorded in the
audit trail (django-simple-history, with the person and a reason).

May import models, the pack renderer (`frameworks.reports.agenda`) and the other services.
Imported by the meeting views, the `agenda_pack` command and the demo.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from frameworks.domain.deadlines import Deadline
from frameworks.models import (
    AgendaItem,
    AgendaPack,
    Board,
    BoardMember,
    BoardReport,
    Framework,
    Meeting,
    MeetingAction,
    Milestone,
    MilestonePost,
    Minutes,
    MinutesItem,
    PackBuild,
    Post,
    PostRole,
    Theme,
    action_log_name,
)
from frameworks.reports.agenda import BuiltPack, build_pack, pack_snapshot
from frameworks.reports.pack import check_paper
from frameworks.services import locked, save_audited
from frameworks.services.builds import build_run, build_start, stored_pdf, without_build_times


# Membership ------------------------------------------------------------------------------
@transaction.atomic
def board_member_add(
    *,
    board: Board,
    kind: str,
    name: str,
    role: str = "",
    contact: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    user,
) -> BoardMember:
    position = (BoardMember.objects.filter(board=board).aggregate(n=Max("position"))["n"] or 0) + 1
    member = BoardMember(board=board, position=position)
    save_audited(
        member,
        user,
        f"Added to {board.name}",
        kind=kind,
        name=" ".join(name.split()),
        role=role.strip(),
        contact=contact.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return member


@transaction.atomic
def board_member_update(
    *, member: BoardMember, user, expected_version: int | None, **fields
) -> BoardMember:
    """Change a person's entry: their role, contact, or the day they left (`ends_on`)."""
    current = locked(BoardMember, member, expected_version)
    save_audited(current, user, "Membership changed", **fields)
    return current


# Agenda ---------------------------------------------------------------------------------
def _published(meeting: Meeting) -> bool:
    return AgendaPack.objects.filter(meeting=meeting).exists()


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    title: str,
    kind: str = AgendaItem.Kind.NONE,
    time: dt.time | None = None,
    presenter: str = "",
    note: str = "",
    report: BoardReport | None = None,
    paper: bytes | None = None,
    paper_name: str = "",
    user,
) -> AgendaItem:
    """Add an item at the end of the agenda, with its papers: a board report of this meeting,
    an uploaded PDF (checked by content, size and pages), or none. Added after the pack was
    published, it goes into a supplementary agenda."""
    Meeting.objects.select_for_update().get(pk=meeting.pk)
    if kind == AgendaItem.Kind.REPORT and (report is None or report.meeting_id != meeting.pk):
        raise ValidationError({"report": "Choose one of this meeting's reports."})
    fields: dict = {"report": report if kind == AgendaItem.Kind.REPORT else None}
    if kind == AgendaItem.Kind.PAPER:
        if not paper:
            raise ValidationError({"paper": "Choose the PDF of the papers for this item."})
        try:
            pages = check_paper(content=paper, name=paper_name)
        except ValidationError as exc:  # said at the file's own field
            raise ValidationError({"paper": exc.messages}) from exc
        fields.update(
            paper=paper,
            paper_name=paper_name,
            paper_pages=pages,
            paper_sha256=hashlib.sha256(paper).hexdigest(),
        )
    position = (meeting.agenda_items.aggregate(n=Max("position"))["n"] or 0) + 1
    item = AgendaItem(meeting=meeting, position=position)
    reason = "Added to the agenda" + (" after publication" if _published(meeting) else "")
    save_audited(
        item,
        user,
        reason,
        title=" ".join(title.split()),
        kind=kind,
        time=time,
        presenter=presenter.strip(),
        note=note.strip(),
        **fields,
    )
    return item


@transaction.atomic
def agenda_item_update(
    *, item: AgendaItem, user, expected_version: int | None, **fields
) -> AgendaItem:
    """Change an item's title, time, presenter or note."""
    current = locked(AgendaItem, item, expected_version)
    allowed = {"title", "time", "presenter", "note"}
    if set(fields) - allowed:
        raise ValueError(f"agenda_item_update changes only {sorted(allowed)}")
    save_audited(current, user, "Agenda item changed", **fields)
    return current


@transaction.atomic
def agenda_item_move(
    *, item: AgendaItem, up: bool, user, expected_version: int | None
) -> AgendaItem:
    """Swap an item with the one above (or below) it."""
    current = locked(AgendaItem, item, expected_version)
    items = list(
        AgendaItem.objects.select_for_update()
        .filter(meeting_id=current.meeting_id)
        .defer("paper")
        .order_by("position", "pk")
    )
    index = next(i for i, other in enumerate(items) if other.pk == current.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(items):
        return current
    items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, start=1):
        if other.position != position:
            save_audited(other, user, "Agenda reordered", position=position)
    return AgendaItem.objects.defer("paper").get(pk=current.pk)


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, user, expected_version: int | None) -> None:
    """Take an item off the agenda, until the pack is published: after that, the published
    pack is the record of what the board was sent."""
    current = locked(AgendaItem, item, expected_version)
    if _published(current.meeting):
        raise ValidationError(
            "The pack for this meeting is published, so its items stay. Add a note to the item "
            "instead (for example “Withdrawn”)."
        )
    current._history_user = user
    current.delete()


# The pack -------------------------------------------------------------------------------
def _papers(meeting: Meeting) -> dict[int, bytes]:
    return {
        pk: bytes(content)
        for pk, content in AgendaItem.objects.filter(
            meeting=meeting, kind=AgendaItem.Kind.PAPER
        ).values_list("pk", "paper")
        if content is not None
    }


def pack_problems(meeting: Meeting) -> list[str]:
    """What is missing before a pack can be built, in words."""
    problems = []
    if not meeting.agenda_items.exists():
        problems.append("The agenda has no items. Add the items first.")
    return problems


def agenda_pack_build(
    *, meeting: Meeting, progress=None, published: AgendaPack | None = None
) -> tuple[dict, BuiltPack]:
    """The pack as the data stands now (not saved). After a published version, a pack with
    items that version did not have is a supplementary agenda, and says so, marking them."""
    problems = pack_problems(meeting)
    if problems:
        raise ValidationError(problems)
    snapshot = pack_snapshot(meeting)
    if published is None:
        published = meeting.packs.defer("pdf").order_by("-version").first()
    if published is not None:
        before = {item["id"] for item in published.snapshot["items"]}
        snapshot["added_items"] = [i["id"] for i in snapshot["items"] if i["id"] not in before]
    return snapshot, build_pack(snapshot, papers=_papers(meeting), progress=progress)


def _comparable(snapshot: dict) -> dict:
    """What publishing compares: not when it was built, nor which items a draft marked new."""
    data = without_build_times(snapshot)
    data.pop("added_items", None)
    return data


@dataclass(frozen=True)
class PackOutcome:
    pack: AgendaPack
    created: bool


@transaction.atomic
def agenda_pack_publish(*, meeting: Meeting, user) -> PackOutcome:
    """Freeze the pack: its data, the PDF and its SHA-256. Publishing again with nothing
    changed gives the same version; a change makes a new version, and one with an item added
    since the last is a supplementary agenda. The meeting is locked: two clicks publish once."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    latest = current.packs.order_by("-version").first()
    snapshot, built = agenda_pack_build(meeting=current, published=latest)
    if latest is not None and _comparable(latest.snapshot) == _comparable(snapshot):
        return PackOutcome(pack=latest, created=False)
    pack = AgendaPack.objects.create(
        meeting=current,
        version=(latest.version if latest else 0) + 1,
        supplementary=bool(snapshot.get("added_items")),
        snapshot=snapshot,
        pdf=built.content,
        sha256=hashlib.sha256(built.content).hexdigest(),
        pages=built.pages,
        published_by=user,
        published_at=timezone.now(),
    )
    return PackOutcome(pack=pack, created=True)


def agenda_pack_reprint(*, pack: AgendaPack) -> bytes:
    """A reprint: the stored PDF, checked against its SHA-256."""
    return stored_pdf(
        pdf=pack.pdf,
        sha256=pack.sha256,
        refusal="The stored pack does not match its checksum; publish it again.",
    )


@transaction.atomic
def pack_build_start(*, meeting: Meeting, user) -> tuple[PackBuild, bool]:
    """Queue a background build of the pack, unless one is already queued or running."""
    return build_start(
        owner=meeting,
        builds=meeting.pack_builds,
        create=lambda: PackBuild.objects.create(meeting=meeting, requested_by=user),
        enqueue=build_agenda_pack.enqueue,
    )


@task()
def build_agenda_pack(build_id: int) -> None:
    """Background task: the snapshot, each item's papers, then the pages, with progress (a
    write per 5%, not per page)."""
    meeting = (
        PackBuild.objects.select_related("meeting__board").defer("pdf").get(pk=build_id).meeting
    )

    def work(progress):
        progress(20, "Laying out the papers")
        shown = {"percent": 0}

        def pages_done(done: int, total: int) -> None:
            percent = 50 + int(49 * done / max(total, 1))
            if percent >= shown["percent"] + 5 or done == total:
                shown["percent"] = percent
                progress(percent, f"Numbering the pages: {done} of {total}")

        _, built = agenda_pack_build(meeting=meeting, progress=pages_done)
        return built.content, built.pages, {"pages": built.pages}

    build_run(model=PackBuild, build_id=build_id, failure="The pack could not be built", work=work)


# Minutes and actions ---------------------------------------------------------------------
@transaction.atomic
def minutes_start(*, meeting: Meeting, user) -> Minutes:
    """Draft minutes for a meeting: attendance filled in from the board's membership on the
    day (to be corrected to who came), and an entry for each agenda item."""
    Meeting.objects.select_for_update().get(pk=meeting.pk)
    existing = Minutes.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    people = BoardMember.objects.filter(board=meeting.board).serving_on(meeting.date)

    def lines(*kinds: str) -> str:
        return "\n".join(
            f"{p.name} – {p.role}" if p.role else p.name for p in people if p.kind in kinds
        )

    minutes = Minutes(meeting=meeting)
    save_audited(
        minutes,
        user,
        "Minutes started",
        present=lines(BoardMember.Kind.CHAIR, BoardMember.Kind.MEMBER),
        officers=lines(BoardMember.Kind.OFFICER),
    )
    for item in meeting.agenda_items.defer("paper").order_by("position"):
        entry = MinutesItem(minutes=minutes, agenda_item=item)
        save_audited(entry, user, "Minutes started")
    return minutes


@transaction.atomic
def minutes_update(
    *,
    minutes: Minutes,
    user,
    expected_version: int | None,
    present: str,
    apologies: str,
    officers: str,
    items: dict[int, tuple[str, str]],
) -> Minutes:
    """Save the draft: attendance, and per item (by agenda item id) the discussion and what
    was agreed. Approved minutes are read-only."""
    current = locked(Minutes, minutes, expected_version)
    if not current.is_editable:
        raise ValidationError("These minutes are approved, so they can no longer be changed.")
    save_audited(
        current, user, "Minutes drafted", present=present, apologies=apologies, officers=officers
    )
    for entry in current.items.select_for_update():
        if entry.agenda_item_id in items:
            discussion, agreed = items[entry.agenda_item_id]
            if (entry.discussion, entry.agreed) != (discussion, agreed):
                save_audited(entry, user, "Minutes drafted", discussion=discussion, agreed=agreed)
    return current


@transaction.atomic
def minutes_approve(
    *, minutes: Minutes, at_meeting: Meeting, user, expected_version: int | None
) -> Minutes:
    """Approve the minutes at a later meeting of the same board, under its "Minutes of the
    Previous Meeting" item. From then on they are read-only."""
    current = locked(Minutes, minutes, expected_version)
    if not current.is_editable:
        raise ValidationError("These minutes are already approved.")
    meeting = current.meeting
    if at_meeting.board_id != meeting.board_id or at_meeting.date <= meeting.date:
        raise ValidationError("Minutes are approved at a later meeting of the same board.")
    if not at_meeting.agenda_items.filter(kind=AgendaItem.Kind.MINUTES).exists():
        raise ValidationError(
            f"Add a “Minutes of the Previous Meeting” item to the agenda of {at_meeting} first."
        )
    save_audited(
        current,
        user,
        f"Approved at {at_meeting}",
        state=Minutes.State.APPROVED,
        approved_at=timezone.now(),
        approved_at_meeting=at_meeting,
        approved_by=user,
    )
    return current


def _action_log(board: Board, user) -> Framework:
    name = action_log_name(board)
    framework = Framework.objects.select_for_update().filter(name=name).first()
    if framework is None:
        framework = Framework(
            name=name,
            slug=slugify(name)[:200],
            officers_read_all=False,
            description=f"What the {board.name} agreed to do.",
        )
        save_audited(framework, user, "Action log started")
    return framework


@transaction.atomic
def meeting_action_add(
    *, minutes_item: MinutesItem, action: str, owner: Post, due: str, user
) -> MeetingAction:
    """Record an action the board agreed: a milestone of the board's action log, led by the
    owner's post, due when the minutes say ("January 2024", "Next meeting"), so the owner
    updates it in their returns like any milestone."""
    minutes = locked(Minutes, minutes_item.minutes, None)
    if not minutes.is_editable:
        raise ValidationError("These minutes are approved, so no actions can be added to them.")
    if not action.strip():
        raise ValidationError({"action": "Enter the action the board agreed."})
    meeting = minutes.meeting
    framework = _action_log(meeting.board, user)
    theme_name = f"Meeting of {meeting.date.day} {meeting.date:%B %Y}"
    theme = Theme.objects.filter(framework=framework, name=theme_name).first()
    if theme is None:
        order = (framework.themes.aggregate(n=Max("order"))["n"] or 0) + 1
        theme = Theme(framework=framework, name=theme_name, order=order)
        save_audited(theme, user, "Action log")
    milestone = Milestone(
        framework=framework,
        theme=theme,
        order=(theme.milestones.aggregate(n=Max("order"))["n"] or 0) + 1,
    )
    milestone.deadline = Deadline.from_text(due)
    save_audited(
        milestone,
        user,
        f"Agreed at {meeting}",
        title=" ".join(action.split()),
        source_reference=f"Minutes of {meeting}, item {minutes_item.agenda_item.position}",
    )
    lead = MilestonePost(milestone=milestone, post=owner, role=PostRole.LEAD)
    save_audited(lead, user, f"Agreed at {meeting}")
    return MeetingAction.objects.create(minutes_item=minutes_item, milestone=milestone)
