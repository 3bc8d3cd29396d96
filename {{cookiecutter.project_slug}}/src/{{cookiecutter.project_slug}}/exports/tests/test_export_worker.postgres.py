"""Exports through the API with a real worker, in its own process, running the task."""

from collections.abc import Iterator
from typing import Any

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from tests.support.subprocesses import production_env
from tests.support.worker import Worker, job_status, running_worker, wait_for

from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.tasks import bookmark_export_build
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

# The worker reads the test database, so the test's rows must be committed.
pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

EXPORTS_URL = "/api/v1/bookmarks/exports/"


@pytest.fixture
def worker(
    transactional_db: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Worker]:
    """A worker with the production settings; the exports the tests request go to it."""
    settings.TASKS_RUN_IN_PROCESS = False
    with running_worker(env=production_env()) as worker:
        monkeypatch.setattr(bookmark_export_build, "queue", worker.queue)
        yield worker


@pytest.fixture
def owner(transactional_db: None) -> User:
    # A superuser has every role without the role groups, which earlier tests that
    # emptied the tables (transactional_db) may have deleted.
    return UserFactory.create(is_superuser=True)


def export_lines(worker: Worker) -> list[dict[str, Any]]:
    return [line for line in worker.records() if line["event"].startswith("bookmark_export.")]


def test_an_export_requested_through_the_api_is_built_by_the_worker(
    worker: Worker, owner: User
) -> None:
    BookmarkFactory.create(owner=owner, title="Django", url="https://www.djangoproject.com/")
    client = APIClient()
    client.force_authenticate(owner)

    response = client.post(EXPORTS_URL, HTTP_X_REQUEST_ID="req-export-1")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    url = response["Location"]
    export = wait_for(
        lambda: body if (body := client.get(url).json())["status"] != "pending" else None
    )

    assert export["status"] == "done"
    assert export["bookmark_count"] == 1
    assert "Django,https://www.djangoproject.com/," in export["csv"]
    [job] = ProcrastinateJob.objects.filter(queue_name=worker.queue)
    wait_for(lambda: job_status(job.pk) == "succeeded")
    # Production settings: every line is JSON (Worker.records parses them all), and the
    # job's lines, procrastinate's own included, carry the id of the request that asked.
    started, built, ended = worker.job_records(job.pk)
    assert started["event"].startswith("Starting job")
    assert (built["event"], built["export_id"]) == ("bookmark_export.built", export["id"])
    assert "ended with status: Success" in ended["event"]
    assert {line["request_id"] for line in (started, built, ended)} == {"req-export-1"}


def test_the_same_task_delivered_twice_builds_the_export_once(worker: Worker, owner: User) -> None:
    BookmarkFactory.create(owner=owner)
    export = BookmarkExport.objects.create(owner=owner)

    first = bookmark_export_build.defer(export_id=str(export.pk))
    wait_for(lambda: job_status(first) == "succeeded")
    export.refresh_from_db()
    built_at = export.finished_at
    second = bookmark_export_build.defer(export_id=str(export.pk))
    wait_for(lambda: job_status(second) == "succeeded")

    assert [line["event"] for line in export_lines(worker)] == [
        "bookmark_export.built",
        "bookmark_export.already_finished",
    ]
    export.refresh_from_db()
    assert (export.status, export.bookmark_count) == (BookmarkExport.Status.DONE, 1)
    assert export.finished_at == built_at
