"""Background work of the bookmarks app.

Tasks take ids, never model instances: the message outlives the request that sent it,
and the task must work on the row as it is when the task runs. They call services,
imported inside the task because the services enqueue the tasks.
"""

import uuid
{%- if cookiecutter.task_queue == "celery" %}
from functools import partial
from typing import Any

import structlog
from billiard.einfo import ExceptionInfo
from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

logger = structlog.get_logger(__name__)


class BookmarkExportTask(DjangoTask[Any, Any]):
    def on_failure(
        self,
        exc: Exception,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: ExceptionInfo,
    ) -> None:
        """The task failed for good (retries exhausted, or an error not worth retrying)."""
        from {{ cookiecutter.project_slug }}.bookmarks import export_services

        export_services.bookmark_export_fail(export_id=uuid.UUID(kwargs["export_id"]))


@shared_task(
    base=BookmarkExportTask,
    # A database that is failing over or out of connections is worth another try, later:
    # after 0-2, 0-4, 0-8, ... seconds (exponential backoff with full jitter, so that
    # tasks that failed together do not retry together), five times at most.
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
)
def bookmark_export_build(export_id: str) -> None:
    from {{ cookiecutter.project_slug }}.bookmarks import export_services

    export_services.bookmark_export_build(export_id=uuid.UUID(export_id))


# Scheduled by CELERY_BEAT_SCHEDULE (config.settings.tasks), every five minutes.
@shared_task
def resend_pending_bookmark_exports() -> None:
    from {{ cookiecutter.project_slug }}.bookmarks import export_services

    export_services.bookmark_exports_resend_pending()


def enqueue_bookmark_export_build(*, export_id: uuid.UUID) -> None:
    """Have a worker build the export once the current transaction commits.

    The export is recorded whether or not the broker takes the message: one it could not
    take stays pending, and resend_pending_bookmark_exports sends it again later.
    """
    transaction.on_commit(partial(send_bookmark_export_build, export_id=export_id))


def send_bookmark_export_build(*, export_id: uuid.UUID) -> None:
    try:
        bookmark_export_build.delay(export_id=str(export_id))
    except BrokerError as exc:
        # Down, or not answering within CELERY_BROKER_TIMEOUT: no traceback, it is not a bug.
        logger.warning("bookmark_export.not_sent", export_id=str(export_id), error=str(exc))
{%- elif cookiecutter.task_queue == "postgres" %}

from procrastinate import JobContext
from procrastinate.contrib.django import app

from {{ cookiecutter.project_slug }}.common.task_queue import (
    RETRY_TRANSIENT_ERRORS,
    current_request_id,
)
{%- if cookiecutter.use_opentelemetry == "y" %}
from {{ cookiecutter.project_slug }}.common.tracing import current_trace_context
{%- endif %}


# A database that is failing over or out of connections is worth another try, later
# (RETRY_TRANSIENT_ERRORS: exponential backoff with jitter, five attempts at most).
@app.task(retry=RETRY_TRANSIENT_ERRORS, pass_context=True)
def bookmark_export_build(
    context: JobContext,
    *,
    export_id: str,
    request_id: str | None = None,
{%- if cookiecutter.use_opentelemetry == "y" %}
    trace_context: dict[str, str] | None = None,
{%- endif %}
) -> None:
    """Build the export, and mark it failed when the last attempt fails.

    ``request_id``, the deferring request's, goes on the task's log lines{% if cookiecutter.use_opentelemetry == "y" %}; the job
    continues the request's trace from ``trace_context`` (common.tracing.continue_job_trace){% endif %}.
    """
    from {{ cookiecutter.project_slug }}.bookmarks import export_services

    try:
        export_services.bookmark_export_build(export_id=uuid.UUID(export_id))
    except Exception as exc:
        if not RETRY_TRANSIENT_ERRORS.will_retry(exception=exc, job=context.job):
            export_services.bookmark_export_fail(export_id=uuid.UUID(export_id))
        raise


def enqueue_bookmark_export_build(*, export_id: uuid.UUID) -> None:
    """Queue the build in the current transaction: the job is stored with the export, or
    neither is, and a worker sees it once the transaction commits."""
{%- if cookiecutter.use_opentelemetry == "y" %}
    bookmark_export_build.defer(
        export_id=str(export_id),
        request_id=current_request_id(),
        trace_context=current_trace_context(),
    )
{%- else %}
    bookmark_export_build.defer(export_id=str(export_id), request_id=current_request_id())
{%- endif %}
{%- endif %}
