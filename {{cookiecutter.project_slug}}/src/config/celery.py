"""The Celery application: `celery --app config worker` and `... beat` load it.

Its configuration is the Django settings whose names start with CELERY_, and it finds
the tasks in each installed app's tasks module. The receivers below make a worker log
the way the web process does, and carry the request id from the request that enqueued a
task to every line the task logs.
"""

import os
from typing import Any

import structlog
from celery import Celery, Task, signals
from django.conf import settings
from django.utils.log import configure_logging
{%- if cookiecutter.use_opentelemetry == "y" or cookiecutter.use_prometheus == "y" %}
{% endif %}
{%- if cookiecutter.use_opentelemetry == "y" %}
from {{ cookiecutter.project_slug }}.common.tracing import configure_tracing
{%- endif %}
{%- if cookiecutter.use_prometheus == "y" %}
from {{ cookiecutter.project_slug }}.metrics import multiprocess
{%- endif %}

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
{%- if cookiecutter.use_prometheus == "y" %}


@signals.import_modules.connect
def count_tasks(**kwargs: Any) -> None:
    """Count the worker's tasks in files that its pool processes share (metrics.task_queue).

    prometheus_client decides where it counts when it is first imported, which Django's
    start-up does. The worker sets Django up on this signal, in the app's Django fix-up:
    this receiver, connected before the app exists, runs first.
    """
    multiprocess.use_fresh_directory()
    from {{ cookiecutter.project_slug }}.metrics.task_queue import count_worker_tasks

    count_worker_tasks()
{% endif %}

REQUEST_ID_HEADER = "request_id"

app = Celery("{{ cookiecutter.project_slug }}")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """Log through Django's LOGGING, as the web process does: JSON lines in production.

    Celery leaves logging alone when this signal has a receiver, so it neither replaces
    the root logger's handlers nor adds a format of its own.
    """
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@signals.worker_process_init.connect
def disable_connection_pool(**kwargs: Any) -> None:
    """Connect once per task in the prefork pool's processes, not through a connection pool.

    Celery's Django fixup closes a prefork process's psycopg pool before and after every
    task (celery/celery#10554), so each task would build a pool, open its connections
    and throw them away. A plain connection per task costs less. Only the prefork pool
    has child processes, which this signal starts; the solo and thread pools keep the
    connection pool.
    """
    for database in settings.DATABASES.values():
        database.get("OPTIONS", {}).pop("pool", None)
{%- if cookiecutter.use_opentelemetry == "y" %}


@signals.worker_process_init.connect
def start_tracing_in_pool_process(**kwargs: Any) -> None:
    """Trace each prefork pool process's tasks, started after the fork.

    The worker's main process only takes messages from the broker and hands them to
    these processes: it forks them, so it starts no exporter thread of its own.
    """
    configure_tracing()


@signals.beat_init.connect
def start_tracing_in_beat(**kwargs: Any) -> None:
    """Trace the tasks beat sends: each send starts a trace that the task continues."""
    configure_tracing()
{%- endif %}


@signals.before_task_publish.connect
def add_request_id_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Send the id of the request being handled (or of the running task) with the task."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect
def bind_task_context(task: Task[Any, Any], task_id: str, **kwargs: Any) -> None:
    """Give every line the task logs its id, its name and the enqueuing request's id."""
    request = task.request
    if request.is_eager:
        # The task runs inside its caller, whose request id is bound already.
        return
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task=task.name)
    request_id = getattr(request, REQUEST_ID_HEADER, None)
    if request_id:
        structlog.contextvars.bind_contextvars(request_id=request_id)


@signals.task_postrun.connect
def clear_task_context(task: Task[Any, Any], **kwargs: Any) -> None:
    if not task.request.is_eager:
        structlog.contextvars.clear_contextvars()
