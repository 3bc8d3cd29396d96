"""PostgreSQL: every connection comes from, and goes back to, the pool the settings configure;
every wait on the server is bounded; an outage is a quick 503, logged once.

The fault tests put a TCP proxy between a real gunicorn (production settings) and the test
database, then pause it (a hung server) or make it refuse (a server that is down).
"""

import json
{%- if cookiecutter.auth == "session" %}
import secrets
{%- endif %}
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
{%- if cookiecutter.auth == "supabase" %}
from django.contrib.auth.models import Group
{%- endif %}
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper

{% if cookiecutter.auth == "supabase" %}from tests.support.auth_server import SupabaseAuthServer
{% endif %}from tests.support.subprocesses import Server, production_env, running_gunicorn
from tests.support.tcp_proxy import TcpProxy
{%- if cookiecutter.auth == "supabase" %}

from {{ cookiecutter.project_slug }}.users.models import Role
{%- endif %}

pytestmark = pytest.mark.postgresql

{%- if cookiecutter.auth == "jwt" %}
LOGIN_URL = "/api/v1/auth/token/"
{%- elif cookiecutter.auth == "supabase" %}
# A valid token's user is looked up (the identity link) in the database.
ME_URL = "/api/v1/auth/me/"
# What ask_the_database sends: the server fixture signs a token with the stand-in
# Supabase Auth that the served process trusts.
AUTHORIZATION: dict[str, str] = {}
{%- else %}
# The login checks CSRF before it reads the database; a session cookie is read at once.
ME_URL = "/api/v1/auth/me/"
{%- endif %}
# The bounds the fault tests configure: a statement's, so a hung server costs two seconds;
# the pool's, so a refusing one costs one.
STATEMENT_TIMEOUT = 1
POOL_TIMEOUT = 1


def default_pool() -> Any:
    database = connections["default"]
    assert isinstance(database, DatabaseWrapper)
    assert database.pool is not None
    return database.pool


@pytest.mark.django_db(transaction=True)
def test_connections_come_from_the_pool_and_go_back_to_it() -> None:
    database = connections["default"]
    pool = default_pool()
    configured = database.settings_dict["OPTIONS"]["pool"]
    assert (pool.min_size, pool.max_size, pool.timeout) == (
        configured["min_size"],
        configured["max_size"],
        configured["timeout"],
    )
    database.close()
    requests = pool.get_stats().get("requests_num", 0)

    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)

    assert pool.get_stats()["requests_num"] == requests + 1
    database.close()
    stats = pool.get_stats()
    assert stats["pool_available"] == stats["pool_size"]


@pytest.mark.django_db(transaction=True)
def test_the_server_bounds_each_statement() -> None:
    configured = settings.DATABASES["default"]["OPTIONS"]
    assert configured["connect_timeout"] >= 1
    # No query per checkout: the backend checks connections without one.
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is False

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        [(timeout,)] = cursor.fetchall()

    assert timeout == "10s"


def backend_pids(admin: psycopg.Connection[Any]) -> set[int]:
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid()"
    ).fetchall()
    return {pid for (pid,) in rows}


@pytest.mark.django_db(transaction=True)
def test_connections_the_server_closed_are_replaced_not_used() -> None:
    # Every pooled connection has been used and is back in the pool, idle.
    pool = default_pool()
    database = connections["default"]
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
    database.close()
    pool.wait(timeout=5)
    # An administrator ends them all, as pg_terminate_backend or a server restart does.
    params = {**database.get_connection_params(), "autocommit": True}
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as admin:
        idle = backend_pids(admin)
        assert idle
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [list(idle)]
        )
        deadline = time.monotonic() + 5
        while backend_pids(admin) & idle and time.monotonic() < deadline:
            time.sleep(0.05)

    # The next request's query gets a working connection, not the dead one's error.
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [(pid,)] = cursor.fetchall()
    database.close()

    assert pid not in idle


@pytest.mark.django_db(transaction=True)
def test_the_readiness_check_borrows_a_pooled_connection_and_returns_it(
    client: Any, settings: Any
) -> None:
    settings.HEALTH_CHECKS_CACHE_SECONDS = 0
    pool = default_pool()
    client.get("/readyz")
    opened = pool.get_stats().get("connections_num", 0)
    requests = pool.get_stats().get("requests_num", 0)

    assert client.get("/readyz").status_code == 200

    stats = pool.get_stats()
    assert stats.get("connections_num", 0) == opened  # no new connection
    assert stats["requests_num"] > requests
    assert stats["pool_available"] == stats["pool_size"]  # every one given back


def database_url(proxy: TcpProxy) -> str:
    """The test database, through ``proxy``, for a server in another process."""
    database = connection.settings_dict
    credentials = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return f"postgres://{credentials}@127.0.0.1:{proxy.port}/{database['NAME']}"


@pytest.fixture
def database_proxy() -> Iterator[TcpProxy]:
    database = connection.settings_dict
    with TcpProxy(database["HOST"] or "localhost", int(database["PORT"] or 5432)) as proxy:
        yield proxy
{%- if cookiecutter.auth == "supabase" %}


@pytest.fixture
def supabase_auth(transactional_db: None) -> Iterator[SupabaseAuthServer]:
    # A user seen for the first time gets the default role, whose group the data migration
    # made; transactional_db empties every table after a test, the groups too.
    for role in Role:
        Group.objects.get_or_create(name=role)
    with SupabaseAuthServer() as auth:
        AUTHORIZATION["Authorization"] = f"Bearer {auth.token()}"
        yield auth
{%- endif %}


