"""Readiness checks: each dependency must answer within a short, hard deadline.

The checks run in parallel threads and the probe waits for them at most
CHECK_TIMEOUT_SECONDS, so a database that does not answer at all (a dropped packet, not
a refused connection) still gets the probe an answer in time. They use the connections
the requests use (the database's pool, the cache's client), and their outcome is reused
for HEALTH_CHECKS_CACHE_SECONDS: however often the probes are called, a process checks
its dependencies at most once in that time.
"""

import contextvars
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

{% if cookiecutter.task_queue == "celery" -%}
import kombu
{% endif -%}
import structlog
from django.conf import settings
{%- if cookiecutter.cache == "redis" %}
from django.core.cache import cache
{%- endif %}
from django.db import connections

CHECK_TIMEOUT_SECONDS = 1.5
{%- if cookiecutter.task_queue == "celery" %}
BROKER_TIMEOUT_SECONDS = 1
{%- elif cookiecutter.task_queue == "postgres" %}
QUEUE_TABLE = "procrastinate_jobs"
{%- endif %}

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    duration_ms: float
    # Why the check failed: shown to staff by /health/detailed, never by the public probes.
    error: str | None = None


def query_database(sql: str, alias: str = "default") -> tuple[Any, ...] | None:
    """Run one query on a connection from the pool, as a request would; its first row.

    The check runs in a thread of its own, whose connection goes back to the pool at once.
    Every wait is bounded (common.database): the pool's during an outage, the statement's
    on a server that does not answer, so a check the probe stopped waiting for still ends.
    """
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row
    finally:
        connection.close()


def check_database(alias: str = "default") -> None:
    query_database("SELECT 1", alias)

{% if cookiecutter.cache == "redis" %}
def check_cache() -> None:
    key = "health:readyz"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not return the value just stored")
{%- else %}
def check_cache() -> None:
    """The database cache is a table: it must be there, and readable."""
    table = connections["default"].ops.quote_name(settings.CACHES["default"]["LOCATION"])
    query_database(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 (a table name from settings)
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}


def check_broker() -> None:
    """Connect to Celery's broker with a client of the probe's own.

    The worker's connection settings retry for minutes, and Celery's Redis transport
    blocks for about a minute on a broker that does not answer; this client gives up
    after BROKER_TIMEOUT_SECONDS, without retrying.
    """
    if not settings.CELERY_BROKER_URL:
        return  # development without a broker: tasks run in-process
    timeouts = {
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    }
    with kombu.Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options={**timeouts, "max_retries": 0},
    ) as connection:
        connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
{%- elif cookiecutter.task_queue == "postgres" %}


def check_broker() -> None:
    """procrastinate's queue is a table in the database, which migrate creates."""
    if connections["default"].vendor != "postgresql":
        return  # without PostgreSQL there is no queue: tasks run in-process
    row = query_database(f"SELECT to_regclass('{QUEUE_TABLE}') IS NOT NULL")
    if not (row and row[0]):
        raise RuntimeError(f"the {QUEUE_TABLE} table is missing: run manage.py migrate")
{%- endif %}


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
{%- if cookiecutter.task_queue != "none" %}
    "broker": check_broker,
{%- endif %}
}


def run_check(name: str, check: Callable[[], None]) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # whatever went wrong, the component is not ready
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("readiness_check_failed", component=name, error=error)
        return CheckResult(ok=False, duration_ms=elapsed_ms(started), error=error)
    return CheckResult(ok=True, duration_ms=elapsed_ms(started))


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


class CachedResults:
    """The checks' last results and until when they stand, for this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.expires = 0.0
        self.results: dict[str, CheckResult] = {}

    def get(self) -> dict[str, CheckResult]:
        """Results at most HEALTH_CHECKS_CACHE_SECONDS old.

        Concurrent probes wait for the one run under way rather than each starting another.
        """
        with self.lock:
            if time.monotonic() >= self.expires:
                self.results = run_checks()
                self.expires = time.monotonic() + settings.HEALTH_CHECKS_CACHE_SECONDS
            return self.results


cached_results = CachedResults()


def run_checks() -> dict[str, CheckResult]:
    """Every check's result; one that has not finished by the deadline has failed."""
    executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readiness")
    # Each check runs in a copy of the request's context, so its log lines carry the
    # request id.
    futures = {
        name: executor.submit(contextvars.copy_context().run, run_check, name, check)
        for name, check in CHECKS.items()
    }
    wait(futures.values(), timeout=CHECK_TIMEOUT_SECONDS)
    # Do not wait for a check that hangs: it ends on its own connect or statement timeout.
    executor.shutdown(wait=False, cancel_futures=True)
    results = {}
    for name, future in futures.items():
        if future.done():
            results[name] = future.result()
        else:
            logger.warning("readiness_check_timed_out", component=name)
            results[name] = CheckResult(
                ok=False,
                duration_ms=CHECK_TIMEOUT_SECONDS * 1000,
                error=f"no answer within {CHECK_TIMEOUT_SECONDS} s",
            )
    return results
