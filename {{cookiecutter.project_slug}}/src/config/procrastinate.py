"""Wiring of the task queue: procrastinate, with its queue in the PostgreSQL database.

procrastinate.contrib.django builds the application when Django starts and then calls
on_app_ready() (settings.PROCRASTINATE_ON_APP_READY), which adds what this project
expects of every task: its log lines carry the job and the request that deferred it,
and without PostgreSQL a deferred task runs at once, in the deferring process.
"""

import functools
import itertools
import time
from typing import Any

import structlog
from asgiref.sync import sync_to_async
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.management import CommandError
from django.db import connections, transaction
from procrastinate import App, JobContext, connector, manager, middleware
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.contrib.django.settings import settings as procrastinate_settings
from procrastinate.jobs import Job, Status
from procrastinate.worker import Worker

from {{ cookiecutter.project_slug }}.common.startup import is_autoreloader
{%- if cookiecutter.use_opentelemetry == "y" %}
from {{ cookiecutter.project_slug }}.common.tracing import continue_job_trace
{%- endif %}
{%- if cookiecutter.use_prometheus == "y" %}
from {{ cookiecutter.project_slug }}.metrics.task_queue import (
    count_task,
    serve_metrics_while_working,
)
{%- endif %}

logger = structlog.get_logger(__name__)


def bind_job_context(
    call_next: middleware.SyncCallNext, context: JobContext, worker: Worker | None
) -> Any:
    """Task middleware: every line the task logs names its job and the request behind it.

    It runs in the task's own thread, so the bindings reach the task's code; they are
    undone afterwards, so that the thread's next task starts clean.
    """
    job = context.job
    bindings: dict[str, Any] = {
        "job_id": job.id,
        "task": job.task_name,
        "attempt": job.attempts + 1,
    }
    if request_id := job.task_kwargs.get("request_id"):
        bindings["request_id"] = request_id
    with structlog.contextvars.bound_contextvars(**bindings):
        return call_next()


class TaskQueueRouter:
    """procrastinate's migrations are PostgreSQL code (functions, triggers, notifications).

    On any other database, SQLite in development, there is no queue to create.
    """

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if app_label != "procrastinate":
            return None
        return connections[db].vendor == "postgresql"


class PostgresRequiredConnector(DjangoConnector):
    """Stands in for the queue on a database that cannot hold one.

    `manage.py procrastinate worker` asks it for the worker's connection, and stops
    with one line saying why instead of failing to connect.
    """

    def get_worker_connector(self) -> connector.BaseAsyncConnector:
        raise CommandError(
            "The task queue lives in PostgreSQL: set DATABASE_URL to a postgres:// URL "
            "to run a worker."
        )


class InProcessJobManager(manager.JobManager):
    """Defers jobs to the queue or, when settings.TASKS_RUN_IN_PROCESS, runs them itself.

    In process, a job runs in the deferring thread once the deferring transaction
    commits (at once outside a transaction), where a worker would first see it, and
    through the same logging middleware. It runs once: there is no retry and no
    schedule. A job that fails is logged and the deferring code carries on, as it would
    with a worker.
    """

    def __init__(self, app: App) -> None:
        super().__init__(connector=app.connector)
        self.app = app
        self.job_ids = itertools.count(1)

    def batch_defer_jobs(self, jobs: list[Job], connection: Any | None = None) -> list[Job]:
        if not settings.TASKS_RUN_IN_PROCESS:
            return super().batch_defer_jobs(jobs=jobs, connection=connection)
        deferred = [job.evolve(id=next(self.job_ids), status=Status.TODO.value) for job in jobs]
        for job in deferred:
            transaction.on_commit(
                functools.partial(self.run_in_process, job),
                using=procrastinate_settings.DATABASE_ALIAS,
            )
        return deferred

    async def batch_defer_jobs_async(
        self, jobs: list[Job], connection: Any | None = None
    ) -> list[Job]:
        if not settings.TASKS_RUN_IN_PROCESS:
            return await super().batch_defer_jobs_async(jobs=jobs, connection=connection)
        # In the caller's thread, whose transaction decides when the jobs run.
        return await sync_to_async(self.batch_defer_jobs)(jobs=jobs, connection=connection)

    def run_in_process(self, job: Job) -> None:
        task = self.app.tasks[job.task_name]
        context = JobContext(
            app=self.app,
            job=job,
            worker_name="in-process",
            start_timestamp=time.time(),
            abort_reason=lambda: None,
        )
        arguments = [context] if task.pass_context else []
        run = middleware.compose(
            [bind_job_context, {% if cookiecutter.use_opentelemetry == "y" %}continue_job_trace, {% endif %}*task.task_middleware],
            lambda: task(*arguments, **job.task_kwargs),
            context,
            None,
        )
        try:
            run()
        except Exception:
            logger.exception("task_failed", job_id=job.id, task=job.task_name)


def on_app_ready(app: App) -> None:
    """settings.PROCRASTINATE_ON_APP_READY: called once per process, as Django starts."""
    app.worker_defaults = {
        **app.worker_defaults,
        "task_middleware": [
            *app.worker_defaults.get("task_middleware", []),
            bind_job_context,
{%- if cookiecutter.use_opentelemetry == "y" %}
            continue_job_trace,
{%- endif %}
{%- if cookiecutter.use_prometheus == "y" %}
            count_task,
{%- endif %}
        ],
    }
{%- if cookiecutter.use_prometheus == "y" %}
    serve_metrics_while_working(app)
{%- endif %}
    alias = procrastinate_settings.DATABASE_ALIAS
    if connections[alias].vendor != "postgresql":
        app.connector = PostgresRequiredConnector(alias=alias)
        # Nor are there tables for the admin to show.
        for model in apps.get_app_config("procrastinate").get_models():
            if admin.site.is_registered(model):
                admin.site.unregister(model)
    app.job_manager = InProcessJobManager(app)
    # runserver's autoreloader serves nothing: the server it starts reports.
    if settings.TASKS_RUN_IN_PROCESS and not is_autoreloader():
        logger.info(
            "tasks_run_in_process",
            detail="Deferred tasks run at once in the deferring process: no worker, "
            "no retries, no periodic tasks.",
        )
