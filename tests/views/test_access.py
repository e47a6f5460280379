"""Deny by default: every URL pattern, every role. Anonymous users are sent to sign in; each role
reaches exactly what the allow list says and is refused the rest (403 or 404, never a 500)."""

import datetime as dt
import hashlib

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from frameworks.models import (
    AgendaItem,
    AgendaPack,
    Assessment,
    Board,
    BoardMember,
    BoardReport,
    ImportBatch,
    Indicator,
    IndicatorValue,
    Judgement,
    MaturityStandard,
    Meeting,
    Minutes,
    PackBuild,
    PublishedReport,
    Recommendation,
    ReportBuild,
)
from tests.factories import UserFactory

EVERYONE = {"holder", "other_officer", "policy", "democratic", "admin"}
ROUNDS = {"policy", "democratic", "admin"}
REPORTS = {"policy", "democratic", "admin"}
POLICY = {"policy", "admin"}
ADMIN = {"admin"}
MEETINGS = {"policy", "democratic", "admin"}
# Open without signing in: the link in an invitation email (tests/views/test_accounts.py).
PUBLIC = {"invitation-accept"}

# url name -> roles allowed to GET it. Everything not listed for a role must be refused.
ALLOWED = {
    "home": EVERYONE,
    "return-list": EVERYONE,
    "return-edit": {"holder", "policy", "admin"},
    "return-autosave": set(),  # POST only
    "return-review": POLICY,
    "indicatorvalue-edit": {"holder", "policy", "admin"},
    "indicatorvalue-review": POLICY,
    "round-list": ROUNDS,
    "round-detail": ROUNDS,
    "round-open": POLICY,
    "round-close": POLICY,
    "round-create": POLICY,
    "round-chase": set(),  # POST only: a GET never sends email
    "round-xlsx": ROUNDS,
    "framework-list": EVERYONE,
    "framework-detail": EVERYONE,
    "milestone-detail": EVERYONE,
    "milestone-history": EVERYONE,
    "milestone-list": EVERYONE,
    "outcome-list": EVERYONE,
    # Indicators: read with the framework; kept, and their values imported, by the policy team
    # and administrators.
    "indicator-list": EVERYONE,
    "indicator-detail": EVERYONE,
    "indicator-create": POLICY,
    "indicator-edit": POLICY,
    "indicator-targets": POLICY,
    "indicatorvalue-import": POLICY,
    "indicatorvalue-import-confirm": set(),  # POST only
    "report-list": REPORTS,
    "report-create": REPORTS,
    "report-detail": REPORTS,
    "report-edit": REPORTS,
    "report-preview": REPORTS,
    "report-pdf": REPORTS,
    "report-xlsx": REPORTS,
    "report-publish": REPORTS,
    "report-build": REPORTS,
    "report-build-start": set(),  # POST only: a GET never starts work
    "report-build-pdf": REPORTS,
    "report-published-pdf": REPORTS,
    "board-list": POLICY,
    "board-create": POLICY,
    "board-edit": POLICY,
    "import-list": POLICY,
    "import-create": POLICY,
    "import-rounds": POLICY,  # htmx fragment; a plain request is sent to the form
    "import-detail": POLICY,
    "import-progress": POLICY,  # htmx fragment; a plain request is sent to the detail page
    "import-confirm": set(),  # POST only
    "import-template": POLICY,
    "post-list": POLICY,
    "post-merge": POLICY,
    "meeting-list": MEETINGS,
    "meeting-create": MEETINGS,
    "meeting-detail": MEETINGS,
    "agendaitem-create": MEETINGS,
    "agendaitem-edit": MEETINGS,
    "agendaitem-move": set(),  # POST only
    "agendaitem-remove": set(),  # POST only
    "pack-build-start": set(),  # POST only: a GET never starts work
    "pack-build": MEETINGS,
    "pack-build-pdf": MEETINGS,
    "pack-publish": set(),  # POST only
    "pack-pdf": MEETINGS,
    "minutes-edit": MEETINGS,
    "minutes-approve": set(),  # POST only
    "meetingaction-create": MEETINGS,
    "board-members": MEETINGS,
    "board-member-edit": MEETINGS,
    "account-detail": EVERYONE,
    "invitation-list": ADMIN,
    "invitation-create": ADMIN,
    "invitation-withdraw": set(),  # POST only
    "accountevent-list": ADMIN,
    "invitation-accept": EVERYONE,
    # Maturity self-assessment: read with the framework, kept by the policy team and admins.
    "assessment-list": EVERYONE,
    "assessment-detail": EVERYONE,
    "assessment-create": POLICY,
    "assessment-import": POLICY,
    "maturitylevel-create": POLICY,
    "maturitystandard-create": POLICY,
    "maturitystandard-edit": POLICY,
    "judgement-edit": POLICY,
    "judgement-resolve": POLICY,
    "recommendation-adopt": set(),  # POST only
}
# Roles allowed to POST (write); every other role's POST must be refused.
POST_ALLOWED = {
    "return-edit": {"holder"},
    "return-autosave": {"holder"},
    "return-review": POLICY,
    "indicatorvalue-edit": {"holder"},
    "indicatorvalue-review": POLICY,
    "round-open": POLICY,
    "round-close": POLICY,
    "round-create": POLICY,
    "round-chase": POLICY,
    "report-create": REPORTS,
    "report-edit": REPORTS,
    "report-publish": REPORTS,
    "report-build-start": REPORTS,
    "board-create": POLICY,
    "board-edit": POLICY,
    "import-create": POLICY,
    "import-confirm": POLICY,
    "post-merge": POLICY,
    "invitation-create": ADMIN,
    "invitation-withdraw": ADMIN,
    **{
        name: POLICY
        for name in (
            "indicator-create",
            "indicator-edit",
            "indicator-targets",
            "indicatorvalue-import",
            "indicatorvalue-import-confirm",
        )
    },
    **{
        name: POLICY
        for name in (
            "assessment-create",
            "assessment-import",
            "maturitylevel-create",
            "maturitystandard-create",
            "maturitystandard-edit",
            "judgement-edit",
            "judgement-resolve",
            "recommendation-adopt",
        )
    },
    **{
        name: MEETINGS
        for name in (
            "meeting-create",
            "agendaitem-create",
            "agendaitem-edit",
            "agendaitem-move",
            "agendaitem-remove",
            "pack-build-start",
            "pack-publish",
            "minutes-edit",
            "minutes-approve",
            "meetingaction-create",
            "board-members",
            "board-member-edit",
        )
    },  # fmt: skip
}


