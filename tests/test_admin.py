"""The Django admin keeps the structure; every workflow change goes through the services.

Each test drives the real admin pages as a superuser would: it reads the form the page shows,
changes what a person could change (or posts what they should not be able to), and checks what
was stored and what the page says.
"""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from frameworks.models import (
    RAG,
    Milestone,
    MilestoneOutcome,
    Return,
    ReturnState,
    Round,
    RoundState,
)
from frameworks.services.returns import ReturnInput, return_submit
from frameworks.services.rounds import round_open
from tests.factories import (
    ApprovedReturnFactory,
    FrameworkFactory,
    MilestoneFactory,
    OutcomeFactory,
    RoundFactory,
    ThemeFactory,
    UserFactory,
)


class _FormReader(HTMLParser):
    """The fields a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select = None
        self._textarea = None
        self._text = []
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post" and "id" in attrs:
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name and "disabled" not in attrs:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_on(page: str, **changes) -> dict:
    """The page's form as it would be submitted, with `changes` typed in (or added)."""
    reader = _FormReader()
    reader.feed(page)
    values: dict[str, list[str]] = {}
    for name, value in reader.data:
        values.setdefault(name, []).append(value)
    data = {name: found[0] if len(found) == 1 else found for name, found in values.items()}
    data.update(changes)
    return data


