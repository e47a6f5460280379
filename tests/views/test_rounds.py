import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from frameworks.models import RAG, Direction, Reminder, ReturnState, RoundState
from frameworks.services.rounds import round_close, round_open
from tests.builders import date_parts
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
from tests.html import attrs, buttons, error_summary, texts


def test_policy_creates_opens_and_closes_a_round(client, policy_user, milestone):
    client.force_login(policy_user)
    framework = milestone.framework
    response = client.post(
        reverse("frameworks:round-create", args=[framework.slug]),
        {
            "label": "Q3 2020-21",
            **date_parts(start_date="1/10/2020", end_date="31/12/2020", due_date="15/1/2021"),
        },
    )
    assert response.status_code == 302
    round = framework.rounds.get(label="Q3 2020-21")
    assert round.state == RoundState.DRAFT
    page = client.get(reverse("frameworks:round-open", args=[round.pk])).content.decode()
    assert attrs(page, "input[name=version]")[0]["value"] == str(round.version)
    response = client.post(
        reverse("frameworks:round-open", args=[round.pk]),
        {"version": round.version},
        follow=True,
    )
    assert "1 return created." in response.content.decode()
    round.refresh_from_db()
    assert round.state == RoundState.OPEN
    page = client.get(reverse("frameworks:round-close", args=[round.pk])).content.decode()
    assert "1 return has not been submitted" in page
    client.post(reverse("frameworks:round-close", args=[round.pk]), {"version": round.version})
    round.refresh_from_db()
    assert round.state == RoundState.CLOSED


def test_create_round_with_bad_dates_shows_errors(client, policy_user, milestone):
    client.force_login(policy_user)
    response = client.post(
        reverse("frameworks:round-create", args=[milestone.framework.slug]),
        {"label": "", **date_parts(start_date="31/12/2020", end_date="31/2/2021", due_date="//")},
    )
    assert response.status_code == 200
    # One message per question, each naming it, each linking to its first box.
    assert texts(response, ".govuk-error-summary__list li") == [
        "Enter a name for the round.",
        "End date must be a real date",
        "Enter the date returns are due",
    ]
    assert [a["href"] for a in attrs(response, ".govuk-error-summary a")] == [
        "#id_label",
        "#id_end_date_0",
        "#id_due_date_0",
    ]
    assert not milestone.framework.rounds.exists()


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("/10/2026", "Start date must include a day"),
        ("1//", "Start date must include a month and a year"),
        ("1/13/2026", "Start date must be a real date"),
        ("1/10/26", "Year must include 4 numbers"),
        ("one/ten/2026", "Start date must be a real date, in numbers"),
    ],
)
def test_each_date_says_what_is_missing_or_wrong(client, policy_user, milestone, start, message):
    client.force_login(policy_user)
    response = client.post(
        reverse("frameworks:round-create", args=[milestone.framework.slug]),
        {
            "label": "Q3 2026-27",
            **date_parts(start_date=start, end_date="31/12/2026", due_date="15/1/2027"),
        },
    )
    assert texts(response, ".govuk-error-summary__list li") == [message]
    # What was typed stays in the boxes.
    day, month, year = start.split("/")
    assert [
        a.get("value", "")
        for a in attrs(response, "#id_start_date_0, #id_start_date_1, #id_start_date_2")
    ] == [day, month, year]


def test_the_round_dates_are_three_boxes_with_examples_still_ahead(client, policy_user, milestone):
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:round-create", args=[milestone.framework.slug]))
    assert texts(page, "legend") == ["Start date", "End date", "Date returns are due"]
    assert texts(page, "#id_start_date_0 ~ label, .govuk-date-input__label")[:3] == [
        "Day",
        "Month",
        "Year",
    ]
    hint = texts(page, "#id_start_date-hint")[0]
    day, month, year = map(int, hint.removeprefix("For example, ").split())
    assert dt.date(year, month, day) > timezone.localdate()


