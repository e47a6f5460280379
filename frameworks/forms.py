"""Forms: validate what people type, then hand plain values to a service."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

from frameworks.models import RAG, Board, Framework, ImportLayout, Round
from frameworks.services.import_batches import LIMITS, ImportOptions
from frameworks.services.reports import PUBLISH_WARNINGS
from frameworks.services.returns import ReturnInput

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


OUT_OF_DATE = (
    "This page is out of date, so nothing was changed. Reload the page, read it, then try again."
)


class GovukFormRenderer(TemplatesSetting):
    """Render every form and field with GOV.UK Design System markup."""

    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"


class ReturnForm(forms.Form):
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


class ConfirmForm(forms.Form):
    """A confirm page's button (open or close a round): carries the version the person read."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is None:
            self.add_error(None, OUT_OF_DATE)
        return cleaned


class RoundForm(forms.ModelForm):
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
        model = Round
        fields = ["label", "start_date", "end_date", "due_date"]
        labels = {"label": "Round name"}
        help_texts = {"label": "Usually the financial-year quarter, for example Q3 2020-21."}
        error_messages = {"label": {"required": "Enter a name for the round."}}


NEW_FRAMEWORK = "new"


def located(problem: dict) -> str:
    """An importer problem with where it is: "Sheet “Tracker”, row 5, column “Lead”: …"."""
    parts = [
        f"sheet “{problem['sheet']}”" if problem.get("sheet") else "",
        f"row {problem['row']}" if problem.get("row") else "",
        f"column “{problem['column']}”" if problem.get("column") else "",
    ]
    where = ", ".join(part for part in parts if part)
    return f"{where[:1].upper()}{where[1:]}: {problem['message']}" if where else problem["message"]


class ImportForm(forms.Form):
    """Upload a file and choose where it goes. The file is stored as soon as it is uploaded
    (`batch`), so a correction to the options needs no second upload."""

    batch = forms.IntegerField(required=False, widget=forms.HiddenInput)
    file = forms.FileField(
        label="Spreadsheet",
        required=False,  # not when the file uploaded before is used again (see clean)
        help_text=(
            "An Excel workbook (.xlsx, .xlsm, .xlsb or .xls), an OpenDocument spreadsheet "
            "(.ods), a CSV file or a framework exported as JSON, up to 20 MB."
        ),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.xlsm,.xlsb,.xls,.ods,.csv,.json"}),
        error_messages={"empty": "The file you chose is empty."},
    )
    framework = forms.ChoiceField(
        label="Which framework is this file for?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the framework this file is for, or A new framework.",
            "invalid_choice": "Choose the framework this file is for, or A new framework.",
        },
    )
    framework_name = forms.CharField(
        label="Name of the new framework",
        required=False,
        max_length=200,
        help_text="For example, Members' Development Strategy 2021 to 2024.",
    )
    round = forms.CharField(
        label="Current round",
        required=False,
        max_length=60,
        help_text=(
            "The round the file's progress updates are for. Pick one of the plan's rounds or "
            "type a new one, for example Q2 2020-21. Trackers and actions exports need it."
        ),
        widget=forms.TextInput(attrs={"list": "round-labels", "autocomplete": "off"}),
    )
    previous_round = forms.CharField(
        label="Previous round (optional)",
        required=False,
        max_length=60,
        help_text="Trackers also hold the round before, for example Q4 2019-20.",
        widget=forms.TextInput(attrs={"list": "round-labels", "autocomplete": "off"}),
    )
    layout = forms.ChoiceField(
        label="Layout",
        # A JSON export is recognised by its content ("auto").
        choices=[("auto", "Work it out from the headings")] + list(ImportLayout.choices),
        initial="auto",
        widget=forms.RadioSelect(attrs={"data-label-size": "s"}),
        error_messages={"invalid_choice": "Choose one of the layouts."},
    )
    sheet = forms.CharField(
        label="Sheet (optional)",
        required=False,
        max_length=100,
        help_text="Leave blank to look for the header row in every sheet.",
    )

    def __init__(self, *args, frameworks=(), stored=None, stored_lost=False, **kwargs):
        """`frameworks`: (pk, name) of every framework, by name. `stored`: the batch whose
        file this form uses when no file is chosen (checked by the view: `can_reuse`);
        `stored_lost`: the form named a stored file that can no longer be used."""
        super().__init__(*args, **kwargs)
        self.frameworks = dict(frameworks)
        self.stored, self.stored_lost = stored, stored_lost
        self.fields["framework"].choices = [(str(pk), name) for pk, name in frameworks] + [
            (NEW_FRAMEWORK, "A new framework")
        ]
        if stored is not None:
            self.fields["file"].label = "Choose another file (optional)"
            self.fields["file"].help_text = "Only if you want to replace the file above."

    @property
    def new_framework(self) -> bool:
        return self["framework"].value() == NEW_FRAMEWORK

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = LIMITS.max_bytes
        if upload and upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{limit // 1024 // 1024} MB. Split it or remove old rounds, then upload it again."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and self.stored is None and "file" not in self.errors:
            if self.stored_lost:
                message = "The file you uploaded before can no longer be used: choose it again."
            else:
                message = "Choose the spreadsheet to import."
            self.add_error("file", message)
        name = " ".join(cleaned.get("framework_name", "").split())
        cleaned["framework_name"] = name
        choice = cleaned.get("framework")
        if choice == NEW_FRAMEWORK:
            taken = Framework.objects.filter(name__iexact=name).values_list("name", flat=True)
            if not name:
                self.add_error("framework_name", "Enter the name of the new framework.")
            elif taken:
                self.add_error(
                    "framework_name",
                    f"There is already a framework called “{taken[0]}”. Choose it from the "
                    "list, or give the new framework a different name.",
                )
        elif choice:
            cleaned["framework_name"] = self.frameworks[int(choice)]
        for label in ("round", "previous_round"):
            cleaned[label] = " ".join(cleaned.get(label, "").split())
        return cleaned

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            framework_name=data["framework_name"],
            layout=data["layout"],
            round_label=data["round"],
            previous_round_label=data["previous_round"],
            sheet=data["sheet"].strip(),
        )

    def option_field(self, name: str | None) -> str | None:
        """The form field an importer problem's `field` is about (None: the whole form)."""
        if name == "framework":
            return "framework_name" if self.new_framework else "framework"
        return name if name in self.fields else None

    def add_import_problems(self, problems: list[dict]) -> None:
        """A preview's problems (`Problem.as_dict()`), each on the field it is about, else
        at the top of the form with its sheet, row and column."""
        for problem in problems:
            field = self.option_field(problem.get("field"))
            if field is None or field in self.errors:
                self.add_error(None, located(problem))
            else:
                self.add_error(field, problem["message"])

    @classmethod
    def data_for(cls, batch, frameworks) -> dict:
        """The form as it was filled in for `batch` (to correct it)."""
        by_name = {name.casefold(): pk for pk, name in frameworks}
        existing = by_name.get(batch.framework_name.casefold())
        return {
            "batch": batch.pk,
            "framework": str(existing) if existing else NEW_FRAMEWORK,
            "framework_name": "" if existing else batch.framework_name,
            "round": batch.round_label,
            "previous_round": batch.previous_round_label,
            "layout": batch.requested_layout or "auto",
            "sheet": batch.sheet_name,
        }


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
