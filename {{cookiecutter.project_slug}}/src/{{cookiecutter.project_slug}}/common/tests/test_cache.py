"""The cache and the sessions: where they live, and what a fresh project needs to set them up."""

{%- if cookiecutter.cache == "redis" %}

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string
from pytest_django.fixtures import Settings

from tests.support.logs import LogCapture
from tests.support.settings_layers import load, load_base
from tests.support.subprocesses import production_env

from {{ cookiecutter.project_slug }}.common.apps import report_in_process_cache


def test_without_redis_each_process_caches_for_itself(environment: dict[str, str]) -> None:
    cache = load_base()["CACHES"]["default"]

    assert issubclass(import_string(cache["BACKEND"]), LocMemCache)


def test_redis_url_configures_a_redis_cache_that_gives_up_within_a_second(
    environment: dict[str, str],
) -> None:
    environment["REDIS_URL"] = "redis://cache.internal:6379/3"

    cache = load_base()["CACHES"]["default"]

    assert issubclass(import_string(cache["BACKEND"]), RedisCache)
    assert cache["LOCATION"] == "redis://cache.internal:6379/3"
    assert cache["OPTIONS"]["socket_connect_timeout"] <= 1
    assert cache["OPTIONS"]["socket_timeout"] <= 1


def test_production_caches_in_redis(environment: dict[str, str]) -> None:
    environment.update(production_env(REDIS_URL="redis://cache.internal:6379/0"))

    production = load("production")

    assert production["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/0"
    assert production["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_an_in_process_cache_is_reported_and_redis_is_not(
    settings: Settings, json_logs: LogCapture
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    report_in_process_cache()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    report_in_process_cache()

    [line] = json_logs.events("cache_in_process")
    assert "REDIS_URL" in line["detail"]


@pytest.mark.redis
def test_the_cache_is_redis() -> None:
    cache = caches["default"]
    assert isinstance(cache, RedisCache)

    cache.set("greeting", {"hello": "world"}, timeout=30)

    key = cache.make_and_validate_key("greeting")
    client = cache._cache.get_client(key)
    assert client.exists(key) == 1
    assert 0 < client.ttl(key) <= 30
    assert cache.get("greeting") == {"hello": "world"}


@pytest.mark.redis
@pytest.mark.django_db
def test_sessions_are_read_through_redis_and_survive_its_loss() -> None:
    session = SessionStore()
    session["cart"] = ["book"]
    session.create()
    key = session.session_key
    assert key is not None

    assert Session.objects.filter(session_key=key).exists()
    assert caches[settings.SESSION_CACHE_ALIAS].get(session.cache_key) == {"cart": ["book"]}

    caches[settings.SESSION_CACHE_ALIAS].clear()

    assert SessionStore(session_key=key).load() == {"cart": ["book"]}
{%- else %}

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connection
from django.utils.module_loading import import_string

# The migration that creates the table, and the table it names.
CACHE_MIGRATION = ("common", "0002_create_cache_table")
PREVIOUS_MIGRATION = ("common", "0001_initial")


def cache_rows(key_pattern: str) -> int:
    """How many rows of the cache table have a key LIKE key_pattern."""
    table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE cache_key LIKE %s", [key_pattern])  # noqa: S608
        (count,) = cursor.fetchone()
    return int(count)


def test_the_cache_is_a_table_in_the_database() -> None:
    cache_settings = settings.CACHES["default"]

    assert issubclass(import_string(cache_settings["BACKEND"]), DatabaseCache)
    # Past MAX_ENTRIES every write deletes a third of the entries.
    assert cache_settings["OPTIONS"]["MAX_ENTRIES"] >= 10_000


@pytest.mark.django_db
def test_cached_values_are_rows_of_the_cache_table() -> None:
    cache.set("greeting", {"hello": "world"}, timeout=30)

    assert cache_rows(cache.make_and_validate_key("greeting")) == 1
    assert cache.get("greeting") == {"hello": "world"}


@pytest.mark.django_db(transaction=True)
def test_migrate_alone_creates_the_cache_table() -> None:
    table = settings.CACHES["default"]["LOCATION"]
    try:
        call_command("migrate", *PREVIOUS_MIGRATION, verbosity=0)
        assert table not in connection.introspection.table_names()

        call_command("migrate", *CACHE_MIGRATION, verbosity=0)

        assert table in connection.introspection.table_names()
        cache.set("after-migrate", 1)
        assert cache.get("after-migrate") == 1
    finally:
        call_command("migrate", verbosity=0)
        cache.delete("after-migrate")


@pytest.mark.django_db
def test_sessions_are_rows_of_their_own_table_and_never_cached() -> None:
    session = SessionStore()
    session["cart"] = ["book"]
    session.create()

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert Session.objects.get(session_key=session.session_key).get_decoded() == {"cart": ["book"]}
    assert cache_rows(f"%{session.session_key}%") == 0
{%- endif %}
