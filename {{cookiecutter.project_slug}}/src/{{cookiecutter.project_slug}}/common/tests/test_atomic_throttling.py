"""Rate limits hold under concurrency: a burst gets exactly the rate through, no more.

The bursts go to a real threaded HTTP server (pytest-django's live_server), so that the
requests are counted at the same time, as in production.
"""

import json
import threading
import time
from collections import Counter
from collections.abc import Callable{% if cookiecutter.cache == "redis" %}, Iterator{% endif %}
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection
from typing import {% if cookiecutter.cache == "redis" %}TYPE_CHECKING, {% endif %}Any
from urllib.parse import urlsplit
{%- if cookiecutter.auth == "supabase" %}
from uuid import uuid4
{%- endif %}

import pytest
{%- if cookiecutter.auth == "session" %}
from django.conf import settings
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
{%- else %}
from django.core.checks import Warning as CheckWarning
from django.db import connection
{%- endif %}
from django.test import Client
{%- if cookiecutter.auth == "supabase" and cookiecutter.cache == "redis" %}
from django.urls import reverse
{%- endif %}
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer
from rest_framework.throttling import SimpleRateThrottle
{%- if cookiecutter.auth == "jwt" %}
from rest_framework_simplejwt.tokens import RefreshToken
{%- endif %}

{%- if cookiecutter.cache == "redis" or cookiecutter.auth == "supabase" %}
{% if cookiecutter.cache == "redis" %}
from config.settings.cache import redis_cache
{%- endif %}
{%- if cookiecutter.auth == "supabase" %}
from tests.support.auth_server import trusted_auth
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
from tests.support.logs import LogCapture
from tests.support.tcp_proxy import TcpProxy
{%- endif %}
{%- endif %}

from {{ cookiecutter.project_slug }}.common import throttling
{%- if cookiecutter.cache == "postgres" %}
from {{ cookiecutter.project_slug }}.common.models import ThrottleCounter
{%- endif %}
{%- if cookiecutter.auth == "supabase" %}
from {{ cookiecutter.project_slug }}.users.models import IdentityLink
{%- endif %}
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory
{%- if cookiecutter.cache == "redis" %}

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse
{%- endif %}

{% if cookiecutter.auth == "supabase" -%}
# Users authenticate with tokens of a stand-in Supabase Auth.
pytestmark = [pytest.mark.urls("tests.urls"), pytest.mark.usefixtures("supabase_auth")]
{%- else -%}
pytestmark = pytest.mark.urls("tests.urls")
{%- endif %}

BURST = 50
LIMIT = 10
{%- if cookiecutter.auth == "jwt" %}
LOGIN_URL = "/api/v1/auth/token/"
{%- elif cookiecutter.auth == "session" %}
LOGIN_URL = "/api/v1/auth/login/"
{%- endif %}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def burst(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> list[Answer]:
    """BURST requests, sent together.

    The connections are opened first, one at a time: a burst of connection attempts
    would overflow the test server's short listen queue. Then every thread waits for
    the others, so that the requests arrive at once.
    """
    parts = urlsplit(url)
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    connections = []
    for _ in range(BURST):
        connection = HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        connection.connect()
        connections.append(connection)
    ready = threading.Barrier(BURST)

    def send(connection: HTTPConnection) -> Answer:
        ready.wait()
        connection.request(method, parts.path, body=data, headers=all_headers)
        response = connection.getresponse()
        return Answer(response.status, dict(response.headers), response.read())

    try:
        with ThreadPoolExecutor(max_workers=BURST) as pool:
            return list(pool.map(send, connections))
    finally:
        for connection in connections:
            connection.close()


def assert_exactly_the_limit_got_through(answers: list[Answer]) -> None:
    statuses = Counter(answer.status for answer in answers)
    assert sum(count for status, count in statuses.items() if status != 429) == LIMIT, statuses
    assert statuses[429] == BURST - LIMIT
    for answer in answers:
        if answer.status == 429:
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert json.loads(answer.body)["type"].endswith("/throttled")
            assert 0 < int(answer.headers["Retry-After"]) <= 3600


def limit_scope(monkeypatch: pytest.MonkeyPatch, scope: str) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, f"{LIMIT}/hour")


