"""No lost updates: two people saving the same return at the same moment, and a failure half-way
through a write, never lose or half-write an officer's words."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frameworks.models import RAG, Milestone, Return, ReturnState, Round
from frameworks.services.returns import (
    ReturnConflict,
    ReturnInput,
    return_approve,
    return_save_draft,
    return_submit,
)
from frameworks.services.rounds import round_create
from tests.builders import date_parts
from tests.factories import PolicyUserFactory


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "two real concurrent sessions need PostgreSQL (.ci/run's first pass): SQLite's shared "
            "in-memory test database refuses a second writer instead of making it wait"
        )


def run_at_once(*jobs) -> None:
    """Start each job in its own thread (its own database session), all at the same moment."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=10)
            job()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sessions_one_wins_and_the_other_is_told(
    return_, officer, other_officer, post
):
    needs_postgresql()
    post.holders.add(other_officer)  # two holders of the same post, two browser sessions
    version = Return.objects.get(pk=return_.pk).version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(name, user):
        try:
            barrier.wait(timeout=10)
            return_save_draft(
                return_=return_,
                user=user,
                data=ReturnInput(narrative=f"Words typed by {name}"),
                expected_version=version,
            )
            outcomes[name] = "saved"
        except ReturnConflict as conflict:
            outcomes[name] = f"conflict with: {conflict.current.narrative}"
        except Exception as exc:  # recorded, so the assertion below shows it
            outcomes[name] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=("Sam", officer)),
        threading.Thread(target=save, args=("Ruth", other_officer)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["conflict with", "saved"], (
        outcomes
    )
    winner = next(name for name, o in outcomes.items() if o == "saved")
    loser = next(name for name, o in outcomes.items() if o != "saved")
    stored = Return.objects.get(pk=return_.pk)
    assert stored.narrative == f"Words typed by {winner}"
    assert stored.version == version + 1
    assert outcomes[loser] == f"conflict with: Words typed by {winner}"  # shown beside theirs


def test_a_failure_half_way_through_approval_leaves_the_return_as_it_was(
    return_, officer, policy_user, monkeypatch
):
    new = (timezone.localdate() + dt.timedelta(days=200)).strftime("%d/%m/%Y")
    submitted = return_submit(
        return_=return_,
        user=officer,
        data=ReturnInput(narrative="On track.", rag="IN_PROGRESS", new_deadline=new),
        expected_version=None,
    )

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    # Approval writes the return, then the milestone's revised deadline: make the second fail.
    monkeypatch.setattr(Milestone, "save", broken_save)
    with pytest.raises(RuntimeError):
        return_approve(return_=return_, user=policy_user, expected_version=None)
    stored = Return.objects.get(pk=return_.pk)
    assert stored.state == ReturnState.SUBMITTED
    assert stored.version == submitted.version
    assert stored.reviewed_by is None


@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_resubmission_never_approves_text_the_reviewer_did_not_read(
    return_, officer, policy_user
):
    needs_postgresql()
    read = return_submit(
        return_=return_,
        user=officer,
        data=ReturnInput(narrative="Training planned for March.", rag=RAG.ONGOING),
        expected_version=None,
    )  # the reviewer opens the page at this version; the officer's page has it too
    outcomes: dict[str, str] = {}

    def approve():
        try:
            return_approve(return_=return_, user=policy_user, expected_version=read.version)
            outcomes["reviewer"] = "approved"
        except ReturnConflict as conflict:
            outcomes["reviewer"] = f"told: {conflict.current.narrative}"
        except Exception as exc:
            outcomes["reviewer"] = f"error: {exc!r}"

    def resubmit():
        try:
            return_submit(
                return_=return_,
                user=officer,
                data=ReturnInput(narrative="Training cancelled: no budget.", rag=RAG.OVERDUE),
                expected_version=read.version,
            )
            outcomes["officer"] = "resubmitted"
        except ReturnConflict as conflict:
            outcomes["officer"] = f"told: {conflict.current.get_state_display()}"
        except Exception as exc:
            outcomes["officer"] = f"error: {exc!r}"

    run_at_once(approve, resubmit)
    stored = Return.objects.get(pk=return_.pk)
    assert outcomes in (
        {"reviewer": "approved", "officer": "told: Approved"},
        {"reviewer": "told: Training cancelled: no budget.", "officer": "resubmitted"},
    ), outcomes
    if stored.state == ReturnState.APPROVED:
        assert stored.narrative == "Training planned for March."  # exactly what was read
    else:
        assert stored.state == ReturnState.SUBMITTED
        assert stored.narrative == "Training cancelled: no budget."
        assert stored.reviewed_by is None
    assert stored.version == read.version + 1


@pytest.mark.django_db(transaction=True)
def test_three_people_creating_the_same_round_at_once_get_one_round_and_two_form_errors(
    milestone,
):
    needs_postgresql()
    framework = milestone.framework
    url = reverse("frameworks:round-create", args=[framework.slug])
    form = {
        "label": "Q4 2020-21",
        **date_parts(start_date="1/1/2021", end_date="31/3/2021", due_date="15/4/2021"),
    }
    clients = []
    for name in ("priya", "jane", "imran"):
        client = Client()
        client.force_login(PolicyUserFactory(username=name))
        clients.append(client)
    responses: list = []

    def create(client):
        def job():
            try:
                responses.append(client.post(url, form))
            except Exception as exc:  # a 500 raises here: recorded, so the assertion shows it
                responses.append(exc)

        return job

    run_at_once(*(create(client) for client in clients))
    statuses = sorted(str(getattr(r, "status_code", repr(r))) for r in responses)
    assert statuses == ["200", "200", "302"], responses  # never a 500
    for response in responses:
        if response.status_code == 200:
            page = response.content.decode()
            assert "There is a problem" in page
            assert "This framework already has a round called Q4 2020-21." in page
    assert list(Round.objects.filter(framework=framework).values_list("label")) == [("Q4 2020-21",)]


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_creates_in_the_service_give_one_round_and_two_label_errors(milestone):
    needs_postgresql()
    outcomes: list[str] = []

    def create():
        try:
            round_create(
                framework=milestone.framework,
                label="Q4 2020-21",
                start_date=dt.date(2021, 1, 1),
                end_date=dt.date(2021, 3, 31),
                due_date=dt.date(2021, 4, 15),
            )
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.message_dict["label"]))
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")

    run_at_once(create, create, create)
    assert sorted(outcomes) == [
        "This framework already has a round called Q4 2020-21.",
        "This framework already has a round called Q4 2020-21.",
        "created",
    ], outcomes
    assert Round.objects.filter(framework=milestone.framework).count() == 1
