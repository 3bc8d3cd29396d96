"""What an export costs: held when it is asked for, charged when it is built, given back
when it fails; a caller without the credits is refused, and nothing is recorded."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient
from structlog.testing import capture_logs

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import credit_balance
from {{ cookiecutter.project_slug }}.credits.services import (
    credit_grant,
    credit_holds_expire,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.exports.builds import (
    EXPORT_HOLD_TIMEOUT,
    bookmark_export_build,
    bookmark_export_fail,
    export_hold_key,
)
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
{%- if cookiecutter.task_queue == "celery" %}
from {{ cookiecutter.project_slug }}.exports.tasks import (
    GIVE_UP_PENDING_AFTER,
    bookmark_exports_resend_pending,
)
{%- endif %}
from {{ cookiecutter.project_slug }}.users.models import User

EXPORTS_URL = "/api/v1/bookmarks/exports/"
COST = 2

pytestmark = pytest.mark.django_db

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def priced_exports(settings: Settings) -> None:
    settings.EXPORT_CREDIT_COST = COST


def held_export(user: User, timeout: timedelta = EXPORT_HOLD_TIMEOUT) -> BookmarkExport:
    """A pending export with its credits held, as the API leaves it before the build."""
    export = BookmarkExport.objects.create(owner=user)
    credit_reserve(
        user=user, amount=COST, idempotency_key=export_hold_key(export.pk), timeout=timeout
    )
    return export


def kinds(user: User) -> list[str]:
    return sorted(CreditTransfer.objects.filter(account__user=user).values_list("kind", flat=True))


def test_an_export_is_charged_its_cost_once_built(
    member_client: APIClient, user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    credit_grant(user=user, amount=5, idempotency_key="welcome")

    # The build runs when the request's transaction commits (or at once, as the queue
    # runs tasks in the tests).
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(EXPORTS_URL)

    assert response.status_code == 202
    assert BookmarkExport.objects.get().status == BookmarkExport.Status.DONE
    balance = credit_balance(user=user)
    assert (balance.available, balance.held, balance.posted) == (3, 0, 3)
    assert kinds(user) == ["capture", "grant", "reserve"]


def test_without_the_credits_the_export_is_refused_and_not_recorded(
    member_client: APIClient, user: User
) -> None:
    credit_grant(user=user, amount=1, idempotency_key="welcome")

    response = member_client.post(EXPORTS_URL)

    problem = assert_problem(response, 402)
    assert problem["type"] == "/problems/insufficient-credits"
    assert (problem["needed"], problem["available"]) == (COST, 1)
    assert not BookmarkExport.objects.exists()
    assert credit_balance(user=user).available == 1


def test_the_credits_stay_held_while_the_export_is_pending(user: User) -> None:
    credit_grant(user=user, amount=5, idempotency_key="welcome")

    held_export(user)

    balance = credit_balance(user=user)
    assert (balance.available, balance.held, balance.posted) == (3, COST, 5)


def test_a_build_delivered_twice_charges_once(user: User) -> None:
    credit_grant(user=user, amount=5, idempotency_key="welcome")
    export = held_export(user)

    bookmark_export_build(export_id=export.pk)
    bookmark_export_build(export_id=export.pk)

    assert kinds(user) == ["capture", "grant", "reserve"]
    assert credit_balance(user=user).available == 3


def test_a_failed_export_gives_its_credits_back(user: User) -> None:
    credit_grant(user=user, amount=5, idempotency_key="welcome")
    export = held_export(user)

    bookmark_export_fail(export_id=export.pk)

    assert kinds(user) == ["grant", "release", "reserve"]
    balance = credit_balance(user=user)
    assert (balance.available, balance.held) == (5, 0)


def test_a_build_that_outlived_its_hold_is_done_but_not_charged(user: User) -> None:
    credit_grant(user=user, amount=5, idempotency_key="welcome")
    export = held_export(user, timeout=timedelta(microseconds=1))

    with capture_logs() as logs:
        bookmark_export_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.DONE
    assert "bookmark_export.not_charged" in [log["event"] for log in logs]
    assert "capture" not in kinds(user)


def test_a_failure_after_the_hold_expired_gives_nothing_back_twice(user: User) -> None:
    credit_grant(user=user, amount=5, idempotency_key="welcome")
    export = held_export(user, timeout=timedelta(microseconds=1))

    credit_holds_expire()
    bookmark_export_fail(export_id=export.pk)

    assert kinds(user) == ["expire", "grant", "reserve"]
    assert credit_balance(user=user).available == 5
{%- if cookiecutter.task_queue == "celery" %}


def test_an_export_given_up_on_gives_its_credits_back(user: User) -> None:
    credit_grant(user=user, amount=5, idempotency_key="welcome")
    export = held_export(user)
    BookmarkExport.objects.filter(pk=export.pk).update(
        created_at=export.created_at - GIVE_UP_PENDING_AFTER - timedelta(seconds=1)
    )

    bookmark_exports_resend_pending()

    export.refresh_from_db()
    assert export.status == BookmarkExport.Status.FAILED
    assert credit_balance(user=user).available == 5
{%- endif %}


def test_the_schema_states_what_an_export_costs() -> None:
    document = SchemaGenerator().get_schema(request=None, public=True)

    operation = document["paths"][EXPORTS_URL]["post"]
    assert operation["x-credit-cost"] == 1
    assert "402" in operation["responses"]