def messages_on(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def superuser(db):
    return UserFactory(username="alex", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def change_url(obj) -> str:
    return reverse(f"admin:frameworks_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:frameworks_{model._meta.model_name}_changelist")


@pytest.fixture
def draft(milestone):
    return RoundFactory(
        framework=milestone.framework,
        label="Q4 2020-21",
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2021, 3, 31),
        due_date=dt.date(2021, 4, 15),
        state=RoundState.DRAFT,
    )


# Rounds ---------------------------------------------------------------------------------------
def test_a_draft_rounds_name_and_dates_change_but_its_state_does_not(admin, draft, superuser):
    page = admin.get(change_url(draft)).content.decode()
    assert 'name="due_date"' in page
    assert 'name="state"' not in page, "the state is shown, not offered"
    response = admin.post(
        change_url(draft),
        form_on(
            page,
            label="Q4  2020-21 (late)",
            due_date="2021-04-22",
            state=RoundState.OPEN,
            opened_at="2021-01-01 09:00:00",
            opened_by=str(superuser.pk),
        ),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.label == "Q4 2020-21 (late)"  # spaces tidied, as a round created in the app
    assert draft.due_date == dt.date(2021, 4, 22)
    assert draft.state == RoundState.DRAFT and draft.opened_at is None and draft.opened_by is None
    assert draft.returns.count() == 0
    assert draft.version == 2, "a confirm page read before this change will be asked again"
    latest = draft.history.latest()
    assert latest.history_user == superuser and latest.due_date == dt.date(2021, 4, 22)


def test_an_opened_round_is_read_only_and_a_posted_change_is_refused(admin, round, return_):
    page = admin.get(change_url(round)).content.decode()
    assert "Open" in page and 'name="due_date"' not in page and 'name="_save"' not in page
    response = admin.post(
        change_url(round),
        {"label": "Q3", "due_date": "2030-01-01", "state": "DRAFT", "expected_version": 1},
    )
    assert response.status_code == 403
    round.refresh_from_db()
    assert round.state == RoundState.OPEN and round.label == "Q3 2020-21"
    assert round.due_date == dt.date(2021, 1, 15) and round.version == 1
    assert Round.objects.filter(pk=round.pk).exists()


def test_an_opened_round_cannot_be_deleted_with_its_returns(admin, round, return_):
    delete = reverse("admin:frameworks_round_delete", args=[round.pk])
    assert admin.get(delete).status_code == 403
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    assert Return.objects.filter(pk=return_.pk).exists()


def test_restoring_a_draft_copy_of_an_opened_round_is_refused(admin, draft, superuser):
    first = draft.history.earliest()
    round_open(round=draft, user=superuser, expected_version=None)
    restore = reverse("admin:frameworks_round_simple_history", args=[draft.pk, first.history_id])
    response = admin.post(restore, {"label": draft.label, "expected_version": 2})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.state == RoundState.OPEN and draft.returns.count() == 1


@pytest.fixture
def history(milestone):
    """As in the services' tests: Q3 closed with one milestone in progress and one completed,
    and a milestone with no return yet; Q4 a draft."""
    framework = milestone.framework
    q3 = RoundFactory(framework=framework, label="Q3 2020-21", state=RoundState.CLOSED)
    in_progress = ApprovedReturnFactory(milestone=milestone, round=q3, rag=RAG.IN_PROGRESS)
    done = MilestoneFactory(theme=milestone.theme, title="Promote the Members Hub internally")
    ApprovedReturnFactory(milestone=done, round=q3, rag=RAG.COMPLETED)
    fresh = MilestoneFactory(theme=milestone.theme, title="Visit the Holiday Childcare Scheme")
    q4 = RoundFactory(
        framework=framework,
        label="Q4 2020-21",
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2021, 3, 31),
        due_date=dt.date(2021, 4, 15),
        state=RoundState.DRAFT,
    )
    return {"q4": q4, "in_progress": in_progress, "done": done, "fresh": fresh}


def run_action(admin, action: str, *rounds):
    return admin.post(
        changelist_url(Round),
        {"action": action, "_selected_action": [p.pk for p in rounds], "index": 0},
        follow=True,
    )


def test_the_open_action_opens_a_draft_round_as_the_service_does(admin, history, superuser):
    q4 = history["q4"]
    response = run_action(admin, "open_rounds", q4)
    assert response.status_code == 200
    name = f"{q4.framework.name}: Q4 2020-21"
    assert messages_on(response) == [f"{name} is open: 2 returns created."]
    q4.refresh_from_db()
    assert q4.state == RoundState.OPEN and q4.opened_by == superuser and q4.opened_at
    assert q4.version == 2
    returns = {u.milestone_id: u for u in q4.returns.all()}
    # What round_open creates: a return for every milestone still open, the last
    # approved RAG carried forward; the completed milestone drops out.
    carried = history["in_progress"]
    assert set(returns) == {carried.milestone_id, history["fresh"].pk}
    assert returns[carried.milestone_id].previous == carried
    assert returns[carried.milestone_id].rag == RAG.IN_PROGRESS
    assert returns[history["fresh"].pk].previous is None
    assert {u.state for u in returns.values()} == {ReturnState.NOT_STARTED}
    assert q4.history.latest().history_user == superuser


def test_the_close_action_closes_an_open_round(admin, round, return_, superuser):
    response = run_action(admin, "close_rounds", round)
    assert messages_on(response) == [f"{round.framework.name}: Q3 2020-21 is closed."]
    round.refresh_from_db()
    assert round.state == RoundState.CLOSED and round.closed_by == superuser
    return_.refresh_from_db()
    assert return_.state == ReturnState.NOT_STARTED, "returns stay as they were"


def test_a_refused_round_says_why_and_is_left_as_it_was_while_the_others_go_ahead(admin, history):
    other = FrameworkFactory(name="Scrutiny Improvement Plan")
    MilestoneFactory(theme=ThemeFactory(framework=other))
    open_elsewhere = RoundFactory(framework=other, label="Q3 2020-21", state=RoundState.OPEN)
    waiting = RoundFactory(framework=other, label="Q4 2020-21", state=RoundState.DRAFT)
    response = run_action(admin, "open_rounds", history["q4"], open_elsewhere, waiting)
    said = messages_on(response)
    framework = history["q4"].framework.name
    assert f"{framework}: Q4 2020-21 is open: 2 returns created." in said
    assert (
        "Scrutiny Improvement Plan: Q3 2020-21 was not changed: Q3 2020-21 is open, not draft."
        in said
    )
    assert (
        "Scrutiny Improvement Plan: Q4 2020-21 was not changed: Another round of this framework "
        "is already open. Close it before opening this one." in said
    )
    waiting.refresh_from_db()
    assert waiting.state == RoundState.DRAFT and waiting.returns.count() == 0
    assert waiting.version == 1
    history["q4"].refresh_from_db()
    assert history["q4"].state == RoundState.OPEN


def test_closing_a_round_that_is_not_open_changes_nothing(admin, draft):
    response = run_action(admin, "close_rounds", draft)
    assert messages_on(response) == [
        f"{draft.framework.name}: Q4 2020-21 was not changed: "
        "Q4 2020-21 is not open, so it cannot be closed."
    ]
    draft.refresh_from_db()
    assert draft.state == RoundState.DRAFT and draft.version == 1


def test_only_the_policy_team_is_offered_opening_and_closing(client, draft):
    staff = UserFactory(username="kim", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_round", "change_round"])
    )
    client.force_login(staff)
    page = client.get(changelist_url(Round)).content.decode()
    assert "Q4 2020-21" in page
    assert "open_rounds" not in page and "close_rounds" not in page
    run_action(client, "open_rounds", draft)  # posted anyway: not an action they have
    draft.refresh_from_db()
    assert draft.state == RoundState.DRAFT and draft.returns.count() == 0


def test_a_new_round_added_in_the_admin_is_a_draft(admin, milestone):
    add = reverse("admin:frameworks_round_add")
    page = admin.get(add).content.decode()
    assert 'name="state"' not in page
    data = form_on(
        page,
        framework=str(milestone.framework.pk),
        label="Q1 2021-22",
        start_date="2021-04-01",
        end_date="2021-06-30",
        due_date="2021-07-15",
        state=RoundState.OPEN,
    )
    assert admin.post(add, data).status_code == 302
    added = Round.objects.get(label="Q1 2021-22")
    assert added.state == RoundState.DRAFT and added.returns.count() == 0


# Rounds in the framework page -----------------------------------------------------------------
def test_the_framework_page_shows_round_states_and_adds_only_draft_rounds(
    admin, round, return_, draft
):
    framework = round.framework
    page = admin.get(change_url(framework)).content.decode()
    assert 'name="rounds-0-state"' not in page and 'name="rounds-1-state"' not in page
    data = form_on(page)
    opened = round_row(data, round)
    assert f"{opened}due_date" not in data, "an opened round's dates are shown, not offered"
    rows = int(data["rounds-TOTAL_FORMS"])
    new = rows
    data.update(
        {
            "rounds-TOTAL_FORMS": str(rows + 1),
            f"rounds-{new}-framework": str(framework.pk),
            f"rounds-{new}-label": "Q1 2021-22",
            f"rounds-{new}-start_date": "2021-04-01",
            f"rounds-{new}-end_date": "2021-06-30",
            f"rounds-{new}-due_date": "2021-07-15",
            f"rounds-{new}-state": RoundState.OPEN,
            f"{opened}state": RoundState.CLOSED,
            f"{opened}due_date": "2030-01-01",
        }
    )
    response = admin.post(change_url(framework), data)
    assert response.status_code == 302
    added = framework.rounds.get(label="Q1 2021-22")
    assert added.state == RoundState.DRAFT and added.returns.count() == 0
    round.refresh_from_db()
    assert round.state == RoundState.OPEN and round.due_date == dt.date(2021, 1, 15)
    assert round.version == 1, "a round nobody could change is not written"


def round_row(data: dict, round) -> str:
    """The prefix of the round's row in the framework page's form: "rounds-1-"."""
    rows = int(data["rounds-TOTAL_FORMS"])
    return next(f"rounds-{i}-" for i in range(rows) if data[f"rounds-{i}-id"] == str(round.pk))


def test_a_draft_rounds_dates_changed_in_the_framework_page_are_versioned(admin, draft):
    framework = draft.framework
    data = form_on(admin.get(change_url(framework)).content.decode())
    row = round_row(data, draft)
    data[f"{row}due_date"] = "2021-04-22"
    assert admin.post(change_url(framework), data).status_code == 302
    draft.refresh_from_db()
    assert draft.due_date == dt.date(2021, 4, 22)
    assert draft.version == 2, "the app's open page, read before, will show the new date"
    assert draft.state == RoundState.DRAFT


def test_a_round_changed_elsewhere_since_the_framework_page_was_read_is_not_overwritten(
    admin, draft, superuser
):
    framework = draft.framework
    data = form_on(admin.get(change_url(framework)).content.decode())
    row = round_row(data, draft)
    moved = Round.objects.get(pk=draft.pk)  # another admin moves the due date
    moved.due_date, moved.version = dt.date(2021, 4, 29), moved.version + 1
    moved.save()
    data[f"{row}label"] = "Q4 2020-21 (final)"
    response = admin.post(change_url(framework), data)
    assert response.status_code == 200
    assert "Someone else changed this round after you opened it." in (response.content.decode())
    draft.refresh_from_db()
    assert draft.label == "Q4 2020-21" and draft.due_date == dt.date(2021, 4, 29)


def test_a_round_opened_since_the_framework_page_was_read_stays_open(admin, draft, superuser):
    framework = draft.framework
    data = form_on(admin.get(change_url(framework)).content.decode(), owner="Chief Executive")
    round_open(round=draft, user=superuser, expected_version=None)
    assert admin.post(change_url(framework), data).status_code == 302
    framework.refresh_from_db()
    assert framework.owner == "Chief Executive"
    draft.refresh_from_db()
    assert draft.state == RoundState.OPEN and draft.returns.count() == 1
    assert draft.version == 2, "the round's row was not written again"


def test_an_opened_round_cannot_be_deleted_from_the_framework_page(admin, round, return_):
    framework = round.framework
    data = form_on(admin.get(change_url(framework)).content.decode())
    row = round_row(data, round)
    data[f"{row}DELETE"] = "on"
    response = admin.post(change_url(framework), data)
    assert response.status_code == 200
    assert "Q3 2020-21 cannot be deleted: it has been opened" in response.content.decode()
    assert Round.objects.filter(pk=round.pk).exists()
    assert Return.objects.filter(pk=return_.pk).exists()


# Returns --------------------------------------------------------------------------------------
def test_a_return_is_shown_read_only_with_the_way_to_its_review_page(admin, return_, officer):
    data = ReturnInput(narrative="Draft CCfA done.", rag=RAG.OVERDUE)
    return_submit(return_=return_, user=officer, data=data, expected_version=None)
    page = admin.get(change_url(return_)).content.decode()
    assert "Draft CCfA done." in page
    assert reverse("frameworks:return-review", args=[return_.pk]) in page
    for field in ("narrative", "rag", "state", "review_comment", "percent_complete", "_save"):
        assert f'name="{field}"' not in page, field


def test_a_posted_change_to_a_return_is_refused(admin, return_, officer):
    data = ReturnInput(narrative="Draft CCfA done.", rag=RAG.OVERDUE)
    return_ = return_submit(return_=return_, user=officer, data=data, expected_version=None)
    response = admin.post(
        change_url(return_),
        {
            "narrative": "Rewritten by the admin",
            "rag": RAG.COMPLETED,
            "state": ReturnState.APPROVED,
            "review_comment": "Fine",
            "percent_complete": 100,
            "expected_version": return_.version,
        },
    )
    assert response.status_code == 403
    stored = Return.objects.get(pk=return_.pk)
    assert stored.narrative == "Draft CCfA done." and stored.rag == RAG.OVERDUE
    assert stored.state == ReturnState.SUBMITTED and stored.version == return_.version
    assert stored.reviewed_by is None


def test_an_old_copy_of_a_return_cannot_be_restored_from_its_history(admin, return_, officer):
    first = return_.history.earliest()
    data = ReturnInput(narrative="Draft CCfA done.", rag=RAG.OVERDUE)
    return_ = return_submit(return_=return_, user=officer, data=data, expected_version=None)
    restore = reverse("admin:frameworks_return_simple_history", args=[return_.pk, first.history_id])
    history_page = reverse("admin:frameworks_return_history", args=[return_.pk])
    assert admin.get(history_page).status_code == 200
    response = admin.post(restore, {"expected_version": return_.version})
    assert response.status_code == 403
    stored = Return.objects.get(pk=return_.pk)
    assert stored.state == ReturnState.SUBMITTED and stored.narrative == "Draft CCfA done."


def test_returns_are_not_added_or_deleted_in_the_admin(admin, return_):
    page = admin.get(changelist_url(Return)).content.decode()
    add = reverse("admin:frameworks_return_add")
    assert add not in page, "no Add button"
    assert "delete_selected" not in page
    assert admin.get(add).status_code == 403
    assert (
        admin.post(add, {"milestone": return_.milestone_id, "round": return_.round_id}).status_code
        == 403
    )
    delete = reverse("admin:frameworks_return_delete", args=[return_.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    assert Return.objects.filter(pk=return_.pk).exists()


# Structure ------------------------------------------------------------------------------------
def test_a_milestone_title_edit_is_saved_versioned_and_recorded(admin, milestone, superuser):
    page = admin.get(change_url(milestone)).content.decode()
    title = "Develop, promote and review the Councillor Call for Action"
    response = admin.post(change_url(milestone), form_on(page, title=title))
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.title == title and milestone.version == 2
    latest = Milestone.history.filter(id=milestone.pk).latest()
    assert latest.title == title and latest.history_user == superuser


def test_a_milestone_edit_from_a_stale_page_is_refused(admin, milestone, superuser):
    page = admin.get(change_url(milestone)).content.decode()
    milestone.title = "Changed in another tab"
    milestone.version += 1
    milestone.save()
    response = admin.post(change_url(milestone), form_on(page, title="Mine"))
    assert response.status_code == 200
    assert "Someone else changed this milestone after you opened it." in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.title == "Changed in another tab" and milestone.version == 2


def test_a_milestone_is_linked_to_the_outcome_it_serves_with_its_history(
    admin, milestone, superuser
):
    outcome = OutcomeFactory(
        theme=milestone.theme,
        title="Local people find it easy to be involved with us and feel that they make a "
        "difference.",
    )
    page = admin.get(change_url(milestone)).content.decode()
    data = form_on(
        page,
        **{
            "outcome_links-TOTAL_FORMS": "1",
            "outcome_links-0-outcome": str(outcome.pk),
            "outcome_links-0-milestone": str(milestone.pk),
        },
    )
    response = admin.post(change_url(milestone), data)
    assert response.status_code == 302, messages_on(response)
    link = MilestoneOutcome.objects.get(milestone=milestone)
    assert link.outcome == outcome
    assert link.history.get().history_user == superuser


def test_an_outcome_must_belong_to_a_theme_of_its_framework(admin, milestone):
    outcome = OutcomeFactory(theme=milestone.theme)
    elsewhere = ThemeFactory(name="Share it")
    page = admin.get(change_url(outcome)).content.decode()
    response = admin.post(change_url(outcome), form_on(page, theme=str(elsewhere.pk)))
    assert response.status_code == 200
    assert "Choose a theme from this outcome&#x27;s framework." in response.content.decode()
    outcome.refresh_from_db()
    assert outcome.theme == milestone.theme
