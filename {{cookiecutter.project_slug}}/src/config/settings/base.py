"""Settings every environment shares; development, test and production override what differs.

Everything configurable is read from the environment through django-environ, and every
variable read anywhere is listed, with its meaning, in .env.example.
"""

{% if cookiecutter.auth == "jwt" -%}
from datetime import timedelta
{% endif -%}
from importlib.metadata import version
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
{%- if cookiecutter.task_queue == "celery" %}
from celery.schedules import crontab
{%- endif %}
from corsheaders.defaults import default_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

{% if cookiecutter.use_prometheus == "y" -%}
from {{ cookiecutter.project_slug }}.common.access import parse_networks
{% endif -%}
from {{ cookiecutter.project_slug }}.common.database import bounded_connection_class
{% if cookiecutter.use_sentry == "y" -%}
from {{ cookiecutter.project_slug }}.common.error_tracking import sample_rate
{% endif -%}
from {{ cookiecutter.project_slug }}.common.logging import build_logging_config
from {{ cookiecutter.project_slug }}.common.rates import rate_from

# Lets generic Django classes be subscripted at run time (ModelAdmin[User], QuerySet[...]),
# as the type checker wants them written.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[3]

env = environ.Env()

DEBUG = False

# The installed distribution's version: pyproject.toml is its one source.
SERVICE_VERSION = version("{{ cookiecutter.project_slug.replace('_', '-') }}")
# The commit the running build was made from; the image build sets it.
SERVICE_COMMIT = env.str("GIT_COMMIT", default="unknown")

# Application definition

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework",
{%- if cookiecutter.auth == "jwt" %}
    "rest_framework_simplejwt.token_blacklist",
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
    "django_celery_beat",
{%- elif cookiecutter.task_queue == "postgres" %}
    "procrastinate.contrib.django",
{%- endif %}
    "{{ cookiecutter.project_slug }}.common",
    "{{ cookiecutter.project_slug }}.health",
    "{{ cookiecutter.project_slug }}.users",
{%- if cookiecutter.example_app == "y" %}
    "{{ cookiecutter.project_slug }}.bookmarks",
{%- endif %}
]

MIDDLEWARE = [
{%- if cookiecutter.use_prometheus == "y" %}
    # Outermost and innermost (last): django-prometheus times the whole stack, and
    # counts responses by view, method and status.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
{%- endif %}
    # First, so that every later log line carries the request id and the access line
    # records the final status and the full duration.
    "{{ cookiecutter.project_slug }}.common.middleware.RequestIdMiddleware",
    "{{ cookiecutter.project_slug }}.common.middleware.AccessLogMiddleware",
    # The security headers go on every response, those answered early below included.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "{{ cookiecutter.project_slug }}.common.middleware.NoStoreMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Inside CORS, so that a browser can read the 413; before anything reads the body,
    # so that an oversized request is refused from its headers.
    "{{ cookiecutter.project_slug }}.common.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
{%- if cookiecutter.use_prometheus == "y" %}
    # Before CommonMiddleware's host check: Prometheus scrapes the pod's address.
    "{{ cookiecutter.project_slug }}.metrics.middleware.MetricsMiddleware",
{%- endif %}
    # Before CommonMiddleware's host check: probes arrive with the pod's address as Host.
    "{{ cookiecutter.project_slug }}.health.middleware.ProbeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "{{ cookiecutter.project_slug }}.common.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
{%- if cookiecutter.use_prometheus == "y" %}
    "django_prometheus.middleware.PrometheusAfterMiddleware",
{%- endif %}
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")

# A monitor presenting this as a bearer token may read /health/detailed; without it only
# staff users can.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")
# /readyz, /healthz and /health/detailed reuse their checks' outcome this long, per
# process: however often they are called, the dependencies are checked once at most.
HEALTH_CHECKS_CACHE_SECONDS = 1.0
{%- if cookiecutter.use_prometheus == "y" %}

# Who may read /metrics{% if cookiecutter.task_queue != "none" %} and the task workers' metrics{% endif %}: a caller presenting METRICS_TOKEN
# as a bearer token, or connecting from one of METRICS_ALLOWED_NETWORKS (CIDRs,
# comma-separated). With neither set, nobody may.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = parse_networks(
    env.str("METRICS_ALLOWED_NETWORKS", default=""), setting="METRICS_ALLOWED_NETWORKS"
)
{%- if cookiecutter.task_queue != "none" %}
# The port on which a task worker serves its metrics, over HTTP, at /metrics.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=9808)
{%- endif %}
{%- endif %}

