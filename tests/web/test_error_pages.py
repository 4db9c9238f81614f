"""The error pages (403, 404, 500, a refused form post): inside the layout, in the
person's language, with a way back, and never a stack or Django's English page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from gridcrm.archive.models import Customer
from gridcrm.service.models import ServiceRequest
from gridcrm.users.models import User

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]


def words(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def _client(language: str, **kwargs: bool) -> Client:
    client = Client(**kwargs)
    client.cookies["django_language"] = language
    return client


def _assert_error_page(response: object, status: int, title: str, language: str) -> str:
    assert response.status_code == status  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert f'lang="{language}"' in html
    assert 'class="topbar"' in html  # the layout
    assert f'data-status="{status}"' in html
    assert words(language, title) in html
    assert 'data-testid="error-home"' in html
    assert "Traceback" not in html
    assert "<h1>Not Found</h1>" not in html
    assert "Forbidden" not in html
    return html


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_page_is_a_404_in_the_layout(language: str, agent: User) -> None:
    client = _client(language)
    client.force_login(agent)
    response = client.get("/customers/9999999999/")
    html = _assert_error_page(response, 404, "Page not found", language)
    assert 'class="mainnav"' in html  # the signed-in person keeps the navigation


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_the_role_may_not_open_is_a_403_in_the_layout(language: str, outsider: User) -> None:
    client = _client(language)
    client.force_login(outsider)
    response = client.get("/service/")
    _assert_error_page(response, 403, "You may not open this page", language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.urls("tests.web.error_urls")
def test_a_failing_page_is_a_500_without_internals(language: str, agent: User) -> None:
    client = _client(language)
    client.raise_request_exception = False
    client.force_login(agent)
    response = client.get("/boom/")
    html = _assert_error_page(response, 500, "Something went wrong", language)
    assert "hunter2" not in html
    assert "RuntimeError" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_without_its_csrf_token_is_refused_in_the_layout_and_changes_nothing(
    language: str, agent: User, customer_a: Customer
) -> None:
    client = _client(language, enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(
        "/service/new/",
        {"account_no": customer_a.account_no, "request_type": "1", "summary": "停电"},
        headers={"Referer": "http://testserver/service/new/"},
    )
    html = _assert_error_page(response, 403, "The form has expired", language)
    assert 'href="http://testserver/service/new/"' in html  # the way back
    assert not ServiceRequest.objects.exists()


def test_the_way_back_is_offered_only_to_a_page_of_this_site(agent: User) -> None:
    client = _client("zh-hans")
    client.force_login(agent)
    ours = client.get("/nowhere/", headers={"Referer": "http://testserver/service/"})
    assert 'href="http://testserver/service/"' in ours.content.decode()
    foreign = client.get("/nowhere/", headers={"Referer": "https://evil.example/"})
    assert "evil.example" not in foreign.content.decode()


def test_an_anonymous_visitor_gets_the_page_too(db: None) -> None:
    response = _client("zh-hans").get("/static-nothing-here/")
    _assert_error_page(response, 404, "Page not found", "zh-hans")


def test_the_api_keeps_answering_errors_as_json(agent: User) -> None:
    client = _client("zh-hans")
    client.force_login(agent)
    response = client.get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
