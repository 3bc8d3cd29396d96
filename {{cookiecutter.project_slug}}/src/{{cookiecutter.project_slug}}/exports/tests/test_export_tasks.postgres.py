from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import structlog
from django.db import OperationalError
from procrastinate import JobContext
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.jobs import Job
from pytest_django.fixtures import Settings

from {{ cookiecutter.project_slug }}.exports import builds
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.tasks import (
    bookmark_export_build,
    enqueue_bookmark_export_build,
)
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def attempt(number: int) -> JobContext:
    """The context of the task's ``number``-th run (the first is 1)."""
    job = Job(
        id=1,
        queue="default",
        lock=None,
        queueing_lock=None,
        task_name=bookmark_export_build.name,
        attempts=number - 1,
    )
    return JobContext(app=app, job=job, start_timestamp=0, abort_reason=lambda: None)


def failing_with(error: Exception) -> Callable[..., None]:
    def build(**kwargs: object) -> None:
        raise error

    return build


def test_the_task_takes_the_export_id_and_builds_it(
    user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    export = BookmarkExport.objects.create(owner=user)

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_bookmark_export_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE


@pytest.mark.parametrize(
    ("error", "attempt_number", "status_after"),
    [
        (OperationalError("gone"), 4, BookmarkExport.Status.PENDING),
        (OperationalError("gone"), 5, BookmarkExport.Status.FAILED),
        (ValueError("bug"), 1, BookmarkExport.Status.FAILED),
    ],
    ids=["transient-error-retried", "last-attempt-fails", "unfixable-error-fails-at-once"],
)
def test_a_failed_attempt_fails_the_export_only_when_no_retry_follows(
    user: User,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    attempt_number: int,
    status_after: str,
) -> None:
    export = BookmarkExport.objects.create(owner=user)
    monkeypatch.setattr(builds, "bookmark_export_build", failing_with(error))

    with pytest.raises(type(error)):
        bookmark_export_build(attempt(attempt_number), export_id=str(export.pk))

    export.refresh_from_db()
    assert export.status == status_after


@pytest.mark.postgresql
def test_the_job_carries_the_export_id_and_the_request_id(user: User, settings: Settings) -> None:
    settings.TASKS_RUN_IN_PROCESS = False
    export = BookmarkExport.objects.create(owner=user)

    with structlog.contextvars.bound_contextvars(request_id="req-9"):
        enqueue_bookmark_export_build(export_id=export.pk)

    job = ProcrastinateJob.objects.get(task_name=bookmark_export_build.name)
{%- if cookiecutter.use_opentelemetry == "y" %}
    # No span records here: the job starts a trace of its own.
    assert job.args == {"export_id": str(export.pk), "request_id": "req-9", "trace_context": {}}
{%- else %}
    assert job.args == {"export_id": str(export.pk), "request_id": "req-9"}
{%- endif %}
