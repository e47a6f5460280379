"""Reminders: which emails go out on which days (with the real English bank holidays), to whom,
what they say, and that nobody gets the same one twice."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse
from django.utils import timezone

from frameworks.models import RAG, Direction, Reminder, ReturnState, RoundState
from frameworks.services import reminders as service
from frameworks.services.reminders import (
    add_working_days,
    is_working_day,
    reminder_stage,
    reminder_stages,
    reminders_for,
    reminders_send,
    working_days_between,
)
from tests.factories import (
    IndicatorFactory,
    IndicatorValueFactory,
    MilestoneFactory,
    PolicyUserFactory,
    PostFactory,
    ReturnFactory,
    RoundFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
DUE = dt.date(2021, 1, 5)  # Tuesday, after Christmas Day, Boxing Day (sub. 28th) and New Year
BASE = "https://tracker.example.gov.uk"
Kind = Reminder.Kind


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.TRACKER_REMINDER_DAYS_BEFORE = 5
    settings.TRACKER_REMINDER_DAYS_AFTER = [1, 5]
    settings.TRACKER_BASE_URL = BASE + "/"
    settings.DEFAULT_FROM_EMAIL = "action-tracker@example.gov.uk"


@pytest.fixture
def round(milestone):
    framework = milestone.framework
    framework.name = "Ward Councillor Support Framework"  # without the factory's sequence number
    framework.save()
    return RoundFactory(
        framework=framework,
        label="Q3 2020-21",
        start_date=dt.date(2020, 10, 1),
        end_date=dt.date(2020, 12, 31),
        due_date=DUE,
    )


def at(day: dt.date, hour: int = 7):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON), tick=False)


def run_on(day: dt.date, **kwargs):
    """Run the service with the clock frozen at 07:00 London time on `day`."""
    with at(day):
        return reminders_send(today=timezone.localdate(), **kwargs)


def sent(run) -> list[tuple[str, str]]:
    return [(email.address, email.kind) for email in run.reminders + run.digests]


# Working days -------------------------------------------------------------------------------
def test_bundled_english_bank_holidays_are_not_working_days(db):
    assert not is_working_day(dt.date(2020, 12, 25))  # Christmas Day, Friday
    assert not is_working_day(dt.date(2020, 12, 28))  # Boxing Day (substitute day), Monday
    assert not is_working_day(dt.date(2021, 1, 1))  # New Year's Day, Friday
    assert not is_working_day(dt.date(2021, 4, 5))  # Easter Monday
    assert is_working_day(dt.date(2020, 12, 24))
    assert is_working_day(dt.date(2020, 12, 29))


def test_working_days_between_skips_weekends_and_bank_holidays(db):
    # 29, 30, 31 December and 4, 5 January
    assert working_days_between(dt.date(2020, 12, 24), DUE) == 5
    assert working_days_between(DUE, dt.date(2020, 12, 24)) == -5
    assert working_days_between(DUE, DUE) == 0
    # Friday to Monday is one working day: the weekend does not count.
    assert working_days_between(dt.date(2021, 1, 8), dt.date(2021, 1, 11)) == 1
    assert add_working_days(DUE, -5) == dt.date(2020, 12, 24)
    assert add_working_days(dt.date(2021, 1, 8), 1) == dt.date(2021, 1, 11)
    assert add_working_days(dt.date(2021, 1, 11), -5) == dt.date(2021, 1, 4)


def test_stages_of_a_round_due_on_5_january_2021(round):
    stages = reminder_stages(round=round)
    assert [(s.kind, s.day, s.key) for s in stages] == [
        (Kind.BEFORE_DUE, dt.date(2020, 12, 24), f"period:{round.pk}:before:2021-01-05"),
        (Kind.ON_DUE, DUE, f"period:{round.pk}:on:2021-01-05"),
        (Kind.AFTER_DUE, dt.date(2021, 1, 6), f"period:{round.pk}:after:1:2021-01-05"),
        (Kind.AFTER_DUE, dt.date(2021, 1, 12), f"period:{round.pk}:after:5:2021-01-05"),
    ]
    assert reminder_stage(round=round, today=dt.date(2020, 12, 23)) is None
    assert reminder_stage(round=round, today=dt.date(2021, 1, 4)).kind == Kind.BEFORE_DUE
    assert reminder_stage(round=round, today=dt.date(2021, 2, 1)).key.endswith("after:5:2021-01-05")


def test_stages_follow_the_settings(round, settings):
    settings.TRACKER_REMINDER_DAYS_BEFORE = 0
    settings.TRACKER_REMINDER_DAYS_AFTER = [10, 2, 2, 0]
    assert [(s.kind, s.after, s.day) for s in reminder_stages(round=round)] == [
        (Kind.ON_DUE, 0, DUE),
        (Kind.AFTER_DUE, 2, dt.date(2021, 1, 7)),
        (Kind.AFTER_DUE, 10, dt.date(2021, 1, 19)),
    ]


# Which day each reminder goes ---------------------------------------------------------------
def test_each_reminder_goes_once_on_its_day_across_christmas(officer, return_, mailoutbox):
    """Every day from 21 December to 20 January, twice a day, the officer gets exactly four
    emails: 5 working days before (Thursday 24 December: 25 and 28 December and 1 January are
    bank holidays), on the due date, and 1 and 5 working days after it."""
    received = {}
    day = dt.date(2020, 12, 21)
    while day <= dt.date(2021, 1, 20):
        for hour in (7, 15):
            with at(day, hour):
                run = reminders_send(today=timezone.localdate())
            for email in run.reminders:
                assert day not in received, f"two reminders on {day}"
                received[day] = (email.address, email.kind, email.subject)
        day += dt.timedelta(days=1)
    assert received == {
        dt.date(2020, 12, 24): (
            "sam@example.org",
            Kind.BEFORE_DUE,
            "Your Q3 2020-21 returns for Ward Councillor Support Framework are due on "
            "5 January 2021",
        ),
        dt.date(2021, 1, 5): (
            "sam@example.org",
            Kind.ON_DUE,
            "Your Q3 2020-21 returns for Ward Councillor Support Framework are due today",
        ),
        dt.date(2021, 1, 6): (
            "sam@example.org",
            Kind.AFTER_DUE,
            "Your Q3 2020-21 returns for Ward Councillor Support Framework are late",
        ),
        dt.date(2021, 1, 12): (
            "sam@example.org",
            Kind.AFTER_DUE,
            "Your Q3 2020-21 returns for Ward Councillor Support Framework are late",
        ),
    }
    assert len(mailoutbox) == 4
    assert Reminder.objects.filter(recipient=officer).count() == 4


def test_weekends_do_not_count(officer, milestone, mailoutbox):
    """Due Monday 11 January 2021: five working days before is Monday 4 January (a calendar
    count would say Wednesday 6 January), and one working day after is Tuesday 12 January."""
    round = RoundFactory(framework=milestone.framework, due_date=dt.date(2021, 1, 11))
    ReturnFactory(milestone=milestone, round=round)
    assert sent(run_on(dt.date(2021, 1, 3))) == []  # Sunday
    assert sent(run_on(dt.date(2021, 1, 4))) == [("sam@example.org", Kind.BEFORE_DUE)]
    assert sent(run_on(dt.date(2021, 1, 6))) == []
    assert sent(run_on(dt.date(2021, 1, 11))) == [("sam@example.org", Kind.ON_DUE)]
    assert sent(run_on(dt.date(2021, 1, 12))) == [("sam@example.org", Kind.AFTER_DUE)]


def test_runs_on_weekends_and_bank_holidays_send_nothing(officer, return_, mailoutbox):
    for day in (dt.date(2020, 12, 25), dt.date(2020, 12, 26), dt.date(2020, 12, 28)):
        run = run_on(day)
        assert not run.working_day and sent(run) == []
    assert mailoutbox == []


def test_rerunning_the_same_day_and_the_next_sends_nothing_new(officer, return_, mailoutbox):
    first = run_on(dt.date(2020, 12, 24))
    assert sent(first) == [("sam@example.org", Kind.BEFORE_DUE)]
    again = run_on(dt.date(2020, 12, 24))
    assert sent(again) == [] and again.already_sent == 1
    next_day = run_on(dt.date(2020, 12, 29))
    assert sent(next_day) == [] and next_day.already_sent == 1
    assert len(mailoutbox) == 1
    assert Reminder.objects.count() == 1


def test_after_an_outage_only_the_current_stage_is_sent(officer, return_, mailoutbox):
    """Cron down from 23 December to 7 January: on Friday 8 January the officer gets the
    1-working-day-late reminder only, not the before and on-the-day ones as well."""
    run = run_on(dt.date(2021, 1, 8))
    assert sent(run) == [("sam@example.org", Kind.AFTER_DUE)]
    assert Reminder.objects.get().key == f"period:{return_.round_id}:after:1:2021-01-05"
    assert "They are now 3 working days late." in mailoutbox[0].body
    assert sent(run_on(dt.date(2021, 1, 11))) == []
    assert sent(run_on(dt.date(2021, 1, 13))) == [("sam@example.org", Kind.AFTER_DUE)]
    assert sent(run_on(dt.date(2021, 2, 1))) == []


def test_first_run_long_after_the_due_date_sends_the_last_reminder_once(officer, return_):
    assert sent(run_on(dt.date(2021, 2, 1))) == [("sam@example.org", Kind.AFTER_DUE)]
    assert Reminder.objects.get().key.endswith(":after:5:2021-01-05")
    assert sent(run_on(dt.date(2021, 2, 2))) == []


def test_moving_the_due_date_starts_the_reminders_again(officer, return_):
    assert sent(run_on(dt.date(2020, 12, 24))) == [("sam@example.org", Kind.BEFORE_DUE)]
    return_.round.due_date = dt.date(2021, 1, 15)
    return_.round.save()
    assert sent(run_on(dt.date(2021, 1, 5))) == []
    assert sent(run_on(dt.date(2021, 1, 8))) == [("sam@example.org", Kind.BEFORE_DUE)]


# Who gets them ------------------------------------------------------------------------------
def test_officers_whose_returns_are_all_submitted_get_nothing(
    officer, other_officer, return_, round, mailoutbox
):
    ruths_post = other_officer.posts.get()
    ruths_milestone = MilestoneFactory(theme__framework=round.framework, lead=ruths_post)
    ruths = ReturnFactory(milestone=ruths_milestone, round=round)
    return_.state, return_.rag = ReturnState.SUBMITTED, RAG.IN_PROGRESS
    return_.save()
    assert sent(run_on(dt.date(2020, 12, 24))) == [("ruth@example.org", Kind.BEFORE_DUE)]
    ruths.state, ruths.rag = ReturnState.APPROVED, RAG.COMPLETED
    ruths.save()
    assert sent(run_on(dt.date(2021, 1, 5))) == []
    assert [m.to for m in mailoutbox] == [["ruth@example.org"]]


def test_only_holders_of_posts_with_open_returns_in_open_rounds_are_emailed(
    officer, other_officer, policy_user, return_, round, mailoutbox
):
    """Sam's post has an open return; Ruth's post has none; the policy team holds no post;
    a closed and a draft round's returns are ignored; inactive holders and holders with no
    email address get nothing (the run names the latter)."""
    post = officer.posts.get()
    post.holders.add(UserFactory(username="left", is_active=False))
    post.holders.add(UserFactory(username="noemail", email=""))
    supporting = PostFactory(title="Divisional Director Communications and Marketing")
    supporting.holders.add(UserFactory(username="alex"))
    return_.milestone.leads.create(post=supporting, role="SUPPORTING")
    for state in (RoundState.CLOSED, RoundState.DRAFT):
        other_round = RoundFactory(due_date=DUE, state=state)
        ReturnFactory(
            round=other_round,
            milestone=MilestoneFactory(
                theme__framework=other_round.framework, lead=other_officer.posts.get()
            ),
        )
    run = run_on(dt.date(2020, 12, 24))
    assert sorted(sent(run)) == [
        ("alex@example.org", Kind.BEFORE_DUE),
        ("sam@example.org", Kind.BEFORE_DUE),
    ]
    assert run.no_email == {"noemail"}
    assert sorted(m.to[0] for m in mailoutbox) == ["alex@example.org", "sam@example.org"]


def test_one_email_per_person_and_round_listing_every_post_they_hold(
    officer, post, return_, round, mailoutbox
):
    mayor = PostFactory(title="Head of Mayor's Office")
    mayor.holders.add(officer)
    ReturnFactory(
        milestone=MilestoneFactory(theme=return_.milestone.theme, lead=mayor), round=round
    )
    run_on(dt.date(2020, 12, 24))
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "You still need to submit 2 returns:" in body
    assert (
        "you hold the posts Divisional Director SPP, Head of Mayor's Office. If you no longer "
        "hold these posts, tell the policy team." in " ".join(body.split())
    )


# What they say ------------------------------------------------------------------------------
def test_email_lists_the_milestones_with_working_links(
    client, officer, policy_user, post, milestone, return_, round, mailoutbox
):
    milestone.code = "R6.19"
    milestone.save()
    returned = ReturnFactory(
        milestone=MilestoneFactory(
            theme=milestone.theme, lead=post, code="R6.20", title="Promote the Members Hub"
        ),
        round=round,
        state=ReturnState.RETURNED,
        review_comment="Please add the impact.",
        reviewed_by=policy_user,
        reviewed_at=dt.datetime(2020, 12, 22, 10, tzinfo=LONDON),
    )
    with at(dt.date(2020, 12, 24)):
        reminders_send(today=timezone.localdate())
        sent_at = timezone.now()
    [email] = mailoutbox
    assert email.to == ["sam@example.org"]
    assert email.from_email == "action-tracker@example.gov.uk"
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    assert not getattr(email, "alternatives", None)  # plain text only
    body = email.body
    assert body.startswith(f"Dear {officer.get_full_name()},\n")
    assert (
        "Your returns for Ward Councillor Support Framework, Q3 2020-21, are due on "
        "5 January 2021." in body
    )
    assert (
        "1. R6.19 Develop and promote the Councillor Call for Action\nStatus: Not started\n" in body
    )
    assert f"{BASE}/returns/{return_.pk}/\n" in body
    assert "2. R6.20 Promote the Members Hub\nStatus: Returned (read the reviewer's" in body
    assert f"{BASE}/returns/{returned.pk}/\n" in body
    assert f"{BASE}/returns/\n" in body
    assert "&#x27;" not in body and "&amp;" not in body
    client.force_login(officer)
    for pk in (return_.pk, returned.pk):
        path = f"/returns/{pk}/"
        assert f"{BASE}{path}" in body
        match = resolve(path)
        assert match.view_name == "frameworks:return-edit" and match.kwargs == {"pk": pk}
        assert client.get(path).status_code == 200
    record = Reminder.objects.get()
    assert (record.recipient, record.round, record.kind) == (officer, round, Kind.BEFORE_DUE)
    assert (record.subject, record.body, record.returns) == (email.subject, body, 2)
    assert record.sent_at == sent_at


def test_on_the_day_and_late_emails_say_so(officer, return_, mailoutbox):
    run_on(DUE)
    run_on(dt.date(2021, 1, 6))
    on_day, late = (m.body for m in mailoutbox)
    assert "are due today, 5 January 2021." in on_day
    assert "were due on 5 January 2021. They are now 1 working day late." in late


# Weekly digest ------------------------------------------------------------------------------
@pytest.fixture
def late_returns(officer, post, return_, round):
    """Two late returns for Sam's post and one for a post nobody holds."""
    theme = return_.milestone.theme
    hub = MilestoneFactory(theme=theme, lead=post, title="Promote the Members Hub internally")
    ReturnFactory(milestone=hub, round=round, state=ReturnState.DRAFT)
    vacant = PostFactory(title="Head of Mayor's Office")
    visit = MilestoneFactory(
        theme=theme, lead=vacant, title="Councillors to visit Holiday Childcare Scheme"
    )
    ReturnFactory(milestone=visit, round=round)
    training = MilestoneFactory(
        theme=theme, lead=post, title="Provide social media training sessions for all Councillors"
    )
    ReturnFactory(milestone=training, round=round, state=ReturnState.SUBMITTED, rag=RAG.ONGOING)
    return round


