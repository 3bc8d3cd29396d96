"""Background work of the exports: building an export.

Tasks take ids, never model instances: the job outlives the request that deferred it,
and the task must work on the row as it is when the task runs. They call builds.py;
services.py, which defers them, sits above.
"""

import uuid

from procrastinate import JobContext
from procrastinate.contrib.django import app

from {{ cookiecutter.project_slug }}.common.task_queue import (
    RETRY_TRANSIENT_ERRORS,
    current_request_id,
)
{%- if cookiecutter.use_opentelemetry == "y" %}
from {{ cookiecutter.project_slug }}.common.tracing import current_trace_context
{%- endif %}
from {{ cookiecutter.project_slug }}.exports import builds


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
    try:
        builds.bookmark_export_build(export_id=uuid.UUID(export_id))
    except Exception as exc:
        if not RETRY_TRANSIENT_ERRORS.will_retry(exception=exc, job=context.job):
            builds.bookmark_export_fail(export_id=uuid.UUID(export_id))
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
