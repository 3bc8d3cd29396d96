from datetime import timedelta
from datetime import timezone as dt_timezone

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.services import (
    credit_capture,
    credit_grant,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

BALANCE_URL = "/api/v1/credits/balance/"
TRANSFERS_URL = "/api/v1/credits/transfers/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def spent(user: User) -> CreditTransfer:
    """100 credits granted, 30 held, then 20 of them charged; the capture."""
    credit_grant(user=user, amount=100, idempotency_key="welcome")
    hold = credit_reserve(user=user, amount=30, idempotency_key="job", timeout=timedelta(hours=1))
    return credit_capture(hold=hold, amount=20)


def test_the_balance_is_what_is_available_held_and_posted(
    member_client: APIClient, user: User, spent: CreditTransfer
) -> None:
    credit_reserve(user=user, amount=5, idempotency_key="next", timeout=timedelta(hours=1))

    response = member_client.get(BALANCE_URL)

    assert response.status_code == 200
    assert response.json() == {"available": 75, "held": 5, "posted": 80}


def test_a_user_without_credits_has_a_zero_balance(member_client: APIClient) -> None:
    assert member_client.get(BALANCE_URL).json() == {"available": 0, "held": 0, "posted": 0}


def test_the_transfers_are_the_users_own_newest_first(
    member_client: APIClient, spent: CreditTransfer
) -> None:
    credit_grant(user=UserFactory.create(), amount=7, idempotency_key="someone-else")

    body = member_client.get(TRANSFERS_URL).json()

    assert body["count"] == 3
    assert [item["kind"] for item in body["results"]] == ["capture", "reserve", "grant"]
    capture = body["results"][0]
    assert capture == {
        "id": str(spent.pk),
        "kind": "capture",
        "amount": 20,
        "hold": str(spent.hold_id),
        "source": "",
        "reason": "",
        "expires_at": None,
        "created_at": spent.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_transfers_filter_by_kind_and_time(member_client: APIClient, spent: CreditTransfer) -> None:
    # +23:00 is a valid RFC 3339 offset that PostgreSQL cannot store: it is read in UTC.
    in_an_hour = timezone.now() + timedelta(hours=1)
    future = in_an_hour.astimezone(dt_timezone(timedelta(hours=23))).isoformat(timespec="seconds")

    grants = member_client.get(TRANSFERS_URL, {"kind": "grant"}).json()
    before = member_client.get(TRANSFERS_URL, {"created_before": future}).json()
    after = member_client.get(TRANSFERS_URL, {"created_after": "2999-01-01T00:00:00Z"}).json()

    assert [item["kind"] for item in grants["results"]] == ["grant"]
    assert before["count"] == 3
    assert after["count"] == 0


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"kind": "gift"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"created_after": "2025-01-31"}, "created_after"),
        ({"created_before": "2025-01-31T09:30:00"}, "created_before"),
    ],
)
def test_a_wrong_filter_is_a_validation_problem_naming_it(
    member_client: APIClient, parameters: dict[str, str], field: str
) -> None:
    response = member_client.get(TRANSFERS_URL, parameters)

    assert_problem(response, 400)
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("url", [BALANCE_URL, TRANSFERS_URL])
def test_the_credit_endpoints_need_a_signed_in_user(api_client: APIClient, url: str) -> None:
    assert_problem(api_client.get(url), 401)