def test_dashboard_filters_returns_with_htmx_and_plain_links(client, policy_user, return_):
    ReturnFactory(
        round=return_.round,
        milestone=MilestoneFactory(
            theme=return_.milestone.theme, title="Promote the Members Hub internally"
        ),
        state=ReturnState.SUBMITTED,
        rag="ONGOING",
        narrative="Done",
    )
    client.force_login(policy_user)
    url = reverse("frameworks:round-detail", args=[return_.round_id])
    full = client.get(url, {"state": "SUBMITTED"}).content.decode()
    assert "<html" in full and "Promote the Members Hub internally" in full
    assert return_.milestone.title not in full.split('id="returns-table"')[1]
    fragment = client.get(
        url, {"state": "SUBMITTED"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="returns-table"
    ).content.decode()
    assert "<html" not in fragment
    assert fragment.strip().startswith('<div id="returns-table">')
    assert "Promote the Members Hub internally" in fragment


@pytest.mark.parametrize("size", [4, 40])
def test_dashboard_query_count_does_not_grow(
    client, policy_user, round, size, django_assert_max_num_queries
):
    for i in range(size):
        post = PostFactory(title=f"Divisional Director {i}")
        ReturnFactory(
            round=round, milestone=MilestoneFactory(theme__framework=round.framework, lead=post)
        )
    client.force_login(policy_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("frameworks:round-detail", args=[round.pk]))
    assert response.content.decode().count("Divisional Director ") >= size


@pytest.mark.parametrize("size", [4, 40])
def test_framework_page_query_count_does_not_grow(
    client, officer, milestone, size, django_assert_max_num_queries
):
    for _ in range(size):
        MilestoneFactory(theme=milestone.theme)
    RoundFactory(framework=milestone.framework)
    client.force_login(officer)
    with django_assert_max_num_queries(14):
        response = client.get(
            reverse("frameworks:framework-detail", args=[milestone.framework.slug])
        )
    assert response.status_code == 200


def test_dashboard_names_each_holder_of_a_post_once(client, policy_user, round):
    """A post leading many milestones is one row, its holders named once each, by surname
    (someone with no name, by username, comes first)."""
    post = PostFactory(title="Divisional Director Democratic Services")
    post.holders.add(
        UserFactory(username="z", first_name="Zoe", last_name="Ward"),
        UserFactory(username="a", first_name="Ann", last_name="Bell"),
        UserFactory(username="nameless", first_name="", last_name=""),
    )
    for _ in range(3):
        ReturnFactory(
            round=round, milestone=MilestoneFactory(theme__framework=round.framework, lead=post)
        )
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:round-detail", args=[round.pk])).content.decode()
    assert page.count("nameless, Ann Bell, Zoe Ward") == 1
    row = page.split("Divisional Director Democratic Services<br>")[1].split("</tr>")[0]
    # Each number says its column (read out, and shown when the table stacks on a phone).
    assert '<td class="govuk-table__cell govuk-table__cell--numeric" data-label="Due">3</td>' in row


def test_dashboard_and_framework_page_query_counts_are_the_same_at_any_size(
    client, policy_user, round, django_assert_max_num_queries
):
    counts = []
    for size in (3, 30):
        for i in range(size):
            ReturnFactory(
                round=round,
                milestone=MilestoneFactory(
                    theme__framework=round.framework, lead=PostFactory(title=f"Head {size} {i}")
                ),
            )
        client.force_login(policy_user)
        with django_assert_max_num_queries(12) as dashboard:
            client.get(reverse("frameworks:round-detail", args=[round.pk]))
        with django_assert_max_num_queries(16) as overview:
            client.get(reverse("frameworks:framework-detail", args=[round.framework.slug]))
        counts.append((len(dashboard.captured_queries), len(overview.captured_queries)))
    assert counts[0] == counts[1]


# A confirm page that is out of date, and a round created twice ------------------------------
def seen_version(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "the page carries the version read"
    return match.group(1)


def test_opening_from_a_page_loaded_before_someone_else_opened_it_says_so(
    client, policy_user, milestone
):
    round = RoundFactory(framework=milestone.framework, label="Q3 2020-21", state="DRAFT")
    client.force_login(policy_user)
    url = reverse("frameworks:round-open", args=[round.pk])
    version = seen_version(client.get(url).content.decode())
    jane = PolicyUserFactory(username="jane", first_name="Jane", last_name="Smith")
    round_open(round=round, user=jane, expected_version=None)
    response = client.post(url, {"version": version})
    page = response.content.decode()
    assert response.status_code == 200
    summary = error_summary(page)
    assert "Q3 2020-21 was opened by Jane Smith at " in summary
    assert "after you loaded this page; nothing was changed." in summary
    assert "Open round" not in buttons(page)  # nothing left to confirm
    round.refresh_from_db()
    assert round.opened_by == jane
    assert round.returns.count() == 1


def test_closing_from_a_page_loaded_before_someone_else_closed_it_says_so(
    client, policy_user, milestone
):
    round = RoundFactory(framework=milestone.framework, label="Q3 2020-21", state="DRAFT")
    round = round_open(round=round, user=policy_user, expected_version=None)
    client.force_login(policy_user)
    url = reverse("frameworks:round-close", args=[round.pk])
    version = seen_version(client.get(url).content.decode())
    jane = PolicyUserFactory(username="jane", first_name="Jane", last_name="Smith")
    round_close(round=round, user=jane, expected_version=None)
    page = client.post(url, {"version": version}).content.decode()
    assert "Q3 2020-21 was closed by Jane Smith at " in error_summary(page)
    assert "Close round" not in buttons(page)
    round.refresh_from_db()
    assert round.closed_by == jane


def test_opening_a_round_whose_dates_changed_meanwhile_shows_them_and_asks_again(
    client, policy_user, milestone
):
    round = RoundFactory(framework=milestone.framework, label="Q3 2020-21", state="DRAFT")
    client.force_login(policy_user)
    url = reverse("frameworks:round-open", args=[round.pk])
    version = seen_version(client.get(url).content.decode())
    round.due_date = round.due_date.replace(day=8)  # as the admin saves it
    round.version += 1
    round._history_user = PolicyUserFactory(username="jane", first_name="Jane", last_name="Smith")
    round.save()
    page = client.post(url, {"version": version}).content.decode()
    assert "Q3 2020-21 was changed by Jane Smith at " in error_summary(page)
    assert "8 January 2021" in page  # the new due date, to read before opening
    assert attrs(page, "input[name=version]")[0]["value"] == str(round.version)
    round.refresh_from_db()
    assert round.state == RoundState.DRAFT
    client.post(url, {"version": round.version})
    round.refresh_from_db()
    assert round.state == RoundState.OPEN


def test_a_confirm_without_the_version_read_changes_nothing(client, policy_user, milestone):
    round = RoundFactory(framework=milestone.framework, label="Q3 2020-21", state="DRAFT")
    client.force_login(policy_user)
    response = client.post(reverse("frameworks:round-open", args=[round.pk]))
    assert response.status_code == 200
    assert "Reload the page" in error_summary(response)
    round.refresh_from_db()
    assert round.state == RoundState.DRAFT


@pytest.mark.parametrize("again", ["Q3 2020-21", "q3 2020-21", "Q3  2020-21"])
def test_creating_a_round_twice_is_a_form_error_not_an_error_page(
    client, policy_user, milestone, again
):
    client.force_login(policy_user)
    url = reverse("frameworks:round-create", args=[milestone.framework.slug])
    data = date_parts(start_date="1/10/2020", end_date="31/12/2020", due_date="15/1/2021")
    assert client.post(url, {**data, "label": "Q3 2020-21"}).status_code == 302
    response = client.post(url, {**data, "label": again})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert attrs(page, ".govuk-error-summary a") == [{"href": "#id_label"}]
    assert "This framework already has a round called Q3 2020-21." in error_summary(page)
    assert milestone.framework.rounds.count() == 1


def test_the_round_page_chases_a_post_now_and_says_who_was_sent_it(
    client, policy_user, officer, return_, post, mailoutbox
):
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:round-detail", args=[return_.round_id]))
    chase = reverse("frameworks:round-chase", args=[return_.round_id, post.pk])
    assert attrs(page, f'form[action="{chase}"]'), "a Chase button on the post's row"
    done = client.post(chase, follow=True)
    assert f"Reminder sent to {officer.get_full_name() or officer.username} ({post.title})." in (
        texts(done, ".govuk-notification-banner__heading")
    )
    again = client.post(chase, follow=True)
    assert f"{post.title} has already been chased today: nothing more was sent." in texts(
        again, ".govuk-notification-banner__heading"
    )
    assert len(mailoutbox) == 1


def test_the_dashboard_filters_by_post_and_directorate_and_downloads_as_shown(
    client, policy_user, return_, post
):
    post.directorate = "Strategy, Policy and Performance"
    post.save()
    youth = PostFactory(
        title="Divisional Director Youth and Commissioning", directorate="Children's"
    )
    ReturnFactory(
        round=return_.round, milestone=MilestoneFactory(lead=youth, title="Youth Council")
    )
    client.force_login(policy_user)
    url = reverse("frameworks:round-detail", args=[return_.round_id])

    everyone = client.get(url)
    assert texts(everyone, "#filter-directorate option") == [
        "All directorates", "Children's", "Strategy, Policy and Performance",
    ]  # fmt: skip
    page = client.get(url, {"post": youth.pk})
    assert texts(page, "tbody th") == [
        "Divisional Director Youth and Commissioning Nobody holds this post"
    ]
    assert texts(page, "#filter-all") == ["All (1)"], "the counts are of what is shown"
    assert [a["href"] for a in attrs(page, "#filter-SUBMITTED")] == [
        f"?post={youth.pk}&state=SUBMITTED"
    ]
    by_directorate = client.get(url, {"directorate": "Children's"})
    assert texts(by_directorate, "#filter-all") == ["All (1)"]

    (link,) = [a["href"] for a in attrs(page, "a[download]")]
    sheet = client.get(link)
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in sheet["Cache-Control"]
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.content), read_only=True)
    assert workbook.sheetnames == ["Returns by post", "Returns"]
    rows = list(workbook["Returns"].iter_rows(values_only=True))
    assert rows[0] == ("Theme", "Code", "Milestone", "Lead", "RAG status", "Return")
    assert [row[2] for row in rows[1:]] == ["Youth Council"]
    by_post = list(workbook["Returns by post"].iter_rows(values_only=True))
    assert by_post[1][0] == "Divisional Director Youth and Commissioning" and by_post[1][2] == 1


