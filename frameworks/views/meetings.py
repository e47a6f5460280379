"""Board meetings for democratic services and the policy team: membership, meetings and their
agendas, the agenda pack (built in the background, published with versions), minutes and the
actions a board agrees."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frameworks.forms.meetings import (
    AgendaItemAddForm,
    AgendaItemForm,
    ApproveMinutesForm,
    BoardMemberForm,
    MeetingActionForm,
    MeetingForm,
    MinutesForm,
)
from frameworks.models import (
    AgendaItem,
    AgendaPack,
    Board,
    BoardMember,
    Meeting,
    MeetingAction,
    Minutes,
    PackBuild,
)
from frameworks.services import boards as board_services
from frameworks.services import meetings as services
from frameworks.views._helpers import (
    TrackerRequest,
    add_service_errors,
    download,
    meetings_required,
)

PDF = "application/pdf"


def _pack_name(meeting: Meeting, version: int | None = None) -> str:
    suffix = f"-v{version}" if version else ""
    return f"{slugify(meeting.board.name)}-{meeting.date.isoformat()}-agenda-pack{suffix}.pdf"


@meetings_required
@require_safe
def meeting_list(request: TrackerRequest) -> HttpResponse:
    boards = Board.objects.prefetch_related(
        Prefetch("meetings", queryset=Meeting.objects.order_by("-date"))
    ).order_by("name")
    return render(request, "frameworks/meeting_list.html", {"boards": boards})


@meetings_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: TrackerRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None, initial={"board": request.GET.get("board")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = board_services.meeting_get_or_create(
                board=data["board"],
                date=data["date"],
                time=data["time"],
                venue=data["venue"],
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{meeting} is on the list. Add its agenda.")
            return redirect("frameworks:meeting-detail", pk=meeting.pk)
    return render(request, "frameworks/meeting_form.html", {"form": form})


def _meeting(pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("board"), pk=pk)


@meetings_required
@require_safe
def meeting_detail(request: TrackerRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    items = list(
        meeting.agenda_items.defer("paper").select_related("report").order_by("position", "pk")
    )
    people = meeting.board.people.serving_on(meeting.date)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    return render(
        request,
        "frameworks/meeting_detail.html",
        {
            "meeting": meeting,
            "items": items,
            "people": people,
            "minutes": minutes,
            "actions": MeetingAction.objects.filter(minutes_item__minutes=minutes)
            .select_related("milestone")
            .prefetch_related("milestone__leads__post")
            if minutes
            else [],
            "packs": meeting.packs.defer("pdf", "snapshot"),
            "build": meeting.pack_builds.defer("pdf").first(),
            "problems": services.pack_problems(meeting),
        },
    )


@meetings_required
@require_http_methods(["GET", "POST"])
def agenda_item_create(request: TrackerRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    form = AgendaItemAddForm(request.POST or None, request.FILES or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        paper = data.get("paper")
        try:
            item = services.agenda_item_add(
                meeting=meeting,
                title=data["title"],
                kind=data["kind"],
                time=data["time"],
                presenter=data["presenter"],
                note=data["note"],
                report=data.get("report"),
                paper=paper.read() if paper else None,
                paper_name=paper.name if paper else "",
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Item {item.position}, {item.title}, is on the agenda.")
            return redirect("frameworks:meeting-detail", pk=meeting.pk)
    return render(request, "frameworks/agendaitem_form.html", {"form": form, "meeting": meeting})


@meetings_required
@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: TrackerRequest, pk: int, item: int) -> HttpResponse:
    meeting = _meeting(pk)
    entry = get_object_or_404(AgendaItem.objects.defer("paper"), pk=item, meeting=meeting)
    initial = {f: getattr(entry, f) for f in ("title", "time", "presenter", "note", "version")}
    form = AgendaItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agenda_item_update(
                item=entry,
                user=request.user,
                expected_version=data["version"],
                title=data["title"],
                time=data["time"],
                presenter=data["presenter"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Item {entry.position} is saved.")
            return redirect("frameworks:meeting-detail", pk=meeting.pk)
    return render(
        request,
        "frameworks/agendaitem_form.html",
        {"form": form, "meeting": meeting, "item": entry},
    )


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@meetings_required
@require_POST
def agenda_item_move(request: TrackerRequest, pk: int, item: int) -> HttpResponse:
    entry = get_object_or_404(AgendaItem.objects.defer("paper"), pk=item, meeting_id=pk)
    try:
        services.agenda_item_move(
            item=entry,
            up=request.POST.get("direction") == "up",
            user=request.user,
            expected_version=_version(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("frameworks:meeting-detail", kwargs={"pk": pk}) + "#agenda")


@meetings_required
@require_POST
def agenda_item_remove(request: TrackerRequest, pk: int, item: int) -> HttpResponse:
    entry = get_object_or_404(AgendaItem.objects.defer("paper"), pk=item, meeting_id=pk)
    try:
        services.agenda_item_remove(
            item=entry, user=request.user, expected_version=_version(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{entry.title} is off the agenda.")
    return redirect("frameworks:meeting-detail", pk=pk)


@meetings_required
@require_http_methods(["GET", "POST"])
def board_members(request: TrackerRequest, pk: int) -> HttpResponse:
    board = get_object_or_404(Board, pk=pk)
    form = BoardMemberForm(request.POST or None, initial={"kind": BoardMember.Kind.MEMBER})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            member = services.board_member_add(board=board, user=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{member.name} is on the {board.name}'s front sheet.")
            return redirect("frameworks:board-members", pk=board.pk)
    return render(
        request,
        "frameworks/boardmember_list.html",
        {"board": board, "people": board.people.all(), "form": form},
    )


@meetings_required
@require_http_methods(["GET", "POST"])
def board_member_edit(request: TrackerRequest, pk: int, member: int) -> HttpResponse:
    person = get_object_or_404(BoardMember, pk=member, board_id=pk)
    fields = ("kind", "name", "role", "contact", "starts_on", "ends_on", "version")
    form = BoardMemberForm(request.POST or None, initial={f: getattr(person, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.board_member_update(
                member=person, user=request.user, expected_version=version, **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{data['name']} is saved.")
            return redirect("frameworks:board-members", pk=pk)
    return render(
        request,
        "frameworks/boardmember_form.html",
        {"board": person.board, "person": person, "form": form},
    )


@meetings_required
@require_POST
def pack_build_start(request: TrackerRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    problems = services.pack_problems(meeting)
    if problems:
        messages.error(request, " ".join(problems))
        return redirect("frameworks:meeting-detail", pk=pk)
    build, _ = services.pack_build_start(meeting=meeting, user=request.user)
    return redirect("frameworks:pack-build", pk=pk, build=build.pk)


@meetings_required
@require_safe
def pack_build(request: TrackerRequest, pk: int, build: int) -> HttpResponse:
    job = get_object_or_404(
        PackBuild.objects.defer("pdf").select_related("meeting__board"), pk=build, meeting_id=pk
    )
    template = "frameworks/packbuild_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"build": job, "meeting": job.meeting})


@meetings_required
@require_safe
def pack_build_pdf(request: TrackerRequest, pk: int, build: int) -> HttpResponse:
    job = get_object_or_404(PackBuild, pk=build, meeting_id=pk, state=PackBuild.State.DONE)
    return download(bytes(job.pdf), PDF, _pack_name(job.meeting))


@meetings_required
@require_POST
def pack_publish(request: TrackerRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    try:
        outcome = services.agenda_pack_publish(meeting=meeting, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        pack = outcome.pack
        kind = "Supplementary agenda" if pack.supplementary else "Agenda pack"
        if outcome.created:
            messages.success(
                request, f"{kind} version {pack.version} is published ({pack.pages} pages)."
            )
        else:
            messages.info(
                request,
                f"Nothing has changed since version {pack.version}: it stays the published pack.",
            )
    return redirect(reverse("frameworks:meeting-detail", kwargs={"pk": pk}) + "#pack")


@meetings_required
@require_safe
def pack_pdf(request: TrackerRequest, pk: int, version: int) -> HttpResponse:
    pack = get_object_or_404(
        AgendaPack.objects.select_related("meeting__board"), meeting_id=pk, version=version
    )
    try:
        content = services.agenda_pack_reprint(pack=pack)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("frameworks:meeting-detail", pk=pk)
    return download(content, PDF, _pack_name(pack.meeting, pack.version))


@meetings_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request: TrackerRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        if request.method == "POST":
            services.minutes_start(meeting=meeting, user=request.user)
            return redirect("frameworks:minutes-edit", pk=pk)
        return render(request, "frameworks/minutes_form.html", {"meeting": meeting})
    entries = list(minutes.items.select_related("agenda_item"))
    initial = {f: getattr(minutes, f) for f in ("present", "apologies", "officers", "version")}
    form = MinutesForm(request.POST or None, initial=initial, entries=entries)
    if request.method == "POST" and minutes.is_editable and form.is_valid():
        data = form.cleaned_data
        try:
            services.minutes_update(
                minutes=minutes,
                user=request.user,
                expected_version=data["version"],
                present=data["present"],
                apologies=data["apologies"],
                officers=data["officers"],
                items=form.item_texts(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The draft minutes are saved.")
            return redirect("frameworks:minutes-edit", pk=pk)
    return render(
        request,
        "frameworks/minutes_form.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "form": form,
            "approve": ApproveMinutesForm(initial={"version": minutes.version}, meeting=meeting),
            "actions": MeetingAction.objects.filter(minutes_item__minutes=minutes)
            .select_related("milestone", "minutes_item__agenda_item")
            .prefetch_related("milestone__leads__post"),
        },
    )


@meetings_required
@require_POST
def minutes_approve(request: TrackerRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    minutes = get_object_or_404(Minutes, meeting=meeting)
    form = ApproveMinutesForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.minutes_approve(
                minutes=minutes,
                at_meeting=form.cleaned_data["at_meeting"],
                user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The minutes are approved and can no longer be changed.")
    else:
        messages.error(request, "Choose the meeting that approved the minutes.")
    return redirect("frameworks:minutes-edit", pk=pk)


@meetings_required
@require_http_methods(["GET", "POST"])
def meeting_action_create(request: TrackerRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    minutes = get_object_or_404(Minutes, meeting=meeting)
    form = MeetingActionForm(request.POST or None, minutes=minutes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_action_add(
                minutes_item=data["item"],
                action=data["action"],
                owner=data["owner"],
                due=data["due"],
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"The action is recorded. {data['owner'].title} will update it in their returns.",
            )
            return redirect(reverse("frameworks:minutes-edit", kwargs={"pk": pk}) + "#actions")
    return render(request, "frameworks/meetingaction_form.html", {"form": form, "meeting": meeting})
