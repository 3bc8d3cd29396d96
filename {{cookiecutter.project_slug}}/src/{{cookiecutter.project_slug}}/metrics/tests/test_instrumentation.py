"""Database and cache metrics: django-prometheus's database engine and our cache backends."""

from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django_prometheus.db.common import DatabaseWrapperMixin
from prometheus_client import REGISTRY

{%- if cookiecutter.cache == "redis" %}

BACKEND_LABELS = {"RedisCache": "redis", "LocMemCache": "locmem"}
{%- else %}

BACKEND_LABELS = {"DatabaseCache": "database"}
{%- endif %}


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def counting(name: str, **labels: str) -> Callable[[], float]:
    """How much ``name`` has grown since this was called."""
    before = sample(name, **labels)
    return lambda: sample(name, **labels) - before


def test_the_database_engine_is_django_prometheus_s() -> None:
    # PostgreSQL's is the project's own (common.postgresql), built on django-prometheus's.
    assert isinstance(connections["default"], DatabaseWrapperMixin)


@pytest.mark.django_db
def test_queries_are_counted_and_timed() -> None:
    connection = connections["default"]
    labels = {"alias": "default", "vendor": connection.vendor}
    executed = counting("django_db_execute_total", **labels)
    timed = counting("django_db_query_duration_seconds_count", **labels)

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute("SELECT 2")

    assert executed() == 2
    assert timed() == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_queries_on_pooled_connections_are_counted_too() -> None:
    connection = connections["default"]
    assert isinstance(connection, DatabaseWrapper)
    assert connection.pool is not None
    connection.close()  # the connection goes back to the pool; the next comes from it

    with connection.cursor() as cursor:
        executed = counting("django_db_execute_total", alias="default", vendor="postgresql")
        cursor.execute("SELECT 1")

    assert executed() == 1


@pytest.mark.django_db
def test_cache_gets_are_counted_as_hits_and_misses() -> None:
    cache = caches["default"]
    backend = BACKEND_LABELS[type(cache).__name__]
    gets = counting("django_cache_get_total", backend=backend)
    hits = counting("django_cache_get_hits_total", backend=backend)
    misses = counting("django_cache_get_misses_total", backend=backend)
    cache.set("metrics:falsy", 0)
    cache.set("metrics:none", None)

    assert cache.get("metrics:falsy") == 0
    assert cache.get("metrics:none", "default") is None
    assert cache.get("metrics:absent", "default") == "default"
    assert (gets(), hits(), misses()) == (3, 2, 1)