def credentials_of_a_new_user() -> dict[str, str]:
    user = UserFactory.create()
{%- if cookiecutter.auth == "jwt" %}
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}
{%- elif cookiecutter.auth == "supabase" %}
    link = IdentityLink.objects.create(subject=uuid4(), user=user)
    token = trusted_auth().token(subject=link.subject, email=user.email)
    return {"Authorization": f"Bearer {token}"}
{%- else %}
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"Cookie": f"{cookie.key}={cookie.value}"}
{%- endif %}
{%- if cookiecutter.auth != "supabase" %}


def wrong_logins(url: str) -> list[Answer]:
    """A burst of wrong passwords for one account, from one client."""
    body = {"email": "x@example.com", "password": "wrong"}
{%- if cookiecutter.auth == "jwt" %}
    return burst(f"{url}{LOGIN_URL}", method="POST", body=body)
{%- else %}
    # The login view checks CSRF before any password: a token the cookie matches.
    token = "csrf" * 8
    headers = {"Cookie": f"{settings.CSRF_COOKIE_NAME}={token}", "X-CSRFToken": token}
    return burst(f"{url}{LOGIN_URL}", method="POST", body=body, headers=headers)
{%- endif %}
{%- endif %}


{% if cookiecutter.auth == "supabase" -%}
# A burst of one client's requests in each scope. The API has no login: the login scopes
# count the admin's password checks only, which tests/test_login_limits.py covers.
BURSTS: dict[str, Callable[[str], list[Answer]]] = {
    "anon": lambda url: burst(f"{url}/test/echo/"),
    "user": lambda url: burst(f"{url}/api/v1/auth/me/", headers=credentials_of_a_new_user()),
}
{%- else -%}
# A burst of one client's requests in each scope; "login" counts the client's password
# checks, "login_account" the failed ones for the account.
BURSTS: dict[str, Callable[[str], list[Answer]]] = {
    "anon": lambda url: burst(f"{url}/test/echo/"),
    "user": lambda url: burst(f"{url}/api/v1/auth/me/", headers=credentials_of_a_new_user()),
    "login": wrong_logins,
    "login_account": wrong_logins,
}
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
# Django's live server lends its threads the test's in-memory SQLite connection, which
# SQLite cannot serve concurrently: the bursts that query the database need PostgreSQL.
SCOPES = [
    pytest.param("anon"),
    pytest.param("user", marks=pytest.mark.postgresql),
{%- if cookiecutter.auth != "supabase" %}
    pytest.param("login", marks=pytest.mark.postgresql),
    pytest.param("login_account", marks=pytest.mark.postgresql),
{%- endif %}
]
{%- endif %}
{%- if cookiecutter.cache == "redis" %}


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("in-process"),
    ]
)
def counter(request: pytest.FixtureRequest, settings: Settings) -> str:
    """Where the throttles count: Redis (REDIS_URL), or development's LocMemCache."""
    if request.param == "in-process":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        caches["default"].clear()
    else:
        assert isinstance(caches["default"], RedisCache)
    return str(request.param)


