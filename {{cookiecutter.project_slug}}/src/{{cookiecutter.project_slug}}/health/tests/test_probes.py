"""/livez, /readyz and /healthz: open, unthrottled, quick, and honest about dependencies."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
{%- if cookiecutter.cache == "redis" %}
from django.core.cache import caches
{%- endif %}
from django.db import connections
from django.test import Client
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import Settings
from rest_framework.throttling import AnonRateThrottle

from config.settings.database import database_settings
from tests.support.logs import LogCapture

from {{ cookiecutter.project_slug }}.health import checks


def test_liveness_touches_nothing(client: Client) -> None:
    # Not marked for database access: any query would fail the test.
    response = client.get("/livez")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_the_database_and_the_cache(client: Client) -> None:
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
{%- if cookiecutter.task_queue != "none" %}
        "broker": "ok",
{%- endif %}
    }


@pytest.mark.django_db
def test_health_summarises_readiness_without_the_version(client: Client) -> None:
    body = client.get("/healthz").json()

    assert body["service"] == "{{ cookiecutter.project_slug }}"
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache"{% if cookiecutter.task_queue != "none" %}, "broker"{% endif %}}
    # Which build runs would help an anonymous caller pick an exploit.
    assert "version" not in body
    assert "commit" not in body


@pytest.mark.django_db
def test_health_tells_the_monitor_the_running_version(client: Client, settings: Settings) -> None:
    settings.HEALTH_TOKEN = "a-health-token-for-this-test-only"
    settings.SERVICE_COMMIT = "0123abc"

    body = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {settings.HEALTH_TOKEN}").json()
    wrong = client.get("/healthz", HTTP_AUTHORIZATION="Bearer not-the-token").json()

    assert (body["version"], body["commit"]) == (settings.SERVICE_VERSION, "0123abc")
    assert "version" not in wrong


@pytest.fixture
def unreachable_database(
    closed_port: int, monkeypatch: pytest.MonkeyPatch, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    """A second database alias, checked in place of default, that refuses connections.

    PostgreSQL on the closed port, configured as the settings configure any PostgreSQL
    DATABASE_URL, connection pool included, but with a pool that gives up sooner than
    the probe does.
    """
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "0.5")
    database = database_settings(f"postgres://app@127.0.0.1:{closed_port}/app")
    assert "pool" in database["OPTIONS"]
    monkeypatch.setitem(
        connections.settings, "unreachable", {**connections.settings["default"], **database}
    )
    monkeypatch.setitem(checks.CHECKS, "database", lambda: checks.check_database("unreachable"))
    # The checks take connections in threads of their own.
    with django_db_blocker.unblock():
        yield
        connections["unreachable"].close_pool()  # type: ignore[attr-defined]


def timed_get(client: Client, path: str) -> tuple[float, dict[str, Any], int]:
    started = time.monotonic()
    response = client.get(path)
    return time.monotonic() - started, response.json(), response.status_code


@pytest.mark.usefixtures("unreachable_database")
@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_an_unreachable_database_makes_the_service_unready_at_once(
    client: Client, json_logs: LogCapture, path: str
) -> None:
    elapsed, body, status = timed_get(client, path)

    assert status == 503
    assert body["status"] == "unavailable"
    assert check_statuses(body) == {
        "database": "fail",
        "cache": "ok",
{%- if cookiecutter.task_queue != "none" %}
        "broker": "ok",
{%- endif %}
    }
    assert elapsed < 2
    [failure] = json_logs.events("readiness_check_failed")
    [access] = json_logs.events("request_finished")
    assert failure["component"] == "database"
    assert failure["error"].startswith("OperationalError")
    assert failure["request_id"] == access["request_id"]


def check_statuses(body: dict[str, Any]) -> dict[str, str]:
    return {name: check["status"] for name, check in body["checks"].items()}


@pytest.fixture
def hanging_check() -> Iterator[Callable[[], None]]:
    """A check that blocks until the test is over, like a connection to a dropped host."""
    released = threading.Event()

    def hang() -> None:
        released.wait(timeout=30)

    yield hang
    released.set()


@pytest.mark.parametrize("component", ["database", "cache"])
def test_a_dependency_that_never_answers_fails_the_probe_within_its_deadline(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    hanging_check: Callable[[], None],
    component: str,
) -> None:
    monkeypatch.setattr(checks, "CHECKS", {"database": lambda: None, "cache": lambda: None})
    monkeypatch.setitem(checks.CHECKS, component, hanging_check)

    elapsed, body, status = timed_get(client, "/readyz")

    assert status == 503
    assert check_statuses(body)[component] == "fail"
    assert elapsed < 2

{%- if cookiecutter.cache == "redis" %}


@pytest.mark.django_db
def test_a_cache_that_loses_values_makes_the_service_unready(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checks run in other threads, which get their own cache objects: patch the class.
    monkeypatch.setattr(type(caches["default"]), "get", lambda self, key: None)

    _, body, status = timed_get(client, "/readyz")

    assert status == 503
    assert check_statuses(body) == {
        "database": "ok",
        "cache": "fail",
{%- if cookiecutter.task_queue != "none" %}
        "broker": "ok",
{%- endif %}
    }
{%- endif %}


@pytest.mark.django_db
def test_probes_are_never_throttled(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "1/minute")

    statuses = {client.get(path).status_code for path in ["/livez", "/readyz", "/healthz"] * 3}

    assert statuses == {200}


{%- if cookiecutter.auth != "session" %}


def test_probes_ignore_credentials(client: Client) -> None:
    # An API view would refuse the token with 401.
    response = client.get("/livez", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200
{%- else %}


def test_probes_ignore_credentials(client: Client, settings: Settings) -> None:
    # Not marked for database access: looking the session up would fail the test.
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session-0123456789abcdef"

    response = client.get("/livez")

    assert response.status_code == 200
{%- endif %}


# Orchestrators probe a pod at its own address, which ALLOWED_HOSTS does not list.
POD_ADDRESS = "10.1.2.3:8000"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz"])
def test_probes_answer_whatever_host_they_are_sent_to(client: Client, path: str) -> None:
    assert client.get(path, HTTP_HOST=POD_ADDRESS).status_code == 200


def test_other_paths_still_refuse_an_unknown_host(client: Client) -> None:
    response = client.get("/api/v1/auth/me/", HTTP_HOST=POD_ADDRESS)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_probes_are_exempt_from_the_https_redirect(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/livez").status_code == 200
    assert client.get("/livez", HTTP_HOST=POD_ADDRESS).status_code == 200
    assert client.get("/api/schema/").status_code == 301


def test_probes_answer_in_the_api_error_format(client: Client) -> None:
    response = client.post("/livez")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
