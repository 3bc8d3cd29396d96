"""Rate limits that hold under concurrency: DRF's throttles, counted atomically.

DRF's own throttles read a client's request history from the cache, append to it and
write it back. Concurrent requests all read the same history, so a burst gets through
whole. These throttles keep DRF's scopes, rates and client identification, but count
each request with a single atomic operation: {% if cookiecutter.cache == "redis" %}INCR, in a Redis MULTI/EXEC
transaction that also opens the window.{% else %}an INSERT ... ON CONFLICT DO UPDATE ...
RETURNING on the throttle counter table.{% endif %}

A client's window opens with its first request and lasts the rate's period; the count
starts again when it ends. A fixed window can let up to twice the rate through across
the moment it ends, which is what keeping one counter per client costs.

The login throttles are attached to no view: the authentication backend (users.backends)
counts each password check with them, {% if cookiecutter.auth == "supabase" %}wherever one is made (the admin's login).{% else %}at the API and the admin alike.{% endif %}
{%- if cookiecutter.cache == "redis" %} While Redis
cannot be reached, the other throttles let requests through, and the login throttles
refuse them (503): an outage must not open the way to unlimited guessing.
{%- endif %}
"""

import hashlib
{% if cookiecutter.cache == "postgres" -%}
{% if cookiecutter.task_queue == "none" -%}
import random
{% endif -%}
import time
from typing import TYPE_CHECKING, Any, NamedTuple, cast
{%- else -%}
import threading
import time
from contextlib import suppress
from typing import TYPE_CHECKING, NamedTuple, cast
{%- endif %}

{% if cookiecutter.cache == "redis" -%}
import structlog
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis import RedisError
{%- else -%}
from django.conf import settings
from django.core import checks
from django.db import connection
{%- endif %}
from rest_framework import {% if cookiecutter.cache == "redis" %}exceptions, {% endif %}throttling

{% if cookiecutter.cache == "postgres" -%}
from {{ cookiecutter.project_slug }}.common.models import ThrottleCounter
{% endif -%}
from {{ cookiecutter.project_slug }}.common.rates import parse_rate

if TYPE_CHECKING:
    # rest_framework.views imports the throttle classes this module defines.
    from django.http import HttpRequest
    from rest_framework.request import Request
    from rest_framework.views import APIView
{%- if cookiecutter.cache == "redis" %}

logger = structlog.get_logger(__name__)

# After Redis fails to answer, the throttles of this process leave it alone this many
# seconds: an outage costs one request the socket timeout (redis_cache()), not each one.
PAUSE_AFTER_FAILURE = 2.0
# An outage is logged at most once in this many seconds per process.
OUTAGE_LOG_INTERVAL = 30.0
# Retry-After of a request refused because its limit cannot be counted.
RETRY_AFTER_OUTAGE = 5
{%- endif %}


class Window(NamedTuple):
    """A client's count in its current window, and when the window ends (Unix time)."""

    hits: int
    ends_at: float
{%- if cookiecutter.cache == "redis" %}


def count_in_redis(cache: RedisCache, key: str, *, period: int, now: float) -> Window:
    redis_key = cache.make_and_validate_key(key)
    # Django's RedisCache has no atomic increment (its incr() checks, then increments),
    # so the counting goes to its Redis client. MULTI/EXEC runs the three commands as
    # one: no other request comes between opening the window and counting in it.
    client = cache._cache.get_client(redis_key, write=True)
    with client.pipeline(transaction=True) as pipeline:
        pipeline.set(redis_key, 0, ex=period, nx=True)
        pipeline.incr(redis_key)
        pipeline.pttl(redis_key)
        _, hits, milliseconds_left = pipeline.execute()
    return Window(hits=hits, ends_at=now + max(milliseconds_left, 0) / 1000)


def take_back_in_redis(cache: RedisCache, key: str) -> None:
    redis_key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(redis_key, write=True)
    # Only from a window still open: a DECR of a key that has expired would create it.
    client.eval(TAKE_BACK_SCRIPT, 1, redis_key)


TAKE_BACK_SCRIPT = """
if redis.call("EXISTS", KEYS[1]) == 1 and tonumber(redis.call("GET", KEYS[1])) > 0 then
    return redis.call("DECR", KEYS[1])
end
return 0
"""


def count_in_process(cache: BaseCache, key: str, *, period: int, now: float) -> Window:
    """Development's stand-in for Redis, LocMemCache: add() and incr() each hold its lock."""
    ends_at_key = f"{key}:ends_at"
    cache.add(ends_at_key, now + period, timeout=period)
    cache.add(key, 0, timeout=period)
    try:
        hits = cache.incr(key)
    except ValueError:  # the window ended between add() and incr(): open the next one
        return count_in_process(cache, key, period=period, now=now)
    return Window(hits=hits, ends_at=cache.get(ends_at_key, now + period))


