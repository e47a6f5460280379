"""Forms: validate what people type, then hand plain values to a service."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

from frameworks.models import RAG, ImportLayout, ReportingPeriod
from frameworks.services.updates import UpdateInput

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]

OBA_HINT = (
    "Follow OBA principles: How much did you do? How well did you do it? "
    "What has been the impact? What is the next step?"
)
RAG_HINT = (
    "Completed (Green): the key milestone has been achieved. "
    "In progress (Amber): it will be achieved by the deadline. "
    "Overdue (Red): it has not been completed by the deadline."
)


class GovukFormRenderer(TemplatesSetting):
    """Render every form and field with GOV.UK Design System markup."""

    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"


class UpdateForm(forms.Form):
    narrative = forms.CharField(
        label="Progress update",
        required=False,
        help_text=OBA_HINT,
        widget=forms.Textarea(attrs={"rows": 10, "data-label-size": "m"}),
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
        help_text="Only if the deadline has changed. For example, March 2021 or 31/03/2021.",
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

    @classmethod
    def initial_for(cls, update) -> dict:
        return {
            "narrative": update.narrative,
            "rag": update.rag,
            "new_deadline": update.new_deadline_text,
            "percent_complete": update.percent_complete,
            "version": update.version,
        }

    def to_input(self) -> UpdateInput:
        data = self.cleaned_data
        return UpdateInput(
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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter a comment saying what the officer should change.")
        return cleaned


class PeriodForm(forms.ModelForm):
    start_date = forms.DateField(
        label="Start date",
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 01/10/2020.",
        error_messages={"invalid": "Enter the start date as a date, like 01/10/2020."},
    )
    end_date = forms.DateField(
        label="End date",
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 31/12/2020.",
        error_messages={"invalid": "Enter the end date as a date, like 31/12/2020."},
    )
    due_date = forms.DateField(
        label="Returns due",
        input_formats=DATE_INPUT_FORMATS,
        help_text="The date officers' returns are due. For example, 15/01/2021.",
        error_messages={"invalid": "Enter the due date as a date, like 15/01/2021."},
    )

    class Meta:
        model = ReportingPeriod
        fields = ["label", "start_date", "end_date", "due_date"]
        labels = {"label": "Round name"}
        help_texts = {"label": "Usually the financial-year quarter, for example Q3 2020-21."}
        error_messages = {"label": {"required": "Enter a name for the round."}}


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="An Excel workbook (.xlsx) or a CSV file, up to 20 MB.",
        error_messages={
            "required": "Choose the spreadsheet to import.",
            "empty": "The file you chose is empty.",
        },
    )
    framework = forms.CharField(
        label="Framework",
        max_length=200,
        help_text="The name of an existing framework adds to it; a new name creates one.",
        error_messages={"required": "Enter the framework's name."},
    )
    layout = forms.ChoiceField(
        label="Layout",
        choices=[("auto", "Work it out from the headings")] + list(ImportLayout.choices),
        initial="auto",
        widget=forms.RadioSelect,
    )
    period = forms.CharField(
        label="Current round (optional)",
        required=False,
        max_length=60,
        help_text="Needed for trackers and actions exports, for example Q2 2020-21.",
    )
    previous_period = forms.CharField(
        label="Previous round (optional)",
        required=False,
        max_length=60,
        help_text="Trackers also hold the round before, for example Q4 2019-20.",
    )
    sheet = forms.CharField(
        label="Sheet (optional)",
        required=False,
        max_length=100,
        help_text="Leave blank to look for the header row in every sheet.",
    )


class ReportCreateForm(forms.Form):
    framework = forms.ModelChoiceField(
        label="Framework",
        queryset=None,
        empty_label=None,
        error_messages={"required": "Choose the framework the report is about."},
    )
    period = forms.CharField(
        label="Round",
        max_length=60,
        help_text="The round the report covers, for example Q2 2020-21.",
        error_messages={"required": "Enter the round the report covers."},
    )
    board = forms.CharField(
        label="Board or committee",
        max_length=200,
        help_text="For example, Transformation and Improvement Board.",
        error_messages={"required": "Enter the board's name."},
    )
    meeting_date = forms.DateField(
        label="Meeting date",
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 09/12/2020.",
        error_messages={
            "required": "Enter the date of the meeting.",
            "invalid": "Enter the meeting date as a date, like 09/12/2020.",
        },
    )
    meeting_time = forms.TimeField(
        label="Meeting time",
        required=False,
        input_formats=["%H:%M", "%H.%M", "%I:%M%p", "%I%p"],
        help_text="For example, 18:30. Leave blank if not yet known.",
        error_messages={"invalid": "Enter the time like 18:30."},
    )
    venue = forms.CharField(label="Venue (optional)", required=False, max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from frameworks.models import Framework

        self.fields["framework"].queryset = Framework.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        framework, label = cleaned.get("framework"), cleaned.get("period", "")
        if framework and label:
            period = framework.periods.filter(label__iexact=" ".join(label.split())).first()
            if period is None:
                labels = ", ".join(framework.periods.values_list("label", flat=True)) or "none yet"
                self.add_error(
                    "period", f"{framework.name} has no round “{label}”. Rounds: {labels}."
                )
            cleaned["period_obj"] = period
        return cleaned


class ReportTextForm(forms.ModelForm):
    class Meta:
        from frameworks.models import BoardReport
        from frameworks.services.reports import TEXT_FIELDS

        model = BoardReport
        fields = list(TEXT_FIELDS)
        widgets = {
            "classification": forms.RadioSelect,
            "executive_summary": forms.Textarea(attrs={"rows": 6}),
            "recommendations": forms.Textarea(attrs={"rows": 4}),
            "equalities_comments": forms.Textarea(attrs={"rows": 3}),
            "finance_comments": forms.Textarea(attrs={"rows": 3}),
            "legal_comments": forms.Textarea(attrs={"rows": 3}),
            "officer_contact": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {"title": {"required": "Enter the report's title."}}