def digests(run):
    return [(email.address, email.key) for email in run.digests]


def test_digest_goes_to_the_policy_team_once_a_week_listing_late_returns_per_post(
    officer, policy_user, late_returns, mailoutbox
):
    PolicyUserFactory(username="noaddress", email="")
    PolicyUserFactory(username="gone", is_active=False)
    assert digests(run_on(dt.date(2021, 1, 4))) == []  # Monday before the due date: none late
    monday = run_on(dt.date(2021, 1, 11))
    assert digests(monday) == [("priya@example.org", "digest:2021-W02")]
    assert digests(run_on(dt.date(2021, 1, 11))) == []
    assert digests(run_on(dt.date(2021, 1, 12))) == []
    assert digests(run_on(dt.date(2021, 1, 18))) == [("priya@example.org", "digest:2021-W03")]

    [email] = [m for m in mailoutbox if m.to == ["priya@example.org"]][:1]
    assert email.subject == "Late returns: week beginning 11 January 2021"
    body = email.body
    assert "On 11 January 2021 there are 3 late returns." in body
    assert "Ward Councillor Support Framework, Q3 2020-21\n" in body
    assert "Due on 5 January 2021 (4 working days ago): 3 late returns\n" in body
    assert f"Round dashboard: {BASE}/rounds/{late_returns.pk}/\n" in body
    sam = officer.get_full_name()
    assert (
        "Divisional Director SPP: 2 late returns\n"
        f"Held by {sam}\n"
        "- Develop and promote the Councillor Call for Action (not started)\n"
        "- Promote the Members Hub internally (draft)\n"
    ) in body
    assert (
        "Head of Mayor's Office: 1 late return\n"
        "Nobody holds this post, so nobody has been reminded.\n"
        "- Councillors to visit Holiday Childcare Scheme (not started)\n"
    ) in body
    assert "social media" not in body  # submitted
    assert resolve(f"/rounds/{late_returns.pk}/").view_name == "frameworks:round-detail"
    record = Reminder.objects.get(recipient=policy_user, key="digest:2021-W02")
    assert (record.kind, record.round, record.returns) == (Kind.DIGEST, None, 3)
    assert not Reminder.objects.filter(kind=Kind.DIGEST).exclude(recipient=policy_user).exists()


