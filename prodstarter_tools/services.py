"""Real services for the project tier, named by environment variables.

DATABASE_URL (PostgreSQL), REDIS_URL (Redis: caches and the Celery broker) and
RABBITMQ_URL (a second Celery broker). With REQUIRE_SERVICES=1 (CI) a missing or
unreachable service fails the run; without it the rendered suites fall back to SQLite and
in-process stand-ins, skip their service tests visibly, and their report headers say so.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis


def postgres_url() -> str | None:
    """The base PostgreSQL URL, or None when the tier should use SQLite."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail("REQUIRE_SERVICES=1 but DATABASE_URL is not set: point it at PostgreSQL")
    return None


def database_url_for(name: str) -> str | None:
    """A URL for a database called ``name`` on the same server (None without PostgreSQL)."""
    base = postgres_url()
    if base is None:
        return None
    safe_name = re.sub(r"[^a-z0-9_]", "_", name.lower())
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{safe_name}"))


def recreate_database(url: str) -> None:
    """Drop and create the database ``url`` names, connecting to its server's postgres db."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at {parts.hostname}:{parts.port} is not reachable: {error}")


def service_url(variable: str, what: str) -> str | None:
    """The URL in ``variable``, or None (a failure under REQUIRE_SERVICES=1)."""
    url = os.environ.get(variable)
    if not url and os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {variable} is not set: point it at {what}")
    return url or None


# `make test` in a rendered project runs its suite in two processes, the second on the
# Redis database number after the one its URLs name (config/settings/parallel_tests.py).
RENDERED_SUITE_PROCESSES = 2


def redis_url_for(database_number: int, *, numbers: int = 1) -> str | None:
    """A URL for one logical Redis database, emptied first with the ``numbers - 1`` after
    it (None without Redis).

    Each preset gets its own numbers, so parallel presets never see each other's keys; a
    preset whose rendered suite runs takes RENDERED_SUITE_PROCESSES of them.
    """
    base = service_url("REDIS_URL", "Redis")
    if base is None:
        return None
    urls = [
        urlunsplit(urlsplit(base)._replace(path=f"/{number}"))
        for number in range(database_number, database_number + numbers)
    ]
    for url in urls:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            client.flushdb()
            client.close()
        except redis.RedisError as error:
            pytest.fail(f"Redis at {url} is not reachable: {error}")
    return urls[0]