class CounterUnavailableError(Exception):
    """Redis did not answer, or failed to moments ago: the hit could not be counted."""


class Outage:
    """This process's view of a Redis server: whether to try it, and when it was last logged.

    A hung Redis would otherwise cost every request the socket timeout, and log a
    traceback each time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.paused_until = 0.0
        self.logged_at: float | None = None
        self.failures = 0

    def check(self) -> None:
        if time.monotonic() < self.paused_until:
            raise CounterUnavailableError

    def failed(self, error: RedisError) -> None:
        now = time.monotonic()
        with self._lock:
            self.paused_until = now + PAUSE_AFTER_FAILURE
            self.failures += 1
            if self.logged_at is not None and now - self.logged_at < OUTAGE_LOG_INTERVAL:
                return
            self.logged_at, failures, self.failures = now, self.failures, 0
        logger.warning(
            "throttle_unavailable",
            error=f"{type(error).__name__}: {error}",
            failures=failures,
            next_report_in=OUTAGE_LOG_INTERVAL,
        )

    def succeeded(self) -> None:
        if self.logged_at is None:
            return
        with self._lock:
            failures, self.logged_at, self.failures = self.failures, None, 0
        logger.info("throttle_available", failures_since_last_report=failures)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_of_default_cache() -> Outage:
    """The outage state of the Redis server(s) behind the default cache."""
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    with _outages_lock:
        return _outages.setdefault(location, Outage())


def count(key: str, *, period: int, now: float) -> Window:
    """Count a hit for ``key`` in its window; CounterUnavailableError if Redis cannot be reached."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return count_in_process(cache, key, period=period, now=now)
    outage = outage_of_default_cache()
    outage.check()
    try:
        window = count_in_redis(cache, key, period=period, now=now)
    except RedisError as error:
        outage.failed(error)
        raise CounterUnavailableError from error
    outage.succeeded()
    return window


def take_back(key: str, *, now: float) -> None:
    """Take one hit back from ``key``'s window, if it is still open; best effort."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        with suppress(ValueError):  # the window has ended
            cache.decr(key)
        return
    outage = outage_of_default_cache()
    try:
        outage.check()
        take_back_in_redis(cache, key)
    except CounterUnavailableError:
        return
    except RedisError as error:
        outage.failed(error)


class ThrottleUnavailable(exceptions.APIException):
    """A request refused because its limit cannot be counted (a throttle that fails closed)."""

    status_code = 503
    default_detail = "The request cannot be checked against its rate limit at the moment."
    default_code = "throttle_unavailable"

    def __init__(self) -> None:
        super().__init__()
        self.wait = RETRY_AFTER_OUTAGE
{%- else %}


# One row per client and scope. The CASE expressions see the row as it was before this
# statement: a window that has ended starts again at one hit.
COUNT_SQL = """
INSERT INTO {table} ({key}, hits, ends_at) VALUES (%s, 1, %s)
ON CONFLICT ({key}) DO UPDATE SET
    hits = CASE WHEN {table}.ends_at <= %s THEN 1 ELSE {table}.hits + 1 END,
    ends_at = CASE WHEN {table}.ends_at <= %s THEN excluded.ends_at ELSE {table}.ends_at END
RETURNING hits, ends_at
"""
{%- if cookiecutter.task_queue == "none" %}
# Nothing here runs periodic jobs, so about one request in this many that opens a window
# also deletes the counters of windows that have ended.
PURGE_ONE_IN = 100
{%- endif %}


def count(key: str, *, period: int, now: float) -> Window:
    """Count a hit, on the request's database connection.

    The upsert locks the client's row until its transaction ends. DRF checks throttles
    before the view runs, outside any transaction the view opens, so in autocommit the
    lock lasts only the statement. Inside a transaction spanning the request
    (ATOMIC_REQUESTS), one client's concurrent requests would queue behind each other,
    and a request that failed would take its hit back with it.
    """
    quote = connection.ops.quote_name
    sql = COUNT_SQL.format(table=quote(ThrottleCounter._meta.db_table), key=quote("key"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now + period, now, now])
        hits, ends_at = cursor.fetchone()
{%- if cookiecutter.task_queue == "none" %}
    if hits == 1 and random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 (sampling, not secrecy)
        purge_expired_throttle_counters(now=now)
{%- endif %}
    return Window(hits=hits, ends_at=ends_at)


TAKE_BACK_SQL = """
UPDATE {table} SET hits = hits - 1 WHERE {key} = %s AND ends_at > %s AND hits > 0
"""


def take_back(key: str, *, now: float) -> None:
    """Take one hit back from ``key``'s window, if it is still open."""
    quote = connection.ops.quote_name
    sql = TAKE_BACK_SQL.format(table=quote(ThrottleCounter._meta.db_table), key=quote("key"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now])


