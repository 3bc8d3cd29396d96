"""Task metrics from a procrastinate task middleware, and the worker's exporter.

A procrastinate worker is one process (tasks run in its threads), so it counts in
memory and serves the counts itself, from the moment it starts working until it stops.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from procrastinate import App, JobContext, middleware
from procrastinate.worker import Worker

from {{ cookiecutter.project_slug }}.metrics.exporter import serve_metrics
from {{ cookiecutter.project_slug }}.metrics.tasks import (
    TASK_DURATION,
    TASKS_FAILED,
    TASKS_RETRIED,
    TASKS_STARTED,
    TASKS_SUCCEEDED,
)


def count_task(
    call_next: middleware.SyncCallNext, context: JobContext, worker: Worker | None
) -> Any:
    """Task middleware: count the task's start and outcome, and time it.

    A failure counts as retried when the task's retry strategy will run it again,
    which is the question the worker asks next.
    """
    job = context.job
    task = job.task_name
    TASKS_STARTED.labels(task=task).inc()
    started = time.perf_counter()
    try:
        result = call_next()
    except BaseException as exc:
        retried = context.task.get_retry_exception(exception=exc, job=job) is not None
        (TASKS_RETRIED if retried else TASKS_FAILED).labels(task=task).inc()
        raise
    finally:
        TASK_DURATION.labels(task=task).observe(time.perf_counter() - started)
    TASKS_SUCCEEDED.labels(task=task).inc()
    return result


@contextmanager
def serving_metrics() -> Iterator[None]:
    server = serve_metrics(port=settings.WORKER_METRICS_PORT)
    try:
        yield
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


def serve_metrics_while_working(app: App) -> None:
    """Serve the metrics from the process that runs a worker, for as long as it runs.

    Only `procrastinate worker` runs one: the web processes and the other commands
    never open the port.
    """
    run_worker_async = app.run_worker_async

    async def run_worker_serving_metrics(**kwargs: Any) -> None:
        with serving_metrics():
            await run_worker_async(**kwargs)

    # procrastinate has no hook for "a worker starts"; its command line calls this.
    app.run_worker_async = run_worker_serving_metrics  # type: ignore[method-assign]