@pytest.mark.usefixtures("counter", "transactional_db")
@pytest.mark.parametrize("scope", SCOPES)
def test_a_concurrent_burst_gets_exactly_the_limit_through(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    limit_scope(monkeypatch, scope)

    assert_exactly_the_limit_got_through(BURSTS[scope](live_server.url))
{%- else %}


# Django's live server lends its threads the test's in-memory SQLite connection, which
# SQLite cannot serve concurrently: the bursts need PostgreSQL.
@pytest.mark.postgresql
@pytest.mark.usefixtures("transactional_db")
@pytest.mark.parametrize("scope", BURSTS)
def test_a_concurrent_burst_gets_exactly_the_limit_through(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    limit_scope(monkeypatch, scope)

    assert_exactly_the_limit_got_through(BURSTS[scope](live_server.url))
{%- endif %}


@pytest.mark.django_db
def test_a_scope_without_a_rate_is_not_limited(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", None)
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", None)

    statuses = {client.get("/test/echo/").status_code for _ in range(3)}

    assert statuses == {200}


@pytest.mark.django_db
def test_retry_after_is_the_time_left_in_the_window(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    limit_scope(monkeypatch, "anon")
    for _ in range(LIMIT):
        assert client.get("/test/echo/").status_code == 200

    response = client.get("/test/echo/")

    assert response.status_code == 429
    # The window opened with the first request, moments ago, and lasts an hour.
    assert 3590 < int(response["Retry-After"]) <= 3600


@pytest.mark.django_db
def test_retry_after_is_never_longer_than_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under load, the concurrent request that opened the window read the clock after this
    one did: its window ends more than a period after this request's clock."""
    limit_scope(monkeypatch, "anon")
    throttle = throttling.AnonRateThrottle()
    key = "throttle_anon_203.0.113.9"
    later = time.time() + 2
    for _ in range(LIMIT):
        throttling.count(key, period=3600, now=later)
    monkeypatch.setattr(throttle, "timer", lambda: later - 2)

    assert throttle.allow(key) is False
    assert 3590 < throttle.wait() <= 3600
{%- if cookiecutter.cache == "redis" %}


@pytest.mark.redis
def test_redis_counts_in_a_key_that_expires_with_the_window() -> None:
    cache = caches["default"]
    assert isinstance(cache, RedisCache)

    hits = [throttling.count("throttle_anon_198.51.100.1", period=60, now=1000.0) for _ in range(3)]

    assert [window.hits for window in hits] == [1, 2, 3]
    assert all(59 < window.ends_at - 1000.0 <= 60 for window in hits)
    redis_key = cache.make_and_validate_key("throttle_anon_198.51.100.1")
    client = cache._cache.get_client(redis_key)
    assert client.get(redis_key) == b"3"
    assert 0 < client.ttl(redis_key) <= 60

    client.delete(redis_key)  # as when the window ends
    assert throttling.count("throttle_anon_198.51.100.1", period=60, now=1000.0).hits == 1


@pytest.fixture
def redis_behind_a_proxy(settings: Settings) -> Iterator[TcpProxy]:
    """The cache reaches the test's Redis through a TCP proxy the test can pause or cut."""
    url = settings.CACHES["default"]["LOCATION"]
    with TcpProxy.for_url(url) as proxy:
        settings.CACHES = {"default": redis_cache(proxy.url(url))}
        yield proxy


def timed(send: Callable[[], "TestResponse"]) -> tuple["TestResponse", float]:
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


OUTAGES = ["paused", "refusing"]


def wrong_login(client: Client) -> "TestResponse":
{%- if cookiecutter.auth == "supabase" %}
    # The admin's: the API has no login.
    return client.post(reverse("admin:login"), {"username": "x@example.com", "password": "wrong"})
{%- else %}
    return client.post(
        LOGIN_URL, {"email": "x@example.com", "password": "wrong"}, content_type="application/json"
    )
{%- endif %}


def refused_for_the_outage(response: "TestResponse") -> bool:
{%- if cookiecutter.auth == "supabase" %}
    # The admin's login form again, saying why.
    return response.status_code == 200 and b"cannot be checked" in response.content
{%- else %}
    return response.status_code == 503
{%- endif %}


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize("outage", OUTAGES)
def test_while_redis_is_out_logins_are_refused_and_the_rest_goes_through(
    redis_behind_a_proxy: TcpProxy,
    monkeypatch: pytest.MonkeyPatch,
    client: Client,
    json_logs: LogCapture,
    outage: str,
) -> None:
    limit_scope(monkeypatch, "anon")
{%- if cookiecutter.auth != "session" %}
    me_headers = credentials_of_a_new_user()
{%- endif %}
    hung_or_down = (
        redis_behind_a_proxy.paused() if outage == "paused" else redis_behind_a_proxy.refusing()
    )

    with hung_or_down:
        logins = [timed(lambda: wrong_login(client)) for _ in range(3)]
        others = [timed(lambda: client.get("/test/echo/")) for _ in range(LIMIT + 2)]
{%- if cookiecutter.auth != "session" %}
        others.append(timed(lambda: client.get("/api/v1/auth/me/", headers=me_headers)))
{%- endif %}

    # Logins fail closed: no password is checked without its limits.
    for response, seconds in logins:
        assert refused_for_the_outage(response)
{%- if cookiecutter.auth != "supabase" %}
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"].endswith("/service-unavailable")
        assert int(response["Retry-After"]) > 0
{%- endif %}
        assert seconds < 2, "a hung Redis held up the request"
    # The rest fail open, unlimited meanwhile.
    assert {response.status_code for response, _ in others} == {200}
    assert all(seconds < 2 for _, seconds in others)
    # One line for the outage, without a traceback, not one per request.
    [line] = json_logs.events("throttle_unavailable")
    assert "exception" not in line
    assert line["error"].startswith(("TimeoutError", "ConnectionError"))

    # Once Redis is back (after a short pause in which it is left alone), counting resumes.
    deadline = time.monotonic() + 5
    while refused_for_the_outage(wrong_login(client)):
        assert time.monotonic() < deadline, "logins still refused after Redis came back"
        time.sleep(0.2)
    statuses = [client.get("/test/echo/").status_code for _ in range(LIMIT + 1)]
    assert statuses[-1] == 429
    assert len(json_logs.events("throttle_available")) == 1


def test_in_process_counting_opens_the_next_window_when_one_ends_midway(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache = caches["default"]
    real_incr = cache.incr
    ended: list[str] = []

    def incr_after_the_window_ended(key: str, delta: int = 1) -> int:
        if not ended:
            # The window's key expires between add() and incr().
            ended.append(key)
            cache.delete(key)
            raise ValueError(key)
        return real_incr(key, delta)

    monkeypatch.setattr(cache, "incr", incr_after_the_window_ended)

    window = throttling.count("throttle_anon_198.51.100.1", period=60, now=1000.0)

    assert ended == ["throttle_anon_198.51.100.1"]
    assert window == throttling.Window(hits=1, ends_at=1060.0)
{%- else %}


@pytest.mark.django_db
def test_the_database_counts_per_client_and_starts_again_when_the_window_ends() -> None:
    hits = [
        throttling.count("throttle_anon_198.51.100.1", period=60, now=1000.0 + n) for n in range(3)
    ]
    other = throttling.count("throttle_anon_198.51.100.2", period=60, now=1010.0)
    after = throttling.count("throttle_anon_198.51.100.1", period=60, now=1060.0)

    assert hits == [throttling.Window(hits=n, ends_at=1060.0) for n in (1, 2, 3)]
    assert other == throttling.Window(hits=1, ends_at=1070.0)
    assert after == throttling.Window(hits=1, ends_at=1120.0)
    assert ThrottleCounter.objects.get(pk="throttle_anon_198.51.100.1").hits == 1


@pytest.mark.django_db
def test_purging_deletes_the_counters_of_windows_that_have_ended() -> None:
    throttling.count("ended", period=60, now=1000.0)
    throttling.count("ends-now", period=60, now=1040.0)
    throttling.count("running", period=60, now=1050.0)

    assert throttling.purge_expired_throttle_counters(now=1100.0) == 2

    assert list(ThrottleCounter.objects.values_list("key", flat=True)) == ["running"]
    assert throttling.purge_expired_throttle_counters() == 1
{%- if cookiecutter.task_queue == "none" %}


@pytest.mark.django_db
def test_now_and_then_a_new_window_purges_the_ended_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    throttling.count("ended", period=60, now=1000.0)
    monkeypatch.setattr(throttling.random, "randrange", lambda stop: 1)
    throttling.count("first", period=60, now=2000.0)
    assert ThrottleCounter.objects.filter(pk="ended").exists()

    monkeypatch.setattr(throttling.random, "randrange", lambda stop: 0)
    throttling.count("second", period=60, now=2000.0)

    assert set(ThrottleCounter.objects.values_list("key", flat=True)) == {"first", "second"}
{%- endif %}


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_counter_table_is_unlogged_on_postgresql() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = %s",
            [ThrottleCounter._meta.db_table],
        )
        assert cursor.fetchone() == ("u",)


def test_atomic_requests_are_reported_by_the_system_checks(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert throttling.check_requests_are_not_atomic() == []

    monkeypatch.setitem(settings.DATABASES["default"], "ATOMIC_REQUESTS", True)

    [warning] = throttling.check_requests_are_not_atomic()
    assert isinstance(warning, CheckWarning)
    assert warning.id == "common.W001"
{%- endif %}
