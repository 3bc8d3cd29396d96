"""Throttling: anonymous clients by address, users by account, forged addresses ignored."""

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = [pytest.mark.urls("tests.urls"), pytest.mark.django_db]

ECHO_URL = "/test/echo/"
ME_URL = "/api/v1/auth/me/"


@pytest.fixture
def anon_rate_of_two_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "2/minute")


@pytest.mark.usefixtures("anon_rate_of_two_per_minute")
def test_a_forged_forwarded_for_header_does_not_make_a_new_client(client: Client) -> None:
    statuses = [
        client.get(ECHO_URL, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]

    assert statuses == [200, 200, 429]


@pytest.mark.usefixtures("anon_rate_of_two_per_minute")
def test_behind_a_proxy_the_address_it_appended_is_the_client(
    client: Client, settings: Settings
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def status(forwarded_for: str) -> int:
        return client.get(ECHO_URL, HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    assert [status("203.0.113.1"), status("198.51.100.7, 203.0.113.1")] == [200, 200]
    assert status("198.51.100.8, 203.0.113.1") == 429
    assert status("203.0.113.2") == 200


def test_each_user_is_held_to_the_user_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "2/minute")
    first, second = APIClient(), APIClient()
    first.force_authenticate(UserFactory.create())
    second.force_authenticate(UserFactory.create())

    statuses = [first.get(ME_URL).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    # Same address, another account: the count is per user.
    assert second.get(ME_URL).status_code == 200


def test_the_docs_have_their_own_budget(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "1/minute")
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "docs", "2/minute")
    client.get(ECHO_URL)
    assert client.get(ECHO_URL).status_code == 429

    # The anonymous API budget is spent; the docs still load, until their own is.
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 429


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_a_throttled_docs_page_answers_with_a_json_problem(
    client: Client, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "docs", "1/minute")
    client.get(url)

    response = client.get(url)

    # The schema renders YAML and the pages HTML; the problem is JSON all the same.
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 429
    assert int(response["Retry-After"]) > 0
