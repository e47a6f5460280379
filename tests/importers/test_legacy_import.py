"""The legacy workbooks rebuilt from the seeds (fixtures/legacy) import as the papers say."""

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from frameworks.importers.extract import extract_plan
from frameworks.importers.readers import open_source
from frameworks.models import Framework, Milestone, Return, Theme, progress_mean
from frameworks.services.imports import legacy_import

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"
TRACKER = LEGACY / "tracker-ward-councillor-support.xlsx"
ACTIONS = LEGACY / "actions-improvement-plan.xlsx"
FRAMEWORK = LEGACY / "framework-ward-councillor-support.xlsx"
MARKUP = re.compile(r"<[a-zA-Z/][^>]*>|&(?:amp|lt|gt|nbsp|quot|#\d+);")


def import_file(path: Path, name: str, **labels):
    return legacy_import(data=path.read_bytes(), file_name=path.name, framework_name=name, **labels)


@pytest.fixture
def tracker(db):
    report = import_file(
        TRACKER,
        "Ward Councillor Support Framework",
        round_label="Q2 2020-21",
        previous_round_label="Q4 2019-20",
    )
    assert report.ok, report.errors
    return report


def rag_counts(label: str) -> Counter:
    return Counter(Return.objects.filter(round__label=label).values_list("rag", flat=True))


def test_tracker_workbook_matches_the_paper(tracker):
    assert (tracker.layout, tracker.sheet, tracker.header_row) == ("tracker", "Tracker", 3)
    assert Milestone.objects.count() == 73
    assert Theme.objects.count() == 14
    plan = extract_plan(open_source(TRACKER.read_bytes(), filename=TRACKER.name))
    assert len({m.lead_text for m in plan.milestones}) == 22
    assert tracker.created.posts == 22
    assert rag_counts("Q4 2019-20") == {
        "COMPLETED": 31,
        "IN_PROGRESS": 23,
        "ONGOING": 10,
        "OVERDUE": 6,
    }
    assert Milestone.objects.exclude(returns__round__label="Q4 2019-20").count() == 3
    assert rag_counts("Q2 2020-21") == {
        "IN_PROGRESS": 22,
        "ONGOING": 10,
        "COMPLETED": 8,
        "OVERDUE": 2,
    }
    assert Milestone.objects.exclude(returns__round__label="Q2 2020-21").count() == 31
    assert Milestone.objects.completed().count() == 39


def test_no_markup_is_stored_and_the_ten_links_are_kept(tracker):
    texts = [
        *Milestone.objects.values_list("title", flat=True),
        *Milestone.objects.values_list("deadline_text", flat=True),
        *Theme.objects.values_list("name", flat=True),
        *Return.objects.values_list("narrative", flat=True),
        *Return.objects.values_list("rag_text", flat=True),
    ]
    assert not [t for t in texts if MARKUP.search(t)]
    links = [url for t in texts for url in re.findall(r"https?://[^\s)]+", t)]
    assert len(links) == 10


def test_reimporting_the_tracker_changes_nothing(tracker):
    again = import_file(
        TRACKER,
        "Ward Councillor Support Framework",
        round_label="Q2 2020-21",
        previous_round_label="Q4 2019-20",
    )
    assert again.ok and not again.changed
    assert again.unchanged.milestones == 73 and again.unchanged.returns == 112


def test_actions_workbook_keeps_owners_groups_and_progress(db):
    report = import_file(ACTIONS, "Tower Hamlets Improvement Plan", round_label="Q3 2019-20")
    assert report.ok, report.errors
    expected = json.loads((LEGACY / "actions-improvement-plan.expected.json").read_text())
    framework = Framework.objects.get()
    round = framework.rounds.get()
    # Each group's progress, as the report prints it: the mean of its actions' % complete.
    percents = defaultdict(list)
    for theme_id, percent in round.returns.values_list("milestone__theme_id", "percent_complete"):
        percents[theme_id].append(percent)
    for group in expected["groups"]:
        theme = Theme.objects.get(framework=framework, code=group["code"])
        assert progress_mean(percents[theme.pk]) == group["progress_mean_truncated"], group["code"]
        for action in group["actions"]:
            milestone = Milestone.objects.get(framework=framework, code=action["code"])
            assert milestone.theme == theme
            owners = [link.post.title for link in milestone.leads.order_by("order")]
            assert owners == action["owners"], action["code"]
            assert milestone.monitoring_groups == action["monitoring_groups"], action["code"]
            return_ = milestone.returns.filter(round=round).first()
            percent = return_.percent_complete if return_ else None
            assert percent == action["progress"], action["code"]
    assert Milestone.objects.count() == sum(len(g["actions"]) for g in expected["groups"])


def test_framework_workbook_brings_themes_actions_and_existing_activity(db):
    report = import_file(FRAMEWORK, "Ward Councillor Support Framework")
    assert report.ok, report.errors
    assert Theme.objects.count() == 13
    assert not Return.objects.exists()
    days = Milestone.objects.get(title__startswith="Develop 'Days of Action'")
    assert days.existing_activity.startswith("There has been a programme of Community Safety")
    assert days.theme.name == "Place Shaping"
    holiday = Milestone.objects.get(title="Councillors to visit Holiday Childcare Scheme")
    assert holiday.theme.name == "Schools, children's services"
    assert holiday.deadline_text == "December 2019"
