"""No lost updates: two people saving the same return at the same moment, and a failure half-way
through a write, never lose or half-write an officer's words."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from frameworks.models import Milestone, ProgressUpdate, UpdateState
from frameworks.services.updates import (
    UpdateConflict,
    UpdateInput,
    progress_update_approve,
    progress_update_save_draft,
    progress_update_submit,
)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sessions_one_wins_and_the_other_is_told(
    update, officer, other_officer, post
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "two real concurrent sessions need PostgreSQL (.ci/run's first pass): SQLite's shared "
            "in-memory test database refuses a second writer instead of making it wait"
        )
    post.holders.add(other_officer)  # two holders of the same post, two browser sessions
    version = ProgressUpdate.objects.get(pk=update.pk).version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(name, user):
        try:
            barrier.wait(timeout=10)
            progress_update_save_draft(
                update=update,
                user=user,
                data=UpdateInput(narrative=f"Words typed by {name}"),
                expected_version=version,
            )
            outcomes[name] = "saved"
        except UpdateConflict as conflict:
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
    stored = ProgressUpdate.objects.get(pk=update.pk)
    assert stored.narrative == f"Words typed by {winner}"
    assert stored.version == version + 1
    assert outcomes[loser] == f"conflict with: Words typed by {winner}"  # shown beside theirs


def test_a_failure_half_way_through_approval_leaves_the_return_as_it_was(
    update, officer, policy_user, monkeypatch
):
    new = (timezone.localdate() + dt.timedelta(days=200)).strftime("%d/%m/%Y")
    submitted = progress_update_submit(
        update=update,
        user=officer,
        data=UpdateInput(narrative="On track.", rag="IN_PROGRESS", new_deadline=new),
        expected_version=None,
    )

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    # Approval writes the return, then the milestone's revised deadline: make the second fail.
    monkeypatch.setattr(Milestone, "save", broken_save)
    with pytest.raises(RuntimeError):
        progress_update_approve(update=update, user=policy_user)
    stored = ProgressUpdate.objects.get(pk=update.pk)
    assert stored.state == UpdateState.SUBMITTED
    assert stored.version == submitted.version
    assert stored.reviewed_by is None