def test_digest_waits_for_the_first_working_day_after_a_bank_holiday_monday(
    policy_user, officer, return_, round
):
    round.due_date = dt.date(2021, 3, 31)
    round.save()
    assert digests(run_on(dt.date(2021, 4, 5))) == []  # Easter Monday
    assert digests(run_on(dt.date(2021, 4, 6))) == [("priya@example.org", "digest:2021-W14")]
    assert digests(run_on(dt.date(2021, 4, 7))) == []


# Dry run, failures, races --------------------------------------------------------------------
def test_dry_run_sends_and_records_nothing(officer, policy_user, return_, mailoutbox):
    run = run_on(dt.date(2021, 1, 11), dry_run=True)
    assert sent(run) == [
        ("sam@example.org", Kind.AFTER_DUE),
        ("priya@example.org", Kind.DIGEST),
    ]
    assert run.summary == "Would send 1 reminder and 1 digest."
    assert mailoutbox == [] and not Reminder.objects.exists()
    assert run_on(dt.date(2021, 1, 11)).summary == "Sent 1 reminder and 1 digest."


def test_a_failed_send_is_not_recorded_and_is_retried(officer, return_, monkeypatch, mailoutbox):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(mail.EmailMessage, "send", refuse)
    run = run_on(dt.date(2020, 12, 24))
    assert [e.address for e in run.failed] == ["sam@example.org"] and run.reminders == []
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    assert sent(run_on(dt.date(2020, 12, 24))) == [("sam@example.org", Kind.BEFORE_DUE)]
    assert len(mailoutbox) == 1


