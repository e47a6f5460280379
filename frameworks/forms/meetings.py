"""The meeting forms: a meeting, a board member, an agenda item and its papers, the minutes
and an action the board agreed. Each carries the version the person saw where it edits a row.

May import the models and `frameworks.forms.base`. Imported by `frameworks.forms`.
"""

from __future__ import annotations

from typing import cast

from django import forms

from frameworks.forms.base import GovukDateField
from frameworks.models import AgendaItem, Board, BoardMember, Meeting, Post

MAX_PAPER_BYTES = 20 * 1024 * 1024


def _time_field(label: str, hint: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        help_text=hint,
        input_formats=["%H:%M", "%H.%M", "%I.%M%p", "%I:%M%p", "%I%p", "%I.%M %p", "%I:%M %p"],
        error_messages={"invalid": f"Enter the {label.lower()} like 10:00 or 2.30pm"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "autocomplete": "off"}),
    )


class MeetingForm(forms.Form):
    board = forms.ModelChoiceField(
        queryset=Board.objects.order_by("name"),
        empty_label="Choose a board",
        error_messages={"required": "Choose the board"},
    )
    date = GovukDateField(label="Date of the meeting", help_text="For example, 11 12 2023")
    time = _time_field("Start time", "For example, 10:00 or 6pm. Leave blank if not known yet.")
    venue = forms.CharField(label="Venue", max_length=255, required=False)


class BoardMemberForm(forms.Form):
    kind = forms.ChoiceField(
        label="On the front sheet as",
        choices=BoardMember.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they are listed"},
    )
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter their name"}
    )
    role = forms.CharField(
        label="Role, as printed",
        max_length=255,
        required=False,
        help_text="For example, Independent non-executive member",
    )
    contact = forms.CharField(
        label="Telephone and email (the clerk)", max_length=255, required=False
    )
    starts_on = GovukDateField(label="First meeting", required=False, help_text="Optional")
    ends_on = GovukDateField(label="Last day", required=False, help_text="Optional: when they left")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AgendaItemForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=255, error_messages={"required": "Enter the item's title"}
    )
    time = _time_field("Time", "Optional. For example, 10:05")
    presenter = forms.CharField(label="Presenter", max_length=255, required=False)
    note = forms.CharField(
        label="Note printed under the title",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional. For example, The evaluation report is an appendix for information.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AgendaItemAddForm(AgendaItemForm):
    kind = forms.ChoiceField(
        label="Papers for this item",
        choices=AgendaItem.Kind.choices,
        initial=AgendaItem.Kind.NONE,
        widget=forms.RadioSelect,
    )
    report: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Board report",
        queryset=None,
        required=False,
        empty_label="Choose a report",
        help_text="For “A board report from Action Tracker”: this meeting's reports.",
    )
    paper = forms.FileField(
        label="Papers (PDF)",
        required=False,
        help_text="For “Uploaded papers”: one PDF, up to 20 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["report"]).queryset = meeting.reports.order_by(
            "title"
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == AgendaItem.Kind.REPORT and not cleaned.get("report"):
            self.add_error("report", "Choose the board report for this item")
        if kind == AgendaItem.Kind.PAPER:
            paper = cleaned.get("paper")
            if not paper:
                self.add_error("paper", "Choose the PDF of the papers for this item")
            elif paper.size > MAX_PAPER_BYTES:
                self.add_error(
                    "paper",
                    f"{paper.name} is {paper.size / 1024 / 1024:.1f} MB: it must be "
                    "20 MB or smaller",
                )
        return cleaned


class MinutesForm(forms.Form):
    present = forms.CharField(
        label="Members present",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line, as the minutes print them.",
    )
    apologies = forms.CharField(
        label="Apologies",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line.",
    )
    officers = forms.CharField(
        label="Officers present",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, entries=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for entry in self.entries:
            title = f"{entry.agenda_item.position}. {entry.agenda_item.title}"
            self.fields[f"discussion_{entry.agenda_item_id}"] = forms.CharField(
                label=f"{title}: discussion",
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
                initial=entry.discussion,
            )
            self.fields[f"agreed_{entry.agenda_item_id}"] = forms.CharField(
                label=f"{title}: what the Board agreed or noted",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=entry.agreed,
                help_text="One a line.",
            )

    def item_texts(self) -> dict[int, tuple[str, str]]:
        return {
            e.agenda_item_id: (
                self.cleaned_data.get(f"discussion_{e.agenda_item_id}", ""),
                self.cleaned_data.get(f"agreed_{e.agenda_item_id}", ""),
            )
            for e in self.entries
        }


class MeetingActionForm(forms.Form):
    item: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Agreed under item",
        queryset=None,
        empty_label="Choose the item",
        error_messages={"required": "Choose the item the action was agreed under"},
    )
    action = forms.CharField(
        label="What the Board agreed would be done",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the action the Board agreed"},
    )
    owner = forms.ModelChoiceField(
        label="Owner (post)",
        queryset=Post.objects.order_by("title"),
        empty_label="Choose a post",
        help_text="The post that will update it in its returns.",
        error_messages={"required": "Choose the post that owns the action"},
    )
    due = forms.CharField(
        label="Due",
        max_length=255,
        required=False,
        help_text="As the minutes say it, for example January 2024, 31/01/2024 or Next meeting.",
    )

    def __init__(self, *args, minutes, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        item = cast(forms.ModelChoiceField, self.fields["item"])
        item.queryset = minutes.items.select_related("agenda_item")
        item.label_from_instance = lambda entry: (  # type: ignore[method-assign,assignment]
            f"{entry.agenda_item.position}. {entry.agenda_item.title}"
        )


class ApproveMinutesForm(forms.Form):
    at_meeting: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Approved at the meeting of",
        queryset=None,
        empty_label="Choose the meeting",
        error_messages={"required": "Choose the meeting that approved the minutes"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["at_meeting"]).queryset = Meeting.objects.filter(
            board=meeting.board, date__gt=meeting.date
        ).order_by("date")
