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
"""

{% if cookiecutter.cache == "postgres" -%}
{% if cookiecutter.task_queue == "none" -%}
import random
{% endif -%}
import time
from typing import TYPE_CHECKING, Any, NamedTuple
{%- else -%}
from typing import TYPE_CHECKING, NamedTuple
{%- endif %}

{% if cookiecutter.cache == "redis" -%}
import structlog
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis import RedisError
{%- else -%}
from django.conf import settings
from django.core import checks
from django.db import connection
{%- endif %}
from rest_framework import throttling
{%- if cookiecutter.cache == "postgres" %}

from {{ cookiecutter.project_slug }}.common.models import ThrottleCounter
{%- endif %}

if TYPE_CHECKING:
    # rest_framework.views imports the throttle classes this module defines.
    from rest_framework.request import Request
    from rest_framework.views import APIView
{%- if cookiecutter.cache == "redis" %}

logger = structlog.get_logger(__name__)
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


def count(key: str, *, period: int, now: float) -> Window:
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return count_in_redis(cache, key, period=period, now=now)
    return count_in_process(cache, key, period=period, now=now)
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
    ends_at: float

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        limit, period = self.parse_rate(self.rate)
        if limit is None or period is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
{%- if cookiecutter.cache == "redis" %}
        try:
            window = count(key, period=period, now=self.now)
        except RedisError:
            # A Redis outage should not become an outage of the whole API: requests go
            # through unlimited meanwhile, and /readyz reports the cache as down.
            logger.warning("throttle_unavailable", scope=self.scope, exc_info=True)
            return True
{%- else %}
        window = count(key, period=period, now=self.now)
{%- endif %}
        self.ends_at = window.ends_at
        return window.hits <= limit

    def wait(self) -> float:
        return max(self.ends_at - self.now, 0.0)


# DRF's classes first: they pick the scope and identify the client, then call
# AtomicRateThrottle.allow_request.


class AnonRateThrottle(throttling.AnonRateThrottle, AtomicRateThrottle):
    """Anonymous clients, per IP address (THROTTLE_ANON_RATE)."""


class UserRateThrottle(throttling.UserRateThrottle, AtomicRateThrottle):
    """Authenticated users, per user (THROTTLE_USER_RATE); anonymous ones per address."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicRateThrottle):
    """Views with a throttle_scope, e.g. "login" (THROTTLE_LOGIN_RATE), per user or address."""


class DocsRateThrottle(AtomicRateThrottle):
    """The schema and the docs pages, per address ("docs" rate), apart from the API's rates."""

    scope = "docs"

    def get_cache_key(self, request: "Request", view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