def test_the_rounds_page_counts_returns_submitted_or_approved_of_all(client, policy_user, round):
    for state in (ReturnState.SUBMITTED, ReturnState.APPROVED, ReturnState.DRAFT):
        ReturnFactory(
            round=round,
            milestone=MilestoneFactory(framework=round.framework),
            state=state,
            rag=RAG.IN_PROGRESS,
        )
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:round-list")).content.decode()
    assert re.search(r'data-label="Submitted or approved">\s*2 of 3\s*<', page), page


# Indicator values count in their owner post's row, and are chased with it --------------------
def vacancy_gap(round, owner, *, state=ReturnState.NOT_STARTED, number="1", name=""):
    """Seed 004's children's social care vacancy gap (%), owned by `owner`, due in `round`;
    19.55 once given."""
    indicator = IndicatorFactory(
        framework=round.framework,
        number=number,
        name=name or "Children's social care vacancy gap",
        unit="%",
        direction=Direction.LOWER,
        owner=owner,
    )
    given = state != ReturnState.NOT_STARTED
    return IndicatorValueFactory(
        indicator=indicator, round=round, state=state, value=Decimal("19.55") if given else None
    )


def test_a_post_that_only_owns_indicators_has_a_row_and_can_be_chased(
    client, policy_user, return_, round, mailoutbox
):
    owner = PostFactory(title="Amanda Harcus")  # R5.14's owner in seed 004
    amanda = UserFactory(username="amanda", first_name="Amanda", last_name="Harcus")
    owner.holders.add(amanda)
    value = vacancy_gap(round, owner)
    vacancy_gap(
        round, owner, state=ReturnState.APPROVED, number="2",
        name="Children's social care staff turnover",
    )  # fmt: skip
    client.force_login(policy_user)
    url = reverse("frameworks:round-detail", args=[round.pk])
    page = client.get(url).content.decode()
    assert "A post's counts include the values of the indicators it owns" in page
    row = page.split("Amanda Harcus<br>")[1].split("</tr>")[0]
    assert "Including 2 indicator values" in row
    cells = re.findall(r'data-label="([^"]+)">(\d+)</td>', row)
    assert cells == [
        ("Due", "2"), ("Not started", "1"), ("Draft", "0"), ("Returned", "0"),
        ("Submitted", "0"), ("Approved", "1"),
    ]  # fmt: skip
    chase = reverse("frameworks:round-chase", args=[round.pk, owner.pk])
    assert attrs(page, f'form[action="{chase}"]'), "a Chase button on the owner post's row"
    assert "Amanda Harcus" in texts(page, "#filter-post option")
    done = client.post(chase, follow=True)
    assert "Reminder sent to Amanda Harcus (Amanda Harcus)." in texts(
        done, ".govuk-notification-banner__heading"
    )
    [email] = mailoutbox
    assert email.to == [amanda.email]
    assert "You still need to submit 1 indicator value:" in email.body
    assert f"/returns/values/{value.pk}/" in email.body
    assert Reminder.objects.get().returns == 1


