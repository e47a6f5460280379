"""Hostile input never reaches a page or a PDF as markup, and exports never carry formulas."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from frameworks import exports
from frameworks.models import Milestone, Return
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_pdf
from frameworks.services import reports
from frameworks.services.imports import legacy_import
from tests.factories import board_meeting
from tests.workbooks import CCFA, tracker

PAYLOADS = [
    "<script>alert('xss')</script>",
    '<a href="javascript:alert(1)">click</a>',
    '<img src=x onerror="alert(1)">',
    '<svg onload="alert(1)"></svg>',
    '" onmouseover="alert(1)',
]


def assert_inert(html: str) -> None:
    """None of the payloads is live markup (escaped text such as &lt;script&gt; is fine)."""
    lowered = html.lower()
    needles = ("<script>alert", 'href="javascript:', "href='javascript:", "<img src=x",
               "<svg onload", 'onerror="alert', 'onload="alert', '" onmouseover="')  # fmt: skip
    for needle in needles:
        assert needle not in lowered, needle


def test_payloads_in_an_imported_workbook_are_stripped(client, policy_user):
    rows = []
    for n, payload in enumerate(PAYLOADS):
        row = [*CCFA]
        row[1] = f"Milestone {n} {payload}"
        row[7] = f"Update {n} {payload}"
        rows.append(row)
    report = legacy_import(
        data=tracker(*rows),
        file_name="hostile.xlsx",
        framework_name="Ward Councillor Support Framework",
        round_label="Q2 2020-21",
        previous_round_label="Q4 2019-20",
    )
    assert report.ok, report.errors
    for text in [*Milestone.objects.values_list("title", flat=True),
                 *Return.objects.values_list("narrative", flat=True)]:  # fmt: skip
        assert "<" not in text.replace("&lt;", "") or '"' in text, text
        assert "javascript:" not in text
    client.force_login(policy_user)
    framework = Milestone.objects.first().framework
    assert_inert(
        client.get(reverse("frameworks:framework-detail", args=[framework.slug])).content.decode()
    )
    for milestone in Milestone.objects.all():
        assert_inert(
            client.get(reverse("frameworks:milestone-detail", args=[milestone.pk])).content.decode()
        )


def test_payloads_typed_into_the_return_form_are_escaped_on_pages_and_in_the_pdf(
    client, officer, return_, policy_user, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    payload = "\n".join(PAYLOADS)
    response = client.post(
        reverse("frameworks:return-edit", args=[return_.pk]),
        {"narrative": payload, "rag": "OVERDUE", "version": return_.version, "action": "submit"},
    )
    assert response.status_code == 302
    return_.refresh_from_db()
    assert return_.narrative == payload.strip()  # the officer's words are kept exactly
    page = client.get(reverse("frameworks:return-edit", args=[return_.pk])).content.decode()
    assert_inert(page)
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in page
    client.force_login(policy_user)
    review = client.get(reverse("frameworks:return-review", args=[return_.pk])).content.decode()
    assert_inert(review)
    client.post(
        reverse("frameworks:return-review", args=[return_.pk]),
        {"decision": "approve", "version": return_.version},
    )
    return_.refresh_from_db()
    assert return_.state == "APPROVED"  # so the report below prints the payloads too
    meeting = board_meeting(date=dt.date(2021, 1, 20))
    report = reports.board_report_create(
        framework=return_.milestone.framework, round=return_.round, meeting=meeting
    )
    preview = client.get(reverse("frameworks:report-preview", args=[report.pk])).content.decode()
    assert_inert(preview)
    pdf = render_pdf(build_snapshot(report=report)).content
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf
    assert b"javascript:" not in pdf.lower()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_exports_neutralise_formula_injection(start):
    value = f'{start}HYPERLINK("http://evil.example","click")'
    assert exports.neutralise(value) == "'" + value
    content = exports.tracker_xlsx_rows("Tracker", [["Theme", "", value]])
    cell = load_workbook(io.BytesIO(content)).active.cell(row=4, column=3)
    assert cell.data_type == "s"  # stored as text, never a formula
    assert cell.value in (value, value.replace("\r", "\n"))  # XML keeps \r as a line break
    text = exports.tracker_csv(
        {"framework": "F", "themes": [{"name": "T", "code": "", "milestones": [
            {"code": "", "title": value, "leads": [], "deadline": {"text": ""}, "updates": []}
        ]}]},
        round="", previous="",
    )  # fmt: skip
    cell = list(csv.reader(io.StringIO(text)))[1][2]
    assert cell == "'" + value