@pytest.fixture
def server(
    database_proxy: TcpProxy,
    tmp_path: Path,
    transactional_db: None,
{%- if cookiecutter.auth == "supabase" %}
    supabase_auth: SupabaseAuthServer,
{%- endif %}
) -> Iterator[Server]:
    """gunicorn with production settings, one worker of two threads, on the proxied database."""
    environment = production_env(
{%- if cookiecutter.auth == "supabase" %}
        SUPABASE_URL=supabase_auth.url,
{%- endif %}
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(database_proxy),
        DATABASE_STATEMENT_TIMEOUT=str(STATEMENT_TIMEOUT),
        DATABASE_POOL_TIMEOUT=str(POOL_TIMEOUT),
        DATABASE_CONNECT_TIMEOUT="2",
{%- if cookiecutter.cache == "redis" %}
        REDIS_URL=settings.REDIS_URL,
{%- endif %}
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        THROTTLE_ANON_RATE="10000/minute",
        THROTTLE_LOGIN_RATE="10000/minute",
        THROTTLE_LOGIN_ACCOUNT_RATE="10000/minute",
    )
    with running_gunicorn(environment, tmp_path / "gunicorn.log") as running:
        yield running


class Answer:
    def __init__(self, status: int, headers: Any, body: bytes, seconds: float) -> None:
        self.status, self.headers, self.seconds = status, headers, seconds
        self.body: Any = json.loads(body) if body else None


def ask_the_database(server: Server) -> Answer:
{%- if cookiecutter.auth == "jwt" %}
    """A login with an unknown account: the service must look it up in the database."""
    body = json.dumps({"email": "nobody@example.org", "password": "not-a-password"}).encode()
    request = urllib.request.Request(  # noqa: S310
        server.url + LOGIN_URL,
        data=body,
        headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
    )
{%- elif cookiecutter.auth == "supabase" %}
    """A valid token: the service must read its user's identity link (or create it)."""
    request = urllib.request.Request(  # noqa: S310
        server.url + ME_URL,
        headers={**AUTHORIZATION, "X-Forwarded-Proto": "https"},
    )
{%- else %}
    """A request with an unknown session: the service must look it up in the database."""
    request = urllib.request.Request(  # noqa: S310
        server.url + ME_URL,
        headers={"Cookie": f"sessionid={secrets.token_hex(16)}", "X-Forwarded-Proto": "https"},
    )
{%- endif %}
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return Answer(response.status, response.headers, response.read(), 0)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read(), time.monotonic() - started)


def livez(server: Server) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(server.liveness_url, timeout=5) as response:  # noqa: S310
        return response.status, time.monotonic() - started


def assert_unavailable(answer: Answer) -> None:
    assert answer.status == 503, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.body["type"] == "/problems/service-unavailable"
    assert int(answer.headers["Retry-After"]) >= 1


def assert_served(answer: Answer) -> None:
{%- if cookiecutter.auth == "supabase" %}
    # The user's account: the database answered.
    assert answer.status == 200, answer.body
{%- else %}
    # Wrong credentials: the database answered.
    assert answer.status in ({% if cookiecutter.auth == "jwt" %}400, 401{% else %}401, 403{% endif %}), answer.body
{%- endif %}


def wait_until_served(server: Server) -> None:
    deadline = time.monotonic() + 15
    while (answer := ask_the_database(server)).status == 503:
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.2)
    assert_served(answer)


def in_parallel(count: int, server: Server) -> list[Answer]:
    answers: list[Answer] = []

    def send() -> None:
        answers.append(ask_the_database(server))

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def log_events(tmp_path: Path, event: str) -> list[dict[str, Any]]:
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    return [record for line in lines if (record := json.loads(line))["event"] == event]


{% if cookiecutter.cache == "redis" -%}
@pytest.mark.redis
{% endif -%}
def test_a_hung_database_costs_a_request_the_statement_bound_and_livez_still_answers(
    server: Server, database_proxy: TcpProxy, tmp_path: Path
) -> None:
    assert_served(ask_the_database(server))

    with database_proxy.paused():
        started = time.monotonic()
        # Twice as many requests as the worker has threads: both threads stuck, and
        # requests queued behind them.
        flight = threading.Thread(target=lambda: answers.extend(in_parallel(4, server)))
        answers: list[Answer] = []
        flight.start()
        time.sleep(0.5)
        # The liveness probe does not queue behind the stuck threads.
        status, seconds = livez(server)
        assert (status, seconds < 0.5) == (200, True)
        flight.join()
        elapsed = time.monotonic() - started

    for answer in answers:
        assert_unavailable(answer)
    # The statement bound plus its second of grace, with a margin: not the whole pause.
    assert elapsed < STATEMENT_TIMEOUT + 1 + 2
    wait_until_served(server)
    assert log_events(tmp_path, "unhandled_exception") == []


{% if cookiecutter.cache == "redis" -%}
@pytest.mark.redis
{% endif -%}
def test_a_refusing_database_gets_quick_503s_logged_once_and_recovers(
    server: Server, database_proxy: TcpProxy, tmp_path: Path
) -> None:
    assert_served(ask_the_database(server))

    with database_proxy.refusing():
        answers = [ask_the_database(server) for _ in range(10)]

    for answer in answers:
        assert_unavailable(answer)
    # At most the pool's timeout, and at once while the outage is known.
    assert max(answer.seconds for answer in answers) < POOL_TIMEOUT + 1
    assert sorted(answer.seconds for answer in answers)[len(answers) // 2] < 0.2
    [outage] = log_events(tmp_path, "database_unavailable")
    assert outage["level"] == "error"
    assert log_events(tmp_path, "unhandled_exception") == []

    wait_until_served(server)
    assert len(log_events(tmp_path, "database_available")) == 1
