"""The milestone list: filters, search, sort, paging, htmx fragments, errors, access, queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from frameworks.models import RAG, DatePrecision, Milestone, ReturnState, RoundState
from frameworks.selectors import milestone_is_overdue
from tests.factories import (
    ApprovedReturnFactory,
    FrameworkFactory,
    MilestoneFactory,
    PostFactory,
    ReturnFactory,
    RoundFactory,
    ThemeFactory,
)

HUB = "Promote the Members Hub internally"
CCFA = "Develop and promote the Councillor Call for Action (CCfA)"
PLANNING = "Add weekly list of planning applications, by ward, to the Members Hub"
TRAINING = "Provide social media training sessions for all Councillors"
CONTINGENCIES = "Training Programme for Members on Civil Contingencies"
ALL = {HUB, CCFA, PLANNING, TRAINING, CONTINGENCIES}
IN_PLAN_ORDER = [HUB, CCFA, CONTINGENCIES, PLANNING, TRAINING]


@dataclass
class Plan:
    framework: object
    members: object
    planning: object
    planning_post: object
    milestones: dict

    @property
    def url(self) -> str:
        return reverse("frameworks:milestone-list", args=[self.framework.slug])


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def plan(post) -> Plan:
    """Five milestones of the Ward Councillor Support Framework across two closed rounds.

    - HUB (R6.19): In progress, then Completed (status changed); deadline passed but complete
    - CCFA: In progress twice, last reviewed 200 days ago; deadline passed, so overdue
    - PLANNING: Ongoing, submitted 30 days ago; deadline revised to a later date (slipped);
      a draft in the open round mentions "committee papers"
    - TRAINING: never updated (no status), deadline to come
    - CONTINGENCIES: marked Overdue though its deadline is still to come
    """
    framework = FrameworkFactory(name="Ward Councillor Support Framework")
    members = ThemeFactory(framework=framework, name="Members' Support", order=1)
    planning = ThemeFactory(framework=framework, name="Planning", order=2)
    planning_post = PostFactory(title="Divisional Director, Planning and Building Control")
    q1 = RoundFactory(
        framework=framework,
        label="Q1 2020-21",
        start_date=dt.date(2020, 4, 1),
        end_date=dt.date(2020, 6, 30),
        due_date=dt.date(2020, 7, 15),
        state=RoundState.CLOSED,
    )
    q2 = RoundFactory(
        framework=framework,
        label="Q2 2020-21",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 9, 30),
        due_date=dt.date(2020, 10, 15),
        state=RoundState.CLOSED,
    )
    q3 = RoundFactory(framework=framework, label="Q3 2020-21", state=RoundState.OPEN)
    hub = MilestoneFactory(theme=members, title=HUB, code="R6.19", lead=post, order=1)
    ccfa = MilestoneFactory(theme=members, title=CCFA, code="R6.20", lead=post, order=2)
    planning_ms = MilestoneFactory(
        theme=planning,
        title=PLANNING,
        lead=planning_post,
        order=1,
        deadline_text="Mar-21",
        deadline_date=in_days(60),
        revised_deadline_text="Sep-21",
        revised_deadline_date=in_days(240),
        revised_deadline_precision=DatePrecision.MONTH,
    )
    training = MilestoneFactory(
        theme=planning, title=TRAINING, lead=post, order=2, deadline_date=in_days(90)
    )
    contingencies = MilestoneFactory(
        theme=members, title=CONTINGENCIES, lead=post, order=3, deadline_date=in_days(30)
    )
    ApprovedReturnFactory(milestone=hub, round=q1, rag=RAG.IN_PROGRESS, reviewed_at=ago(100))
    ApprovedReturnFactory(milestone=hub, round=q2, rag=RAG.COMPLETED, reviewed_at=ago(10))
    ApprovedReturnFactory(milestone=ccfa, round=q1, rag=RAG.IN_PROGRESS, reviewed_at=ago(300))
    ApprovedReturnFactory(
        milestone=ccfa,
        round=q2,
        rag=RAG.IN_PROGRESS,
        reviewed_at=ago(200),
        narrative="Guidance on the CCfA protocol was agreed with group leaders.",
    )
    ApprovedReturnFactory(
        milestone=planning_ms, round=q2, rag=RAG.ONGOING, submitted_at=ago(30), reviewed_at=None
    )
    ReturnFactory(
        milestone=planning_ms,
        round=q3,
        state=ReturnState.DRAFT,
        narrative="Planning committee papers are being redesigned for ward members.",
    )
    ApprovedReturnFactory(milestone=contingencies, round=q2, rag=RAG.OVERDUE, reviewed_at=ago(5))
    return Plan(
        framework=framework,
        members=members,
        planning=planning,
        planning_post=planning_post,
        milestones={
            HUB: hub,
            CCFA: ccfa,
            PLANNING: planning_ms,
            TRAINING: training,
            CONTINGENCIES: contingencies,
        },
    )


def shown(response) -> list[str]:
    return [milestone.title for milestone in response.context["page"].object_list]


def table_of(response) -> str:
    return response.content.decode().split('id="milestone-table"', 1)[1]


# Whole page -------------------------------------------------------------------------------------
def test_plain_get_shows_the_whole_page_in_plan_order(client, policy_user, plan):
    client.force_login(policy_user)
    response = client.get(plan.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and "Find milestones" in page
    assert 'hx-get="' + plan.url + '"' in page and 'hx-target="#milestone-table"' in page
    assert 'hx-push-url="true"' in page and 'hx-trigger="change, submit"' in page
    assert "Apply filters" in page and "Clear filters" in page
    assert "5 milestones match" in page
    assert shown(response) == IN_PLAN_ORDER
    table = table_of(response)
    hub = plan.milestones[HUB]
    assert f'href="{hub.get_absolute_url()}"' in table and "R6.19" in table
    assert "Divisional Director SPP" in table and "Members&#x27; Support" in table
    planning = plan.milestones[PLANNING]
    assert planning.revised_deadline_display in table
    assert f"Revised from {planning.deadline_display}" in table
    assert "Never" in table  # TRAINING has no update
    assert "Overdue" in table


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ALL),
        ({"theme": "planning"}, {PLANNING, TRAINING}),
        ({"post": "planning_post"}, {PLANNING}),
        ({"rag": [RAG.IN_PROGRESS]}, {CCFA}),
        ({"rag": [RAG.COMPLETED, RAG.OVERDUE]}, {HUB, CONTINGENCIES}),
        ({"rag": ["NONE"]}, {TRAINING}),
        ({"rag": ["NONE", RAG.ONGOING]}, {TRAINING, PLANNING}),
        ({"overdue": "yes"}, {CCFA, CONTINGENCIES}),
        ({"slipped": "yes"}, {PLANNING}),
        ({"changed": "yes"}, {HUB}),
        ({"not_updated": "120"}, {CCFA, TRAINING}),
        ({"not_updated": "20"}, {CCFA, PLANNING, TRAINING}),
        ({"overdue": "on"}, {CCFA, CONTINGENCIES}),  # what a checkbox without a value sends
        ({"overdue": "false", "slipped": "", "changed": "off", "not_updated": ""}, ALL),
        ({"overdue": "no", "slipped": "0"}, ALL),
        ({"theme": "members", "overdue": "yes"}, {CCFA, CONTINGENCIES}),
        ({"theme": "members", "rag": [RAG.IN_PROGRESS], "not_updated": "120"}, {CCFA}),
    ],
)
def test_each_filter_narrows_the_list(client, policy_user, plan, params, expected):
    ids = {
        "planning": plan.planning.pk,
        "members": plan.members.pk,
        "planning_post": plan.planning_post.pk,
    }
    query = {
        key: ids.get(value, value) if isinstance(value, str) else value
        for key, value in params.items()
    }
    client.force_login(policy_user)
    response = client.get(plan.url, query)
    assert response.status_code == 200
    assert "There is a problem" not in response.content.decode()
    assert set(shown(response)) == expected
    count = len(expected)
    assert f"{count} milestone{'s' if count != 1 else ''} match" in response.content.decode()


def test_overdue_filter_agrees_with_milestone_is_overdue(client, policy_user, plan):
    client.force_login(policy_user)
    everything = client.get(plan.url).context["page"].object_list
    flagged = {m.title for m in everything if milestone_is_overdue(m, timezone.localdate())}
    assert flagged == {m.title for m in everything if m.flagged_overdue} == {CCFA, CONTINGENCIES}
    assert set(shown(client.get(plan.url, {"overdue": "yes"}))) == flagged


def test_a_revised_deadline_equal_to_the_original_has_not_slipped(client, policy_user, plan):
    Milestone.objects.filter(pk=plan.milestones[TRAINING].pk).update(
        revised_deadline_text="Same again", revised_deadline_date=in_days(90)
    )
    Milestone.objects.filter(pk=plan.milestones[HUB].pk).update(
        deadline_date=None, deadline_text="Ongoing", revised_deadline_text="TBC"
    )
    client.force_login(policy_user)
    assert set(shown(client.get(plan.url, {"slipped": "yes"}))) == {PLANNING, HUB}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("members hub", {HUB, PLANNING}),  # titles, case-insensitive
        ("r6.2", {CCFA}),  # code
        ("AGREED with group", {CCFA}),  # an approved update's narrative
        ("  CCfA  ", {CCFA}),  # spaces trimmed; title and narrative match once, not twice
        ("nothing like this", set()),
    ],
)
def test_search_finds_titles_codes_and_return_narratives(client, policy_user, plan, q, expected):
    client.force_login(policy_user)
    response = client.get(plan.url, {"q": q})
    assert shown(response) == [title for title in IN_PLAN_ORDER if title in expected]
    if not expected:
        assert "0 milestones match" in response.content.decode()


def test_search_reads_drafts_only_for_those_who_may_see_them(client, policy_user, officer, plan):
    client.force_login(policy_user)
    assert shown(client.get(plan.url, {"q": "committee papers"})) == [PLANNING]
    client.force_login(officer)  # holds Divisional Director SPP, not the planning post
    assert shown(client.get(plan.url, {"q": "committee papers"})) == []
    plan.planning_post.holders.add(officer)
    assert shown(client.get(plan.url, {"q": "committee papers"})) == [PLANNING]


# Sort and pages ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", [PLANNING, CCFA, HUB, TRAINING, CONTINGENCIES]),
        ("-title", [CONTINGENCIES, TRAINING, HUB, CCFA, PLANNING]),
        ("deadline", [HUB, CCFA, CONTINGENCIES, TRAINING, PLANNING]),
        ("-deadline", [PLANNING, TRAINING, CONTINGENCIES, HUB, CCFA]),
        ("rag", [HUB, CCFA, CONTINGENCIES, PLANNING, TRAINING]),
        ("-rag", [TRAINING, PLANNING, CONTINGENCIES, CCFA, HUB]),
        ("updated", [CCFA, PLANNING, HUB, CONTINGENCIES, TRAINING]),
        ("theme", IN_PLAN_ORDER),
        ("drop table", IN_PLAN_ORDER),  # ignored
        ("pk", IN_PLAN_ORDER),  # not on the whitelist
    ],
)
def test_sort(client, policy_user, plan, sort, expected):
    client.force_login(policy_user)
    response = client.get(plan.url, {"sort": sort})
    assert response.status_code == 200
    assert "There is a problem" not in response.content.decode()
    assert shown(response) == expected


def test_sort_headers_show_the_direction_and_keep_the_filters(client, policy_user, plan):
    client.force_login(policy_user)
    theme = plan.members.pk
    table = table_of(client.get(plan.url, {"theme": theme, "overdue": "yes", "sort": "title"}))
    assert 'aria-sort="ascending"' in table and table.count("aria-sort=") == 1
    assert f'href="?theme={theme}&amp;overdue=yes&amp;sort=-title"' in table  # toggles
    assert f'hx-get="?theme={theme}&amp;overdue=yes&amp;sort=-title"' in table
    assert f'href="?theme={theme}&amp;overdue=yes&amp;sort=deadline"' in table
    assert 'name="sort" value="title" form="milestone-filters"' in table
    table = table_of(client.get(plan.url, {"sort": "-deadline"}))
    assert 'aria-sort="descending"' in table and 'href="?sort=deadline"' in table


def test_paging_keeps_the_filters_and_the_sort(client, policy_user, plan):
    for i in range(30):
        MilestoneFactory(
            theme=plan.planning, title=f"Ward walkabout {i:02}", lead=plan.planning_post
        )
    client.force_login(policy_user)
    query = {"theme": plan.planning.pk, "sort": "title"}
    first = client.get(plan.url, query)
    assert len(shown(first)) == 25 and "32 milestones match" in first.content.decode()
    table = table_of(first)
    assert "govuk-pagination" in table and "Showing 1 to 25 of 32" in table
    next_link = f'href="?theme={plan.planning.pk}&amp;sort=title&amp;page=2"'
    assert next_link in table and 'rel="next"' in table
    second = client.get(plan.url, {**query, "page": 2})
    assert shown(first)[:3] == [PLANNING, TRAINING, "Ward walkabout 00"]
    assert shown(second) == [f"Ward walkabout {i:02}" for i in range(23, 30)]
    assert f'href="?theme={plan.planning.pk}&amp;sort=title&amp;page=1"' in table_of(second)
    assert 'aria-current="page">2<' in table_of(second)
    # A page that is not a number, or past the end, is the first or last page, never an error.
    assert client.get(plan.url, {**query, "page": "two"}).context["page"].number == 1
    assert client.get(plan.url, {**query, "page": "99"}).context["page"].number == 2


def test_the_filter_form_keeps_its_values(client, policy_user, plan):
    client.force_login(policy_user)
    page = client.get(
        plan.url, {"q": "hub", "rag": ["COMPLETED", "NONE"], "overdue": "yes", "not_updated": "90"}
    ).content.decode()
    assert 'name="q" value="hub"' in page
    assert 'value="COMPLETED" id="id_rag_0" checked' in page
    assert 'value="NONE" id="id_rag_6" checked' in page
    assert 'class="govuk-checkboxes__input" type="checkbox" name="overdue" value="yes"' in page
    assert 'id="id_overdue" checked' in page
    assert 'name="not_updated" value="90"' in page


def test_the_lead_and_theme_lists_offer_the_plans_own_and_keep_the_choice(
    client, policy_user, plan
):
    plan.planning_post.title = "Head of Policy & Strategy <interim>"
    plan.planning_post.save()
    client.force_login(policy_user)
    page = client.get(plan.url, {"post": plan.planning_post.pk}).content.decode()
    leads = page.split('name="post"', 1)[1].split("</select>", 1)[0]
    assert '<option value="">All leads</option>' in leads
    assert (
        f'<option value="{plan.planning_post.pk}" selected>'
        "Head of Policy &amp; Strategy &lt;interim&gt;</option>"
    ) in leads
    assert leads.count("<option") == 3 and leads.count(" selected") == 1  # all, and two leads
    themes = page.split('name="theme"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>All themes</option>' in themes
    assert f'<option value="{plan.planning.pk}">Planning</option>' in themes


# htmx -------------------------------------------------------------------------------------------
def test_htmx_gets_only_the_table(client, policy_user, plan):
    client.force_login(policy_user)
    response = client.get(
        plan.url,
        {"theme": plan.planning.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="milestone-table",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "Apply filters" not in body
    assert body.strip().startswith('<div id="milestone-table">')
    assert "2 milestones match" in body and PLANNING in body and HUB not in body
    assert "HX-Request" in response["Vary"] and "HX-Target" in response["Vary"]
    # The form sends every field; the address pushed to the history keeps only those in use.
    assert response["HX-Push-Url"] == f"{plan.url}?theme={plan.planning.pk}"
    paged = client.get(
        plan.url,
        {"q": "", "theme": "", "post": "", "overdue": "", "sort": "-title", "page": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="milestone-table",
    )
    assert paged["HX-Push-Url"] == f"{plan.url}?sort=-title" and "HX-Retarget" not in paged
    full = client.get(plan.url, {"theme": plan.planning.pk})
    assert "<html" in full.content.decode() and "Apply filters" in full.content.decode()


def test_htmx_with_errors_swaps_the_form_and_summary_too(client, policy_user, plan):
    client.force_login(policy_user)
    response = client.get(
        plan.url,
        {"not_updated": "lots"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="milestone-table",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.strip().startswith('<div id="milestone-search">')
    assert "There is a problem" in body and 'id="milestone-table"' in body
    assert response["HX-Retarget"] == "#milestone-search"
    assert response["HX-Reswap"] == "outerHTML"
    # While the errors show, the form swaps the whole search, so fixing them clears them.
    assert 'hx-target="#milestone-search"' in body
    fixed = client.get(
        plan.url,
        {"not_updated": "120"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="milestone-search",
    )
    body = fixed.content.decode()
    assert body.strip().startswith('<div id="milestone-search">')
    assert "There is a problem" not in body and "HX-Retarget" not in fixed
    assert 'hx-target="#milestone-table"' in body and "2 milestones match" in body


# Errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message", "anchor"),
    [
        (
            {"not_updated": "lots"},
            "Enter the number of days as a whole number, like 120",
            "#id_not_updated",
        ),
        (
            {"not_updated": "12.5"},
            "Enter the number of days as a whole number, like 120",
            "#id_not_updated",
        ),
        ({"not_updated": "0"}, "The number of days must be 1 or more", "#id_not_updated"),
        (
            {"not_updated": "99999999999999999999"},
            "The number of days must be 36,500 or fewer",
            "#id_not_updated",
        ),
        ({"theme": "999999"}, "Select a theme from the list", "#id_theme"),
        ({"theme": "Planning"}, "Select a theme from the list", "#id_theme"),
        ({"post": "x"}, "Select a lead from the list", "#id_post"),
        ({"rag": ["PURPLE"]}, "Select a status from the list", "#id_rag_0"),
        ({"q": "x" * 201}, "Search text must be 200 characters or fewer", "#id_q"),
        ({"q": "hub\x00"}, "Null characters are not allowed.", "#id_q"),
    ],
)
def test_invalid_input_shows_the_error_summary(client, policy_user, plan, params, message, anchor):
    client.force_login(policy_user)
    response = client.get(plan.url, {**params, "overdue": "yes"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "<title>Error: Find milestones" in page
    assert f'<a href="{anchor}">{message}</a>' in page
    assert "govuk-form-group--error" in page
    # The valid filters still apply; the invalid one is left out of the links.
    assert set(shown(response)) == {CCFA, CONTINGENCIES}
    assert f"{next(iter(params))}=" not in page.split("<tbody")[0].split('id="milestone-table"')[1]


JUNK = ["'; DROP TABLE frameworks_milestone; --", "%", "_", "\x00", "9" * 40, "-1", "1e3", "é"]


@pytest.mark.parametrize(
    "name", ["q", "theme", "post", "rag", "overdue", "slipped", "changed", "not_updated", "sort"]
)
def test_junk_in_any_parameter_is_never_a_server_error(client, policy_user, plan, name):
    client.force_login(policy_user)
    for junk in JUNK:
        for headers in ({}, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "milestone-table"}):
            response = client.get(plan.url, {name: junk, "page": junk}, **headers)
            assert response.status_code == 200, (name, junk)


def test_a_theme_of_another_framework_is_refused(client, policy_user, plan):
    elsewhere = ThemeFactory(name="Housing")
    client.force_login(policy_user)
    page = client.get(plan.url, {"theme": elsewhere.pk}).content.decode()
    assert "Select a theme from the list" in page


# Access -----------------------------------------------------------------------------------------
def test_officers_of_a_closed_framework_get_404(client, other_officer, plan):
    plan.framework.officers_read_all = False
    plan.framework.save()
    client.force_login(other_officer)  # holds no post in this framework
    assert client.get(plan.url).status_code == 404
    assert client.get(plan.url, HTTP_HX_REQUEST="true").status_code == 404
    assert (
        client.get(reverse("frameworks:milestone-list", args=["no-such-plan"])).status_code == 404
    )


def test_officers_of_a_closed_framework_see_only_their_posts_milestones(client, officer, plan):
    plan.framework.officers_read_all = False
    plan.framework.save()
    client.force_login(officer)  # holds Divisional Director SPP
    response = client.get(plan.url)
    assert response.status_code == 200
    assert set(shown(response)) == ALL - {PLANNING}
    # The lead choices only name posts of milestones they can see.
    assert "Divisional Director, Planning and Building Control" not in response.content.decode()
    assert shown(client.get(plan.url, {"q": "planning applications"})) == []


def test_officers_of_an_open_framework_see_everything(client, other_officer, plan):
    client.force_login(other_officer)
    assert set(shown(client.get(plan.url))) == ALL


# Queries ----------------------------------------------------------------------------------------
def add_milestones(plan: Plan, count: int, *, lead=None) -> None:
    """`count` more milestones, each with its own lead post (unless given) and two approved
    returns, In progress and last reviewed over 200 days ago."""
    rounds = list(plan.framework.rounds.filter(state=RoundState.CLOSED))
    start = Milestone.objects.filter(title__startswith="Ward profile").count()
    for i in range(start, start + count):
        post = lead or PostFactory(title=f"Head of Locality Based Data ({i})")
        milestone = MilestoneFactory(theme=plan.members, title=f"Ward profile {i}", lead=post)
        for round in rounds:
            ApprovedReturnFactory(milestone=milestone, round=round, reviewed_at=ago(200 + i))


EVERY_FILTER = {
    "q": "ward",
    "rag": ["IN_PROGRESS", "NONE"],
    "overdue": "yes",
    "slipped": "",
    "changed": "",
    "not_updated": "150",
    "sort": "rag",
}


@pytest.mark.parametrize("size", [3 * 5, 30 * 5])
@pytest.mark.parametrize("params", [{}, EVERY_FILTER], ids=["no filters", "every filter"])
def test_query_count_does_not_grow(
    client, policy_user, plan, size, params, django_assert_max_num_queries
):
    add_milestones(plan, size - 5)
    params = {**params, "theme": plan.members.pk} if params else {}
    client.force_login(policy_user)
    with django_assert_max_num_queries(10):
        response = client.get(plan.url, params)
    assert response.status_code == 200
    matches = size if not params else size - 5  # every filter: just the ward profiles
    assert f"{matches} milestones match" in response.content.decode()
    assert len(shown(response)) == min(25, matches)


def test_query_count_is_the_same_at_3x_and_30x(client, officer, plan):
    plan.framework.officers_read_all = False  # the restricted path has the most checks
    plan.framework.save()
    client.force_login(officer)
    spp = plan.milestones[HUB].posts.get()
    counts = []
    for total in (3 * 5, 30 * 5):
        add_milestones(plan, total - len(Milestone.objects.all()), lead=spp)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(plan.url, {**EVERY_FILTER, "theme": plan.members.pk})
        assert response.status_code == 200
        assert f"{total - 5} milestones match" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
