"""The import pages: upload, choose the framework and rounds, preview, import; corrections
without a second upload; large files through the background worker; stale and double confirms."""

import csv
import datetime as dt
import io
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from frameworks.importers.extract import Problem
from frameworks.models import Framework, ImportBatch, Milestone, Return, Round
from frameworks.services import import_batches
from frameworks.services.imports import legacy_import
from tests.factories import FrameworkFactory, PolicyUserFactory, RoundFactory
from tests.workbooks import CCFA, HUB, TRACKER_HEADER, VAWG, tracker

WARD = "Ward Councillor Support Framework"
ROUNDS = {"round": "Q2 2020-21", "previous_round": "Q4 2019-20"}
LEGACY = Path(settings.BASE_DIR) / "fixtures" / "legacy"
State = ImportBatch.State


# Reading pages --------------------------------------------------------------------------------
class Page(HTMLParser):
    """The parts of a page these tests look at: text by element id, links, inputs, table rows."""

    VOID = {"input", "meta", "br", "img", "link", "hr", "source", "col", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.text_by_id: dict[str, str] = {}
        self.attrs_by_id: dict[str, dict] = {}
        self.inputs: dict[str, list[dict]] = {}
        self.links: list[tuple[str, str]] = []
        self.summary_links: list[tuple[str, str]] = []
        self.forms: list[str] = []  # each form's action
        self.options: dict[str, list[str]] = {}  # datalist id -> option values
        self.rows: list[list[str]] = []
        self._open: list[tuple[str, str | None]] = []
        self._ids: list[tuple[str, list[str]]] = []
        self._link: list | None = None
        self._classes: list[str] = []
        self._datalist: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and "name" in attrs:
            self.inputs.setdefault(attrs["name"], []).append(attrs)
        if tag == "a":
            self._link = [
                attrs.get("href", ""),
                [],
                any("govuk-error-summary__list" in c for c in self._classes),
            ]
        if tag == "form":
            self.forms.append(attrs.get("action", ""))
        if tag == "datalist":
            self._datalist = attrs.get("id")
            self.options[self._datalist] = []
        if tag == "option" and self._datalist:
            self.options[self._datalist].append(attrs.get("value"))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []
        if "id" in attrs:
            self.attrs_by_id[attrs["id"]] = attrs
        if tag in self.VOID:
            return
        if "id" in attrs:
            self._ids.append((attrs["id"], []))
        self._open.append((tag, attrs.get("id")))
        self._classes.append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self._link:
            link = (self._link[0], " ".join("".join(self._link[1]).split()))
            self.links.append(link)
            if self._link[2]:
                self.summary_links.append(link)
            self._link = None
        if tag == "datalist":
            self._datalist = None
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        while self._open:
            name, element_id = self._open.pop()
            self._classes.pop()
            if element_id:
                found, parts = self._ids.pop()
                self.text_by_id[found] = " ".join("".join(parts).split())
            if name == tag:
                break

    def handle_data(self, data):
        for _, parts in self._ids:
            parts.append(data)
        if self._link:
            self._link[1].append(data)
        if self._cell is not None:
            self._cell.append(data)

    def error(self, field: str) -> str:
        """The GOV.UK error message shown on a form field ('' if none)."""
        return self.text_by_id.get(f"id_{field}-error", "").removeprefix("Error: ")

    def summary(self) -> list[tuple[str, str]]:
        """The error summary's linked entries, (link target, text)."""
        return self.summary_links

    def value(self, name: str) -> str | None:
        found = self.inputs.get(name, [])
        return found[0].get("value") if found else None


def page(response) -> Page:
    return Page(response.content.decode())


# Helpers --------------------------------------------------------------------------------------
def upload(client, content: bytes | None, name: str = "tracker.xlsx", **fields):
    data = {"framework": "new", "framework_name": WARD, **ROUNDS, "layout": "auto", "sheet": ""}
    data |= fields
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    return client.post(reverse("frameworks:import-create"), data)


def confirm(client, batch):
    return client.post(reverse("frameworks:import-confirm", args=[batch.pk]))


def imported_ward(user=None) -> Framework:
    """The framework as a first import of the tracker made it."""
    report = legacy_import(
        data=tracker(CCFA, HUB, VAWG),
        file_name="tracker.xlsx",
        framework_name=WARD,
        round_label="Q2 2020-21",
        previous_round_label="Q4 2019-20",
        user=user,
    )
    assert report.ok, report.errors
    return Framework.objects.get(name=WARD)


def with_cell(row: list, index: int, value: str) -> list:
    row = list(row)
    row[index] = value
    return row


PROGRESS = TRACKER_HEADER.index(
    "Progress to date\nPlease provide a brief overview following OBA principles"
)
DEADLINE = 3
AGREED = "The Councillor Call for Action was agreed by Cabinet in November 2020."


def history_rows() -> int:
    return Milestone.history.count() + Return.history.count()


@pytest.fixture
def policy(client, policy_user):
    client.force_login(policy_user)
    return policy_user


@pytest.fixture
def in_background(monkeypatch):
    """Every file counts as large: previewed and imported by the (immediate) task backend."""
    monkeypatch.setattr(import_batches, "BACKGROUND_BYTES", 0)


# Upload, preview, import ----------------------------------------------------------------------
def test_upload_preview_then_import_into_a_new_framework(client, policy):
    response = upload(client, tracker(CCFA, HUB, VAWG))
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert batch.state == State.PREVIEWED and batch.comparison
    assert not Milestone.objects.exists(), "the preview writes nothing"
    preview = client.get(response.url)
    shown = page(preview)
    assert shown.text_by_id["preview"].startswith(
        "Would create 3 themes, 3 milestones, 3 posts and 5 updates"
    )
    assert ["Create", "3", "3", "3", "5"] in shown.rows  # the counts table
    row = next(r for r in shown.rows if r and r[0] == "4")  # the first rows, as stored
    assert row[1].startswith("Develop and promote the Councillor Call for Action (CCfA)")
    assert "gives no year" in preview.content.decode()  # warnings listed
    response = confirm(client, batch)
    framework = Framework.objects.get(name=WARD)
    assert response.status_code == 302 and response.url == framework.get_absolute_url()
    assert Milestone.objects.filter(framework=framework).count() == 3
    batch.refresh_from_db()
    assert batch.state == State.APPLIED and batch.applied_by == policy
    assert batch.content == b"" and batch.framework == framework
    message = page(client.get(response.url)).text_by_id["govuk-notification-banner-title-1"]
    assert message == "Success"


def test_an_existing_framework_is_chosen_from_the_list_and_every_change_is_listed(
    client, policy, officer
):
    framework = imported_ward()
    FrameworkFactory(name="Tower Hamlets Improvement Plan", slug="improvement-plan")
    # An officer has started the Members Hub return: the import must not change it.
    hub_return = Return.objects.get(
        milestone__title__startswith="Promote the Members Hub", round__label="Q2 2020-21"
    )
    hub_return.state, hub_return.saved_by = "DRAFT", officer
    hub_return.save()
    # A later round's approved update makes the tracker's VAWG deadline newer than the file's.
    q3 = RoundFactory(framework=framework, label="Q3 2020-21", state="CLOSED")
    vawg = Milestone.objects.get(title__startswith="Training Programme")
    Return.objects.create(milestone=vawg, round=q3, state="APPROVED", rag="COMPLETED")

    form = page(client.get(reverse("frameworks:import-create")))
    radios = {r["value"]: r for r in form.inputs["framework"]}
    assert set(radios) == {
        str(framework.pk),
        str(Framework.objects.get(slug="improvement-plan").pk),
        "new",
    }

    changed = tracker(
        with_cell(CCFA, PROGRESS, AGREED),
        with_cell(HUB, PROGRESS, "Two responses to the survey."),
        with_cell(VAWG, DEADLINE, "Jun-20"),
    )
    response = upload(client, changed, framework=str(framework.pk), framework_name="")
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302, page(response).summary()
    page_html = client.get(response.url).content.decode()
    shown = Page(page_html)
    # Every change field by field, the words that change marked as removed or added.
    assert [
        "Develop and promote the Councillor Call for Action (CCfA)",
        "Q2 2020-21",
        "Progress update",
        "A draft Councillor Call for Action has now been completed.",
        AGREED,
    ] in shown.rows
    assert "<del>A draft</del> Councillor Call for Action <del>has now been completed.</del>" in (
        page_html
    )
    conflict = next(r for r in shown.rows if r[0] == "Promote the Members Hub internally")
    assert conflict[1] == "Q2 2020-21" and "its return is draft in the app" in conflict[2]
    assert ["Training Programme for Members on VAWG", "Deadline", "May", "Jun-20"] in shown.rows

    confirm(client, batch)
    batch.refresh_from_db()
    assert batch.state == State.APPLIED and batch.framework == framework
    ccfa = Return.objects.get(milestone__title__startswith="Develop", round__label="Q2 2020-21")
    assert ccfa.narrative == AGREED
    hub_return.refresh_from_db()
    assert hub_return.narrative == HUB[PROGRESS]  # people's work is kept
    vawg.refresh_from_db()
    assert vawg.deadline_text == "May"  # newer in the tracker, kept


def test_a_new_framework_whose_name_exists_is_an_error_on_the_name(client, policy):
    FrameworkFactory(name=WARD)
    response = upload(client, tracker(CCFA), framework_name="ward councillor support  framework")
    shown = page(response)
    assert response.status_code == 200
    assert shown.error("framework_name") == (
        f"There is already a framework called “{WARD}”. Choose it from the list, or give "
        "the new framework a different name."
    )
    assert shown.summary()[0][0] == "#id_framework_name"
    batch = ImportBatch.objects.latest("pk")
    assert batch.state == State.UPLOADED, "the file is kept for the correction"
    assert shown.value("batch") == str(batch.pk)
    # Coming back to it later, from its page in the list of imports.
    detail = page(client.get(batch.get_absolute_url()))
    choose = reverse("frameworks:import-create") + f"?batch={batch.pk}"
    assert (choose, "Choose the framework and rounds") in detail.links
    form = page(client.get(choose))
    assert form.text_by_id["stored-file"].startswith("Using tracker.xlsx")
    assert form.value("batch") == str(batch.pk) and not form.summary()


def test_choosing_neither_a_framework_nor_a_new_one_is_an_error_on_the_choice(client, policy):
    shown = page(upload(client, tracker(CCFA), framework=""))
    assert shown.error("framework") == "Choose the framework this file is for, or A new framework."
    assert ("#id_framework_0", shown.error("framework")) in shown.summary()
    shown = page(upload(client, tracker(CCFA), framework_name=""))
    assert shown.error("framework_name") == "Enter the name of the new framework."


def test_a_missing_round_is_an_error_on_its_field_and_the_correction_needs_no_new_upload(
    client, policy
):
    response = upload(client, tracker(CCFA, HUB, VAWG), round="")
    shown = page(response)
    assert response.status_code == 200
    assert shown.error("round") == (
        "This file holds updates for the current round: give its label, for example Q2 2020-21."
    )
    assert ("#id_round", shown.error("round")) in shown.summary()
    assert "--period" not in response.content.decode(), "no command-line flags"
    batch = ImportBatch.objects.latest("pk")
    assert shown.value("batch") == str(batch.pk)
    assert shown.text_by_id["stored-file"].startswith("Using tracker.xlsx (")
    assert shown.text_by_id["stored-file"].endswith("— choose another file to replace it.")
    assert shown.value("round") is None or shown.value("round") == ""
    assert shown.value("previous_round") == "Q4 2019-20"  # what was typed stays

    # The correction: the round typed, no file chosen.
    response = upload(client, None, batch=str(batch.pk), round="Q2 2020-21")
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert ImportBatch.objects.count() == 1
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED and batch.round_label == "Q2 2020-21"
    assert batch.report["rounds"] == {"previous": "Q4 2019-20", "current": "Q2 2020-21"}


def test_a_round_that_is_not_a_quarter_of_an_existing_plan_is_an_error_on_that_field(
    client, policy
):
    framework = imported_ward()
    response = upload(
        client,
        tracker(CCFA),
        framework=str(framework.pk),
        framework_name="",
        previous_round="Autumn review",
    )
    assert (
        page(response)
        .error("previous_round")
        .startswith(f"There is no round “Autumn review” in {WARD}")
    )


def test_another_file_replaces_the_stored_one_in_the_same_batch(client, policy):
    upload(client, tracker(CCFA), round="")
    batch = ImportBatch.objects.latest("pk")
    response = upload(client, tracker(CCFA, HUB, VAWG), name="tracker-v2.xlsx", batch=str(batch.pk))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert ImportBatch.objects.count() == 1
    assert batch.file_name == "tracker-v2.xlsx" and batch.report["created"]["milestones"] == 3


def test_a_correction_of_a_batch_another_importer_uploaded_works(client, policy):
    colleague = PolicyUserFactory(username="jo")
    client.force_login(colleague)
    upload(client, tracker(CCFA), round="")
    batch = ImportBatch.objects.latest("pk")
    client.force_login(policy)
    form = page(client.get(reverse("frameworks:import-create") + f"?batch={batch.pk}"))
    assert form.error("round").startswith("This file holds updates for the current round")
    assert form.text_by_id["stored-file"].startswith("Using tracker.xlsx")
    response = upload(client, None, batch=str(batch.pk))
    assert response.status_code == 302


def test_an_applied_batch_cannot_be_used_again(client, policy):
    upload(client, tracker(CCFA))
    batch = ImportBatch.objects.latest("pk")
    confirm(client, batch)
    response = upload(client, None, batch=str(batch.pk), framework_name="Another plan")
    shown = page(response)
    assert response.status_code == 200
    assert shown.error("file") == (
        "The file you uploaded before can no longer be used: choose it again."
    )
    assert shown.value("batch") in (None, "") and "stored-file" not in shown.text_by_id
    assert not Framework.objects.filter(name="Another plan").exists()


def test_an_unreadable_file_is_refused_on_the_file_field(client, policy):
    response = upload(client, b"%PDF-1.7 minutes of the meeting", name="minutes.xlsx")
    shown = page(response)
    assert response.status_code == 200
    assert shown.error("file").startswith("This file is a PDF document, not a spreadsheet.")
    assert shown.summary()[0] == ("#id_file", shown.error("file"))
    assert shown.value("batch") in (None, ""), "nothing to correct: choose another file"
    batch = ImportBatch.objects.latest("pk")
    assert batch.state == State.REFUSED and batch.content == b""


def test_a_problem_in_the_rows_is_listed_with_its_sheet_row_and_column(client, policy):
    response = upload(client, tracker(CCFA, ["Place Shaping", "", "Divisional Director SPP"]))
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302 and batch.state == State.REFUSED
    shown = page(client.get(response.url))
    assert shown.text_by_id["problem-1"] == (
        "Sheet “Tracker”, row 5, column “Key Milestone”: This row has no key milestone."
    )
    assert ("#problem-1", "Row 5, Key Milestone: This row has no key milestone.") in (
        shown.summary()
    )
    assert reverse("frameworks:import-confirm", args=[batch.pk]) not in shown.forms
    assert (reverse("frameworks:import-create"), "Upload a corrected file") in shown.links


# Large files: the background worker ------------------------------------------------------------
def test_a_large_file_is_previewed_and_imported_by_the_worker_with_a_progress_page(
    client, policy, in_background, django_capture_on_commit_callbacks, monkeypatch
):
    stages = []
    write = import_batches.import_batch_set_progress
    monkeypatch.setattr(
        import_batches,
        "import_batch_set_progress",
        lambda **kw: (stages.append(kw["stage"]), write(**kw)),
    )
    content = (LEGACY / "tracker-ward-councillor-support.xlsx").read_bytes()
    with django_capture_on_commit_callbacks() as queued:
        response = upload(client, content, name="tracker-ward-councillor-support.xlsx")
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert batch.state == State.PREVIEWING and batch.report == {}, "not read in the request"
    assert batch.progress == "Waiting for the background worker to start"

    # The progress page: polled by htmx, refreshed and linked without JavaScript.
    progress_url = reverse("frameworks:import-progress", args=[batch.pk])
    shown = page(client.get(batch.get_absolute_url()))
    poll = shown.attrs_by_id["import-progress"]
    assert poll["hx-get"] == progress_url and poll["hx-trigger"] == "every 2s"
    assert shown.text_by_id["import-progress"].startswith(
        "Waiting for the background worker to start…"
    )
    assert (batch.get_absolute_url(), "Check progress") in shown.links
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in (
        client.get(batch.get_absolute_url()).content.decode()
    )
    fragment = client.get(progress_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Refresh" not in fragment
    assert Page(fragment.content.decode()).attrs_by_id["import-progress"]["hx-trigger"] == (
        "every 2s"
    )
    assert "<html" not in fragment.content.decode()

    for callback in queued:  # the worker runs the preview task
        callback()
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED and batch.report["created"]["milestones"] == 73
    assert stages[0] == "Reading the file"
    assert stages[1].startswith("Comparing 73 milestones with the tracker")
    done = client.get(progress_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true", "the poll stops: the page reloads with the preview"
    assert client.get(progress_url).url == batch.get_absolute_url()  # without htmx
    assert "import-progress" not in page(client.get(batch.get_absolute_url())).attrs_by_id

    stages.clear()
    with django_capture_on_commit_callbacks() as queued:
        response = confirm(client, batch)
    assert response.url == batch.get_absolute_url()
    batch.refresh_from_db()
    assert batch.state == State.APPLYING and not Milestone.objects.exists()
    assert "import-progress" in page(client.get(batch.get_absolute_url())).attrs_by_id
    for callback in queued:  # the worker runs the import task
        callback()
    batch.refresh_from_db()
    assert batch.state == State.APPLIED and batch.applied_by == policy
    assert batch.progress == "" and batch.content == b""
    assert Milestone.objects.filter(framework__name=WARD).count() == 73
    assert stages[0] == "Reading the file" and len(stages) > 1


def test_a_large_file_with_a_missing_round_sends_the_person_to_correct_it(
    client, policy, in_background, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tracker(CCFA, HUB), round="")
    batch = ImportBatch.objects.latest("pk")
    assert response.url == batch.get_absolute_url() and batch.refresh_from_db() is None
    assert batch.state == State.REFUSED
    shown = page(client.get(response.url))
    assert (
        "#problem-1",
        "Current round: This file holds updates for the current round: "
        "give its label, for example Q2 2020-21.",
    ) in shown.summary()
    correct = reverse("frameworks:import-create") + f"?batch={batch.pk}"
    assert (correct, "Correct the options") in shown.links
    form = page(client.get(correct))
    assert form.error("round").startswith("This file holds updates for the current round")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, None, batch=str(batch.pk), round="Q2 2020-21")
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED


def test_a_task_that_fails_leaves_the_batch_failed_with_a_plain_message(
    client, policy, in_background, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        kwargs["progress"]("Reading the file")
        raise MemoryError("the worker ran out of memory")

    monkeypatch.setattr(import_batches, "legacy_import", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tracker(CCFA, HUB, VAWG))
    batch = ImportBatch.objects.latest("pk")
    assert batch.state == State.FAILED
    assert batch.progress == (
        "Checking the file stopped unexpectedly while reading the file. Nothing was imported."
    )
    shown = page(client.get(response.url))
    assert "memory" not in client.get(response.url).content.decode()
    correct = reverse("frameworks:import-create") + f"?batch={batch.pk}"
    assert (correct, "Check the file again") in shown.links
    assert "import-progress" not in shown.attrs_by_id


# Confirming -----------------------------------------------------------------------------------
def test_a_stale_confirmation_shows_the_new_preview_and_writes_nothing(client, policy):
    framework = imported_ward()
    changed = tracker(with_cell(CCFA, PROGRESS, AGREED), HUB, VAWG)
    upload(client, changed, framework=str(framework.pk), framework_name="")
    batch = ImportBatch.objects.latest("pk")
    # Meanwhile someone changes the same milestone's deadline in the tracker.
    ccfa = Milestone.objects.get(title__startswith="Develop and promote")
    ccfa.deadline_text, ccfa.deadline_date = "Apr-20", dt.date(2020, 4, 30)
    ccfa.save()
    before = history_rows()

    response = confirm(client, batch)
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED and batch.report["stale"]
    assert history_rows() == before, "nothing was written"
    assert (
        Return.objects.get(milestone=ccfa, round__label="Q2 2020-21").narrative == (CCFA[PROGRESS])
    )
    shown = page(client.get(response.url))
    assert shown.summary()[0] == (
        "#preview",
        "The tracker changed since your preview: nothing was imported. Check the new preview "
        "below and import again.",
    )
    assert [
        "Develop and promote the Councillor Call for Action (CCfA)",
        "—",
        "Deadline",
        "Apr-20",
        "Mar-20",
    ] in shown.rows

    confirm(client, batch)  # the new preview, confirmed
    batch.refresh_from_db()
    assert batch.state == State.APPLIED
    ccfa.refresh_from_db()
    assert ccfa.deadline_text == "Mar-20"


def test_a_confirmation_that_fails_says_nothing_was_imported(client, policy, monkeypatch):
    upload(client, tracker(CCFA, HUB, VAWG))
    batch = ImportBatch.objects.latest("pk")

    def refused(**kwargs):  # as when the database refuses the transaction
        report = legacy_import(**kwargs | {"dry_run": True, "batch": None, "expected": None})
        report.dry_run = False
        report.errors.append(Problem("Tracker", None, None, "The database refused the import."))
        return report

    monkeypatch.setattr(import_batches, "legacy_import", refused)
    response = confirm(client, batch)
    assert response.url == batch.get_absolute_url()
    batch.refresh_from_db()
    assert batch.state == State.REFUSED and batch.content, "kept, to try again"
    assert not Milestone.objects.exists()
    shown = page(client.get(response.url))
    summary = shown.text_by_id["import-problems"]
    assert summary.startswith("There is a problem with this file The import was stopped: nothing")
    assert ("#problem-1", "The database refused the import.") in shown.summary()


def test_confirming_twice_imports_once(client, policy):
    upload(client, tracker(CCFA, HUB, VAWG))
    batch = ImportBatch.objects.latest("pk")
    confirm(client, batch)
    batch.refresh_from_db()
    applied_at, rows = batch.applied_at, history_rows()
    response = confirm(client, batch)
    assert response.url == batch.get_absolute_url()
    banner = page(client.get(response.url)).text_by_id
    assert any("has already been imported" in text for text in banner.values())
    assert Milestone.objects.count() == 3 and history_rows() == rows
    batch.refresh_from_db()
    assert batch.applied_at == applied_at


def test_a_confirm_while_the_first_is_still_running_is_refused(client, policy):
    upload(client, tracker(CCFA, HUB, VAWG))
    batch = ImportBatch.objects.latest("pk")
    # The first click has claimed the batch (its import is running) when the second arrives.
    import_batches.import_batch_start_apply(batch_id=batch.pk, user=policy, queue=False)
    response = confirm(client, batch)
    assert response.url == batch.get_absolute_url()
    assert not Milestone.objects.exists()
    batch.refresh_from_db()
    assert batch.state == State.APPLYING
    with pytest.raises(import_batches.ImportBatchStateError, match="being imported already"):
        import_batches.import_batch_start_apply(batch_id=batch.pk, user=policy)


@pytest.mark.django_db(transaction=True)
def test_two_import_clicks_at_the_same_moment_import_once():
    if connection.vendor != "postgresql":
        pytest.skip("two real concurrent sessions need PostgreSQL (.ci/run's first pass)")
    policy_user = PolicyUserFactory(username="priya")
    first, second = Client(), Client()
    for client in (first, second):
        client.force_login(policy_user)
    upload(first, tracker(CCFA, HUB, VAWG))
    batch = ImportBatch.objects.latest("pk")
    barrier = threading.Barrier(2)
    responses = []

    def click(client):
        try:
            barrier.wait(timeout=10)
            responses.append(confirm(client, batch))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r.url for r in responses) == sorted(
        [batch.get_absolute_url(), Framework.objects.get(name=WARD).get_absolute_url()]
    )
    assert Milestone.objects.count() == 3 and Milestone.history.count() == 3
    batch.refresh_from_db()
    assert batch.state == State.APPLIED


# Rounds ---------------------------------------------------------------------------------------
def test_the_rounds_fragment_offers_the_chosen_frameworks_rounds(client, policy):
    ward = imported_ward()
    RoundFactory(framework=ward, label="Q3 2020-21", state="OPEN")
    plan = FrameworkFactory(name="Tower Hamlets Improvement Plan", slug="improvement-plan")
    RoundFactory(framework=plan, label="Q1 2021-22", state="DRAFT")
    url = reverse("frameworks:import-rounds")

    fragment = client.get(url, {"framework": ward.pk}, headers={"HX-Request": "true"})
    shown = Page(fragment.content.decode())
    assert shown.options["round-labels"] == ["Q3 2020-21", "Q2 2020-21", "Q4 2019-20"]
    assert "<form" not in fragment.content.decode()
    assert "Q3 2020-21 (open)" in fragment.content.decode()
    new = Page(
        client.get(url, {"framework": "new"}, headers={"HX-Request": "true"}).content.decode()
    )
    assert new.options["round-labels"] == []

    # Without JavaScript: the form suggests every framework's rounds, and the fragment's URL
    # opens the form with that framework chosen.
    form = page(client.get(reverse("frameworks:import-create")))
    assert set(form.options["round-labels"]) == {
        "Q1 2021-22",
        "Q3 2020-21",
        "Q2 2020-21",
        "Q4 2019-20",
    }
    radio = next(r for r in form.inputs["framework"] if r["value"] == str(ward.pk))
    assert radio["hx-get"] == url and radio["hx-target"] == "#round-options"
    assert client.get(url, {"framework": plan.pk}).url == (
        reverse("frameworks:import-create") + f"?framework={plan.pk}"
    )
    chosen = page(client.get(reverse("frameworks:import-create"), {"framework": plan.pk}))
    assert chosen.options["round-labels"] == ["Q1 2021-22"]
    checked = [r["value"] for r in chosen.inputs["framework"] if "checked" in r]
    assert checked == [str(plan.pk)]


# The preview page -----------------------------------------------------------------------------
def test_a_long_preview_shows_500_rows_of_each_list_in_a_fixed_number_of_queries(
    client, policy, django_assert_max_num_queries
):
    framework = imported_ward()
    upload(
        client,
        tracker(with_cell(CCFA, PROGRESS, AGREED), HUB, VAWG),
        framework=str(framework.pk),
        framework_name="",
    )
    batch = ImportBatch.objects.latest("pk")
    change = batch.report["changes"][0]
    batch.report["changes"] = [change] * 1234  # as a 1,234-change file would list them
    batch.save()
    with django_assert_max_num_queries(4):
        response = client.get(batch.get_absolute_url())
    shown = page(response)
    assert shown.text_by_id["changes"] == "What will change (1,234)"
    assert sum(1 for row in shown.rows if row and row[2] == "Progress update") == 500
    assert "The first 500 changes are shown; there are 734 more." in response.content.decode()


def test_a_sentence_added_to_a_long_return_is_what_the_preview_shows(client, policy):
    fixture = (LEGACY / "tracker-ward-councillor-support.xlsx").read_bytes()
    legacy_import(
        data=fixture,
        file_name="tracker.xlsx",
        framework_name=WARD,
        round_label="Q2 2020-21",
        previous_round_label="Q4 2019-20",
    )
    workbook = load_workbook(io.BytesIO(fixture))
    sheet = workbook.active
    row = next(r for r in sheet.iter_rows(min_row=4) if len(str(r[PROGRESS].value or "")) > 400)
    long_text = " ".join(str(row[PROGRESS].value).split())
    row[PROGRESS].value = f"{row[PROGRESS].value} Reported to the Member Development Working Group."
    changed = io.BytesIO()
    workbook.save(changed)
    framework = Framework.objects.get(name=WARD)
    upload(client, changed.getvalue(), framework=str(framework.pk), framework_name="")
    shown = page(client.get(ImportBatch.objects.latest("pk").get_absolute_url()))
    change = next(r for r in shown.rows if len(r) == 5 and r[2] == "Progress update")
    tail = " ".join(long_text.split()[-12:])
    assert change[3] == f"… {tail}"
    assert change[4] == f"… {tail} Reported to the Member Development Working Group."


def test_the_list_shows_each_imports_state(client, policy):
    upload(client, tracker(CCFA, HUB, VAWG))
    shown = page(client.get(reverse("frameworks:import-list")))
    assert shown.rows[1][0].startswith("tracker.xlsx") and shown.rows[1][1] == WARD
    assert shown.rows[1][3] == "Ready to import"


# Templates and access -------------------------------------------------------------------------
def test_blank_templates_download_with_the_layout_headings(client, policy):
    for layout, first in (
        ("framework", "What do we do?"),
        ("tracker", "Theme"),
        ("actions", "Code"),
    ):
        response = client.get(reverse("frameworks:import-template", args=[layout]))
        assert response["Content-Disposition"] == f'attachment; filename="{layout}-template.xlsx"'
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["A1"].value.split("\n")[0] == first
    assert client.get(reverse("frameworks:import-template", args=["minutes"])).status_code == 404


def test_officers_cannot_import_or_use_an_upload(client, officer, policy_user):
    client.force_login(policy_user)
    upload(client, tracker(CCFA), round="")
    batch = ImportBatch.objects.latest("pk")
    client.force_login(officer)
    assert client.get(reverse("frameworks:import-create")).status_code == 403
    assert upload(client, tracker(CCFA)).status_code == 403
    assert upload(client, None, batch=str(batch.pk)).status_code == 403
    assert confirm(client, batch).status_code == 403
    assert not Milestone.objects.exists() and ImportBatch.objects.count() == 1


def test_a_csv_export_of_the_tracker_is_previewed_like_the_workbook(client, policy):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([TRACKER_HEADER, CCFA, HUB, VAWG])
    response = upload(client, buffer.getvalue().encode("utf-8"), name="tracker.csv")
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302 and batch.state == State.PREVIEWED
    assert batch.report["created"]["milestones"] == 3 and not Round.objects.exists()


def test_a_small_file_that_unpacks_large_is_read_by_the_worker(monkeypatch, db):
    """Repeated text packs well: a workbook is judged by its parts' unpacked size too, so a
    many-row file under the size threshold is still never parsed in a web request."""
    from frameworks.models import ImportBatch

    data = tracker(*[[*HUB[:1], f"{HUB[1]} (copy {n})", *HUB[2:]] for n in range(40)])
    batch = ImportBatch(file_name="tracker.xlsx", size=len(data), content=data)
    assert not import_batches.in_background(batch)
    monkeypatch.setattr(import_batches, "BACKGROUND_UNPACKED_BYTES", len(data))  # packed < unpacked
    assert import_batches.in_background(batch)
