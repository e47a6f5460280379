import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from frameworks.models import RAG, Return, ReturnState, RoundState
from frameworks.services.returns import (
    ReturnConflict,
    ReturnInput,
    return_approve,
    return_save_draft,
    return_send_back,
    return_submit,
)
from tests.factories import ReturnFactory, UserFactory


def future(days: int = 400) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


GOOD = ReturnInput(
    narrative="A draft Councillor Call for Action has been completed; sign off by CLT in October.",
    rag=RAG.ONGOING,
)


def test_save_draft_keeps_words_and_moves_to_draft(return_, officer):
    saved = return_save_draft(
        return_=return_, user=officer, data=GOOD, expected_version=return_.version
    )
    assert saved.state == ReturnState.DRAFT
    assert saved.narrative == GOOD.narrative
    assert saved.saved_by == officer
    assert saved.version == return_.version + 1


def test_submit_requires_narrative_and_rag(return_, officer):
    with pytest.raises(ValidationError) as exc:
        return_submit(
            return_=return_, user=officer, data=ReturnInput(), expected_version=return_.version
        )
    assert set(exc.value.message_dict) == {"narrative", "rag"}
    return_.refresh_from_db()
    assert return_.state == ReturnState.NOT_STARTED


def test_in_progress_after_deadline_needs_new_deadline(return_, officer):
    # The milestone's deadline (April 2020) has passed.
    data = ReturnInput(narrative="Work continues.", rag=RAG.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        return_submit(return_=return_, user=officer, data=data, expected_version=None)
    message = exc.value.message_dict["new_deadline"][0]
    assert "April 2020" in message and "Overdue" in message


def test_in_progress_with_past_new_deadline_is_refused(return_, officer):
    data = ReturnInput(narrative="Work continues.", rag=RAG.IN_PROGRESS, new_deadline="Jun-21")
    with pytest.raises(ValidationError) as exc:
        return_submit(return_=return_, user=officer, data=data, expected_version=None)
    assert "new_deadline" in exc.value.message_dict


def test_in_progress_with_future_new_deadline_is_accepted(return_, officer):
    data = ReturnInput(narrative="Work continues.", rag=RAG.IN_PROGRESS, new_deadline=future())
    submitted = return_submit(return_=return_, user=officer, data=data, expected_version=None)
    assert submitted.state == ReturnState.SUBMITTED
    assert submitted.new_deadline_date > timezone.localdate()
    assert submitted.submitted_by == officer


def test_overdue_after_deadline_needs_no_new_deadline(return_, officer):
    data = ReturnInput(narrative="Delayed by the pandemic response.", rag=RAG.OVERDUE)
    submitted = return_submit(return_=return_, user=officer, data=data, expected_version=None)
    assert submitted.rag == RAG.OVERDUE


def test_stale_version_is_refused_and_nothing_is_written(return_, officer):
    return_save_draft(return_=return_, user=officer, data=GOOD, expected_version=1)
    with pytest.raises(ReturnConflict) as exc:
        return_save_draft(
            return_=return_,
            user=officer,
            data=ReturnInput(narrative="My older text"),
            expected_version=1,
        )
    assert exc.value.current.narrative == GOOD.narrative
    return_.refresh_from_db()
    assert return_.narrative == GOOD.narrative


def test_approve_makes_return_read_only_and_revises_deadline(return_, officer, policy_user):
    new = future()
    data = ReturnInput(narrative="On track.", rag=RAG.IN_PROGRESS, new_deadline=new)
    return_submit(return_=return_, user=officer, data=data, expected_version=None)
    approved = return_approve(return_=return_, user=policy_user, expected_version=None)
    assert approved.state == ReturnState.APPROVED
    approved.milestone.refresh_from_db()
    assert approved.milestone.revised_deadline_text == new
    with pytest.raises(ValidationError, match="approved and can no longer be changed"):
        return_save_draft(return_=return_, user=officer, data=GOOD, expected_version=None)


def test_return_needs_comment_and_officer_can_resubmit(return_, officer, policy_user):
    return_submit(return_=return_, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError):
        return_send_back(return_=return_, user=policy_user, comment="  ", expected_version=None)
    returned = return_send_back(
        return_=return_,
        user=policy_user,
        comment="Please say what impact the training had.",
        expected_version=None,
    )
    assert returned.state == ReturnState.RETURNED
    draft = return_save_draft(
        return_=return_, user=officer, data=GOOD, expected_version=returned.version
    )
    assert draft.state == ReturnState.RETURNED  # stays visibly returned until resubmitted
    resubmitted = return_submit(
        return_=return_, user=officer, data=GOOD, expected_version=draft.version
    )
    assert resubmitted.state == ReturnState.SUBMITTED


def test_only_submitted_returns_can_be_reviewed(return_, policy_user):
    with pytest.raises(ValidationError, match="Only submitted"):
        return_approve(return_=return_, user=policy_user, expected_version=None)


def test_closed_round_is_read_only(return_, officer):
    return_.round.state = RoundState.CLOSED
    return_.round.save()
    with pytest.raises(ValidationError, match="not open"):
        return_save_draft(return_=return_, user=officer, data=GOOD, expected_version=None)


def test_failed_submission_leaves_previous_state_intact(return_, officer):
    draft = return_save_draft(return_=return_, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError):
        return_submit(
            return_=return_,
            user=officer,
            data=ReturnInput(narrative="Changed words", rag=RAG.IN_PROGRESS),
            expected_version=draft.version,
        )
    return_.refresh_from_db()
    assert return_.narrative == GOOD.narrative
    assert return_.state == ReturnState.DRAFT
    assert return_.version == draft.version


def test_percent_complete_out_of_range_is_refused(return_, officer):
    with pytest.raises(ValidationError) as exc:
        return_save_draft(
            return_=return_,
            user=officer,
            data=ReturnInput(percent_complete=120),
            expected_version=None,
        )
    assert "percent_complete" in exc.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_database_refuses_a_second_return_for_the_same_round(return_):
    with pytest.raises(IntegrityError), transaction.atomic():
        Return.objects.create(milestone=return_.milestone, round=return_.round)


@pytest.mark.django_db(transaction=True)
def test_database_refuses_submitted_return_without_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnFactory(state=ReturnState.SUBMITTED, rag="", rag_text="")


# Reviews: never of text the reviewer did not see, never of one's own work -------------------
def test_approving_a_return_the_officer_changed_since_the_page_was_read_is_refused(
    return_, officer, policy_user
):
    seen = return_submit(return_=return_, user=officer, data=GOOD, expected_version=return_.version)
    resubmitted = return_submit(
        return_=return_,
        user=officer,
        data=ReturnInput(narrative="Words the reviewer never read.", rag=RAG.ONGOING),
        expected_version=seen.version,
    )
    with pytest.raises(ReturnConflict) as exc:
        return_approve(return_=return_, user=policy_user, expected_version=seen.version)
    assert exc.value.current.narrative == "Words the reviewer never read."
    return_.refresh_from_db()
    assert return_.state == ReturnState.SUBMITTED  # not approved
    assert return_.reviewed_by is None
    assert return_.version == resubmitted.version


def test_returning_a_return_the_officer_changed_since_the_page_was_read_is_refused(
    return_, officer, policy_user
):
    seen = return_submit(return_=return_, user=officer, data=GOOD, expected_version=None)
    return_save_draft(return_=return_, user=officer, data=GOOD, expected_version=seen.version)
    with pytest.raises(ReturnConflict):
        return_send_back(
            return_=return_,
            user=policy_user,
            comment="Add the impact.",
            expected_version=seen.version,
        )
    return_.refresh_from_db()
    assert return_.state == ReturnState.DRAFT
    assert return_.review_comment == ""


def test_approving_the_version_read_is_accepted(return_, officer, policy_user):
    seen = return_submit(return_=return_, user=officer, data=GOOD, expected_version=None)
    approved = return_approve(return_=return_, user=policy_user, expected_version=seen.version)
    assert approved.state == ReturnState.APPROVED
    assert approved.narrative == GOOD.narrative
    assert approved.version == seen.version + 1


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_the_person_who_submitted_a_return_cannot_review_it(return_, policy_user, decision):
    # A policy-team member can submit (the service does not ask who holds the post).
    seen = return_submit(return_=return_, user=policy_user, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="You submitted this return, so another member"):
        if decision == "approve":
            return_approve(return_=return_, user=policy_user, expected_version=seen.version)
        else:
            return_send_back(
                return_=return_, user=policy_user, comment="Fine.", expected_version=seen.version
            )
    return_.refresh_from_db()
    assert return_.state == ReturnState.SUBMITTED and return_.reviewed_by is None


@pytest.mark.parametrize("superuser", [False, True])
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_a_holder_of_the_milestones_post_cannot_review_it(
    return_, officer, post, policy_user, superuser, decision
):
    reviewer = policy_user
    if superuser:
        reviewer = UserFactory(username="root", is_superuser=True, is_staff=True)
    post.holders.add(reviewer)
    seen = return_submit(return_=return_, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="You hold a post responsible for this milestone"):
        if decision == "approve":
            return_approve(return_=return_, user=reviewer, expected_version=seen.version)
        else:
            return_send_back(
                return_=return_, user=reviewer, comment="Fine.", expected_version=seen.version
            )
    return_.refresh_from_db()
    assert return_.state == ReturnState.SUBMITTED and return_.reviewed_by is None


def test_a_superuser_who_submitted_cannot_approve_it(return_):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    seen = return_submit(return_=return_, user=root, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="You submitted this return"):
        return_approve(return_=return_, user=root, expected_version=seen.version)


def test_only_the_policy_team_reviews(return_, officer, other_officer):
    seen = return_submit(return_=return_, user=officer, data=GOOD, expected_version=None)
    with pytest.raises(ValidationError, match="Only the policy team"):
        return_approve(return_=return_, user=other_officer, expected_version=seen.version)
