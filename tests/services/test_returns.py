import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from frameworks.models import RAG, PeriodState, ProgressUpdate, UpdateState
from frameworks.services.returns import (
    UpdateConflict,
    UpdateInput,
    return_approve,
    return_save_draft,
    return_send_back,
    return_submit,
)
from tests.factories import UpdateFactory, UserFactory


def future(days: int = 400) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


GOOD = UpdateInput(
    narrative="A draft Councillor Call for Action has been completed; sign off by CLT in October.",
    rag=RAG.ONGOING,
)


def test_save_draft_keeps_words_and_moves_to_draft(update, officer):
    saved = return_save_draft(
        update=update, user=officer, data=GOOD, expected_version=update.version
    )
    assert saved.state == UpdateState.DRAFT
    assert saved.narrative == GOOD.narrative
    assert saved.saved_by == officer
    assert saved.version == update.version + 1


def test_submit_requires_narrative_and_rag(update, officer):
    with pytest.raises(ValidationError) as exc:
        return_submit(
            update=update, user=officer, data=UpdateInput(), expected_version=update.version
        )
    assert set(exc.value.message_dict) == {"narrative", "rag"}
    update.refresh_from_db()
    assert update.state == UpdateState.NOT_STARTED


def test_in_progress_after_deadline_needs_new_deadline(update, officer):
    # The milestone's deadline (April 2020) has passed.
    data = UpdateInput(narrative="Work continues.", rag=RAG.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        return_submit(update=update, user=officer, data=data, expected_version=None)
    message = exc.value.message_dict["new_deadline"][0]
    assert "April 2020" in message and "Overdue" in message


def test_in_progress_with_past_new_deadline_is_refused(update, officer):
    data = UpdateInput(narrative="Work continues.", rag=RAG.IN_PROGRESS, new_deadline="Jun-21")
    with pytest.raises(ValidationError) as exc:
        return_submit(update=update, user=officer, data=data, expected_version=None)
    assert "new_deadline" in exc.value.message_dict


def test_in_progress_with_future_new_deadline_is_accepted(update, officer):
    data = UpdateInput(narrative="Work continues.", rag=RAG.IN_PROGRESS, new_deadline=future())
    submitted = return_submit(update=update, user=officer, data=data, expected_version=None)
    assert submitted.state == UpdateState.SUBMITTED
    assert submitted.new_deadline_date > timezone.localdate()
    assert submitted.submitted_by == officer


def test_overdue_after_deadline_needs_no_new_deadline(update, officer):
    data = UpdateInput(narrative="Delayed by the pandemic response.", rag=RAG.OVERDUE)
    submitted = return_submit(update=update, user=officer, data=data, expected_version=None)
    assert submitted.rag == RAG.OVERDUE


def test_stale_version_is_refused_and_nothing_is_written(update, officer):
    return_save_draft(update=update, user=officer, data=GOOD, expected_version=1)
    with pytest.raises(UpdateConflict) as exc:
        return_save_draft(
            update=update,
            user=officer,
            data=UpdateInput(narrative="My older text"),
            expected_version=1,
        )
    assert exc.value.current.narrative == GOOD.narrative
    update.refresh_from_db()
    assert update.narrative == GOOD.narrative


def test_approve_makes_update_read_only_and_revises_deadline(update, officer, policy_user):
    new = future()
    data = UpdateInput(narrative="On track.", rag=RAG.IN_PROGRESS, new_deadline=new)
    return_submit(update=update, user=officer, data=data, expected_version=None)
    approved = return_approve(update=update, user=policy_user, expected_version=None)
    assert approved.state == UpdateState.APPROVED
    approved.milestone.refresh_from_db()
    assert approved.milestone.revised_deadline_text == new
    with pytest.raises(ValidationError, match="approved and can no longer be changed"):
        return_save_draft(update=update, user=officer, data=GOOD, expected_version=None)


def test_return_needs_comment_and_officer_can_resubmit(update, officer, policy_user):
    return_submit(update=update, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError):
        return_send_back(update=update, user=policy_user, comment="  ", expected_version=None)
    returned = return_send_back(
        update=update,
        user=policy_user,
        comment="Please say what impact the training had.",
        expected_version=None,
    )
    assert returned.state == UpdateState.RETURNED
    draft = return_save_draft(
        update=update, user=officer, data=GOOD, expected_version=returned.version
    )
    assert draft.state == UpdateState.RETURNED  # stays visibly returned until resubmitted
    resubmitted = return_submit(
        update=update, user=officer, data=GOOD, expected_version=draft.version
    )
    assert resubmitted.state == UpdateState.SUBMITTED


def test_only_submitted_updates_can_be_reviewed(update, policy_user):
    with pytest.raises(ValidationError, match="Only submitted"):
        return_approve(update=update, user=policy_user, expected_version=None)


def test_closed_round_is_read_only(update, officer):
    update.period.state = PeriodState.CLOSED
    update.period.save()
    with pytest.raises(ValidationError, match="not open"):
        return_save_draft(update=update, user=officer, data=GOOD, expected_version=None)


def test_failed_submission_leaves_previous_state_intact(update, officer):
    draft = return_save_draft(update=update, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError):
        return_submit(
            update=update,
            user=officer,
            data=UpdateInput(narrative="Changed words", rag=RAG.IN_PROGRESS),
            expected_version=draft.version,
        )
    update.refresh_from_db()
    assert update.narrative == GOOD.narrative
    assert update.state == UpdateState.DRAFT
    assert update.version == draft.version


def test_percent_complete_out_of_range_is_refused(update, officer):
    with pytest.raises(ValidationError) as exc:
        return_save_draft(
            update=update,
            user=officer,
            data=UpdateInput(percent_complete=120),
            expected_version=None,
        )
    assert "percent_complete" in exc.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_database_refuses_a_second_update_for_the_same_round(update):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.create(milestone=update.milestone, period=update.period)


@pytest.mark.django_db(transaction=True)
def test_database_refuses_submitted_update_without_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        UpdateFactory(state=UpdateState.SUBMITTED, rag="", rag_text="")


# Reviews: never of text the reviewer did not see, never of one's own work -------------------
def test_approving_a_return_the_officer_changed_since_the_page_was_read_is_refused(
    update, officer, policy_user
):
    seen = return_submit(update=update, user=officer, data=GOOD, expected_version=update.version)
    resubmitted = return_submit(
        update=update,
        user=officer,
        data=UpdateInput(narrative="Words the reviewer never read.", rag=RAG.ONGOING),
        expected_version=seen.version,
    )
    with pytest.raises(UpdateConflict) as exc:
        return_approve(update=update, user=policy_user, expected_version=seen.version)
    assert exc.value.current.narrative == "Words the reviewer never read."
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED  # not approved
    assert update.reviewed_by is None
    assert update.version == resubmitted.version


def test_returning_a_return_the_officer_changed_since_the_page_was_read_is_refused(
    update, officer, policy_user
):
    seen = return_submit(update=update, user=officer, data=GOOD, expected_version=None)
    return_save_draft(update=update, user=officer, data=GOOD, expected_version=seen.version)
    with pytest.raises(UpdateConflict):
        return_send_back(
            update=update,
            user=policy_user,
            comment="Add the impact.",
            expected_version=seen.version,
        )
    update.refresh_from_db()
    assert update.state == UpdateState.DRAFT
    assert update.review_comment == ""


def test_approving_the_version_read_is_accepted(update, officer, policy_user):
    seen = return_submit(update=update, user=officer, data=GOOD, expected_version=None)
    approved = return_approve(update=update, user=policy_user, expected_version=seen.version)
    assert approved.state == UpdateState.APPROVED
    assert approved.narrative == GOOD.narrative
    assert approved.version == seen.version + 1


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_the_person_who_submitted_a_return_cannot_review_it(update, policy_user, decision):
    # A policy-team member can submit (the service does not ask who holds the post).
    seen = return_submit(update=update, user=policy_user, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="You submitted this return, so another member"):
        if decision == "approve":
            return_approve(update=update, user=policy_user, expected_version=seen.version)
        else:
            return_send_back(
                update=update, user=policy_user, comment="Fine.", expected_version=seen.version
            )
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED and update.reviewed_by is None


@pytest.mark.parametrize("superuser", [False, True])
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_a_holder_of_the_milestones_post_cannot_review_it(
    update, officer, post, policy_user, superuser, decision
):
    reviewer = policy_user
    if superuser:
        reviewer = UserFactory(username="root", is_superuser=True, is_staff=True)
    post.holders.add(reviewer)
    seen = return_submit(update=update, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="You hold a post responsible for this milestone"):
        if decision == "approve":
            return_approve(update=update, user=reviewer, expected_version=seen.version)
        else:
            return_send_back(
                update=update, user=reviewer, comment="Fine.", expected_version=seen.version
            )
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED and update.reviewed_by is None


def test_a_superuser_who_submitted_cannot_approve_it(update):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    seen = return_submit(update=update, user=root, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="You submitted this return"):
        return_approve(update=update, user=root, expected_version=seen.version)


def test_only_the_policy_team_reviews(update, officer, other_officer):
    seen = return_submit(update=update, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="Only the policy team"):
        return_approve(update=update, user=other_officer, expected_version=seen.version)