def test_a_reminder_recorded_by_a_concurrent_run_is_not_sent_again(officer, return_, mailoutbox):
    """The unique (recipient, kind, key) decides: a row inserted by another run between our
    check and our insert makes our insert fail, and we skip the email."""
    with at(dt.date(2020, 12, 24)):
        [email] = service._reminder_emails(timezone.localdate(), service.ReminderRun(today=DUE))
        Reminder.objects.create(
            recipient=officer,
            kind=email.kind,
            key=email.key,
            subject="Sent by the other run",
            body="",
            sent_at=timezone.now(),
        )
        assert service._send(email, connection=mail.get_connection(), now=timezone.now()) is None
    assert mailoutbox == []
    assert Reminder.objects.get().subject == "Sent by the other run"


# What officers see ---------------------------------------------------------------------------
def test_reminders_for_lists_the_users_own_newest_first(officer, other_officer, return_):
    run_on(dt.date(2020, 12, 24))
    run_on(DUE)
    run_on(dt.date(2021, 1, 6))
    subjects = [r.subject for r in reminders_for(user=officer)]
    assert [s.split(" Framework ")[1] for s in subjects] == [
        "are late",
        "are due today",
        "are due on 5 January 2021",
    ]
    assert len(reminders_for(user=officer, limit=2)) == 2
    assert reminders_for(user=other_officer) == []


