"""PostgreSQL: every connection comes from, and goes back to, the pool the settings configure."""

from typing import Any

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper

from {{ cookiecutter.project_slug }}.health import checks

pytestmark = pytest.mark.postgresql


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


@pytest.mark.django_db
def test_the_readiness_check_connects_without_taking_a_pooled_connection() -> None:
    # A probe must learn whether the database answers now, not wait for a free connection.
    pool = default_pool()
    requests = pool.get_stats().get("requests_num", 0)

    checks.check_database()

    assert pool.get_stats().get("requests_num", 0) == requests
