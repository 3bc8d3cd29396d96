import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

EXPORTS_URL = "/api/v1/bookmarks/exports/"

pytestmark = pytest.mark.django_db

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def export_url(export_id: uuid.UUID | str) -> str:
    return f"{EXPORTS_URL}{export_id}/"


def test_an_export_is_accepted_pending_then_done_once_its_task_has_run(
    member_client: APIClient, user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    BookmarkFactory.create(owner=user, title="Django", url="https://www.djangoproject.com/")

    # The task is sent when the request's transaction commits, and runs eagerly here.
    with django_capture_on_commit_callbacks() as callbacks:
        response = member_client.post(EXPORTS_URL)

    assert response.status_code == 202
    body = response.json()
    export = BookmarkExport.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver{export_url(export.pk)}"
    assert body == {
        "id": str(export.pk),
        "status": "pending",
        "bookmark_count": None,
        "csv": None,
        "created_at": export.created_at.isoformat().replace("+00:00", "Z"),
        "finished_at": None,
    }

    for callback in callbacks:
        callback()
    response = member_client.get(export_url(export.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "done"
    assert body["bookmark_count"] == 1
    assert body["csv"].splitlines()[1].startswith("Django,https://www.djangoproject.com/,")
    assert body["finished_at"] is not None


def test_a_failed_export_has_no_file(member_client: APIClient, user: User) -> None:
    export = BookmarkExport.objects.create(owner=user, status=BookmarkExport.Status.FAILED)

    body = member_client.get(export_url(export.pk)).json()

    assert (body["status"], body["csv"]) == ("failed", None)


def test_another_users_export_is_not_found(member_client: APIClient) -> None:
    export = BookmarkExport.objects.create(owner=UserFactory.create())

    assert_problem(member_client.get(export_url(export.pk)), 404)


def test_an_unknown_export_is_not_found(member_client: APIClient) -> None:
    assert_problem(member_client.get(export_url(uuid.uuid4())), 404)


def test_a_read_only_user_may_not_start_an_export(read_only_client: APIClient) -> None:
    assert_problem(read_only_client.post(EXPORTS_URL), 403)
    assert not BookmarkExport.objects.exists()


def test_exports_need_authentication(api_client: APIClient) -> None:
    export = BookmarkExport.objects.create(owner=UserFactory.create())

    assert_problem(api_client.post(EXPORTS_URL), 401)
    assert_problem(api_client.get(export_url(export.pk)), 401)
