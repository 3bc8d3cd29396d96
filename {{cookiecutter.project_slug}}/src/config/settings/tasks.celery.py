"""Background tasks: Celery (config.celery). ARCHITECTURE.md explains the choices."""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import INSTALLED_APPS, TIME_ZONE, env, seconds

# Periodic tasks live in the database, where the admin can change them.
INSTALLED_APPS = [*INSTALLED_APPS, "django_celery_beat"]

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
    # Exports the broker could not take when they were asked for (exports.tasks).
    "resend-pending-bookmark-exports": {
        "task": "{{ cookiecutter.project_slug }}.exports.tasks.resend_pending_bookmark_exports",
        "schedule": crontab(minute="*/5"),
    },
{%- endif %}
{%- if cookiecutter.credits == "y" %}
    # Timed-out credit holds and old Idempotency-Keys; the ledger's check (credits.tasks).
    "credits-upkeep": {
        "task": "{{ cookiecutter.project_slug }}.credits.tasks.credits_upkeep",
        "schedule": crontab(),
    },
    "credits-reconcile": {
        "task": "{{ cookiecutter.project_slug }}.credits.tasks.credits_reconcile",
        "schedule": crontab(minute="41"),
    },
{%- endif %}
}
