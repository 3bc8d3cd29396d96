"""The business metric: bookmarks created, counted once they are committed."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from prometheus_client import REGISTRY

from {{ cookiecutter.project_slug }}.bookmarks.services import bookmark_create
from {{ cookiecutter.project_slug }}.common.exceptions import ConflictError
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def created() -> float:
    value = REGISTRY.get_sample_value("{{ cookiecutter.project_slug }}_bookmarks_created_total")
    return value or 0.0


def test_a_bookmark_counts_once_committed(
    user: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    before = created()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bookmark_create(owner=user, title="Django", url="https://djangoproject.com")
        assert created() == before, "not before the transaction commits"
    for callback in callbacks:
        callback()

    assert created() == before + 1


def test_a_refused_bookmark_does_not_count(
    user: User, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bookmark_create(owner=user, title="Django", url="https://djangoproject.com")
    before = created()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConflictError):
        bookmark_create(owner=user, title="Again", url="https://djangoproject.com")

    assert created() == before
