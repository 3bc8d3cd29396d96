"""The database: a DATABASES entry from a URL, for every layer; development and the tests
default to a SQLite file beside the project."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import BASE_DIR, env, seconds

from {{ cookiecutter.project_slug }}.common.database import bounded_connection_class

# Development and the tests run on this file unless DATABASE_URL names another database.
LOCAL_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"


def database_settings(url: str) -> dict[str, Any]:
    """The DATABASES entry for a database URL; PostgreSQL gets a psycopg connection pool.

    Every wait on PostgreSQL is bounded (common.database): connecting, taking a connection
    from the pool, and each statement, on the server and, should the server not answer
    at all, on the client too.
    """
    database: dict[str, Any] = env.db_url_config(url)
    if database.get("ENGINE") not in set(env.DB_SCHEMES.values()):
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} is not a database URL: give e.g. "
            "postgres://user:password@host:5432/name, or leave it unset for SQLite."
        )
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with guards on the pool's connections (common.postgresql).
        database["ENGINE"] = "{{ cookiecutter.project_slug }}.common.postgresql"
        options = database.get("OPTIONS", {})
        statement_timeout = seconds(
            env.float("DATABASE_STATEMENT_TIMEOUT", default=10),
            name="DATABASE_STATEMENT_TIMEOUT",
            zero=True,
        )
        connect_timeout = seconds(
            env.float("DATABASE_CONNECT_TIMEOUT", default=5), name="DATABASE_CONNECT_TIMEOUT"
        )
        server_options = [
            options.get("options", ""),
            f"-c statement_timeout={round(statement_timeout * 1000)}",
        ]
        database["OPTIONS"] = {
            **options,
            # libpq counts whole seconds.
            "connect_timeout": max(1, round(connect_timeout)),
            "options": " ".join(option for option in server_options if option),
            "pool": {
                "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
                "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
                "timeout": seconds(
                    env.float("DATABASE_POOL_TIMEOUT", default=5), name="DATABASE_POOL_TIMEOUT"
                ),
                # Connections are renewed hourly and closed after ten idle minutes, so
                # a connection the server dropped long ago is seldom met at all.
                "max_lifetime": 3600,
                "max_idle": 600,
                "connection_class": bounded_connection_class(statement_timeout),
            },
        }
        # The pool owns the connections: Django must hand each one back when a request
        # ends. The backend checks each one it takes, without a query (CONN_HEALTH_CHECKS
        # would cost one on every checkout).
        database["CONN_MAX_AGE"] = 0
        database["CONN_HEALTH_CHECKS"] = False
{%- if cookiecutter.use_prometheus == "y" %}
    else:
        # django-prometheus's engines: Django's own, counting connections and timing
        # queries (the PostgreSQL backend above subclasses django-prometheus's).
        database["ENGINE"] = database["ENGINE"].replace("django.db.", "django_prometheus.db.", 1)
{%- endif %}
    if database["ENGINE"].endswith("sqlite3"):
        # A transaction takes SQLite's write lock as it begins, waiting its turn: two
        # that read and then write at once would otherwise fail, "database is locked".
        database.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    return database


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def local_database() -> dict[str, Any]:
    """DATABASE_URL's database, or the local SQLite file: development's and the tests'."""
    return database_settings(env.str("DATABASE_URL", default=LOCAL_DATABASE_URL))
