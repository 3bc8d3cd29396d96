"""Staff grants and adjustments, and the Idempotency-Key header they honour."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import credit_balance
from {{ cookiecutter.project_slug }}.credits.services import credit_grant, idempotent_requests_forget
from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

GRANTS_URL = "/api/v1/credits/grants/"
ADJUSTMENTS_URL = "/api/v1/credits/adjustments/"

pytestmark = pytest.mark.django_db


def grant(client: APIClient, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(GRANTS_URL, body, format="json", headers=headers)


def test_an_admin_grants_credits_to_a_user_by_email(admin_client: APIClient, user: User) -> None:
    before = timezone.now()

    response = grant(
        admin_client,
        {
            "email": user.email.upper(),
            "amount": 100,
            "source": "promotional",
            "expires_in_days": 30,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["amount"], body["source"]) == ("grant", 100, "promotional")
    lapses = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(days=30) <= lapses <= timezone.now() + timedelta(days=30)
    assert credit_balance(user=user).available == 100


def test_a_grant_is_paid_for_and_never_lapses_unless_said_otherwise(
    admin_client: APIClient, user: User
) -> None:
    body = grant(admin_client, {"email": user.email, "amount": 5}).json()

    assert (body["source"], body["expires_at"]) == ("paid", None)


@pytest.mark.parametrize("url", [GRANTS_URL, ADJUSTMENTS_URL])
def test_credits_for_an_unknown_user_are_not_found(admin_client: APIClient, url: str) -> None:
    body = {"email": "nobody@example.com", "amount": 5, "reason": "goodwill"}

    problem = assert_problem(admin_client.post(url, body, format="json"), 404)
    assert "nobody@example.com" in problem["detail"]


@pytest.mark.parametrize("url", [GRANTS_URL, ADJUSTMENTS_URL])
def test_only_admins_move_credits_on_an_account(
    member_client: APIClient, api_client: APIClient, user: User, url: str
) -> None:
    body = {"email": user.email, "amount": 5, "reason": "goodwill"}

    assert_problem(member_client.post(url, body, format="json"), 403)
    assert_problem(api_client.post(url, body, format="json"), 401)
    assert not CreditTransfer.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 5}, "email"),
        ({"email": "", "amount": 5}, "email"),
        ({"email": "{email}", "amount": "5"}, "amount"),
        ({"email": "{email}", "amount": 0}, "amount"),
        ({"email": "{email}", "amount": 10**12 + 1}, "amount"),
        ({"email": "{email}", "amount": 5, "source": "gift"}, "source"),
        ({"email": "{email}", "amount": 5, "expires_in_days": 0}, "expires_in_days"),
        ({"email": "{email}", "amount": 5, "expires_in_days": 3651}, "expires_in_days"),
    ],
)
def test_a_wrong_grant_is_a_validation_problem_naming_the_field(
    admin_client: APIClient, user: User, body: dict[str, Any], field: str
) -> None:
    if body.get("email") == "{email}":
        body = {**body, "email": user.email}

    response = grant(admin_client, body)

    assert assert_problem(response, 400)["errors"].keys() == {field}
    assert not CreditTransfer.objects.exists()


def test_an_adjustment_corrects_either_way_with_its_reason(
    admin_client: APIClient, user: User
) -> None:
    credit_grant(user=user, amount=50, idempotency_key="welcome")

    taken = admin_client.post(
        ADJUSTMENTS_URL,
        {"email": user.email, "amount": -20, "reason": "double grant"},
        format="json",
    )
    added = admin_client.post(
        ADJUSTMENTS_URL, {"email": user.email, "amount": 3, "reason": "outage"}, format="json"
    )

    assert taken.status_code == added.status_code == 201
    assert taken.json()["reason"] == "double grant"
    assert credit_balance(user=user).available == 33


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0, "reason": "nothing"}, "amount"),
        ({"amount": 5, "reason": " "}, "reason"),
        ({"amount": 5}, "reason"),
    ],
)
def test_a_wrong_adjustment_is_a_validation_problem_naming_the_field(
    admin_client: APIClient, user: User, body: dict[str, Any], field: str
) -> None:
    response = admin_client.post(ADJUSTMENTS_URL, {"email": user.email, **body}, format="json")

    assert assert_problem(response, 400)["errors"].keys() == {field}


def test_an_adjustment_never_overdraws_the_account(admin_client: APIClient, user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")

    response = admin_client.post(
        ADJUSTMENTS_URL, {"email": user.email, "amount": -11, "reason": "typo"}, format="json"
    )

    problem = assert_problem(response, 402)
    assert problem["type"] == "/problems/insufficient-credits"
    assert (problem["needed"], problem["available"]) == (11, 10)
    assert credit_balance(user=user).available == 10


def test_the_same_key_and_body_get_the_first_response_and_move_credits_once(
    admin_client: APIClient, user: User
) -> None:
    body = {"email": user.email, "amount": 25}

    first = grant(admin_client, body, key="grant-0001")
    again = grant(admin_client, body, key="grant-0001")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert credit_balance(user=user).available == 25


def test_the_same_key_with_another_body_is_a_conflict(admin_client: APIClient, user: User) -> None:
    grant(admin_client, {"email": user.email, "amount": 25}, key="grant-0001")

    other_amount = grant(admin_client, {"email": user.email, "amount": 26}, key="grant-0001")
    other_endpoint = admin_client.post(
        ADJUSTMENTS_URL,
        {"email": user.email, "amount": 25, "reason": "same key"},
        format="json",
        headers={"Idempotency-Key": "grant-0001"},
    )

    for response in (other_amount, other_endpoint):
        assert "another request" in assert_problem(response, 409)["detail"]
    assert credit_balance(user=user).available == 25


@pytest.mark.parametrize("key", ["", "two words", "x" * 256, "clé"])
def test_a_malformed_key_is_refused_before_anything_moves(
    admin_client: APIClient, user: User, key: str
) -> None:
    response = grant(admin_client, {"email": user.email, "amount": 25}, key=key)

    problem = assert_problem(response, 422)
    assert problem["type"] == "/problems/malformed-idempotency-key"
    assert "Idempotency-Key" in problem["detail"]
    assert not CreditTransfer.objects.exists()


def test_without_a_key_every_request_acts(admin_client: APIClient, user: User) -> None:
    body = {"email": user.email, "amount": 25}

    grant(admin_client, body)
    grant(admin_client, body)

    assert credit_balance(user=user).available == 50


def test_keys_are_each_callers_own(admin_client: APIClient, user: User) -> None:
    other_admin = APIClient()
    other_admin.force_authenticate(UserFactory.create(role=Role.ADMIN))
    body = {"email": user.email, "amount": 25}

    grant(admin_client, body, key="1")
    grant(other_admin, body, key="1")

    assert credit_balance(user=user).available == 50


def test_a_request_that_failed_may_be_sent_again_with_its_key(
    admin_client: APIClient, user: User
) -> None:
    body = {"email": user.email, "amount": -5, "reason": "refund"}
    headers = {"Idempotency-Key": "refund-1"}

    refused = admin_client.post(ADJUSTMENTS_URL, body, format="json", headers=headers)
    credit_grant(user=user, amount=5, idempotency_key="top-up")
    accepted = admin_client.post(ADJUSTMENTS_URL, body, format="json", headers=headers)

    assert refused.status_code == 402
    assert accepted.status_code == 201
    assert credit_balance(user=user).available == 0


def test_a_forgotten_key_acts_anew(admin_client: APIClient, user: User) -> None:
    body = {"email": user.email, "amount": 25}
    grant(admin_client, body, key="grant-0001")

    assert idempotent_requests_forget(before=timezone.now() - timedelta(hours=1)) == 0
    assert idempotent_requests_forget(before=timezone.now()) == 1
    grant(admin_client, body, key="grant-0001")

    assert credit_balance(user=user).available == 50
