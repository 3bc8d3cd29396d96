"""Django's cache backends, counting every get as a hit or a miss.
{% if cookiecutter.cache == "redis" %}
django-prometheus's Redis backend needs django-redis, and its in-process one takes a
cached 0 or "" for a miss. These subclass Django's own backends instead and feed
django-prometheus's metrics (django_cache_get_total, _hits_, _misses_, _get_fail_),
labelled by backend.
{%- else %}
django-prometheus has no backend for the database cache. This one subclasses Django's
and feeds django-prometheus's metrics (django_cache_get_total, _hits_, _misses_,
_get_fail_), labelled by backend.
{%- endif %}
"""

import functools
from collections.abc import Callable
from typing import Any

{% if cookiecutter.cache == "redis" -%}
from django.core.cache.backends import locmem, redis
{%- else -%}
from django.core.cache.backends import db
{%- endif %}
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

# Stands for "no such key": a cached None is a hit.
MISSING = object()


def counted_get(lookup: Callable[[object], Any], *, backend: str, default: Any) -> Any:
    """``lookup(MISSING)``'s value, counted; ``default`` when the key is not cached."""
    django_cache_get_total.labels(backend=backend).inc()
    try:
        value = lookup(MISSING)
    except Exception:
        django_cache_get_fail_total.labels(backend=backend).inc()
        raise
    if value is MISSING:
        django_cache_misses_total.labels(backend=backend).inc()
        return default
    django_cache_hits_total.labels(backend=backend).inc()
    return value
{%- if cookiecutter.cache == "redis" %}


class RedisCache(redis.RedisCache):
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        lookup = functools.partial(super().get, key, version=version)
        return counted_get(lookup, backend="redis", default=default)


class LocMemCache(locmem.LocMemCache):
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        lookup = functools.partial(super().get, key, version=version)
        return counted_get(lookup, backend="locmem", default=default)
{%- else %}


class DatabaseCache(db.DatabaseCache):
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        lookup = functools.partial(super().get, key, version=version)
        return counted_get(lookup, backend="database", default=default)
{%- endif %}
