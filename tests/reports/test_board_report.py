"""The board pack for the demo framework's current round, printed and published."""

import datetime as dt
import io
import os
import re

import pytest
import time_machine
from django.utils.html import escape
from pypdf import PdfReader

from frameworks.models import Framework, Milestone, Return
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import render_html, render_pdf
from frameworks.services import reports
from frameworks.services.demo import demo_data_load
from tests.builders import DEMO_DAY
from tests.factories import BOARD, SEED_004_TEXT


@pytest.fixture
def demo(db):
    return demo_data_load(password="demo-tracker-2020", today=DEMO_DAY).framework


@pytest.fixture
def report(demo):
    """The demo's draft report to the board, with its text written as seed 004's was."""
    draft = demo.reports.get(round__label="Q2 2020-21")
    return reports.board_report_update(
        report=draft,
        expected_version=draft.version,
        lead_member="Cabinet Member for Resources",
        originating_officers="Divisional Director SPP",
        **SEED_004_TEXT,
    )


def pdf_text(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_pdf_shows_cover_counts_exceptions_and_every_theme(report, demo):
    rendered = reports.board_report_pdf(report=report)
    reader, pages = pdf_text(rendered.content)
    text = " ".join(pages)
    for field in (
        BOARD,
        "9 December 2020",
        "Classification: Unrestricted",
        "Lead Member Cabinet Member for Resources",
        "Originating Officer(s) Divisional Director SPP",
        "Wards affected All wards",
        "Reason for Key Decision",
        "Strategic Plan Priority / Outcome",
        "Executive Summary",
        "The Board is recommended to",
    ):
        assert field in text, field
    sentence = (
        "Of the 73 milestones, 39 are completed (31 at the previous round), 22 are in progress "
        "(23 at the previous round), 10 are ongoing (10 at the previous round) and 2 are overdue "
        "(6 at the previous round)."
    )
    assert sentence in text
    snapshot = build_snapshot(report=report)
    overdue = [row["title"] for row in snapshot["exceptions"]["overdue"]]
    assert len(overdue) == 2
    squeezed = text.replace(" ", "")
    for title in overdue:
        assert title.replace(" ", "") in squeezed, title
    for theme in demo.themes.all():
        assert theme.name.replace(" ", "") in squeezed, theme.name
    assert len(reader.pages) == rendered.pages
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {rendered.pages}" in page


def test_the_pdf_is_tagged_a4_with_landscape_appendix_title_language_and_fonts(report):
    content = reports.board_report_pdf(report=report).content
    reader = PdfReader(io.BytesIO(content))
    first, last = reader.pages[0].mediabox, reader.pages[-1].mediabox
    assert round(float(first.width)) == 595 and round(float(first.height)) == 842  # portrait
    assert float(last.width) > float(last.height)  # the appendix is landscape
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == report.title
    # Fonts are embedded.
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts and all(
        "/FontFile2" in descriptor or "/FontFile3" in descriptor or "/FontFile" in descriptor
        for font in fonts
        for descriptor in [
            (
                font.get("/FontDescriptor")
                or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            ).get_object()
        ]
    )


def publish(report, **kwargs):
    return reports.board_report_publish(
        report=report, user=None, expected_version=None, acknowledged=["MEETING_PAST"], **kwargs
    )


def test_published_report_reprints_byte_for_byte_after_the_data_changes(report, demo):
    published = publish(report).published
    assert published.version == 1 and published.pages > 5
    Milestone.objects.filter(framework=demo).update(title="Renamed after the meeting")
    Return.objects.filter(round__label="Q2 2020-21").update(narrative="Rewritten")
    reprint = reports.published_report_reprint(published=published)
    assert reprint == bytes(published.pdf)
    assert render_pdf(published.snapshot).content == bytes(published.pdf)
    assert "Renamed after the meeting" not in " ".join(pdf_text(reprint)[1])
    again = publish(report)
    assert again.created and again.published.version == 2
    assert again.published.sha256 != published.sha256
    assert report.published.count() == 2


def test_publishing_the_same_report_again_shows_the_version_already_published(report):
    first = publish(report)
    second = publish(report)
    assert first.created and not second.created
    assert second.published == first.published
    assert report.published.count() == 1


def test_the_pdf_bytes_do_not_depend_on_the_clock(report, monkeypatch):
    """The embedded font subsets carry a `modified` time: it is the snapshot's, not the
    clock's, so a reprint years later is the same file (and the process's own
    SOURCE_DATE_EPOCH is left as it was)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    snapshot = build_snapshot(report=report)
    with time_machine.travel(dt.datetime(2021, 1, 4, 9, tzinfo=dt.UTC), tick=False):
        first = render_pdf(snapshot).content
    with time_machine.travel(dt.datetime(2030, 6, 1, 17, tzinfo=dt.UTC), tick=False):
        later = render_pdf(snapshot).content
    assert first == later
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_snapshot_query_count_does_not_grow_with_the_plan(
    report, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        build_snapshot(report=report)
    theme = demo.themes.first()
    for n in range(40):
        Milestone.objects.create(framework=demo, theme=theme, title=f"Copy {n}", order=100 + n)
    with django_assert_max_num_queries(8):
        snapshot = build_snapshot(report=report)
    assert snapshot["total"] == 113
    assert snapshot["counts"]["NONE"] == 40


def test_actions_plan_shows_percent_and_group_rollups(demo):
    plan = Framework.objects.get(name="Tower Hamlets Improvement Plan")
    # The demo's item 4.1 of 9 December 2019 (seed 004): the plan's Q3 2019-20 report.
    report = plan.reports.get(meeting__date=dt.date(2019, 12, 9), round=plan.rounds.get())
    assert report.title == "Transformation and Improvement Plan 2018-22"
    snapshot = build_snapshot(report=report)
    assert snapshot["has_percent"]
    groups = {t["code"]: t["progress"] for t in snapshot["themes"]}
    assert groups["R6"] == 72 and groups["R9 & R10"] == 81 and groups["R5"] == 30
    _, pages = pdf_text(render_pdf(snapshot).content)
    text = " ".join(pages)
    assert "R9 & R10 Further break down silos" in text and "– 81%" in text
    assert re.search(r"R6\.16 .*100%", text)


def test_exceptions_point_to_the_appendix_row_and_each_return_is_printed_once(report):
    snapshot = build_snapshot(report=report)
    page = render_html(snapshot)
    overdue = snapshot["exceptions"]["overdue"]
    assert overdue and snapshot["exceptions"]["slipped"] and snapshot["movements"]
    appendix = page[page.index('<section class="appendix"') :]

    def appendix_row(number: str) -> str:
        """The milestone's row and the row of its update under it."""
        pattern = rf'<tr[^>]*>\s*<td class="num" rowspan="2">{number}</td>(.*?</tr>.*?)</tr>'
        return re.search(pattern, appendix, flags=re.S)[1]

    for item in overdue + snapshot["exceptions"]["slipped"]:
        number = re.search(rf'{re.escape(escape(item["title"]))}.*?<a href="#m(\d+)">\1</a>', page)
        assert number, item["title"]
        assert escape(item["title"]) in appendix_row(number[1]), item["title"]
        assert f'<tr id="m{number[1]}">' in appendix  # the link's target
    movements = page[page.index("<h2>3. Movements") : page.index("<h2>4. ")]
    changes = {
        (before, after): numbers.split(", ")
        for before, after, numbers in re.findall(
            r'<tr><td><span class="tag tag-(\w+)">.*?<span class="tag tag-(\w+)">.*?'
            r'<td class="num">\d+</td><td>([\d, ]+)</td></tr>',
            movements,
        )
    }
    assert sum(len(numbers) for numbers in changes.values()) == len(snapshot["movements"])
    for item in snapshot["movements"]:
        number = next(n for n in changes[(item["from"], item["to"])]
                      if escape(item["title"]) in appendix_row(n))  # fmt: skip
        row = appendix_row(number)  # shows the status at both rounds
        assert f"tag-{item['from']}" in row and f"tag-{item['to']}" in row
    for row in overdue:
        assert row["narrative"]
        assert page.count(escape(row["narrative"][:60])) == 1, row["title"]
    rows = [m for theme in snapshot["themes"] for m in theme["milestones"]]
    _, pages = pdf_text(render_pdf(snapshot).content)
    text = "".join(pages).replace(" ", "")
    for row in rows:  # every update, in full, in the appendix
        assert row["narrative"].replace(" ", "").replace("\n", "") in text
