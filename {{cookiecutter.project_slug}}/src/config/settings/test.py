"""Settings for the test suite: fast hashing, generous throttles, SQLite unless DATABASE_URL."""

from config.settings.dotenv import load_dotenv

# base reads the environment while it is imported, so .env has to be loaded first.
load_dotenv()

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import REST_FRAMEWORK  # noqa: E402
{%- if cookiecutter.cache == "redis" %}
from config.settings.cache import REDIS_URL, redis_cache  # noqa: E402
{%- endif %}
from config.settings.database import local_database  # noqa: E402
{%- if cookiecutter.__uses_redis == "y" %}
from config.settings.parallel_tests import database_of_this_test_process  # noqa: E402
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
from config.settings.tasks import CELERY_BROKER_URL  # noqa: E402
{%- endif %}

SECRET_KEY = "django-insecure-test-only-key-the-suite-needs-no-secret-at-all"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

DATABASES = {"default": local_database()}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # In memory, as Django's default; said outright because pytest-django recognises
    # SQLite by Django's own engine name only, and would otherwise give each process of a
    # parallel run a test database file named after the development one.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"
{%- if cookiecutter.cache == "redis" %}
# Each process of a parallel run counts and clears in a Redis database of its own.
REDIS_URL = database_of_this_test_process(REDIS_URL)
if REDIS_URL:
    # The suite's own cache waits longer than production's quarter of a second: on a busy
    # machine (parallel processes, real servers) Redis answers late, not never. The tests
    # of a hung Redis build their cache with production's timeouts (redis_cache).
    CACHES = {
        "default": {
            **redis_cache(REDIS_URL),
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
{%- endif %}

# Each test's probes check the dependencies afresh (health/tests/test_readiness.py the cache).
HEALTH_CHECKS_CACHE_SECONDS = 0.0

# The tests run without collectstatic: WhiteNoise looks files up per request, as in
# development.
WHITENOISE_AUTOREFRESH = True

{% if cookiecutter.use_sentry == "y" -%}
# Nothing reaches Sentry from the tests, whatever the developer's .env says; the error
# tracking tests set up a transport of their own.
SENTRY_DSN = ""

{% endif -%}
# Argon2 is deliberately slow; the suite hashes hundreds of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Fixed rates, whatever the developer's .env says, high enough that no test trips them
# by accident. Tests of throttling lower them explicitly.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "1000/minute",
        "user": "1000/minute",
        "login": "100/minute",
        "login_account": "100/minute",
        "docs": "1000/minute",
    },
}
{%- if cookiecutter.task_queue == "celery" %}

# Tasks run eagerly, inside the test that enqueues them. The worker tests start real
# workers on CELERY_BROKER_URL, with tests.worker_settings, and publish to them instead.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# A Redis broker: the database of this process of a parallel run (parallel_tests.py). Celery
# prefers the CELERY_BROKER_URL variable to the setting, but not to these two.
CELERY_BROKER_URL = database_of_this_test_process(CELERY_BROKER_URL)
CELERY_BROKER_READ_URL = CELERY_BROKER_WRITE_URL = CELERY_BROKER_URL
{%- elif cookiecutter.task_queue == "postgres" %}

# Deferred tasks run inside the test that defers them, when its transaction commits. The
# worker tests turn this off and start real workers on the test database
# (tests/support/worker.py).
TASKS_RUN_IN_PROCESS = True
# Tasks that only the tests use; a worker started with these settings registers them.
PROCRASTINATE_IMPORT_PATHS = [
    "{{ cookiecutter.project_slug }}.common.task_queue",
    "tests.tasks",
]
{%- endif %}
{%- if cookiecutter.use_prometheus == "y" and cookiecutter.task_queue != "none" %}

# The workers the tests start serve their metrics on a port the system picks, which
# they log: several can run at once.
WORKER_METRICS_PORT = 0
{%- endif %}
