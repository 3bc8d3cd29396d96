"""Project-wide pytest configuration: the services the tests run against{% if cookiecutter.cache == "redis" %}, and test isolation{% endif %}.

A test that needs a real service carries its marker: postgresql (DATABASE_URL naming
PostgreSQL){% if cookiecutter.cache == "redis" %}, redis (REDIS_URL){% endif %}{% if cookiecutter.task_queue == "celery" %}, celery_broker (CELERY_BROKER_URL){% endif %}. Without
the service it is skipped, and the report lists it with the reason. With
REQUIRE_SERVICES=1, as in CI, it fails instead: a missing service must never look like a
green run.
"""

import os
from collections.abc import Iterator
from functools import cache as memoize
from pathlib import Path

import environ
import pytest
from django.conf import settings
{%- if cookiecutter.cache == "redis" %}
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
{%- endif %}
from django.db import connection
from django.test import Client
{%- if cookiecutter.auth == "supabase" %}
from pytest_django.fixtures import Settings
{%- endif %}

from config.settings import dotenv
{%- if cookiecutter.auth == "supabase" %}
from tests.support.auth_server import SupabaseAuthServer
{%- endif %}
from tests.support.logs import LogCapture, capture_json_logs
from tests.support.subprocesses import free_port


def pytest_report_header() -> list[str]:
    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        lines = ["database: SQLite (set DATABASE_URL to test against PostgreSQL)"]
    else:
        where = f"{database['HOST'] or 'localhost'}:{database['PORT'] or 'default port'}"
        lines = [f"database: {connection.display_name} at {where}, from DATABASE_URL"]
{%- if cookiecutter.cache == "redis" %}
    if "redis" in missing_services():
        lines.append("cache: in-process (set REDIS_URL to test against Redis)")
    else:
        lines.append("cache: Redis, from REDIS_URL")
{%- else %}
    lines.append("cache: the database")
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
    if "celery_broker" in missing_services():
        lines.append("broker: none, tasks run in-process (set CELERY_BROKER_URL to test one)")
    else:
        lines.append("broker: from CELERY_BROKER_URL")
{%- endif %}
    return lines


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The environment a settings layer sees (tests.support.settings_layers.load), empty to
    begin with; no .env file unless the test writes one."""
    variables: dict[str, str] = {}
    monkeypatch.setattr(environ.Env, "ENVIRON", variables)
    monkeypatch.setattr(dotenv, "DOTENV_FILE", tmp_path / ".env")
    return variables


@pytest.fixture
def json_logs() -> Iterator[LogCapture]:
    with capture_json_logs() as logs:
        yield logs


@pytest.fixture
def crash_client() -> Client:
    """A client that gets the 500 response, as a real caller would, instead of the exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connections to it are refused."""
    return free_port()
{%- if cookiecutter.auth == "supabase" %}


@pytest.fixture
def supabase_auth(settings: Settings) -> Iterator[SupabaseAuthServer]:
    """A local Supabase Auth whose keys the service trusts while the test runs."""
    with SupabaseAuthServer() as server, server.trusted():
        settings.SUPABASE_URL = server.url
        settings.SUPABASE_JWT_SECRET = server.jwt_secret
        yield server
{%- endif %}


@memoize
def missing_services() -> dict[str, str]:
    """Each service marker whose service is not configured, with the reason to report."""
    missing = {}
    if connection.vendor != "postgresql":
        missing["postgresql"] = f"needs PostgreSQL, the tests run on {connection.display_name}"
{%- if cookiecutter.cache == "redis" %}
    if not isinstance(caches["default"], RedisCache):
        missing["redis"] = "needs Redis: set REDIS_URL"
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
    if not settings.CELERY_BROKER_URL:
        missing["celery_broker"] = "needs a Celery broker: set CELERY_BROKER_URL"
{%- endif %}
    return missing


def require_services(marker_names: set[str], missing: dict[str, str], *, required: bool) -> None:
    """Skip, or with ``required`` fail, a test whose markers name a missing service."""
    for name in sorted(marker_names & missing.keys()):
        if required:
            pytest.fail(f"REQUIRE_SERVICES=1, but this test {missing[name]}", pytrace=False)
        pytest.skip(missing[name])


def pytest_runtest_setup(item: pytest.Item) -> None:
    require_services(
        {marker.name for marker in item.iter_markers()},
        missing_services(),
        required=os.environ.get("REQUIRE_SERVICES") == "1",
    )

{%- if cookiecutter.cache == "redis" %}


@pytest.fixture(autouse=True)
def _isolated_cache() -> None:
    """Throttle counters live in the cache: no test inherits another's."""
    cache.clear()
{%- endif %}