def test_the_task_list_shows_the_reminders_sent(client, officer, return_):
    run_on(dt.date(2020, 12, 24))
    client.force_login(officer)
    page = client.get(reverse("frameworks:return-list")).content.decode()
    assert "Reminders sent to you" in page
    assert "24 December 2020" in page
    assert "Your Q3 2020-21 returns for Ward Councillor Support Framework are due on" in page
    client.force_login(UserFactory(username="newstarter"))
    assert (
        "Reminders sent to you"
        not in client.get(reverse("frameworks:return-list")).content.decode()
    )


# Chasing one post now -------------------------------------------------------------------------
def test_the_policy_team_chases_one_post_now_and_only_once_a_day(
    round, return_, post, officer, other_officer, policy_user
):
    someone_elses = PostFactory(title="Divisional Director Community Safety")
    someone_elses.holders.add(other_officer)
    ReturnFactory(round=round, milestone=MilestoneFactory(lead=someone_elses))

    with at(dt.date(2021, 1, 7), 10):
        run = service.post_chase(round=round, post=post, user=policy_user)
        again = service.post_chase(round=round, post=post, user=policy_user)

    assert [email.address for email in run.reminders] == [officer.email]
    assert again.reminders == [] and again.already_sent == 1
    (email,) = mail.outbox  # one email, to this post's holder only
    assert email.subject == "Your Q3 2020-21 returns for Ward Councillor Support Framework are late"
    assert "The policy team is chasing your returns" in email.body
    assert "were due on 5 January 2021 and are now 2 working days late." in email.body
    chase = Reminder.objects.get(kind=Kind.CHASE)
    assert (chase.recipient, chase.sent_by, chase.returns) == (officer, policy_user, 1)

    with at(dt.date(2021, 1, 8), 10):
        next_day = service.post_chase(round=round, post=post, user=policy_user)
    assert len(next_day.reminders) == 1 and len(mail.outbox) == 2


