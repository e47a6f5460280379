import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from frameworks.models import RAG, ReturnState
from frameworks.services.returns import ReturnInput, return_approve, return_submit
from tests.factories import (
    ApprovedReturnFactory,
    MilestoneFactory,
    PolicyUserFactory,
    ReturnFactory,
    RoundFactory,
    UserFactory,
)
from tests.html import attrs, buttons, error_summary, text, texts


def future() -> str:
    return (timezone.localdate() + dt.timedelta(days=400)).strftime("%d/%m/%Y")


def form_data(return_, **overrides):
    data = {
        "narrative": "The CCfA has been drafted and will go to CLT in October.",
        "rag": RAG.ONGOING,
        "new_deadline": "",
        "percent_complete": "",
        "version": return_.version,
        "action": "save",
    }
    data.update(overrides)
    return data


def test_task_list_shows_only_returns_for_posts_held(client, officer, return_, other_officer):
    not_mine = ReturnFactory(
        round=return_.round,
        milestone=MilestoneFactory(
            theme=return_.milestone.theme, title="Promote the Members Hub internally"
        ),
    )
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-list")).content.decode()
    assert return_.milestone.title in page
    assert not_mine.milestone.title not in page
    assert "Not started" in page
    assert "Q3 2020-21" in page


def test_return_page_shows_previous_round_beside_the_form(client, officer, return_):
    previous_round = RoundFactory(
        framework=return_.round.framework,
        label="Q2 2020-21",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 9, 30),
        state="CLOSED",
    )
    previous = ApprovedReturnFactory(
        milestone=return_.milestone,
        round=previous_round,
        narrative="Completion of the CCfA was delayed by the pandemic response.",
        rag=RAG.IN_PROGRESS,
    )
    return_.previous = previous
    return_.save()
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-edit", args=[return_.pk])).content.decode()
    assert "Last round&#x27;s update" in page or "Last round's update" in page
    assert "delayed by the pandemic response" in page
    assert "Q2 2020-21" in page
    assert "April 2020" in page  # the deadline
    assert "Overdue" in page  # deadline passed, not complete


def test_save_draft_without_javascript_redirects_back(client, officer, return_):
    client.force_login(officer)
    url = reverse("frameworks:return-edit", args=[return_.pk])
    response = client.post(url, form_data(return_))
    assert response.status_code == 302 and response.url == url
    return_.refresh_from_db()
    assert return_.state == ReturnState.DRAFT
    assert "CLT in October" in return_.narrative


def test_submit_with_errors_shows_error_summary_and_keeps_text(client, officer, return_):
    client.force_login(officer)
    response = client.post(
        reverse("frameworks:return-edit", args=[return_.pk]),
        form_data(return_, rag=RAG.IN_PROGRESS, action="submit"),
    )
    assert response.status_code == 200
    links = attrs(response, ".govuk-error-summary a")
    assert [link["href"] for link in links] == ["#id_new_deadline"]
    assert "has passed" in error_summary(response)
    assert "has passed" in text(response, "#id_new_deadline-error")  # and beside the field
    assert "CLT in October" in text(response, "textarea[name=narrative]")  # the words are kept
    return_.refresh_from_db()
    assert return_.state == ReturnState.NOT_STARTED


def test_submit_goes_back_to_task_list(client, officer, return_):
    client.force_login(officer)
    response = client.post(
        reverse("frameworks:return-edit", args=[return_.pk]),
        form_data(return_, rag=RAG.IN_PROGRESS, new_deadline=future(), action="submit"),
    )
    assert response.status_code == 302
    assert response.url == reverse("frameworks:return-list")
    return_.refresh_from_db()
    assert return_.state == ReturnState.SUBMITTED


