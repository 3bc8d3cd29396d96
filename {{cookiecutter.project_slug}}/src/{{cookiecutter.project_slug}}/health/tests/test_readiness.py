"""/readyz checks exactly what this service runs on: the database, the cache{% if cookiecutter.task_queue != "none" %} and the broker{% endif %}.

A component that is down fails its check, and the probe names it, in well under the two
seconds an orchestrator's probe allows.
"""

import socket
import time
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.test import Client
from pytest_django.fixtures import Settings

{% if cookiecutter.cache == "redis" -%}
from config.settings.cache import redis_cache
{% endif -%}
from tests.support.logs import LogCapture

from {{ cookiecutter.project_slug }}.health import checks


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that takes connections and never answers, like a hung server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def readiness(client: Client) -> tuple[float, int, dict[str, str]]:
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    statuses = {name: check["status"] for name, check in response.json()["checks"].items()}
    return elapsed, response.status_code, statuses


def test_the_checks_are_the_chosen_components() -> None:
    assert list(checks.CHECKS) == ["database", "cache"{% if cookiecutter.task_queue != "none" %}, "broker"{% endif %}]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_probes_checks_once_on_pooled_connections(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/readyz is open to anyone: calling it often must not cost the dependencies more."""
    settings.HEALTH_CHECKS_CACHE_SECONDS = 1.0
    monkeypatch.setattr(checks, "cached_results", checks.CachedResults())
    runs: list[float] = []
    check_database = checks.CHECKS["database"]

    def counted() -> None:
        runs.append(time.monotonic())
        check_database()

    monkeypatch.setitem(checks.CHECKS, "database", counted)
    pool = connections["default"].pool  # type: ignore[attr-defined]
    client.get("/readyz")
    opened = pool.get_stats().get("connections_num", 0)
    backends = server_backends()

    started = time.monotonic()
    statuses = {client.get(path).status_code for path in ["/readyz", "/healthz"] * 50}
    burst = time.monotonic() - started

    assert statuses == {200}
    # One run per second at most: the first call's, and one more if the burst outlasted it.
    assert len(runs) <= 1 + int(burst)
    # The runs borrowed pooled connections: none was opened, on either side.
    assert pool.get_stats().get("connections_num", 0) == opened
    assert server_backends() <= backends


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_outcome_stands_for_a_second_then_is_checked_again(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.HEALTH_CHECKS_CACHE_SECONDS = 1.0
    monkeypatch.setattr(checks, "cached_results", checks.CachedResults())
    assert client.get("/readyz").status_code == 200

    def broken() -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setitem(checks.CHECKS, "database", broken)

    assert client.get("/readyz").status_code == 200
    time.sleep(1.1)
    assert client.get("/readyz").status_code == 503


def server_backends() -> int:
    """Connections the PostgreSQL server has open to the test database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        [(count,)] = cursor.fetchall()
    return int(count)
{%- if cookiecutter.cache == "redis" %}


@pytest.mark.django_db
def test_an_unreachable_redis_fails_the_cache_check(
    client: Client, settings: Settings, closed_port: int, json_logs: LogCapture
) -> None:
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{closed_port}/0")}

    elapsed, status, statuses = readiness(client)

    assert status == 503
    assert {name for name, value in statuses.items() if value == "fail"} == {"cache"}
    assert elapsed < 2
    [failure] = json_logs.events("readiness_check_failed")
    assert failure["component"] == "cache"
    assert "Connection refused" in failure["error"]


@pytest.mark.django_db
def test_a_hung_redis_fails_the_cache_check_on_its_own_timeout(
    client: Client, settings: Settings, silent_port: int, json_logs: LogCapture
) -> None:
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{silent_port}/0")}

    elapsed, status, statuses = readiness(client)

    assert (status, statuses["cache"]) == (503, "fail")
    assert elapsed < 2
    # The cache's socket timeout ended the check, before the probe's deadline did.
    [failure] = json_logs.events("readiness_check_failed")
    assert "Timeout" in failure["error"]
    assert json_logs.events("readiness_check_timed_out") == []
{%- else %}


@pytest.mark.django_db
def test_a_missing_cache_table_fails_the_cache_check(
    client: Client, settings: Settings, json_logs: LogCapture
) -> None:
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "no_such_table"}}

    _, status, statuses = readiness(client)

    assert status == 503
    assert {name for name, value in statuses.items() if value == "fail"} == {"cache"}
    [failure] = json_logs.events("readiness_check_failed")
    assert "no_such_table" in failure["error"]
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}


BROKER_URLS = {
    "redis": "redis://127.0.0.1:{port}/0",
    "amqp": "amqp://guest:guest@127.0.0.1:{port}//",
}


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", BROKER_URLS)
def test_an_unreachable_broker_fails_the_broker_check(
    client: Client, settings: Settings, closed_port: int, json_logs: LogCapture, scheme: str
) -> None:
    settings.CELERY_BROKER_URL = BROKER_URLS[scheme].format(port=closed_port)

    elapsed, status, statuses = readiness(client)

    assert status == 503
    assert {name for name, value in statuses.items() if value == "fail"} == {"broker"}
    assert elapsed < 2
    [failure] = json_logs.events("readiness_check_failed")
    assert failure["component"] == "broker"


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", BROKER_URLS)
def test_a_hung_broker_fails_the_broker_check_on_its_own_timeout(
    client: Client, settings: Settings, silent_port: int, json_logs: LogCapture, scheme: str
) -> None:
    settings.CELERY_BROKER_URL = BROKER_URLS[scheme].format(port=silent_port)

    elapsed, status, statuses = readiness(client)

    assert (status, statuses["broker"]) == (503, "fail")
    assert elapsed < 2
    # The probe's client gave up on its own, before the probe's deadline.
    [failure] = json_logs.events("readiness_check_failed")
    assert failure["component"] == "broker"
    assert json_logs.events("readiness_check_timed_out") == []


@pytest.mark.celery_broker
@pytest.mark.django_db
def test_a_running_broker_passes_the_broker_check(client: Client) -> None:
    _, status, statuses = readiness(client)

    assert (status, statuses["broker"]) == (200, "ok")


def test_without_a_broker_there_is_nothing_to_check(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CELERY_BROKER_URL = ""

    def connect(*args: object, **kwargs: object) -> None:
        raise AssertionError("the check connected to a broker")

    monkeypatch.setattr(checks.kombu, "Connection", connect)

    checks.check_broker()
{%- elif cookiecutter.task_queue == "postgres" %}


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_broker_check_finds_the_queue_table(client: Client) -> None:
    _, status, statuses = readiness(client)

    assert (status, statuses["broker"]) == (200, "ok")


@pytest.mark.postgresql
@pytest.mark.django_db
def test_a_missing_queue_table_fails_the_broker_check(
    client: Client, monkeypatch: pytest.MonkeyPatch, json_logs: LogCapture
) -> None:
    monkeypatch.setattr(checks, "QUEUE_TABLE", "no_such_table")

    _, status, statuses = readiness(client)

    assert status == 503
    assert {name for name, value in statuses.items() if value == "fail"} == {"broker"}
    [failure] = json_logs.events("readiness_check_failed")
    assert "migrate" in failure["error"]
{%- endif %}