def test_a_post_whose_values_are_all_given_has_no_chase_button(
    client, policy_user, officer, post, round
):
    vacancy_gap(round, post, state=ReturnState.SUBMITTED)
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:round-detail", args=[round.pk])).content.decode()
    row = page.split("Divisional Director SPP<br>")[1].split("</tr>")[0]
    assert "Including 1 indicator value<" in row
    assert "round-chase" not in row and "/chase/" not in row
    assert '<td class="govuk-table__cell" data-label="Late">None</td>' in row


@pytest.mark.parametrize("size", [1, 10])
def test_dashboard_query_count_is_the_same_with_1_or_10_values(
    client, policy_user, return_, round, size, django_assert_max_num_queries
):
    for i in range(size):
        owner = PostFactory(title=f"Amanda Harcus ({i})")
        owner.holders.add(UserFactory(username=f"owner{i}"))
        vacancy_gap(round, owner, number=str(i + 1), name=f"Children's social care vacancy gap {i}")
    client.force_login(policy_user)
    with django_assert_max_num_queries(12):  # as without values
        response = client.get(reverse("frameworks:round-detail", args=[round.pk]))
    page = response.content.decode()
    assert page.count("Including 1 indicator value<") == size
    assert page.count("/chase/") == size  # each owner post (the return's lead post: no holder)