# Database


def database_settings(url: str) -> dict[str, Any]:
    """The DATABASES entry for a database URL; PostgreSQL gets a psycopg connection pool.

    Every wait on PostgreSQL is bounded (common.database): connecting, taking a connection
    from the pool, and each statement, on the server and, should the server not answer
    at all, on the client too.
    """
    database: dict[str, Any] = env.db_url_config(url)
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


def seconds(value: float, *, name: str, zero: bool = False) -> float:
    """``value``, the number of seconds variable ``name`` gives; 0 (no limit) only where ``zero``."""
    if value < 0 or (value == 0 and not zero):
        allowed = "0 (no limit) or more" if zero else "more than 0"
        raise ImproperlyConfigured(f"{name} must be {allowed} seconds, not {value:g}.")
    return value


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions
{%- if cookiecutter.cache == "redis" %}


def redis_cache(url: str) -> dict[str, Any]:
    """The CACHES entry for Redis at ``url``.

    A stalled Redis costs a request at most a few hundred milliseconds per call (redis-py's
    own timeouts are five seconds), and the throttles then leave it alone for a moment
    (common.throttling).
    """
    return {
        "BACKEND": "{% if cookiecutter.use_prometheus == "y" %}{{ cookiecutter.project_slug }}.metrics.cache{% else %}django.core.cache.backends.redis{% endif %}.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }


# Without REDIS_URL each process caches for itself, which development and the tests
# accept (the start-up log says so) and production refuses.
REDIS_URL = env.str("REDIS_URL", default="")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        redis_cache(REDIS_URL)
        if REDIS_URL
{%- if cookiecutter.use_prometheus == "y" %}
        else {
            "BACKEND": "{{ cookiecutter.project_slug }}.metrics.cache.LocMemCache",
        }
{%- else %}
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
{%- endif %}
    ),
}
# Sessions are stored in the database and read through the cache: a flushed or
# unreachable Redis logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
{%- else %}

# A table in the database, created by the common app's migrations.
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "{% if cookiecutter.use_prometheus == "y" %}{{ cookiecutter.project_slug }}.metrics.cache{% else %}django.core.cache.backends.db{% endif %}.DatabaseCache",
        "LOCATION": "django_cache",
        # Past MAX_ENTRIES each write deletes a third of the entries; the default is 300.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}
# Sessions have a table of their own: caching them in the same database would gain
# nothing, and the cache's culling would log users out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
{%- endif %}

# Authentication

AUTH_USER_MODEL = "users.User"
# Django's ModelBackend, with password guessing limited per address and per account
# (THROTTLE_LOGIN_RATE, THROTTLE_LOGIN_ACCOUNT_RATE), for the API's login and the admin's.
AUTHENTICATION_BACKENDS = [
    "{{ cookiecutter.project_slug }}.users.backends.RateLimitedModelBackend",
]
# The role a user gets when created (users.services.user_assign_default_role); empty for
# none. A name that is not a role fails the system checks (users.checks).
DEFAULT_USER_ROLE = env.str("DEFAULT_USER_ROLE", default="member")

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalization

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files, served by WhiteNoise

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Requests

DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# Security

CORS_ALLOWED_ORIGINS = [origin.strip() for origin in env.list("CORS_ALLOWED_ORIGINS", default=[])]
CORS_ALLOW_HEADERS = (*default_headers, "x-request-id")
CORS_EXPOSE_HEADERS = ["x-request-id", "retry-after"]
{%- if cookiecutter.auth == "session" %}
# The session cookie travels with cross-origin requests from the allowed origins only.
CORS_ALLOW_CREDENTIALS = True
{%- endif %}
CSRF_TRUSTED_ORIGINS = [origin.strip() for origin in env.list("CSRF_TRUSTED_ORIGINS", default=[])]
CSRF_FAILURE_VIEW = "{{ cookiecutter.project_slug }}.common.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Orchestrator probes speak plain HTTP to the pod: never redirect them to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^(livez|readyz|healthz)$"]
{%- if cookiecutter.use_prometheus == "y" %}
# Prometheus, too, scrapes the pod itself over plain HTTP.
SECURE_REDIRECT_EXEMPT += [r"^metrics$"]
{%- endif %}

