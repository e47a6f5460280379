"""Walk every URL: anonymous users go to sign-in; officers not holding the post are refused."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from frameworks.models import (
    Board,
    BoardReport,
    ImportBatch,
    Meeting,
    PublishedReport,
    ReportBuild,
)

ALLOWED_FOR_ANY_OFFICER = {
    "frameworks:home",
    "frameworks:update-list",
    "frameworks:framework-list",
    "frameworks:framework-detail",
    "frameworks:milestone-detail",
}


def app_url_names() -> list[str]:
    names = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "frameworks":
            names += [
                f"frameworks:{p.name}" for p in entry.url_patterns if isinstance(p, URLPattern)
            ]
    return names


@pytest.fixture
def urls(update, policy_user):
    batch = ImportBatch.objects.create(
        file_name="tracker.xlsx", sha256="0" * 64, size=1, framework_name="Ward", content=b"x"
    )
    meeting = Meeting.objects.create(
        board=Board.objects.create(name="Transformation and Improvement Board", slug="tib"),
        starts_at=timezone.now(),
    )
    report = BoardReport.objects.create(
        framework=update.milestone.framework, period=update.period, meeting=meeting, title="Q3"
    )
    build = ReportBuild.objects.create(report=report, state="DONE", pdf=b"%PDF-")
    PublishedReport.objects.create(
        report=report, version=1, snapshot={}, pdf=b"%PDF-", sha256="x", pages=1,
        published_at=timezone.now(),
    )  # fmt: skip
    report_urls = (
        "report-detail", "report-edit", "report-preview", "report-pdf", "report-xlsx",
        "report-publish",
    )  # fmt: skip
    kwargs = {
        **{f"frameworks:{name}": {"pk": report.pk} for name in report_urls},
        "frameworks:report-build": {"pk": report.pk, "build": build.pk},
        "frameworks:report-build-pdf": {"pk": report.pk, "build": build.pk},
        "frameworks:report-published-pdf": {"pk": report.pk, "version": 1},
        "frameworks:import-detail": {"pk": batch.pk},
        "frameworks:import-confirm": {"pk": batch.pk},
        "frameworks:import-template": {"layout": "tracker"},
        "frameworks:update-edit": {"pk": update.pk},
        "frameworks:update-autosave": {"pk": update.pk},
        "frameworks:update-review": {"pk": update.pk},
        "frameworks:period-detail": {"pk": update.period_id},
        "frameworks:period-open": {"pk": update.period_id},
        "frameworks:period-close": {"pk": update.period_id},
        "frameworks:framework-detail": {"slug": update.milestone.framework.slug},
        "frameworks:period-create": {"slug": update.milestone.framework.slug},
        "frameworks:milestone-detail": {"pk": update.milestone_id},
    }
    names = app_url_names()
    assert len(names) >= 29, names
    return {name: reverse(name, kwargs=kwargs.get(name)) for name in names}


def test_every_url_sends_anonymous_users_to_sign_in(client, urls):
    for name, url in urls.items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (name, method.__name__, response.status_code)
            assert response.url.startswith(reverse("login")), name


def test_an_officer_who_does_not_hold_the_post_is_refused(client, urls, other_officer, update):
    client.force_login(other_officer)
    for name, url in urls.items():
        get = client.get(url)
        post = client.post(url, {"narrative": "Not mine", "version": update.version})
        if name in ALLOWED_FOR_ANY_OFFICER:
            assert get.status_code in (200, 302), (name, get.status_code)
        else:
            assert get.status_code in (403, 404, 405), (name, get.status_code)
            assert post.status_code in (403, 404), (name, post.status_code)
    update.refresh_from_db()
    assert update.narrative == ""


def test_the_post_holder_reaches_their_return_but_not_the_policy_pages(client, urls, officer):
    client.force_login(officer)
    assert client.get(urls["frameworks:update-edit"]).status_code == 200
    for name in (
        "frameworks:update-review",
        "frameworks:period-list",
        "frameworks:period-detail",
        "frameworks:period-open",
        "frameworks:period-close",
        "frameworks:period-create",
    ):
        assert client.get(urls[name]).status_code == 403, name


def test_policy_team_reaches_every_page(client, urls, policy_user):
    client.force_login(policy_user)
    for name, url in urls.items():
        if name in ("frameworks:update-autosave", "frameworks:import-confirm"):
            continue  # POST-only
        response = client.get(url)
        assert response.status_code in (200, 302), (name, response.status_code)


def test_democratic_services_read_rounds_but_cannot_run_them(client, urls, democratic_user):
    client.force_login(democratic_user)
    assert client.get(urls["frameworks:period-list"]).status_code == 200
    assert client.get(urls["frameworks:period-detail"]).status_code == 200
    for name in ("frameworks:period-open", "frameworks:period-close", "frameworks:update-review"):
        assert client.get(urls[name]).status_code == 403, name