def app_url_names() -> list[str]:
    names = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "frameworks":
            names += [p.name for p in entry.url_patterns if isinstance(p, URLPattern)]
    return names


def test_the_allow_list_covers_every_url():
    assert sorted(app_url_names()) == sorted(ALLOWED)


@pytest.fixture
def invitation(db):
    from frameworks.services.accounts import user_invite

    return user_invite(
        email="new.officer@example.gov.uk", first_name="New", last_name="Officer", roles=set(),
        invited_by=None, accept_url="http://testserver/invitation/{token}/",
    ).invitation  # fmt: skip


@pytest.fixture
def indicator_value(return_):
    """A value the holder's post gives for the return's round."""
    indicator = Indicator.objects.create(
        framework=return_.milestone.framework,
        name="Children's social care vacancy gap",
        unit="%",
        direction="LOWER",
        owner=return_.milestone.leads.get().post,
    )
    return IndicatorValue.objects.create(indicator=indicator, round=return_.round)


@pytest.fixture
def urls(return_, invitation, indicator_value):
    batch = ImportBatch.objects.create(
        file_name="tracker.xlsx", sha256="0" * 64, size=1, framework_name="Ward", content=b"x"
    )
    board = Board.objects.create(name="Transformation and Improvement Board", slug="tib")
    meeting = Meeting.objects.create(board=board, date=timezone.localdate())
    report = BoardReport.objects.create(
        framework=return_.milestone.framework, round=return_.round, meeting=meeting, title="Q3"
    )
    build = ReportBuild.objects.create(report=report, state="DONE", pdf=b"%PDF-")
    item = AgendaItem.objects.create(meeting=meeting, position=1, title="Welcome and Apologies")
    pack_build = PackBuild.objects.create(meeting=meeting, state="DONE", pdf=b"%PDF-", pages=1)
    AgendaPack.objects.create(
        meeting=meeting,
        version=1,
        snapshot={"items": []},
        pdf=b"%PDF-",
        sha256=hashlib.sha256(b"%PDF-").hexdigest(),
        pages=1,
        published_at=timezone.now(),
    )
    Minutes.objects.create(meeting=meeting)
    member = BoardMember.objects.create(board=board, name="Richard Penn")
    PublishedReport.objects.create(
        report=report, version=1, snapshot={}, pdf=b"%PDF-", sha256="x", pages=1,
        published_at=timezone.now(),
    )  # fmt: skip
    framework = return_.milestone.framework
    standard = MaturityStandard.objects.create(framework=framework, name="Leadership", order=1)
    assessment = Assessment.objects.create(
        framework=framework, title="Community engagement maturity assessment",
        assessed_on=dt.date(2023, 9, 4),
    )  # fmt: skip
    judgement = Judgement.objects.create(
        assessment=assessment, standard=standard, level_text="Embedded"
    )
    recommendation = Recommendation.objects.create(
        judgement=judgement,
        text="Explore how Council communications can be used to promote the importance of "
        "community engagement.",
    )
    by_report = {"pk": report.pk}
    kwargs = {
        **{name: by_report for name in ALLOWED if name.startswith("report-")},
        "report-list": None,
        "report-create": None,
        "report-build": {"pk": report.pk, "build": build.pk},
        "report-build-pdf": {"pk": report.pk, "build": build.pk},
        "board-list": None,
        "board-create": None,
        "board-edit": {"pk": board.pk},
        "report-published-pdf": {"pk": report.pk, "version": 1},
        "import-detail": {"pk": batch.pk},
        "import-progress": {"pk": batch.pk},
        "import-confirm": {"pk": batch.pk},
        "import-template": {"layout": "tracker"},
        "return-edit": {"pk": return_.pk},
        "return-autosave": {"pk": return_.pk},
        "return-review": {"pk": return_.pk},
        "indicatorvalue-edit": {"pk": indicator_value.pk},
        "indicatorvalue-review": {"pk": indicator_value.pk},
        "round-detail": {"pk": return_.round_id},
        "round-open": {"pk": return_.round_id},
        "round-close": {"pk": return_.round_id},
        "round-chase": {"pk": return_.round_id, "post": return_.milestone.leads.get().post_id},
        "round-xlsx": {"pk": return_.round_id},
        "framework-detail": {"slug": return_.milestone.framework.slug},
        "round-create": {"slug": return_.milestone.framework.slug},
        "milestone-detail": {"pk": return_.milestone_id},
        "milestone-history": {"pk": return_.milestone_id},
        "milestone-list": {"slug": return_.milestone.framework.slug},
        "outcome-list": {"slug": return_.milestone.framework.slug},
        **{
            name: {"slug": framework.slug}
            for name in ("indicator-list", "indicator-create", "indicatorvalue-import",
                         "indicatorvalue-import-confirm")
        },
        **{
            name: {"pk": indicator_value.indicator_id}
            for name in ("indicator-detail", "indicator-edit", "indicator-targets")
        },
        "invitation-withdraw": {"pk": invitation.pk},
        **{
            name: {"pk": meeting.pk}
            for name in ("meeting-detail", "agendaitem-create", "pack-build-start",
                         "pack-publish", "minutes-edit", "minutes-approve", "meetingaction-create")
        },
        **{
            name: {"pk": meeting.pk, "item": item.pk}
            for name in ("agendaitem-edit", "agendaitem-move", "agendaitem-remove")
        },
        "pack-build": {"pk": meeting.pk, "build": pack_build.pk},
        "pack-build-pdf": {"pk": meeting.pk, "build": pack_build.pk},
        "pack-pdf": {"pk": meeting.pk, "version": 1},
        "board-members": {"pk": board.pk},
        "board-member-edit": {"pk": board.pk, "member": member.pk},
        **{
            name: {"slug": framework.slug}
            for name in ("assessment-list", "assessment-create", "assessment-import",
                         "maturitylevel-create", "maturitystandard-create")
        },
        "maturitystandard-edit": {"pk": standard.pk},
        "assessment-detail": {"pk": assessment.pk},
        "judgement-edit": {"pk": judgement.pk},
        "judgement-resolve": {"pk": judgement.pk},
        "recommendation-adopt": {"pk": recommendation.pk},
    }  # fmt: skip
    return {
        name: reverse(f"frameworks:{name}", kwargs=kwargs.get(name))
        for name in ALLOWED
        if name not in PUBLIC
    }


