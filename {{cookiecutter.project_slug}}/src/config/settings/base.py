"""Settings every environment shares; development, test and production override what differs.

Everything configurable is read from the environment through django-environ, and every
variable read anywhere is listed, with its meaning, in .env.example.
"""

from importlib.metadata import version
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from corsheaders.defaults import default_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from {{ cookiecutter.project_slug }}.common.logging import build_logging_config
from {{ cookiecutter.project_slug }}.common.rates import rate_from

# Lets generic Django classes be subscripted at run time (ModelAdmin[User], QuerySet[...]),
# as the type checker wants them written.
django_stubs_ext.monkeypatch()

BASE_DIR: Path = Path(__file__).resolve().parents[3]

env: environ.Env = environ.Env()

DEBUG = False

# The installed distribution's version: pyproject.toml is its one source.
SERVICE_VERSION: str = version("{{ cookiecutter.project_slug.replace('_', '-') }}")
# The commit the running build was made from; the image build sets it.
SERVICE_COMMIT = env.str("GIT_COMMIT", default="unknown")

# Application definition

INSTALLED_APPS: list[str] = [
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
    "{{ cookiecutter.project_slug }}.common",
    "{{ cookiecutter.project_slug }}.health",
    "{{ cookiecutter.project_slug }}.users",
{%- if cookiecutter.example_app == "y" %}
    "{{ cookiecutter.project_slug }}.bookmarks",
{%- endif %}
{%- if cookiecutter.__has_bookmark_exports == "y" %}
    "{{ cookiecutter.project_slug }}.exports",
{%- endif %}
]

MIDDLEWARE: list[str] = [
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
    # Before CommonMiddleware's host check: probes arrive with the pod's address as Host.
    "{{ cookiecutter.project_slug }}.health.middleware.ProbeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "{{ cookiecutter.project_slug }}.common.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication

AUTH_USER_MODEL = "users.User"
# Django's ModelBackend, with password guessing limited per address and per account
# (THROTTLE_LOGIN_RATE, THROTTLE_LOGIN_ACCOUNT_RATE), for {% if cookiecutter.auth == "supabase" %}the admin's login.{% else %}the API's login and the admin's.{% endif %}
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
TIME_ZONE: str = "UTC"
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
CSRF_TRUSTED_ORIGINS = [origin.strip() for origin in env.list("CSRF_TRUSTED_ORIGINS", default=[])]
CSRF_FAILURE_VIEW = "{{ cookiecutter.project_slug }}.common.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Orchestrator probes speak plain HTTP to the pod: never redirect them to HTTPS.
SECURE_REDIRECT_EXEMPT: list[str] = [r"^(livez|readyz|healthz)$"]

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

REST_FRAMEWORK: dict[str, Any] = {
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

SPECTACULAR_SETTINGS: dict[str, Any] = {
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


def seconds(value: float, *, name: str, zero: bool = False) -> float:
    """``value``, the number of seconds variable ``name`` gives; 0 (no limit) only where ``zero``."""
    if value < 0 or (value == 0 and not zero):
        allowed = "0 (no limit) or more" if zero else "more than 0"
        raise ImproperlyConfigured(f"{name} must be {allowed} seconds, not {value:g}.")
    return value


# Integrations: each concern an option owns has a settings module of its own. They come
# last, because they may extend what is above (INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK).
from config.settings.authentication import *  # noqa: E402, F403
from config.settings.cache import *  # noqa: E402, F403
{%- if cookiecutter.credits == "y" %}
from config.settings.credits import *  # noqa: E402, F403
{%- endif %}
{%- if cookiecutter.use_sentry == "y" %}
from config.settings.error_tracking import *  # noqa: E402, F403
{%- endif %}
{%- if cookiecutter.use_prometheus == "y" %}
from config.settings.metrics import *  # noqa: E402, F403
{%- endif %}
{%- if cookiecutter.__has_task_queue == "y" %}
from config.settings.tasks import *  # noqa: E402, F403
{%- endif %}
{%- if cookiecutter.use_opentelemetry == "y" %}
from config.settings.tracing import *  # noqa: E402, F403
{%- endif %}
