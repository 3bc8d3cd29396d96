import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from structlog.testing import capture_logs

from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.exports import builds
from {{ cookiecutter.project_slug }}.exports.builds import (
    bookmark_export_build,
    bookmark_export_fail,
)
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.services import bookmark_export_create
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def test_create_records_a_pending_export_and_builds_it_only_once_committed(
    user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    BookmarkFactory.create(owner=user)

    with django_capture_on_commit_callbacks() as callbacks:
        export = bookmark_export_create(owner=user)

    # Enqueued when the transaction commits: a worker must find the row.
    assert len(callbacks) == 1
    export.refresh_from_db()
    assert (export.owner, export.status) == (user, BookmarkExport.Status.PENDING)
    assert export.finished_at is None
    assert str(export) == f"Export {export.pk} (pending)"

    callbacks[0]()

    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE


def test_build_writes_the_owners_bookmarks_oldest_first(user: User) -> None:
    BookmarkFactory.create(
        owner=user,
        title="Django",
        url="https://www.djangoproject.com/",
        notes="The web framework, with a comma",
        is_favorite=True,
        created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    BookmarkFactory.create(
        owner=user, title="Python", url="https://docs.python.org/", notes='"Quoted"'
    )
    BookmarkFactory.create(title="Someone else's")
    export = BookmarkExport.objects.create(owner=user)

    with capture_logs() as logs:
        built = bookmark_export_build(export_id=export.pk)

    assert built is not None
    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE
    assert export.bookmark_count == 2
    assert export.finished_at is not None
    lines = export.csv.splitlines()
    assert lines[0] == "title,url,notes,is_favorite,created_at"
    assert lines[1] == (
        "Django,https://www.djangoproject.com/,"
        '"The web framework, with a comma",true,2025-01-02T03:04:05+00:00'
    )
    assert lines[2].startswith('Python,https://docs.python.org/,"""Quoted""",false,')
    assert len(lines) == 3
    assert logs[-1]["event"] == "bookmark_export.built"
    assert logs[-1]["bookmark_count"] == 2


@pytest.mark.parametrize("title", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tx"])
def test_build_keeps_spreadsheets_from_running_cells_as_formulas(user: User, title: str) -> None:
    BookmarkFactory.create(owner=user, title=title)
    export = BookmarkExport.objects.create(owner=user)

    bookmark_export_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.csv.splitlines()[1].startswith(f"'{title},")


def test_a_second_build_of_a_finished_export_changes_nothing(user: User) -> None:
    export = BookmarkExport.objects.create(owner=user)
    bookmark_export_build(export_id=export.pk)
    export.refresh_from_db()
    BookmarkFactory.create(owner=user)

    with capture_logs() as logs:
        again = bookmark_export_build(export_id=export.pk)

    assert again is not None
    assert (again.csv, again.bookmark_count, again.finished_at) == (
        export.csv,
        0,
        export.finished_at,
    )
    assert [log["event"] for log in logs] == ["bookmark_export.already_finished"]


def test_a_failed_export_is_not_built_later(user: User) -> None:
    export = BookmarkExport.objects.create(owner=user, status=BookmarkExport.Status.FAILED)

    bookmark_export_build(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.csv) == (BookmarkExport.Status.FAILED, "")


def test_building_an_export_deleted_meanwhile_does_nothing(user: User) -> None:
    export = BookmarkExport.objects.create(owner=user)
    export_id = export.pk
    user.delete()

    with capture_logs() as logs:
        assert bookmark_export_build(export_id=export_id) is None

    assert logs == [
        {"event": "bookmark_export.gone", "export_id": str(export_id), "log_level": "info"}
    ]


def test_fail_marks_a_pending_export_failed(user: User) -> None:
    export = BookmarkExport.objects.create(owner=user)

    with capture_logs() as logs:
        bookmark_export_fail(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.FAILED
    assert export.finished_at is not None
    assert logs[0]["event"] == "bookmark_export.failed"


def test_fail_leaves_a_finished_export_alone(user: User) -> None:
    export = BookmarkExport.objects.create(owner=user)
    bookmark_export_build(export_id=export.pk)

    with capture_logs() as logs:
        bookmark_export_fail(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE
    assert logs == []


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_build_the_export_once(monkeypatch: pytest.MonkeyPatch) -> None:
    export = BookmarkExport.objects.create(owner=UserFactory.create())
    render_csv = builds.render_csv
    both_started = threading.Barrier(2, timeout=10)

    def slow_render_csv(*args: Any, **kwargs: Any) -> str:
        # Long enough that, without the row lock, the other delivery would read the
        # export as pending too and build it a second time.
        threading.Event().wait(0.5)
        return render_csv(*args, **kwargs)

    def deliver() -> None:
        both_started.wait()
        try:
            bookmark_export_build(export_id=export.pk)
        finally:
            connection.close()

    monkeypatch.setattr(builds, "render_csv", slow_render_csv)
    with capture_logs() as logs:
        deliveries = [threading.Thread(target=deliver) for _ in range(2)]
        for delivery in deliveries:
            delivery.start()
        for delivery in deliveries:
            delivery.join(timeout=20)

    events = sorted(log["event"] for log in logs)
    assert events == ["bookmark_export.already_finished", "bookmark_export.built"]
