"""Development settings: DEBUG, readable console logs, SQLite unless DATABASE_URL is set."""

from config.settings.dotenv import load_dotenv

# base reads the environment while it is imported, so .env has to be loaded first.
load_dotenv()

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import LOG_LEVEL, env  # noqa: E402
from config.settings.database import local_database  # noqa: E402

{% if cookiecutter.use_prometheus == "y" -%}
from {{ cookiecutter.project_slug }}.common.access import parse_networks  # noqa: E402
{% endif -%}
from {{ cookiecutter.project_slug }}.common.logging import build_logging_config  # noqa: E402

DEBUG = True

SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="django-insecure-development-only-key-never-use-it-anywhere-else",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DATABASES = {"default": local_database()}

LOGGING = build_logging_config(level=LOG_LEVEL, json=False)
{%- if cookiecutter.use_prometheus == "y" %}

# /metrics answers on this machine without a token.
METRICS_ALLOWED_NETWORKS = parse_networks(
    env.str("METRICS_ALLOWED_NETWORKS", default="127.0.0.0/8,::1/128"),
    setting="METRICS_ALLOWED_NETWORKS",
)
{%- endif %}
{%- if cookiecutter.use_sentry == "y" %}

SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development")
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}

# Without a broker, tasks run in-process as they are enqueued, so that the service runs
# on a bare laptop; the log says so once at start-up.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
{%- elif cookiecutter.task_queue == "postgres" %}

# The task queue needs PostgreSQL. Without it, a deferred task runs in-process once the
# deferring transaction commits, so that the service runs on a bare laptop; the log says
# so once at start-up.
TASKS_RUN_IN_PROCESS = not DATABASES["default"]["ENGINE"].endswith(".postgresql")
{%- endif %}
