"""charges_credits: a call is charged when it succeeds, and only then."""

from typing import Any

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.common.exceptions import ConflictError
from {{ cookiecutter.project_slug }}.credits.charging import charges_credits
from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import credit_balance
from {{ cookiecutter.project_slug }}.credits.services import credit_grant
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class OutcomeInputSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField()


class ChargedApi(APIView):
    """Answers as told: created, a refusal (returned or raised) or a crash."""

    calls = 0

    @extend_schema(
        operation_id="charged_create", request=OutcomeInputSerializer, responses={201: None}
    )
    @charges_credits(cost=3)
    def post(self, request: Request) -> Response:
        ChargedApi.calls += 1
        serializer = OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = serializer.validated_data["outcome"]
        if outcome == "refused":
            return Response({"outcome": outcome}, status=status.HTTP_400_BAD_REQUEST)
        if outcome == "conflict":
            raise ConflictError("Taken.")
        if outcome == "crash":
            raise RuntimeError("the handler failed")
        return Response(status=status.HTTP_201_CREATED)


urlpatterns = [path("charged/", ChargedApi.as_view())]


def call(user: User, outcome: str) -> Any:
    client = APIClient()
    client.force_authenticate(user)
    return client.post("/charged/", {"outcome": outcome}, format="json")


@pytest.fixture(autouse=True)
def count_calls() -> None:
    ChargedApi.calls = 0


def test_a_successful_call_is_charged_its_cost(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")

    response = call(user, "created")

    assert response.status_code == 201
    assert credit_balance(user=user).available == 7
    assert CreditTransfer.objects.filter(kind="capture", amount=3).count() == 1


def test_without_enough_credits_the_call_is_refused_before_it_runs(user: User) -> None:
    credit_grant(user=user, amount=2, idempotency_key="welcome")

    response = call(user, "created")

    problem = assert_problem(response, 402)
    assert (problem["needed"], problem["available"]) == (3, 2)
    assert ChargedApi.calls == 0
    assert credit_balance(user=user).available == 2


@pytest.mark.parametrize(("outcome", "status_code"), [("refused", 400), ("conflict", 409)])
def test_a_call_that_fails_is_not_charged(user: User, outcome: str, status_code: int) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")

    response = call(user, outcome)

    assert response.status_code == status_code
    balance = credit_balance(user=user)
    assert (balance.available, balance.held) == (10, 0)
    assert CreditTransfer.objects.filter(kind="release").count() == 1


def test_a_call_that_crashes_is_not_charged(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")

    with pytest.raises(RuntimeError):
        call(user, "crash")

    assert credit_balance(user=user).available == 10


def test_the_schema_states_the_cost_and_the_402() -> None:
    document = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)

    operation = document["paths"]["/charged/"]["post"]
    assert operation["x-credit-cost"] == 3
    assert "Costs 3 credits; a call that fails is not charged." in operation["description"]
    assert operation["responses"]["402"]["content"]["application/problem+json"]
