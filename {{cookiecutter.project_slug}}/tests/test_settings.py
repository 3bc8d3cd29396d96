"""The settings layers: production demands its configuration, the others have defaults.

Each layer is executed afresh, with django-environ reading a test's own environment
instead of the process's.
"""

from typing import Any

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from config.settings import dotenv
from config.settings.base import BASE_DIR, PASSWORD_HASHERS
from config.settings.database import database_settings
from tests.support.settings_layers import load
from tests.support.subprocesses import production_env, run_python

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
{%- if cookiecutter.cache == "redis" %}
    "REDIS_URL",
{%- endif %}
{%- if cookiecutter.auth == "supabase" %}
    "SUPABASE_URL",
{%- endif %}
]


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_a_required_variable(missing: str) -> None:
    env = production_env()
    del env[missing]

    result = run_python("-c", "import config.settings.production", env=env)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


@pytest.mark.parametrize("empty", REQUIRED)
def test_production_treats_an_empty_variable_as_missing(
    environment: dict[str, str], empty: str
) -> None:
    environment.update(production_env(), **{empty: "  "})

    with pytest.raises(ImproperlyConfigured, match=f"Set the {empty} environment variable"):
        load("production")


def test_production_never_reads_dotenv(environment: dict[str, str]) -> None:
    dotenv.DOTENV_FILE.write_text("DJANGO_SECRET_KEY=" + "k" * 60 + "\n")
    environment.update(production_env())
    del environment["DJANGO_SECRET_KEY"]

    with pytest.raises(ImproperlyConfigured, match="Set the DJANGO_SECRET_KEY"):
        load("production")


def test_production_refuses_a_weak_health_token(environment: dict[str, str]) -> None:
    environment.update(production_env(HEALTH_TOKEN="secret"))

    with pytest.raises(ImproperlyConfigured, match="HEALTH_TOKEN is too short"):
        load("production")
{%- if cookiecutter.auth == "supabase" %}


@pytest.mark.parametrize(
    "url",
    ["project-ref.supabase.co", "ftp://project-ref.supabase.co", "https://?ref=x", "https://"],
)
def test_production_refuses_a_supabase_url_that_is_not_an_address(
    environment: dict[str, str], url: str
) -> None:
    environment.update(production_env(SUPABASE_URL=url))

    with pytest.raises(ImproperlyConfigured, match="SUPABASE_URL must be the Supabase project's"):
        load("production")


def test_production_refuses_a_weak_supabase_jwt_secret(environment: dict[str, str]) -> None:
    environment.update(production_env(SUPABASE_JWT_SECRET="secret"))

    with pytest.raises(ImproperlyConfigured, match="SUPABASE_JWT_SECRET is too short"):
        load("production")


def test_production_takes_the_supabase_url_without_its_trailing_slash(
    environment: dict[str, str],
) -> None:
    environment.update(production_env(SUPABASE_URL="https://project-ref.supabase.co/"))

    assert load("production")["SUPABASE_URL"] == "https://project-ref.supabase.co"
{%- endif %}


def test_production_keeps_detailed_health_for_staff_without_a_health_token(
    environment: dict[str, str],
) -> None:
    environment.update(production_env())

    assert load("production")["HEALTH_TOKEN"] == ""


@pytest.fixture
def production(environment: dict[str, str]) -> dict[str, Any]:
    environment.update(
        production_env(
            DJANGO_ALLOWED_HOSTS="api.example.org, admin.example.org",
            DATABASE_URL="postgres://app:secret@db.internal:5432/app",
            DATABASE_POOL_MIN_SIZE="3",
            DATABASE_POOL_MAX_SIZE="7",
            DJANGO_SECURE_HSTS_SECONDS="600",
        )
    )
    return load("production")


def test_production_takes_hosts_and_database_from_the_environment(
    production: dict[str, Any],
) -> None:
    database = production["DATABASES"]["default"]

    assert production["DEBUG"] is False
    assert production["ALLOWED_HOSTS"] == ["api.example.org", "admin.example.org"]
    assert database["ENGINE"] == "{{ cookiecutter.project_slug }}.common.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == ("db.internal", "app", "app")
    pool = database["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (3, 7, 5.0)
    assert database["CONN_MAX_AGE"] == 0
    # Every wait on the database is bounded, by default.
    assert database["OPTIONS"]["connect_timeout"] == 5
    assert database["OPTIONS"]["options"] == "-c statement_timeout=10000"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_STATEMENT_TIMEOUT", "-1", "0 \\(no limit\\) or more"),
        ("DATABASE_POOL_TIMEOUT", "0", "more than 0"),
        ("DATABASE_CONNECT_TIMEOUT", "-5", "more than 0"),
    ],
)
def test_production_refuses_a_database_bound_that_is_no_bound(
    environment: dict[str, str], variable: str, value: str, message: str
) -> None:
    url = "postgres://app:secret@db.internal:5432/app"
    environment.update(production_env(DATABASE_URL=url, **{variable: value}))

    with pytest.raises(ImproperlyConfigured, match=f"{variable} must be {message}"):
        load("production")