def check_requests_are_not_atomic(**kwargs: Any) -> list[checks.CheckMessage]:
    """System check: count() must not run inside a request's transaction."""
    if not settings.DATABASES["default"].get("ATOMIC_REQUESTS"):
        return []
    return [
        checks.Warning(
            "ATOMIC_REQUESTS is on: the rate-limit counter of each client would stay locked "
            "until its request ended, and a failed request would not count.",
            hint="Turn ATOMIC_REQUESTS off; open transactions in the services that need them.",
            id="common.W001",
        )
    ]


def purge_expired_throttle_counters(*, now: float | None = None) -> int:
    """Delete the counters of windows that have ended; returns how many went."""
    expired = ThrottleCounter.objects.filter(ends_at__lte=time.time() if now is None else now)
    deleted, _ = expired.delete()
    return deleted
{%- endif %}


class AtomicRateThrottle(throttling.SimpleRateThrottle):
    limit: int
    period: int
    hits: int
    ends_at: float
{%- if cookiecutter.cache == "redis" %}
    # While Redis cannot be reached, a throttle that fails open lets requests through
    # (an outage of the cache should not be an outage of the API); one that fails closed
    # refuses them with a 503 (ThrottleUnavailable).
    fail_closed = False
{%- endif %}

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        return (None, None) if rate is None else parse_rate(rate)

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        key = self.get_cache_key(request, view)
        return key is None or self.allow(key)

    def allow(self, key: str) -> bool:
        """Count a hit for ``key``: whether it is within the rate."""
        limit, period = self.parse_rate(self.rate)
        if limit is None or period is None:
            return True
        self.now = self.timer()
{%- if cookiecutter.cache == "redis" %}
        try:
            window = count(key, period=period, now=self.now)
        except CounterUnavailableError:
            if self.fail_closed:
                raise ThrottleUnavailable from None
            return True
{%- else %}
        window = count(key, period=period, now=self.now)
{%- endif %}
        self.limit, self.period, (self.hits, self.ends_at) = limit, period, window
        return window.hits <= limit

    def take_back(self, key: str) -> None:
        """Take back the hit allow() counted for ``key``: it is not to count after all."""
        take_back(key, now=self.timer())

    def wait(self) -> float:
        # The request that opened the window may have read the clock a moment after this
        # one did: the wait is never longer than the window itself.
        return min(max(self.ends_at - self.now, 0.0), float(self.period))


# DRF's classes first: they pick the scope and identify the client, then call
# AtomicRateThrottle.allow_request.


class AnonRateThrottle(throttling.AnonRateThrottle, AtomicRateThrottle):
    """Anonymous clients, per IP address (THROTTLE_ANON_RATE)."""


class UserRateThrottle(throttling.UserRateThrottle, AtomicRateThrottle):
    """Authenticated users, per user (THROTTLE_USER_RATE); anonymous ones per address."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicRateThrottle):
    """Views with a throttle_scope, at the scope's rate in REST_FRAMEWORK, per user or address."""


class LoginRateThrottle(AtomicRateThrottle):
    """Password checks per client address (THROTTLE_LOGIN_RATE), wherever a login happens.

    The authentication backend (users.backends) counts every password check with it, so
    that {% if cookiecutter.auth == "supabase" %}any login that checks a password (the admin's) is limited.{% else %}the API's login and the admin's are limited alike.{% endif %}
    """

    scope = "login"
{%- if cookiecutter.cache == "redis" %}
    fail_closed = True
{%- endif %}

    def key_for_address(self, request: "Request | HttpRequest") -> str:
        # DRF's get_ident reads the address from META, which Django's requests have too.
        ident = self.get_ident(cast("Request", request))
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginAccountRateThrottle(AtomicRateThrottle):
    """Failed password checks per account name (THROTTLE_LOGIN_ACCOUNT_RATE).

    The account is the name as submitted, normalised and hashed: it is counted the same
    whether or not such an account exists, so refusals reveal nothing about that.
    """

    scope = "login_account"
{%- if cookiecutter.cache == "redis" %}
    fail_closed = True
{%- endif %}

    def key_for_account(self, name: str) -> str:
        digest = hashlib.sha256(name.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class DocsRateThrottle(AtomicRateThrottle):
    """The schema and the docs pages, per address ("docs" rate), apart from the API's rates."""

    scope = "docs"

    def get_cache_key(self, request: "Request", view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