def test_a_closed_round_cannot_be_chased(round, return_, post, policy_user):
    round.state = RoundState.CLOSED
    round.save()
    with pytest.raises(ValidationError, match="is not open"):
        service.post_chase(round=round, post=post, user=policy_user)
    assert not mail.outbox


# Indicator values, given in the same quarterly return ---------------------------------------
VACANCY_GAP = "Children's social care vacancy gap"  # seed 004, R5.14's Q3 update
NOTE = "In Children's Social Care we have reduced our vacancy gap further from 26% to 19.55%."


def vacancy_gap(round, owner, *, state=ReturnState.NOT_STARTED, number="1", **kwargs):
    """The value of seed 004's vacancy gap (%) due from `owner` in `round`: none given yet unless
    `state` says it was submitted or approved (19.55, as the paper reports)."""
    indicator = IndicatorFactory(
        framework=round.framework,
        number=number,
        name=kwargs.pop("name", VACANCY_GAP),
        unit="%",
        direction=Direction.LOWER,
        owner=owner,
    )
    given = state in (ReturnState.SUBMITTED, ReturnState.APPROVED, ReturnState.DRAFT)
    return IndicatorValueFactory(
        indicator=indicator,
        round=round,
        state=state,
        value=Decimal("19.55") if given else None,
        note=NOTE if given else "",
        **kwargs,
    )


@pytest.fixture
def amanda(db):
    """The owner of R5.14 "Increase the number of permanent staff" in seed 004, holding the post
    named after her as the plan names its owners."""
    user = UserFactory(username="amanda", first_name="Amanda", last_name="Harcus")
    PostFactory(title="Amanda Harcus").holders.add(user)
    return user


def test_one_email_lists_the_holders_returns_and_indicator_values(
    client, officer, post, milestone, return_, round, mailoutbox
):
    ReturnFactory(
        milestone=MilestoneFactory(
            theme=milestone.theme, lead=post, title="Promote the Members Hub"
        ),
        round=round,
    )
    value = vacancy_gap(round, post)
    run_on(dt.date(2020, 12, 24))
    [email] = mailoutbox
    assert email.to == ["sam@example.org"]
    assert email.subject == (
        "Your Q3 2020-21 returns for Ward Councillor Support Framework are due on 5 January 2021"
    )
    body = email.body
    assert "You still need to submit 2 returns and 1 indicator value:" in body
    assert "1. Develop and promote the Councillor Call for Action\nStatus: Not started\n" in body
    assert "2. Promote the Members Hub\n" in body
    assert (
        f"3. Indicator 1: {VACANCY_GAP}\n"
        "Give the value for Q3 2020-21 (%)\n"
        "Status: Not started\n"
        f"{BASE}/returns/values/{value.pk}/\n"
    ) in body
    assert "write your update or give the figure, and select 'Submit for review'" in body
    assert "&#x27;" not in body and "&amp;" not in body
    path = f"/returns/values/{value.pk}/"
    match = resolve(path)
    assert match.view_name == "frameworks:indicatorvalue-edit" and match.kwargs == {"pk": value.pk}
    client.force_login(officer)
    assert client.get(path).status_code == 200
    record = Reminder.objects.get()
    assert (record.recipient, record.kind, record.returns) == (officer, Kind.BEFORE_DUE, 3)


