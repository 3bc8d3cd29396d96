"""Task metrics from Celery's signals, and the worker's exporter.

The prefork pool runs tasks in child processes, which count in prometheus_client's
multiprocess files; the main process, which runs no task, serves their sum.
config.celery calls count_worker_tasks() as the worker (or beat) starts, before the pool
forks, so that every pool process inherits the receivers.
"""

import time
from typing import Any
from wsgiref.simple_server import WSGIServer

from celery import Task, signals
from django.conf import settings

from {{ cookiecutter.project_slug }}.metrics import multiprocess
from {{ cookiecutter.project_slug }}.metrics.tasks import (
    TASK_DURATION,
    TASKS_FAILED,
    TASKS_RETRIED,
    TASKS_STARTED,
    TASKS_SUCCEEDED,
)

OUTCOMES = {"SUCCESS": TASKS_SUCCEEDED, "FAILURE": TASKS_FAILED, "RETRY": TASKS_RETRIED}

# When each running task started, by task id.
started_at: dict[str, float] = {}
exporter: WSGIServer | None = None


def count_task_start(task: Task[Any, Any], task_id: str, **kwargs: Any) -> None:
    TASKS_STARTED.labels(task=task.name).inc()
    started_at[task_id] = time.perf_counter()


def count_task_end(
    task: Task[Any, Any], task_id: str, state: str | None = None, **kwargs: Any
) -> None:
    if started := started_at.pop(task_id, None):
        TASK_DURATION.labels(task=task.name).observe(time.perf_counter() - started)
    if outcome := OUTCOMES.get(state or ""):
        outcome.labels(task=task.name).inc()


def serve_worker_metrics(**kwargs: Any) -> None:
    """worker_ready: the pool has started; the main process serves what it counts."""
    # Imported now: the exporter handles requests as Django does, which needs the apps
    # that are not loaded yet when this module is.
    from {{ cookiecutter.project_slug }}.metrics.exporter import serve_metrics

    global exporter
    exporter = serve_metrics(port=settings.WORKER_METRICS_PORT)


def stop_serving_worker_metrics(**kwargs: Any) -> None:
    if exporter is not None:
        exporter.shutdown()
        exporter.server_close()
    multiprocess.remove_directory()


def count_worker_tasks() -> None:
    signals.task_prerun.connect(count_task_start, weak=False)
    signals.task_postrun.connect(count_task_end, weak=False)
    signals.worker_ready.connect(serve_worker_metrics, weak=False)
    signals.worker_shutdown.connect(stop_serving_worker_metrics, weak=False)
    # Beat runs no task: it needs no directory.
    signals.beat_init.connect(stop_serving_worker_metrics, weak=False)
