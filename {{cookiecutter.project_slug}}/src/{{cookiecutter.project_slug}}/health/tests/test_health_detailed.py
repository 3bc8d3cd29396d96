"""/health/detailed: every component with its latency and error, the version and the commit,
for staff users and the monitor's token only."""

import secrets
from typing import Any

import pytest
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.health import checks
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

URL = "/health/detailed"
COMPONENTS = {"database", "cache"{% if cookiecutter.task_queue != "none" %}, "broker"{% endif %}}


@pytest.fixture
def health_token(settings: Settings) -> str:
    settings.HEALTH_TOKEN = secrets.token_urlsafe(32)
    token: str = settings.HEALTH_TOKEN
    return token


def report(client: APIClient, **headers: str) -> Any:
    return client.get(URL, headers=headers)


@pytest.mark.django_db
def test_a_staff_user_sees_every_component_the_version_and_the_commit(
    settings: Settings,
) -> None:
    settings.SERVICE_COMMIT = "0123abc"
    client = APIClient()
    client.force_authenticate(UserFactory.create(is_staff=True))

    response = report(client)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["commit"], body["status"]) == (
        settings.SERVICE_VERSION,
        "0123abc",
        "ok",
    )
    assert set(body["checks"]) == COMPONENTS
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["error"] is None
        assert isinstance(check["duration_ms"], float)


@pytest.mark.django_db
def test_the_health_token_lets_a_monitor_in(health_token: str) -> None:
    response = report(APIClient(), Authorization=f"Bearer {health_token}")

    assert response.status_code == 200, response.content
    assert set(response.json()["checks"]) == COMPONENTS


@pytest.mark.django_db
def test_a_failing_component_is_named_with_its_error(
    health_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise ConnectionError("cache.internal:6379 refused the connection")

    monkeypatch.setitem(checks.CHECKS, "cache", broken)

    response = report(APIClient(), Authorization=f"Bearer {health_token}")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["cache"]["error"] == (
        "ConnectionError: cache.internal:6379 refused the connection"
    )
    assert body["checks"]["database"] == {**body["checks"]["database"], "status": "ok"}


@pytest.mark.django_db
def test_the_public_probes_never_show_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ConnectionError("cache.internal:6379 refused the connection")

    monkeypatch.setitem(checks.CHECKS, "cache", broken)

    response = APIClient().get("/readyz")

    assert response.status_code == 503
    assert "error" not in response.json()["checks"]["cache"]
    assert "cache.internal" not in response.content.decode()


@pytest.mark.django_db
def test_without_credentials_the_answer_is_401_with_a_challenge(health_token: str) -> None:
    response = report(APIClient())

    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="health"'


@pytest.mark.django_db
def test_a_wrong_token_is_refused(health_token: str) -> None:
    response = report(APIClient(), Authorization=f"Bearer {health_token}x")

    assert_problem(response, 401)


@pytest.mark.django_db
def test_no_token_matches_when_none_is_configured(settings: Settings) -> None:
    settings.HEALTH_TOKEN = ""

    response = report(APIClient(), Authorization="Bearer ")

    assert response.status_code == 401


@pytest.mark.django_db
def test_a_user_who_is_not_staff_gets_403() -> None:
    client = APIClient()
    client.force_authenticate(UserFactory.create())

    assert_problem(report(client), 403)
