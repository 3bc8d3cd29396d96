"""The database keeps the ledger's invariants even against code that skips the services."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from {{ cookiecutter.project_slug }}.credits.models import CreditAccount, CreditTransfer
from {{ cookiecutter.project_slug }}.credits.services import credit_grant, credit_reserve
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> User:
    user = UserFactory.create()
    credit_grant(user=user, amount=100, idempotency_key="welcome")
    return user


def test_an_account_cannot_be_overdrawn(user: User) -> None:
    with (
        pytest.raises(IntegrityError, match="credits_account_never_overdrawn"),
        transaction.atomic(),
    ):
        CreditAccount.objects.filter(user=user).update(debits_pending=101)


def test_a_hold_cannot_be_resolved_twice(user: User) -> None:
    hold = credit_reserve(user=user, amount=10, idempotency_key="job", timeout=timedelta(hours=1))
    CreditTransfer.objects.create(
        account=hold.account, kind="release", amount=10, hold=hold, idempotency_key="a"
    )

    with (
        pytest.raises(IntegrityError, match=r"credits_hold_resolved_once|credittransfer\.hold_id"),
        transaction.atomic(),
    ):
        CreditTransfer.objects.create(
            account=hold.account, kind="capture", amount=10, hold=hold, idempotency_key="b"
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "grant", "amount": 0, "source": "paid"},
        {"kind": "grant", "amount": 5, "source": ""},
        {"kind": "adjust", "amount": -5, "reason": ""},
        {"kind": "reserve", "amount": 5},
        {"kind": "capture", "amount": 5},
    ],
    ids=[
        "empty-grant",
        "grant-without-source",
        "adjust-without-reason",
        "reserve-without-timeout",
        "capture-without-hold",
    ],
)
def test_a_malformed_transfer_is_refused(user: User, fields: dict[str, object]) -> None:
    account = CreditAccount.objects.get(user=user)

    with pytest.raises(IntegrityError), transaction.atomic():
        CreditTransfer.objects.create(account=account, idempotency_key="x", **fields)


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE credits_credittransfer SET amount = amount + 1",
        "DELETE FROM credits_credittransfer",
    ],
)
def test_postgresql_refuses_to_change_or_delete_a_transfer(user: User, statement: str) -> None:
    with (
        pytest.raises(IntegrityError, match="credit transfers are immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert CreditTransfer.objects.get().amount == 100
