"""The board report forms: a new report (`ReportCreateForm`), its words (`ReportTextForm`), a
board (`BoardForm`) and publishing with the warnings confirmed (`PublishForm`).

May import: the models, `frameworks.services.reports` and `frameworks.forms.base`. Imported by
`frameworks.forms`, which re-exports them.
"""

from __future__ import annotations

from django import forms

from frameworks.forms.base import DATE_INPUT_FORMATS
from frameworks.models import Board, Round
from frameworks.services.reports import PUBLISH_WARNINGS


class ReportCreateForm(forms.Form):
    """A report is about one round of a plan, for one meeting of a board from the list."""

    round = forms.TypedChoiceField(
        label="Framework and round",
        coerce=int,
        help_text="The plan and the round the report covers.",
        error_messages={"required": "Choose the framework and round the report covers."},
    )
    board: forms.ModelChoiceField[Board] = forms.ModelChoiceField(
        label="Board or committee",
        queryset=None,
        help_text="If the board is not listed, the policy team or an administrator can add it.",
        error_messages={"required": "Choose the board or committee."},
    )
    meeting_date = forms.DateField(
        label="Meeting date",
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
        help_text="For example, 09/12/2020.",
        error_messages={
            "required": "Enter the date of the meeting.",
            "invalid": "Enter the meeting date as a date, like 09/12/2020.",
        },
    )
    meeting_time = forms.TimeField(
        label="Meeting time (optional)",
        required=False,
        widget=forms.TimeInput(attrs={"class": "govuk-input--width-5"}),
        input_formats=["%H:%M", "%H.%M", "%I:%M%p", "%I.%M%p", "%I%p", "%I:%M %p", "%I.%M %p"],
        help_text="For example, 18:00 or 6pm. Leave blank if not yet known: no time is printed.",
        error_messages={"invalid": "Enter the time like 18:00 or 6pm."},
    )
    venue = forms.CharField(label="Venue (optional)", required=False, max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = Board.objects.order_by("name")
        self.fields["board"].empty_label = "Choose a board"
        rounds = Round.objects.select_related("framework").order_by(
            "framework__name", "-start_date"
        )
        self.rounds = {round.pk: round for round in rounds}
        self.fields["round"].choices = [("", "Choose a round")] + [
            (round.pk, f"{round.framework.name}: {round.label}") for round in self.rounds.values()
        ]

    @property
    def chosen_round(self) -> Round:
        """The round chosen, on a valid form (whose choices are these rounds)."""
        return self.rounds[self.cleaned_data["round"]]


class ReportTextForm(forms.ModelForm):
    """The report's words, as people write them; the version they saw rides along."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Each question where a person expects it: the paragraph under the classification, and each
    # statutory section's "not applicable" under its text box.
    field_order = [
        "title",
        "report_of",
        "classification",
        "exempt_paragraph",
        "lead_member",
        "originating_officers",
        "wards_affected",
        "key_decision_reason",
        "strategic_priority",
        "executive_summary",
        "recommendations",
        "equalities_comments",
        "equalities_not_applicable",
        "finance_comments",
        "finance_not_applicable",
        "legal_comments",
        "legal_not_applicable",
        "officer_contact",
    ]

    class Meta:
        from frameworks.models import BoardReport
        from frameworks.services.reports import EDITABLE_FIELDS

        model = BoardReport
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "classification": forms.RadioSelect,
            "exempt_paragraph": forms.RadioSelect,
            "executive_summary": forms.Textarea(attrs={"rows": 6}),
            "recommendations": forms.Textarea(attrs={"rows": 4}),
            "equalities_comments": forms.Textarea(attrs={"rows": 3}),
            "finance_comments": forms.Textarea(attrs={"rows": 3}),
            "legal_comments": forms.Textarea(attrs={"rows": 3}),
            "officer_contact": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "exempt_paragraph": "Which paragraph of Schedule 12A applies?",
            "equalities_comments": "Equalities implications",
            "finance_comments": "Comments of the Chief Finance Officer",
            "legal_comments": "Comments of Legal Services",
            "equalities_not_applicable": "Equalities implications are not applicable to this "
            "report",
            "finance_not_applicable": "Comments of the Chief Finance Officer are not applicable "
            "to this report",
            "legal_not_applicable": "Comments of Legal Services are not applicable to this report",
        }
        help_texts = {
            "wards_affected": "For example, All wards. Needed before publishing.",
            "key_decision_reason": "For example, Not a key decision. Needed before publishing.",
            "recommendations": "One recommendation per line, after “The Board is recommended "
            "to”. Needed before publishing.",
            "equalities_comments": "As written by the equalities lead. Left blank, the draft "
            "prints “To be completed” and the report cannot be published until it is written "
            "or marked not applicable below.",
            "finance_comments": "As written by, or agreed with, the Chief Finance Officer. Left "
            "blank, the draft prints “To be completed” and the report cannot be published until "
            "it is written or marked not applicable below.",
            "legal_comments": "As written by, or agreed with, Legal Services. Left blank, the "
            "draft prints “To be completed” and the report cannot be published until it is "
            "written or marked not applicable below.",
            "equalities_not_applicable": "The report prints “Not applicable to this report.” "
            "Your name is kept in the report's history.",
            "finance_not_applicable": "The report prints “Not applicable to this report.” "
            "Your name is kept in the report's history.",
            "legal_not_applicable": "The report prints “Not applicable to this report.” Your "
            "name is kept in the report's history.",
        }
        error_messages = {"title": {"required": "Enter the report's title."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exempt_paragraph"].choices = [
            c for c in self.fields["exempt_paragraph"].choices if c[0] != ""
        ]
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def validate_unique(self):
        """Constraints are checked by the service and the database; the model's clean() has
        already said, field by field, what is wrong (the constraint's own message would
        repeat it without saying where)."""

    def values(self) -> dict:
        from frameworks.services.reports import EDITABLE_FIELDS

        return {field: self.cleaned_data[field] for field in EDITABLE_FIELDS}


class BoardForm(forms.Form):
    name = forms.CharField(
        label="Name of the board or committee",
        max_length=200,
        help_text="As the papers print it, for example Transformation and Improvement Board.",
        error_messages={"required": "Enter the board's name."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PublishForm(forms.Form):
    """Publishing carries the version of the report the person previewed, and their
    confirmation of each warning shown (the choices are the warnings of the moment)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    acknowledged = forms.MultipleChoiceField(
        label="Before you publish",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=list(PUBLISH_WARNINGS.items()),
    )
