"""The return forms: an officer's progress update (`ReturnForm`, handed to
`frameworks.services.returns` as a `ReturnInput`) and a reviewer's decision (`ReviewForm`).

May import: the domain, the models, `frameworks.services.returns` and `frameworks.forms.base`.
Imported by `frameworks.forms`, which re-exports them.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from frameworks.domain.deadlines import example_deadline
from frameworks.models import RAG
from frameworks.services import OUT_OF_DATE
from frameworks.services.returns import MAX_NARRATIVE_LENGTH, ReturnInput

OBA_HINT = (
    "Follow OBA principles: How much did you do? How well did you do it? "
    "What has been the impact? What is the next step?"
)
RAG_HINT = (
    "Completed (Green): the key milestone has been achieved. "
    "In progress (Amber): it will be achieved by the deadline. "
    "Overdue (Red): it has not been completed by the deadline."
)


class ReturnForm(forms.Form):
    narrative = forms.CharField(
        label="Progress update",
        required=False,
        help_text=OBA_HINT,
        widget=forms.Textarea(
            attrs={"rows": 10, "data-label-size": "m", "data-maxlength": MAX_NARRATIVE_LENGTH}
        ),
    )
    rag = forms.ChoiceField(
        label="RAG status",
        required=False,
        choices=RAG.choices,
        help_text=RAG_HINT,
        widget=forms.RadioSelect,
    )
    new_deadline = forms.CharField(
        label="New deadline (optional)",
        required=False,
        max_length=255,
        help_text="Only if the deadline has changed.",
    )
    percent_complete = forms.IntegerField(
        label="Percent complete (optional)",
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": "Enter percent complete as a whole number, like 75.",
            "min_value": "Percent complete must be 0 or more.",
            "max_value": "Percent complete must be 100 or less.",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        month, day = example_deadline(timezone.localdate())
        self.fields[
            "new_deadline"
        ].help_text = f"Only if the deadline has changed. For example, {month} or {day}."

    def add_error(self, field, error) -> None:
        """A new deadline the service asks for is no longer optional: the label says so."""
        super().add_error(field, error)
        if "new_deadline" in self.errors:
            # The bound field keeps its own copy of the label once the form has been cleaned.
            self.fields["new_deadline"].label = self["new_deadline"].label = "New deadline"

    @classmethod
    def initial_for(cls, return_) -> dict:
        return {
            "narrative": return_.narrative,
            "rag": return_.rag,
            "new_deadline": return_.new_deadline_text,
            "percent_complete": return_.percent_complete,
            "version": return_.version,
        }

    def to_input(self) -> ReturnInput:
        data = self.cleaned_data
        return ReturnInput(
            narrative=data["narrative"],
            rag=data["rag"],
            new_deadline=data["new_deadline"],
            percent_complete=data["percent_complete"],
        )


class ReviewForm(forms.Form):
    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[(APPROVE, "Approve"), (RETURN, "Return it to the officer")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select approve or return."},
    )
    comment = forms.CharField(
        label="Comment for the officer",
        required=False,
        max_length=5000,
        help_text="Required if you return it: say what the officer should change.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The version of the return the reviewer read: a decision on text since changed is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter a comment saying what the officer should change.")
        if cleaned.get("version") is None:
            self.add_error(None, OUT_OF_DATE)
        return cleaned
