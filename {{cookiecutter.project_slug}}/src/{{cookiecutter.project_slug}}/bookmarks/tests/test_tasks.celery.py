from collections.abc import Callable

import pytest
from django.db import OperationalError

from config import celery_app

from {{ cookiecutter.project_slug }}.bookmarks import export_services
from {{ cookiecutter.project_slug }}.bookmarks.models import BookmarkExport
from {{ cookiecutter.project_slug }}.bookmarks.tasks import bookmark_export_build
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db

Build = Callable[..., BookmarkExport | None]


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
    build, calls = failing(2, export_services.bookmark_export_build)
    monkeypatch.setattr(export_services, "bookmark_export_build", build)

    result = bookmark_export_build.delay(export_id=str(export.pk))

    assert result.successful()
    assert calls == [1, 2, 3]
    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE


def test_the_export_fails_once_the_retries_are_spent(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = BookmarkExport.objects.create(owner=user)
    build, calls = failing(99, export_services.bookmark_export_build)
    monkeypatch.setattr(export_services, "bookmark_export_build", build)

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

    monkeypatch.setattr(export_services, "bookmark_export_build", broken)

    result = bookmark_export_build.delay(export_id=str(export.pk))

    assert result.failed()
    assert calls_of_broken == 1
    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.FAILED