def test_autosave_with_htmx_returns_the_status_fragment(client, officer, return_):
    client.force_login(officer)
    response = client.post(
        reverse("frameworks:return-autosave", args=[return_.pk]),
        form_data(return_),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="autosave-status"' in body
    assert "Draft saved automatically" in body
    assert 'name="version" value="2"' in body and 'hx-swap-oob="true"' in body
    return_.refresh_from_db()
    assert return_.state == ReturnState.DRAFT


def test_autosave_without_htmx_falls_back_to_the_page(client, officer, return_):
    client.force_login(officer)
    response = client.post(
        reverse("frameworks:return-autosave", args=[return_.pk]), form_data(return_)
    )
    assert response.status_code == 302
    assert response.url == reverse("frameworks:return-edit", args=[return_.pk])
    return_.refresh_from_db()
    assert return_.state == ReturnState.NOT_STARTED


def test_autosave_never_overwrites_newer_work(client, officer, return_):
    client.force_login(officer)
    url = reverse("frameworks:return-autosave", args=[return_.pk])
    client.post(url, form_data(return_, narrative="Newer words"), HTTP_HX_REQUEST="true")
    stale = client.post(url, form_data(return_, narrative="Older tab"), HTTP_HX_REQUEST="true")
    assert "Not saved" in stale.content.decode()
    return_.refresh_from_db()
    assert return_.narrative == "Newer words"


def test_conflicting_save_shows_both_texts(client, officer, return_):
    client.force_login(officer)
    url = reverse("frameworks:return-edit", args=[return_.pk])
    client.post(url, form_data(return_, narrative="Saved first in another tab"))
    response = client.post(url, form_data(return_, narrative="My own words"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Their text is shown above yours" in error_summary(response)  # where it is
    assert page.index("Saved first in another tab") < page.index("My own words")


def test_approved_return_is_read_only(client, officer, return_):
    return_.state = ReturnState.APPROVED
    return_.rag = RAG.COMPLETED
    return_.save()
    client.force_login(officer)
    url = reverse("frameworks:return-edit", args=[return_.pk])
    page = client.get(url)
    assert "can no longer be changed" in page.content.decode()
    assert "Submit for review" not in buttons(page) and not attrs(page, "textarea")
    assert client.post(url, form_data(return_)).status_code == 403


def test_review_return_then_officer_sees_comment(client, officer, policy_user, return_):
    return_.state = ReturnState.SUBMITTED
    return_.rag = RAG.ONGOING
    return_.narrative = "Training planned."
    return_.save()
    client.force_login(policy_user)
    review = reverse("frameworks:return-review", args=[return_.pk])
    version = return_.version
    assert attrs(client.get(review), "input[name=version]")[0]["value"] == str(version)
    response = client.post(review, {"decision": "return", "comment": "", "version": version})
    assert "Enter a comment" in error_summary(response)
    response = client.post(
        review, {"decision": "return", "comment": "Please add the impact.", "version": version}
    )
    assert response.status_code == 302
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-edit", args=[return_.pk])).content.decode()
    assert "Returned by the policy team" in page and "Please add the impact." in page


@pytest.mark.parametrize("size", [3, 30])
def test_task_list_query_count_does_not_grow(
    client, officer, post, round, size, django_assert_max_num_queries
):
    for _ in range(size):
        ReturnFactory(
            round=round, milestone=MilestoneFactory(theme__framework=round.framework, lead=post)
        )
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("frameworks:return-list"))
    assert response.content.decode().count("govuk-task-list__link") == size


@pytest.mark.parametrize("size", [3, 30])
def test_return_page_query_count_does_not_grow(
    client, officer, return_, post, size, django_assert_max_num_queries
):
    for _ in range(size):
        MilestoneFactory(theme=return_.milestone.theme, lead=post)
    client.force_login(officer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("frameworks:return-edit", args=[return_.pk])).status_code == 200


# The review page: decide on what you read, and never on your own work -----------------------
def submitted(return_, officer, narrative: str):
    """The officer submits `narrative` through the service; the stored return comes back."""
    return return_submit(
        return_=return_,
        user=officer,
        data=ReturnInput(narrative=narrative, rag=RAG.ONGOING),
        expected_version=None,
    )


def test_approving_from_a_page_opened_before_the_officer_resubmitted_shows_the_new_text(
    client, officer, policy_user, return_
):
    submitted(return_, officer, "Training planned for March.")
    client.force_login(policy_user)
    review = reverse("frameworks:return-review", args=[return_.pk])
    page = client.get(review).content.decode()
    assert "Training planned for March." in page
    seen_version = attrs(page, "input[name=version]")[0]["value"]
    # Meanwhile the officer saves and resubmits different words.
    return_submit(
        return_=return_,
        user=officer,
        data=ReturnInput(narrative="Training cancelled: no budget.", rag=RAG.OVERDUE),
        expected_version=int(seen_version),
    )
    response = client.post(review, {"decision": "approve", "comment": "", "version": seen_version})
    assert response.status_code == 200  # not applied: the page again, not the dashboard
    summary = error_summary(response)
    assert "This return changed after you opened it" in summary
    assert f"{officer.get_full_name()} resubmitted it at" in summary
    assert "Training cancelled: no budget." in response.content.decode()  # the current text
    return_.refresh_from_db()
    assert return_.state == ReturnState.SUBMITTED
    # Deciding again is possible, on the version now shown.
    assert attrs(response, "input[name=version]")[0]["value"] == str(return_.version)
    assert "Confirm decision" in buttons(response)
    response = client.post(
        review, {"decision": "approve", "comment": "", "version": return_.version}
    )
    assert response.status_code == 302
    return_.refresh_from_db()
    assert return_.state == ReturnState.APPROVED
    assert return_.narrative == "Training cancelled: no budget."


def test_returning_from_a_page_opened_before_another_reviewer_approved_changes_nothing(
    client, officer, policy_user, return_
):
    seen = submitted(return_, officer, "Training planned for March.")
    colleague = PolicyUserFactory(username="jane", first_name="Jane", last_name="Smith")
    return_approve(return_=return_, user=colleague, expected_version=seen.version)
    client.force_login(policy_user)
    response = client.post(
        reverse("frameworks:return-review", args=[return_.pk]),
        {"decision": "return", "comment": "Add the impact.", "version": seen.version},
    )
    assert response.status_code == 200
    assert "Jane Smith approved it at" in error_summary(response)
    assert "Confirm decision" not in buttons(response)  # nothing left to decide
    return_.refresh_from_db()
    assert return_.state == ReturnState.APPROVED
    assert return_.review_comment == ""


def test_a_review_without_the_version_read_is_not_applied(client, officer, policy_user, return_):
    submitted(return_, officer, "Training planned for March.")
    client.force_login(policy_user)
    response = client.post(
        reverse("frameworks:return-review", args=[return_.pk]), {"decision": "approve"}
    )
    assert response.status_code == 200
    assert "Reload the page" in error_summary(response)
    return_.refresh_from_db()
    assert return_.state == ReturnState.SUBMITTED


@pytest.mark.parametrize("who", ["submitter", "post holder", "superuser holding the post"])
def test_a_reviewer_cannot_decide_on_their_own_work(client, officer, post, return_, who):
    reviewer = PolicyUserFactory(username="pat", first_name="Pat", last_name="Morgan")
    if who == "superuser holding the post":
        reviewer = UserFactory(username="root", is_superuser=True, is_staff=True)
    if who == "submitter":
        seen = submitted(return_, reviewer, "Training planned for March.")
        reason = "You submitted this return, so another member of the policy team must review it."
    else:
        post.holders.add(reviewer)
        seen = submitted(return_, officer, "Training planned for March.")
        reason = "You hold a post responsible for this milestone"
    client.force_login(reviewer)
    review = reverse("frameworks:return-review", args=[return_.pk])
    page = client.get(review).content.decode()
    assert reason in text(page, ".govuk-warning-text")  # said up front
    assert "Training planned for March." in page  # the return is still shown
    assert "Confirm decision" not in buttons(page) and not attrs(page, "input[name=decision]")
    edit_page = client.get(reverse("frameworks:return-edit", args=[return_.pk]))
    assert "Review this return" not in texts(edit_page, "a, button")
    # Posting anyway is refused by the service, and says why.
    response = client.post(review, {"decision": "approve", "version": seen.version})
    assert response.status_code == 200
    assert "another member of the policy team" in error_summary(response)
    return_.refresh_from_db()
    assert return_.state == ReturnState.SUBMITTED and return_.reviewed_by is None


def test_another_policy_team_member_can_review(client, officer, policy_user, return_):
    submitted(return_, officer, "Training planned for March.")
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:return-review", args=[return_.pk]))
    assert "Confirm decision" in buttons(page)
    assert "another member of the policy team" not in page.content.decode()


def test_the_update_box_counts_characters_and_autosave_says_so_beside_it(client, officer, return_):
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-edit", args=[return_.pk]))
    (group,) = attrs(page, ".govuk-character-count")
    assert group["data-module"] == "govuk-character-count"
    assert group["data-maxlength"] == "20000"
    assert text(page, "#id_narrative-info") == "You can enter up to 20,000 characters"
    assert "maxlength" not in attrs(page, "textarea#id_narrative")[0], "GOV.UK lets people go over"
    html = page.content.decode()
    # The autosave status is under the text box, not below the buttons at the foot of the form.
    assert html.index('id="id_narrative"') < html.index('id="autosave-status"')
    assert html.index('id="autosave-status"') < html.index('name="rag"')


def test_the_examples_of_a_new_deadline_have_not_passed(client, officer, return_):
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-edit", args=[return_.pk]))
    hint = text(page, "#id_new_deadline-hint")
    day, month, year = map(int, hint.rsplit(" or ", 1)[1].rstrip(".").split("/"))
    example = dt.date(year, month, day)
    assert example > timezone.localdate()


@pytest.mark.parametrize(
    ("new_deadline", "message"),
    [
        ("end of Q4", "“end of Q4” is not a date the tracker can check."),
        ("Nov-20", "The new deadline (November 2020) has passed too."),
        ("", "The deadline (April 2020) has passed."),
    ],
)
def test_in_progress_after_the_deadline_says_what_is_wrong_with_the_new_one(
    client, officer, return_, new_deadline, message
):
    client.force_login(officer)
    url = reverse("frameworks:return-edit", args=[return_.pk])
    page = client.post(
        url,
        form_data(return_, rag=RAG.IN_PROGRESS, new_deadline=new_deadline, action="submit"),
    )
    assert message in error_summary(page)
    # Now that it is needed, the question no longer says it is optional.
    assert text(page, "label[for=id_new_deadline]") == "New deadline"


def test_the_review_page_says_when_no_new_deadline_was_given(client, policy_user, return_):
    return_.state, return_.rag, return_.narrative = ReturnState.SUBMITTED, RAG.ONGOING, "Done."
    return_.save()
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:return-review", args=[return_.pk]))
    assert "No new deadline" in texts(page, ".govuk-summary-list__value")
    assert "None" not in texts(page, ".govuk-summary-list__value")


def test_a_reviewer_goes_through_the_submitted_returns_in_order(client, policy_user, return_):
    """Previous and next through the round's submitted returns, and on to the next after a
    decision, so the policy team does not go back to the dashboard for each one."""
    theme = return_.milestone.theme
    second = ReturnFactory(
        round=return_.round, milestone=MilestoneFactory(theme=theme, title="Members Hub", order=2)
    )
    ReturnFactory(  # a draft: not the reviewer's yet
        round=return_.round, milestone=MilestoneFactory(theme=theme, title="Enquiries", order=3)
    )
    for each in (return_, second):
        each.state, each.rag, each.narrative = ReturnState.SUBMITTED, RAG.ONGOING, "Done."
        each.save()
    return_.milestone.order = 1
    return_.milestone.save()
    client.force_login(policy_user)
    first_page = client.get(reverse("frameworks:return-review", args=[return_.pk]))
    assert [a["href"] for a in attrs(first_page, ".govuk-pagination a")] == [
        reverse("frameworks:return-review", args=[second.pk])
    ]
    assert "2 returns submitted and waiting for review in Q3 2020-21." in texts(first_page, "p")
    decided = client.post(
        reverse("frameworks:return-review", args=[return_.pk]),
        {"decision": "approve", "comment": "", "version": return_.version},
    )
    assert decided.url == reverse("frameworks:return-review", args=[second.pk])
    second_page = client.get(decided.url)
    assert [a["href"] for a in attrs(second_page, ".govuk-pagination a")] == []
    last = client.post(
        reverse("frameworks:return-review", args=[second.pk]),
        {"decision": "approve", "comment": "", "version": second.version},
    )
    assert last.url == reverse("frameworks:round-detail", args=[return_.round_id])