def test_a_holder_with_only_an_indicator_value_to_give_is_reminded(
    officer, amanda, return_, round, mailoutbox
):
    value = vacancy_gap(round, amanda.posts.get())
    run = run_on(DUE)
    assert sorted(sent(run)) == [
        ("amanda@example.org", Kind.ON_DUE),
        ("sam@example.org", Kind.ON_DUE),
    ]
    [email] = [m for m in mailoutbox if m.to == ["amanda@example.org"]]
    assert email.subject == (
        "Your Q3 2020-21 returns for Ward Councillor Support Framework are due today"
    )
    body = email.body
    assert body.startswith("Dear Amanda Harcus,\n")
    assert "You still need to submit 1 indicator value:\n" in body
    assert f"1. Indicator 1: {VACANCY_GAP}\n" in body
    assert f"{BASE}/returns/values/{value.pk}/\n" in body
    assert "Develop and promote" not in body
    assert "give the figure and a note, and select 'Submit for review'" in body
    assert "If you have submitted these values since" in body
    assert "because you hold the post Amanda Harcus. If you no longer hold this post" in body
    [(returns, values)] = [(e.returns, e.values) for e in run.reminders if e.recipient == amanda]
    assert (returns, values) == (1, 1)
    assert Reminder.objects.get(recipient=amanda).returns == 1


def test_submitted_and_approved_values_are_not_chased_draft_and_returned_are(
    officer, policy_user, post, round, mailoutbox
):
    vacancy_gap(round, post, state=ReturnState.SUBMITTED, number="1")
    vacancy_gap(
        round, post, state=ReturnState.APPROVED, number="2",
        name="Children's social care staff turnover",
    )  # fmt: skip
    assert sent(run_on(dt.date(2020, 12, 24))) == []  # nothing outstanding: no email
    draft = vacancy_gap(
        round, post, state=ReturnState.DRAFT, number="3", name=f"{VACANCY_GAP} (draft)"
    )
    returned = vacancy_gap(
        round, post, state=ReturnState.RETURNED, number="4", name=f"{VACANCY_GAP} (returned)",
        review_comment="Say what the 26% was measured against.", reviewed_by=policy_user,
    )  # fmt: skip
    run_on(DUE)
    [email] = mailoutbox
    body = email.body
    assert "You still need to submit 2 indicator values:" in body
    assert f"1. Indicator 3: {VACANCY_GAP} (draft)\n" in body
    assert f"{BASE}/returns/values/{draft.pk}/\n" in body
    assert (
        f"2. Indicator 4: {VACANCY_GAP} (returned)\nGive the value for Q3 2020-21 (%)\n"
        "Status: Returned (read the reviewer's comment, then submit it again)\n"
    ) in body
    assert f"{BASE}/returns/values/{returned.pk}/\n" in body
    assert "Indicator 1:" not in body and "staff turnover" not in body


def test_values_of_indicators_with_no_owner_post_or_in_closed_rounds_go_to_nobody(
    officer, post, round, mailoutbox
):
    vacancy_gap(round, None)
    closed = RoundFactory(framework=round.framework, due_date=DUE, state=RoundState.CLOSED)
    vacancy_gap(closed, post, number="2", name="Children's social care staff turnover")
    assert sent(run_on(DUE)) == []


def test_the_policy_team_chases_a_post_that_only_owns_indicators(
    officer, amanda, return_, round, policy_user, mailoutbox
):
    owner = amanda.posts.get()
    value = vacancy_gap(round, owner)
    with at(dt.date(2021, 1, 7), 10):
        run = service.post_chase(round=round, post=owner, user=policy_user)
    assert [email.address for email in run.reminders] == ["amanda@example.org"]
    [email] = mailoutbox  # Sam's return is not this post's: Sam is not chased
    assert email.subject == "Your Q3 2020-21 returns for Ward Councillor Support Framework are late"
    assert "The policy team is chasing your returns" in email.body
    assert "You still need to submit 1 indicator value:" in email.body
    assert f"{BASE}/returns/values/{value.pk}/" in email.body
    chase = Reminder.objects.get(kind=Kind.CHASE)
    assert (chase.recipient, chase.sent_by, chase.returns) == (amanda, policy_user, 1)