def test_statement_timeout_0_lifts_the_limit_and_keeps_the_url_options(
    environment: dict[str, str],
) -> None:
    environment.update(
        production_env(
            DATABASE_URL="postgres://app@db.internal:5432/app?options=-c%20search_path%3Dapp",
            DATABASE_STATEMENT_TIMEOUT="0",
        )
    )

    options = load("production")["DATABASES"]["default"]["OPTIONS"]

    assert options["options"] == "-c search_path=app -c statement_timeout=0"


@pytest.mark.parametrize(("variables", "expected"), [({}, "0"), ({"DJANGO_NUM_PROXIES": "1"}, "1")])
def test_production_trusts_only_the_configured_proxies(
    variables: dict[str, str], expected: str
) -> None:
    # REST_FRAMEWORK comes from base, which a process reads once: ask a fresh one.
    script = (
        "import django; django.setup(); "
        "from rest_framework.settings import api_settings; print(api_settings.NUM_PROXIES)"
    )

    result = run_python("-c", script, env=production_env(**variables))

    assert result.stdout.strip() == expected, result.stderr


def test_production_is_locked_down(production: dict[str, Any]) -> None:
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert production["SECURE_HSTS_SECONDS"] == 600
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_HTTPONLY"] is True
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert production["LOGGING"]["formatters"]["structlog"]["json"] is True


def test_passwords_are_hashed_with_argon2_outside_the_suite(
    production: dict[str, Any], settings: Settings
) -> None:
    argon2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert PASSWORD_HASHERS[0] == argon2
    assert production["PASSWORD_HASHERS"][0] == argon2
    settings.PASSWORD_HASHERS = production["PASSWORD_HASHERS"]

    # Fails unless argon2-cffi is installed.
    encoded = make_password("correct-horse-battery-staple", hasher="argon2")

    assert encoded.startswith("argon2$argon2id$")
    assert check_password("correct-horse-battery-staple", encoded)


def test_database_urls_other_than_postgresql_get_no_pool(environment: dict[str, str]) -> None:
    database = database_settings("sqlite:////tmp/app.sqlite3")

    assert database["ENGINE"] == "{% if cookiecutter.use_prometheus == "y" %}django_prometheus{% else %}django{% endif %}.db.backends.sqlite3"
    assert "pool" not in database.get("OPTIONS", {})


# django-environ warns of the unknown scheme before the settings refuse it.
@pytest.mark.filterwarnings("ignore:Engine not recognized:UserWarning")
@pytest.mark.parametrize("url", ["", "db.internal:5432/app"])
def test_a_database_url_that_is_not_one_is_refused_by_name(
    environment: dict[str, str], url: str
) -> None:
    environment["DATABASE_URL"] = url

    with pytest.raises(ImproperlyConfigured, match=f"DATABASE_URL {url!r} is not a database URL"):
        load("development")


def test_development_runs_on_sqlite_with_nothing_configured(environment: dict[str, str]) -> None:
    settings = load("development")

    assert settings["DEBUG"] is True
    assert settings["DATABASES"]["default"]["ENGINE"] == "{% if cookiecutter.use_prometheus == "y" %}django_prometheus{% else %}django{% endif %}.db.backends.sqlite3"
    assert settings["DATABASES"]["default"]["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert settings["SECRET_KEY"].startswith("django-insecure-")
    assert settings["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert settings["LOGGING"]["formatters"]["structlog"]["json"] is False


def test_development_reads_dotenv_but_the_environment_wins(environment: dict[str, str]) -> None:
    dotenv.DOTENV_FILE.write_text(
        "DATABASE_URL=postgres://app@db.local:5432/app\n"
        "DJANGO_ALLOWED_HOSTS=dev.local\n"
        "DJANGO_SECRET_KEY=from-file\n"
    )
    environment["DJANGO_SECRET_KEY"] = "from-environment"

    settings = load("development")

    assert settings["DATABASES"]["default"]["HOST"] == "db.local"
    assert settings["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 10
    assert settings["ALLOWED_HOSTS"] == ["dev.local"]
    assert settings["SECRET_KEY"] == "from-environment"


def test_the_suite_hashes_fast_and_throttles_generously(settings: Settings) -> None:
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "anon": "1000/minute",
        "user": "1000/minute",
        "login": "100/minute",
        "login_account": "100/minute",
        "docs": "1000/minute",
    }
