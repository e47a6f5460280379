"""`manage.py send_reminders` and the scheduled task that runs the same service."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from frameworks.models import Direction, Reminder, ReturnState
from frameworks.tasks import next_run_at, send_reminders_task
from tests.factories import (
    IndicatorFactory,
    IndicatorValueFactory,
    PostFactory,
    RoundFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
DUE = dt.date(2021, 1, 5)


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.TRACKER_REMINDER_DAYS_BEFORE = 5
    settings.TRACKER_REMINDER_DAYS_AFTER = [1, 5]
    settings.TRACKER_BASE_URL = "https://tracker.example.gov.uk"


@pytest.fixture
def round(milestone):
    return RoundFactory(framework=milestone.framework, label="Q3 2020-21", due_date=DUE)


def call(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def frozen(*args, hour=7):
    return time_machine.travel(dt.datetime(*args, hour, tzinfo=LONDON), tick=False)


def test_sends_prints_and_is_idempotent(officer, policy_user, return_, mailoutbox):
    out, _ = call("--today", "2021-01-11")
    assert "Sent to sam@example.org: Your Q3 2020-21 returns for" in out
    assert (
        "Sent to priya@example.org: Late returns: week beginning 11 January 2021 (1 return)" in out
    )
    assert out.strip().endswith("Sent 1 reminder and 1 digest.")
    assert len(mailoutbox) == 2 and Reminder.objects.count() == 2
    out, _ = call("--today", "2021-01-11")
    assert "Sent 0 reminders and 0 digests.\n2 already sent earlier, so not sent again." in out
    assert len(mailoutbox) == 2 and Reminder.objects.count() == 2


def test_dry_run_prints_who_would_get_what_and_sends_nothing(
    officer, policy_user, return_, mailoutbox
):
    out, _ = call("--today", "2021-01-11", "--dry-run")
    assert "Would send to sam@example.org: Your Q3 2020-21 returns for " in out
    assert "are late (1 return)" in out
    assert "Would send to priya@example.org: Late returns: week beginning 11 January 2021" in out
    assert "Would send 1 reminder and 1 digest." in out
    assert mailoutbox == [] and not Reminder.objects.exists()


def test_uses_the_local_date_when_today_is_not_given(officer, return_, mailoutbox):
    with frozen(2021, 1, 5):
        out, _ = call()
    assert "are due today (1 return)" in out
    assert Reminder.objects.get().kind == Reminder.Kind.ON_DUE


def test_the_day_is_the_london_day_not_the_utc_day(officer, return_, mailoutbox):
    """Due Wednesday 30 June 2021: at 00:30 on 1 July in London (23:30 on 30 June in UTC) the
    1-working-day-late reminder goes, not the on-the-day one."""
    return_.round.due_date = dt.date(2021, 6, 30)
    return_.round.save()
    with time_machine.travel(dt.datetime(2021, 7, 1, 0, 30, tzinfo=LONDON), tick=False):
        out, _ = call()
    assert "are late (1 return)" in out
    assert Reminder.objects.get().key.endswith(":after:1:2021-06-30")


def test_owners_of_indicators_are_reminded_of_their_values_too(
    officer, policy_user, return_, mailoutbox
):
    """Seed 004's children's social care vacancy gap, owned by R5.14's owner, not given yet: the
    owner gets a reminder of their own, and the digest names the late value under their post."""
    owner = PostFactory(title="Amanda Harcus")
    owner.holders.add(UserFactory(username="amanda", first_name="Amanda", last_name="Harcus"))
    indicator = IndicatorFactory(
        framework=return_.round.framework,
        name="Children's social care vacancy gap",
        unit="%",
        direction=Direction.LOWER,
        owner=owner,
    )
    IndicatorValueFactory(
        indicator=indicator, round=return_.round, state=ReturnState.NOT_STARTED, value=None
    )
    out, _ = call("--today", "2021-01-11")
    assert "Sent to amanda@example.org: Your Q3 2020-21 returns for" in out
    assert "Sent to sam@example.org: Your Q3 2020-21 returns for" in out
    assert out.strip().endswith("Sent 2 reminders and 1 digest.")
    [digest] = [m for m in mailoutbox if m.to == ["priya@example.org"]]
    assert "there is 1 late return and 1 late indicator value" in digest.body
    assert "Amanda Harcus: 1 late indicator value\n" in digest.body
    assert Reminder.objects.get(recipient__username="amanda").returns == 1


def test_says_when_the_day_is_not_a_working_day(officer, return_, mailoutbox):
    out, _ = call("--today", "2020-12-28")
    assert out == (
        "28 December 2020 is not a working day, so nothing was sent. "
        "The next working day's run will send anything due.\n"
    )
    assert mailoutbox == []


def test_names_post_holders_without_an_email_address(officer, return_):
    officer.email = ""
    officer.save()
    out, err = call("--today", "2020-12-24")
    assert "Sent 0 reminders" in out
    assert "no email address, so they were not reminded: sam" in err


def test_rejects_a_malformed_date(db):
    with pytest.raises(CommandError, match="use YYYY-MM-DD"):
        call("--today", "24/12/2020")


def test_fails_loudly_when_an_email_cannot_be_sent(officer, return_, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(CommandError, match="Could not send 1 email"):
        call("--today", "2020-12-24")
    assert not Reminder.objects.exists()


# The task -----------------------------------------------------------------------------------
def test_task_runs_the_service(officer, return_, mailoutbox):
    """Test settings use the ImmediateBackend: the task runs at once and, since that backend
    cannot defer, does not queue its next run (which would otherwise run at once, for ever)."""
    assert type(send_reminders_task.get_backend()).__name__ == "ImmediateBackend"
    with frozen(2020, 12, 24):
        result = send_reminders_task.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"reminders": 1, "digests": 0, "failed": 0}
    assert [m.to for m in mailoutbox] == [["sam@example.org"]]
    assert Reminder.objects.get().kind == Reminder.Kind.BEFORE_DUE
    with frozen(2020, 12, 24, hour=15):
        assert send_reminders_task.enqueue().return_value["reminders"] == 0


def test_next_run_is_7am_on_the_next_working_day():
    # Thursday 24 December 2020 -> Tuesday 29 December (Christmas, weekend, Boxing Day)
    now = dt.datetime(2020, 12, 24, 7, 0, 3, tzinfo=LONDON)
    assert next_run_at(now) == dt.datetime(2020, 12, 29, 7, tzinfo=LONDON)
    # Friday in British Summer Time -> Monday 07:00 BST (06:00 UTC)
    now = dt.datetime(2021, 7, 2, 7, tzinfo=LONDON)
    assert next_run_at(now) == dt.datetime(2021, 7, 5, 6, tzinfo=dt.UTC)


def test_task_requeues_itself_once_for_the_next_working_day(settings, officer, return_):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with frozen(2020, 12, 24):
        send_reminders_task.call()
        send_reminders_task.call()  # a second run does not start a second daily chain
    [queued] = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert queued.task_path == "frameworks.tasks.send_reminders_task"
    assert queued.run_after == dt.datetime(2020, 12, 29, 7, tzinfo=LONDON)
    assert Reminder.objects.count() == 1
