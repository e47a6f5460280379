"""The import form (`ImportForm`): the file uploaded and where it goes, handed to
`frameworks.services.import_batches` as `ImportOptions`, with an importer's problems shown on the
field they are about (`located`).

May import: the models and `frameworks.services.import_batches`. Imported by `frameworks.forms`,
which re-exports them.
"""

from __future__ import annotations

from django import forms

from frameworks.models import Framework, ImportLayout
from frameworks.services.import_batches import LIMITS, ImportOptions

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
            "(.ods), a CSV file, a framework exported as JSON or as CSV files in a .zip, up to "
            "20 MB."
        ),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.xlsm,.xlsb,.xls,.ods,.csv,.json,.zip"}),
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