@pytest.fixture
def people(officer, other_officer, policy_user, democratic_user):
    admin = UserFactory(username="alex", is_staff=True, is_superuser=True)
    return {
        "holder": officer,
        "other_officer": other_officer,
        "policy": policy_user,
        "democratic": democratic_user,
        "admin": admin,
    }


def test_every_url_sends_anonymous_users_to_sign_in(client, urls):
    for name, url in urls.items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (name, method.__name__, response.status_code)
            assert response.url.startswith(reverse("account_login")), name


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_reaches_its_allow_list_and_is_refused_the_rest(
    client, urls, people, role, return_
):
    client.force_login(people[role])
    for name, url in urls.items():
        get = client.get(url)
        assert get.status_code < 500, (role, name, get.status_code)
        if role in ALLOWED[name]:
            assert get.status_code in (200, 302), (role, name, get.status_code)
        else:
            assert get.status_code in (403, 404, 405), (role, name, get.status_code)
        if role not in POST_ALLOWED.get(name, set()):
            post = client.post(url, {"narrative": "Not mine", "version": return_.version,
                                     "decision": "approve", "comment": "x"})  # fmt: skip
            assert post.status_code in (403, 404, 405), (role, name, post.status_code)
    return_.refresh_from_db()
    assert return_.narrative == "" and return_.state == "NOT_STARTED"


def test_access_follows_the_post_not_the_person(client, return_, officer, other_officer, post):
    url = reverse("frameworks:return-edit", args=[return_.pk])
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    post.holders.remove(officer)
    post.holders.add(other_officer)  # the post changes hands
    assert client.get(url).status_code == 200
    client.force_login(officer)
    assert client.get(url).status_code == 404


def test_a_framework_closed_to_officers_shows_only_their_milestones(
    client, return_, officer, other_officer
):
    framework = return_.milestone.framework
    framework.officers_read_all = False
    framework.save()
    client.force_login(other_officer)
    assert (
        client.get(reverse("frameworks:framework-detail", args=[framework.slug])).status_code == 404
    )
    assert (
        client.get(reverse("frameworks:milestone-detail", args=[return_.milestone_id])).status_code
        == 404
    )
    assert framework.name not in client.get(reverse("frameworks:framework-list")).content.decode()
    client.force_login(officer)
    page = client.get(
        reverse("frameworks:framework-detail", args=[framework.slug])
    ).content.decode()
    assert return_.milestone.title in page
