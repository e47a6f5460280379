"""The audit trail: who changed what, when, with before and after values."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from frameworks.domain.deadlines import Deadline
from frameworks.models import ImportBatch, Milestone, Return
from frameworks.services.imports import legacy_import
from frameworks.services.returns import (
    ReturnInput,
    return_approve,
    return_send_back,
    return_submit,
)
from tests.workbooks import CCFA, HUB, tracker


def test_officer_and_reviewer_steps_are_recorded_with_who_and_values(return_, officer, policy_user):
    new = (timezone.localdate() + dt.timedelta(days=300)).strftime("%d/%m/%Y")
    data = ReturnInput(narrative="Draft CCfA done.", rag="IN_PROGRESS", new_deadline=new)
    return_submit(return_=return_, user=officer, data=data, expected_version=None)
    return_send_back(
        return_=return_, user=policy_user, comment="Say what impact it had.", expected_version=None
    )
    records = list(Return.history.filter(id=return_.pk).order_by("history_date"))
    assert [r.state for r in records] == ["NOT_STARTED", "SUBMITTED", "RETURNED"]
    assert records[1].narrative == "Draft CCfA done." and records[0].narrative == ""


def test_milestone_history_page_reads_newest_first(client, return_, officer, policy_user):
    data = ReturnInput(narrative="Signed off by CLT.", rag="OVERDUE")
    client.force_login(officer)
    return_submit(return_=return_, user=officer, data=data, expected_version=None)
    return_approve(return_=return_, user=policy_user, expected_version=None)
    milestone = return_.milestone
    milestone._history_user = policy_user
    milestone.deadline = Deadline.from_text("Nov-20")
    milestone.save()
    page = client.get(reverse("frameworks:milestone-history", args=[milestone.pk])).content.decode()
    approved = page.index("Q3 2020-21: Approved")
    submitted = page.index("Q3 2020-21: Submitted for review")
    edited = page.index("Milestone edited")
    assert edited < approved < submitted  # newest first
    # As the pages show deadlines, not as the cells were typed ("Apr-20 → Nov-20").
    assert "Deadline: April 2020 → November 2020" in page
    assert "RAG status: (blank) → Overdue" in page
    assert policy_user.get_full_name() in page  # the reviewer, by name


def test_imports_are_recorded_as_one_batch_and_in_the_history(db, policy_user):
    report = legacy_import(
        data=tracker(CCFA, HUB),
        file_name="tracker.xlsx",
        framework_name="Ward Councillor Support Framework",
        round_label="Q2 2020-21",
        previous_round_label="Q4 2019-20",
        user=policy_user,
    )
    batch = ImportBatch.objects.get()
    assert batch.applied_by == policy_user and batch.sha256 == report.sha256
    assert batch.report["created"]["milestones"] == 2
    milestone = Milestone.objects.get(title__startswith="Develop and promote")
    record = milestone.history.get()
    assert record.history_user == policy_user
    assert record.history_change_reason.startswith("Import of tracker.xlsx")
    assert Return.history.filter(history_user=policy_user).count() == 4


def test_history_hides_other_posts_drafts_from_officers(client, return_, officer, other_officer):
    return_submit(
        return_=return_,
        user=officer,
        data=ReturnInput(narrative="Not yet approved", rag="ONGOING"),
        expected_version=None,
    )
    client.force_login(other_officer)
    page = client.get(reverse("frameworks:milestone-history", args=[return_.milestone_id]))
    assert page.status_code == 200
    assert "Submitted for review" not in page.content.decode()