def test_chasing_a_post_lists_its_values_but_not_those_of_its_holders_other_posts(
    officer, post, return_, round, policy_user, amanda, mailoutbox
):
    """Sam also holds Amanda Harcus's post: a chase of Sam's own post lists its return and the
    value it owns, not the value of the other post."""
    amanda.posts.get().holders.add(officer)
    vacancy_gap(round, amanda.posts.get(), number="2", name="Children's social care staff turnover")
    mine = vacancy_gap(round, post)
    with at(dt.date(2021, 1, 7), 10):
        service.post_chase(round=round, post=post, user=policy_user)
    [email] = mailoutbox
    assert "You still need to submit 1 return and 1 indicator value:" in email.body
    assert f"{BASE}/returns/values/{mine.pk}/" in email.body
    assert "staff turnover" not in email.body
    assert "because you hold the post Divisional Director SPP." in email.body


def test_the_digest_lists_late_values_under_their_owner_post(
    officer, amanda, policy_user, late_returns, post, mailoutbox
):
    vacancy_gap(late_returns, amanda.posts.get())
    vacancy_gap(
        late_returns, post, state=ReturnState.DRAFT, number="2",
        name="Children's social care staff turnover",
    )  # fmt: skip
    vacancy_gap(
        late_returns, post, state=ReturnState.APPROVED, number="3",
        name="Registered users on the Firmstep platform",
    )  # fmt: skip
    run = run_on(dt.date(2021, 1, 11))
    [email] = [m for m in mailoutbox if m.to == ["priya@example.org"]]
    assert email.subject == "Late returns: week beginning 11 January 2021"
    body = email.body
    assert "On 11 January 2021 there are 3 late returns and 2 late indicator values." in body
    assert "A return or indicator value is late when" in body
    assert "Due on 5 January 2021 (4 working days ago): 3 late returns and 2 late indicator " in (
        " ".join(body.split())
    )
    sam = officer.get_full_name()
    assert (
        "Amanda Harcus: 1 late indicator value\n"
        "Held by Amanda Harcus\n"
        f"- Indicator 1: {VACANCY_GAP} (not started)\n"
    ) in body
    assert (
        "Divisional Director SPP: 2 late returns and 1 late indicator value\n"
        f"Held by {sam}\n"
        "- Develop and promote the Councillor Call for Action (not started)\n"
        "- Promote the Members Hub internally (draft)\n"
        "- Indicator 2: Children's social care staff turnover (draft)\n"
    ) in body
    assert "Firmstep" not in body  # approved
    [digest] = run.digests
    assert (digest.returns, digest.values) == (5, 2)
    assert Reminder.objects.get(recipient=policy_user).returns == 5


def test_the_digest_goes_when_only_values_are_late(policy_user, amanda, round, mailoutbox):
    round.due_date = DUE
    round.save()
    vacancy_gap(round, amanda.posts.get())
    assert digests(run_on(dt.date(2021, 1, 11))) == [("priya@example.org", "digest:2021-W02")]
    body = mailoutbox[-1].body
    assert "On 11 January 2021 there is 1 late indicator value." in body
    assert "Amanda Harcus: 1 late indicator value\n" in body


@pytest.mark.parametrize("size", [1, 10])
def test_building_the_emails_takes_the_same_queries_for_1_or_10_values(
    officer, policy_user, post, return_, round, size, django_assert_max_num_queries
):
    """Each value's owner post held by its own person: the emails to build grow, the queries
    to build them do not."""
    for i in range(size):
        owner = PostFactory(title=f"Amanda Harcus ({i})")
        owner.holders.add(UserFactory(username=f"owner{i}"))
        vacancy_gap(round, owner, number=str(i + 1), name=f"{VACANCY_GAP} ({i})")
    vacancy_gap(round, post, number="99", name=f"{VACANCY_GAP} (Sam's)")
    today = dt.date(2021, 1, 11)
    with django_assert_max_num_queries(10):
        reminders = service._reminder_emails(today, service.ReminderRun(today=today))
    assert len(reminders) == size + 1
    with django_assert_max_num_queries(8):
        [digest] = service._digest_emails(today)
    assert digest.values == size + 1
    with django_assert_max_num_queries(8):
        chase = service.chase_emails(
            round=round, post=post, today=today, run=service.ReminderRun(today=today)
        )
    assert [(e.recipient, e.returns, e.values) for e in chase] == [(officer, 2, 1)]
