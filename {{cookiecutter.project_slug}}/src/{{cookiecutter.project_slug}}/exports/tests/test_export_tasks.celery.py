from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from structlog.testing import capture_logs

from config import celery_app

from {{ cookiecutter.project_slug }}.exports import builds
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.tasks import (
    GIVE_UP_PENDING_AFTER,
    RESEND_PENDING_AFTER,
    bookmark_export_build,
    bookmark_exports_resend_pending,
)
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db

Build = Callable[..., BookmarkExport | None]
CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def _eager_outcomes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eager tasks return their outcome rather than raise it, so that Celery retries them
    as a worker would."""
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)


def failing(times: int, build: Build) -> tuple[Build, list[int]]:
    """``build``, failing with a transient database error the first ``times`` calls."""
    calls: list[int] = []

    def build_or_fail(**kwargs: object) -> BookmarkExport | None:
        calls.append(len(calls) + 1)
        if len(calls) <= times:
            raise OperationalError("the database went away")
        return build(**kwargs)

    return build_or_fail, calls


def test_the_task_takes_the_export_id_and_builds_it(user: User) -> None:
    export = BookmarkExport.objects.create(owner=user)

    bookmark_export_build.delay(export_id=str(export.pk))

    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE


def test_a_transient_database_error_is_retried(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    export = BookmarkExport.objects.create(owner=user)
    build, calls = failing(2, builds.bookmark_export_build)
    monkeypatch.setattr(builds, "bookmark_export_build", build)

    result = bookmark_export_build.delay(export_id=str(export.pk))

    assert result.successful()
    assert calls == [1, 2, 3]
    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE


def test_the_export_fails_once_the_retries_are_spent(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = BookmarkExport.objects.create(owner=user)
    build, calls = failing(99, builds.bookmark_export_build)
    monkeypatch.setattr(builds, "bookmark_export_build", build)

    result = bookmark_export_build.delay(export_id=str(export.pk))

    assert result.failed()
    assert isinstance(result.result, OperationalError)
    # The first run and five retries.
    assert len(calls) == 6
    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.FAILED


def test_an_error_no_retry_can_fix_fails_the_export_at_once(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = BookmarkExport.objects.create(owner=user)

    calls_of_broken = 0

    def broken(**kwargs: object) -> None:
        nonlocal calls_of_broken
        calls_of_broken += 1
        raise ValueError("a bug")

    monkeypatch.setattr(builds, "bookmark_export_build", broken)

    result = bookmark_export_build.delay(export_id=str(export.pk))

    assert result.failed()
    assert calls_of_broken == 1
    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.FAILED


def test_resend_sends_the_exports_pending_too_long_again_and_fails_those_pending_a_day(
    user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    now = timezone.now()
    second = timedelta(seconds=1)
    fresh = BookmarkExport.objects.create(
        owner=user, created_at=now - RESEND_PENDING_AFTER + second
    )
    stale = BookmarkExport.objects.create(
        owner=user, created_at=now - RESEND_PENDING_AFTER - second
    )
    abandoned = BookmarkExport.objects.create(
        owner=user, created_at=now - GIVE_UP_PENDING_AFTER - second
    )
    finished = BookmarkExport.objects.create(
        owner=user, created_at=stale.created_at, status=BookmarkExport.Status.DONE
    )

    # The tests run tasks at once, in process, when the transaction commits.
    with capture_logs() as logs, django_capture_on_commit_callbacks(execute=True):
        sent = bookmark_exports_resend_pending()

    assert sent == 1
    statuses = dict(BookmarkExport.objects.values_list("pk", "status"))
    assert statuses == {
        fresh.pk: BookmarkExport.Status.PENDING,
        stale.pk: BookmarkExport.Status.DONE,
        abandoned.pk: BookmarkExport.Status.FAILED,
        finished.pk: BookmarkExport.Status.DONE,
    }
    counts = {log["event"]: log.get("export_count") for log in logs}
    assert counts["bookmark_export.given_up"] == 1
    assert counts["bookmark_export.resent"] == 1
