import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from frameworks.models import ImportBatch, Milestone
from tests.workbooks import CCFA, HUB, VAWG, tracker

FORM = {
    "framework": "Ward Councillor Support Framework",
    "layout": "auto",
    "period": "Q2 2020-21",
    "previous_period": "Q4 2019-20",
    "sheet": "",
}


def upload(client, content: bytes, name: str = "tracker.xlsx", **fields):
    return client.post(
        reverse("frameworks:import-create"),
        {**FORM, **fields, "file": SimpleUploadedFile(name, content)},
    )


def test_upload_preview_then_confirm(client, policy_user):
    client.force_login(policy_user)
    response = upload(client, tracker(CCFA, HUB, VAWG))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert not Milestone.objects.exists(), "the preview writes nothing"
    page = client.get(response.url).content.decode()
    assert "Check before importing" in page
    assert "tracker" in page and "row 3" in page
    assert "Develop and promote the Councillor Call for Action" in page  # first rows
    assert "Would create 3 themes, 3 milestones, 3 posts and 5 updates" in page
    assert "gives no year" in page  # warnings listed
    response = client.post(reverse("frameworks:import-confirm", args=[batch.pk]), follow=True)
    assert "Imported tracker.xlsx" in response.content.decode()
    assert Milestone.objects.count() == 3
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and batch.applied_by == policy_user
    assert batch.content == b""
    # Confirming twice does nothing more.
    client.post(reverse("frameworks:import-confirm", args=[batch.pk]))
    assert Milestone.objects.count() == 3


def test_file_with_errors_is_refused_with_located_problems(client, policy_user):
    client.force_login(policy_user)
    response = upload(client, tracker(CCFA, ["Place Shaping", "", "Divisional Director SPP"]))
    page = client.get(response.url).content.decode()
    assert "There is a problem with this file" in page
    assert "Row 5, Key Milestone: This row has no key milestone." in page
    assert "Upload a corrected file" in page and ">Import<" not in page
    assert ImportBatch.objects.get().state == ImportBatch.State.REFUSED


def test_unreadable_file_is_an_error_on_the_file_field(client, policy_user):
    client.force_login(policy_user)
    response = upload(client, b"%PDF-1.7 minutes of the meeting", name="minutes.xlsx")
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#id_file"' in page
    assert not ImportBatch.objects.exists()


def test_blank_templates_download_with_the_layout_headings(client, policy_user):
    client.force_login(policy_user)
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


def test_officers_cannot_import(client, officer):
    client.force_login(officer)
    assert client.get(reverse("frameworks:import-create")).status_code == 403
    assert upload(client, tracker(CCFA)).status_code == 403
    assert not Milestone.objects.exists()