# Nothing loads from anywhere but this origin. The API documentation pages loosen the
# policy for themselves only (config.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "base-uri": [NONE],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "img-src": [SELF, "data:"],
        "script-src": [SELF],
        "style-src": [SELF],
    },
}

# Django REST framework

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
{%- if cookiecutter.auth == "jwt" %}
        "rest_framework_simplejwt.authentication.JWTAuthentication",
{%- else %}
        "{{ cookiecutter.project_slug }}.users.authentication.SessionAuthentication",
{%- endif %}
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["{{ cookiecutter.project_slug }}.common.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "{{ cookiecutter.project_slug }}.common.pagination.DefaultPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "{{ cookiecutter.project_slug }}.common.exceptions.problem_details_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "{{ cookiecutter.project_slug }}.common.throttling.AnonRateThrottle",
        "{{ cookiecutter.project_slug }}.common.throttling.UserRateThrottle",
        "{{ cookiecutter.project_slug }}.common.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": rate_from(
            env.str("THROTTLE_ANON_RATE", default="60/minute"), variable="THROTTLE_ANON_RATE"
        ),
        "user": rate_from(
            env.str("THROTTLE_USER_RATE", default="600/minute"), variable="THROTTLE_USER_RATE"
        ),
        # Password checks per client address, and failed ones per account name: every
        # login, the admin's included, counts (users.backends).
        "login": rate_from(
            env.str("THROTTLE_LOGIN_RATE", default="5/minute"), variable="THROTTLE_LOGIN_RATE"
        ),
        "login_account": rate_from(
            env.str("THROTTLE_LOGIN_ACCOUNT_RATE", default="10/15m"),
            variable="THROTTLE_LOGIN_ACCOUNT_RATE",
        ),
        # The schema and the docs pages (config.urls), per client.
        "docs": "300/minute",
    },
    # The throttles tell clients apart by address. Only the proxies in front of the
    # service may name the client in X-Forwarded-For: without this count DRF would
    # believe whatever a client sends there and could never hold it to a rate.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
{%- if cookiecutter.auth == "jwt" %}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=env.int("JWT_ACCESS_TOKEN_LIFETIME_MINUTES", default=15)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_LIFETIME_DAYS", default=7)),
    # users.tokens issues the tokens, rotates a refresh token at each use (the old one is
    # blacklisted, once) and refuses it after a password change. A password change does
    # not end the access tokens: they live ACCESS_TOKEN_LIFETIME, so keep it short.
    # (Bandit takes any string under a key that names a token for a password: a dotted path.)
    "TOKEN_OBTAIN_SERIALIZER": "{{ cookiecutter.project_slug }}.users.tokens.TokenObtainPairSerializer",  # nosec B105
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
{%- endif %}

SPECTACULAR_SETTINGS = {
    "TITLE": {{ cookiecutter.__project_name_literal }},
    "DESCRIPTION": {{ cookiecutter.__description_literal }},
    "VERSION": SERVICE_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI keeps what is entered under "Authorize" across page reloads, in the
    # browser's localStorage for this origin, until "Logout" in the same dialog.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "{{ cookiecutter.project_slug }}.common.schema.add_problem_responses",
    ],
}

# Logging: structlog renders every record, Django's and gunicorn's included.

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING_CONFIG = "{{ cookiecutter.project_slug }}.common.logging.configure_logging"
LOGGING = build_logging_config(level=LOG_LEVEL, json=True)
{%- if cookiecutter.use_opentelemetry == "y" %}

# Tracing: OpenTelemetry (common.tracing), inert without an OTLP endpoint.
# The SDK reads the endpoint and its other OTEL_* variables from the environment itself.
TRACING_ENABLED = bool(env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default=""))
TRACING_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="{{ cookiecutter.project_slug }}")
{%- endif %}
{%- if cookiecutter.use_sentry == "y" %}

# Error tracking: Sentry (common.error_tracking), on when SENTRY_DSN is set.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env.str(
    "SENTRY_RELEASE",
    default=f"{{ cookiecutter.project_slug }}@{SERVICE_VERSION}",
)
# Shares of the errors reported and of the requests traced by Sentry's own performance
# monitoring (off by default{% if cookiecutter.use_opentelemetry == "y" %}: OpenTelemetry traces the requests{% endif %}).
SENTRY_SAMPLE_RATE = sample_rate(
    env.str("SENTRY_SAMPLE_RATE", default="1.0"), variable="SENTRY_SAMPLE_RATE"
)
SENTRY_TRACES_SAMPLE_RATE = sample_rate(
    env.str("SENTRY_TRACES_SAMPLE_RATE", default="0.0"), variable="SENTRY_TRACES_SAMPLE_RATE"
)
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}

