"""Exports through the API with a real worker, in its own process, running the task."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient
from structlog.testing import capture_logs

from tests.support.tcp_proxy import TcpProxy
from tests.support.worker import (
    new_queue_name,
    publishing_through,
    publishing_to,
    running_worker,
    wait_until,
    within,
)

from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.tasks import (
    RESEND_PENDING_AFTER,
    bookmark_export_build,
    bookmark_exports_resend_pending,
)
from {{ cookiecutter.project_slug }}.users.models import Role, User

# The worker reads the test database, so the test's rows must be committed.
pytestmark = [
    pytest.mark.celery_broker,
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
]

EXPORTS_URL = "/api/v1/bookmarks/exports/"


@pytest.fixture(autouse=True)
def _role_groups() -> None:
    """Transactional tests empty the database after them, the role groups included."""
    for role in Role:
        Group.objects.get_or_create(name=role)


@pytest.fixture
def queue() -> Iterator[str]:
    name = new_queue_name()
    with publishing_to(name):
        yield name


def test_an_export_requested_through_the_api_is_built_by_the_worker(
    member_client: APIClient, user: User, queue: str, tmp_path: Path
) -> None:
    BookmarkFactory.create(owner=user, title="Django", url="https://www.djangoproject.com/")

    with running_worker(queue, tmp_path) as worker:
        response = member_client.post(EXPORTS_URL, HTTP_X_REQUEST_ID="req-export-1")
        assert response.status_code == 202
        assert response.json()["status"] == "pending"
        url = response["Location"]

        export = wait_until(
            lambda: body if (body := member_client.get(url).json())["status"] != "pending" else None
        )
        [built] = worker.wait_for(lambda record: record["event"] == "bookmark_export.built")

    assert export["status"] == "done"
    assert export["bookmark_count"] == 1
    assert "Django,https://www.djangoproject.com/," in export["csv"]
    assert built["request_id"] == "req-export-1"
    assert built["export_id"] == export["id"]


@pytest.mark.parametrize("fault", ["refusing", "paused"])
def test_an_export_asked_for_while_the_broker_fails_is_accepted_and_built_once_it_is_back(
    member_client: APIClient, user: User, queue: str, tmp_path: Path, fault: str
) -> None:
    """The broker down (refusing connections) or hung (answering nothing), behind a proxy."""
    BookmarkFactory.create(owner=user)
    broker_url = settings.CELERY_BROKER_URL

    with (
        TcpProxy.for_url(broker_url) as proxy,
        publishing_through(proxy.url(broker_url)),
        running_worker(queue, tmp_path) as worker,
    ):
        member_client.post(EXPORTS_URL)  # a connection to the broker, which then fails
        with getattr(proxy, fault)(), capture_logs() as logs:
            # Seconds at most, even when the broker does not answer.
            response = within(
                3 * settings.CELERY_BROKER_TIMEOUT + 1, lambda: member_client.post(EXPORTS_URL)
            )
            assert response.status_code == 202, response.content
            export = BookmarkExport.objects.get(pk=response.json()["id"])
            assert export.status == BookmarkExport.Status.PENDING
        if fault == "refusing":
            # RabbitMQ is sent tasks without waiting for an answer: one that hangs
            # receives this one once it is back.
            [not_sent] = [log for log in logs if log["event"] == "bookmark_export.not_sent"]
            assert not_sent["export_id"] == str(export.pk)
        # Sent again by the first run of the resend that finds it old enough.
        assert bookmark_exports_resend_pending() == 0
        BookmarkExport.objects.filter(pk=export.pk).update(
            created_at=timezone.now() - RESEND_PENDING_AFTER - timedelta(seconds=1)
        )
        bookmark_exports_resend_pending()
        worker.wait_for(
            lambda record: (
                record["event"] == "bookmark_export.built" and record["export_id"] == str(export.pk)
            )
        )
        # A delivery held up by the fault may still be on its way; it finds the export done.
        worker.wait_until_idle(queue)

    export.refresh_from_db()
    assert (export.status, export.bookmark_count) == (BookmarkExport.Status.DONE, 1)


def test_the_same_task_delivered_twice_at_once_builds_the_export_once(
    user: User, queue: str, tmp_path: Path
) -> None:
    BookmarkFactory.create(owner=user)
    export = BookmarkExport.objects.create(owner=user)
    task_id = f"export-{export.pk}"

    # Two worker processes, so that both deliveries can run at the same time.
    with running_worker(queue, tmp_path, concurrency=2) as worker:
        for _ in range(2):
            bookmark_export_build.apply_async(kwargs={"export_id": str(export.pk)}, task_id=task_id)
        done = worker.wait_for(lambda record: " succeeded in " in record["event"], count=2)

    assert {record["task_id"] for record in done} == {task_id}
    events = sorted(
        record["event"]
        for record in worker.records()
        if record["event"].startswith("bookmark_export.")
    )
    assert events == ["bookmark_export.already_finished", "bookmark_export.built"]
    export.refresh_from_db()
    assert (export.status, export.bookmark_count) == (BookmarkExport.Status.DONE, 1)
