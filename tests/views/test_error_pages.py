"""Error pages are the service's own pages, saying what happened and what to do next."""

from django.core.exceptions import BadRequest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import bad_request, server_error

from tests.html import text, texts


def _is_service_page(page) -> None:
    assert texts(page, ".govuk-generic-header__homepage-link") == ["Action Tracker"]
    assert "Go to the start page" in texts(page, "main a")


def test_a_missing_page_says_how_to_check_the_address(client, officer):
    client.force_login(officer)
    page = client.get("/milestones/999999/")
    assert page.status_code == 404
    assert text(page, "h1") == "Page not found"
    assert "If you typed the web address, check it is correct." in texts(page, "main p")
    _is_service_page(page)


def test_a_refused_page_says_why_and_who_to_ask(client, officer):
    client.force_login(officer)
    page = client.get(reverse("frameworks:import-list"))
    assert page.status_code == 403
    assert text(page, "h1") == "You cannot see this page"
    assert any("ask the policy team" in p for p in texts(page, "main p"))
    assert texts(page, ".govuk-service-navigation__link"), "signed in: the navigation is there"
    _is_service_page(page)


def test_an_out_of_date_form_says_nothing_was_saved(officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    page = client.post(reverse("frameworks:return-list"), {})
    assert page.status_code == 403
    assert text(page, "h1") == "Sorry, the page you sent was out of date"
    assert any("Nothing was saved." in p for p in texts(page, "main p"))


def test_a_server_error_is_a_plain_page_needing_no_database_or_session(db):
    page = server_error(RequestFactory().get("/"))
    assert page.status_code == 500
    assert text(page, "h1") == "Sorry, there is a problem with the service"
    _is_service_page(page)


def test_a_bad_request_says_to_go_back_and_try_again(db):
    page = bad_request(RequestFactory().get("/"), BadRequest())
    assert page.status_code == 400
    assert text(page, "h1") == "Sorry, there is a problem with the request"