# Background tasks: Celery (config.celery). ARCHITECTURE.md explains the choices.

# Development and the tests run tasks in-process, eagerly, without it; production
# refuses to start without it.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# No result backend: a task records its outcome in the models it changes.
CELERY_TASK_IGNORE_RESULT = True
# At-least-once delivery: a message is acknowledged once its task has run, and goes back
# to the queue if the worker process running it dies. Every task must be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Tasks that were running when the broker connection dropped are redelivered anyway;
# cancelling them keeps them from running twice at the same time.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A worker process reserves one task at a time, so a long task holds up no other.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Seconds a task may run: at the soft limit it gets SoftTimeLimitExceeded and can clean
# up; at the hard limit its process is killed and replaced.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# A task whose whole worker died (SIGKILL, out of memory, a lost node) was never
# acknowledged. RabbitMQ hands it to another worker as soon as the dead worker's
# connection closes. A Redis broker cannot tell: it hands it on once it has been out
# this many seconds (and a worker's next sweep, at most about 100 s later, finds it). It
# must exceed the hard time limit plus the longest retry countdown, or a task that is
# still running or waiting to retry runs twice.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 120
)
if CELERY_BROKER_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT "
        f"({CELERY_BROKER_VISIBILITY_TIMEOUT} <= {CELERY_TASK_TIME_LIMIT}): a task still "
        "running would be handed to a second worker."
    )
# Seconds the broker may take to accept a connection or to answer. Sending a task to a
# broker that hangs fails after about three times this (one retry, on a new connection),
# instead of holding the request: what was not sent is sent again later.
CELERY_BROKER_TIMEOUT = seconds(
    env.float("CELERY_BROKER_TIMEOUT", default=1.0), name="CELERY_BROKER_TIMEOUT"
)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": CELERY_BROKER_TIMEOUT,
    "socket_timeout": CELERY_BROKER_TIMEOUT,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks: celery beat reads the schedule from the database (django-celery-beat),
# where the admin can change it; the entries below are written there when beat starts.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "housekeeping": {
        "task": "{{ cookiecutter.project_slug }}.common.tasks.housekeeping",
        "schedule": crontab(minute="17"),
    },
{%- if cookiecutter.example_app == "y" %}
    # Exports the broker could not take when they were asked for (bookmarks.tasks).
    "resend-pending-bookmark-exports": {
        "task": "{{ cookiecutter.project_slug }}.bookmarks.tasks.resend_pending_bookmark_exports",
        "schedule": crontab(minute="*/5"),
    },
{%- endif %}
}
{%- endif %}
{%- if cookiecutter.task_queue == "postgres" %}

# Background tasks: procrastinate keeps the queue in PostgreSQL, next to the data
# (config.procrastinate). ARCHITECTURE.md explains the choices.

PROCRASTINATE_ON_APP_READY = "config.procrastinate.on_app_ready"
# The queue's upkeep: stalled jobs retried, finished ones deleted.
PROCRASTINATE_IMPORT_PATHS = [
    "{{ cookiecutter.project_slug }}.common.task_queue",
]
PROCRASTINATE_WORKER_DEFAULTS = {
    # Seconds a worker told to stop (SIGTERM) waits for its running tasks before it asks
    # them to abort; procrastinate's command line reads the variable too.
    "shutdown_graceful_timeout": env.float(
        "PROCRASTINATE_WORKER_SHUTDOWN_GRACEFUL_TIMEOUT", default=25.0
    ),
    # A notification wakes an idle worker for each new job; polling finds the retries
    # that fall due, and a job deferred just as the worker found the queue empty, whose
    # notification that worker misses: such a job waits up to this long (default 5 s).
    "fetch_job_polling_interval": 1.0,
}
# procrastinate's migrations are PostgreSQL code: on SQLite they are skipped.
DATABASE_ROUTERS = ["config.procrastinate.TaskQueueRouter"]
# Deferred tasks go to the queue, for a worker. Development without PostgreSQL and the
# tests run them at once instead, in the deferring process.
TASKS_RUN_IN_PROCESS = False
{%- endif %}
