"""Grants that expire: spent soonest-expiring first, and what is left of them lapses."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from {{ cookiecutter.project_slug }}.credits.models import CreditLot, CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import (
    credit_balance,
    credit_ledger_mismatches,
)
from {{ cookiecutter.project_slug }}.credits.services import (
    credit_adjust,
    credit_capture,
    credit_grant,
    credit_grants_lapse,
    credit_release,
    credit_reserve,
    credits_upkeep,
)
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def grants(user: User) -> dict[str, CreditTransfer]:
    """5 credits that never expire, 5 that expire in an hour, 5 in two hours."""
    now = timezone.now()
    return {
        "forever": credit_grant(user=user, amount=5, idempotency_key="forever"),
        "soon": credit_grant(user=user, amount=5, idempotency_key="soon", expires_at=now + HOUR),
        "later": credit_grant(
            user=user, amount=5, idempotency_key="later", expires_at=now + 2 * HOUR
        ),
    }


def left(grant: CreditTransfer) -> int:
    return CreditLot.objects.get(grant=grant).remaining


def lapse_after(hours: float) -> int:
    return credit_grants_lapse(now=timezone.now() + timedelta(hours=hours))


def test_what_is_left_of_a_grant_lapses_when_it_expires(user: User) -> None:
    credit_grant(user=user, amount=5, idempotency_key="forever")
    soon = credit_grant(
        user=user,
        amount=10,
        idempotency_key="promo",
        source="promotional",
        expires_at=timezone.now() + timedelta(milliseconds=50),
    )
    time.sleep(0.1)

    assert credits_upkeep()["grants_lapsed"] == 1

    lapse = CreditTransfer.objects.get(kind="lapse")
    assert (lapse.amount, lapse.lot_draws) == (10, {str(soon.lot.pk): 10})
    assert credit_balance(user=user).available == 5
    assert credit_grants_lapse() == 0  # nothing left to lapse
    assert credit_ledger_mismatches() == []


def test_spending_draws_on_the_soonest_expiring_grant_first(
    user: User, grants: dict[str, CreditTransfer]
) -> None:
    hold = credit_reserve(user=user, amount=7, idempotency_key="job", timeout=HOUR)
    credit_capture(hold=hold)

    assert (left(grants["soon"]), left(grants["later"])) == (0, 3)
    assert lapse_after(1.5) == 0  # the soonest was spent whole
    assert lapse_after(3) == 1
    assert credit_balance(user=user).available == 5  # what never expires
    assert credit_ledger_mismatches() == []


def test_a_release_gives_the_credits_back_to_their_grants(
    user: User, grants: dict[str, CreditTransfer]
) -> None:
    hold = credit_reserve(user=user, amount=7, idempotency_key="job", timeout=HOUR)
    credit_release(hold=hold)

    assert (left(grants["soon"]), left(grants["later"])) == (5, 5)
    assert lapse_after(1.5) == 1
    assert credit_balance(user=user).available == 10


def test_a_partial_capture_is_charged_to_the_soonest_expiring_grant(
    user: User, grants: dict[str, CreditTransfer]
) -> None:
    hold = credit_reserve(user=user, amount=7, idempotency_key="job", timeout=HOUR)
    credit_capture(hold=hold, amount=4)

    # The 3 given back go to the later grant first (it gave 2), then the sooner.
    assert (left(grants["soon"]), left(grants["later"])) == (1, 5)


def test_a_negative_adjustment_draws_on_the_soonest_expiring_grant(
    user: User, grants: dict[str, CreditTransfer]
) -> None:
    credit_adjust(user=user, amount=-3, reason="refund", idempotency_key="refund")

    assert (left(grants["soon"]), left(grants["later"])) == (2, 5)
    assert credit_balance(user=user).available == 12


def test_credits_given_back_to_an_expired_grant_lapse_at_the_next_upkeep(user: User) -> None:
    soon = credit_grant(
        user=user,
        amount=5,
        idempotency_key="soon",
        expires_at=timezone.now() + timedelta(milliseconds=50),
    )
    hold = credit_reserve(user=user, amount=5, idempotency_key="job", timeout=HOUR)
    time.sleep(0.1)
    assert credit_grants_lapse() == 0  # all of it is held

    credit_release(hold=hold)

    assert left(soon) == 5
    assert credit_grants_lapse() == 1
    assert credit_balance(user=user).available == 0
    assert credit_ledger_mismatches() == []


def test_grants_that_never_expire_have_no_lot(user: User) -> None:
    grant = credit_grant(user=user, amount=5, idempotency_key="forever")

    assert not CreditLot.objects.filter(grant=grant).exists()
    assert lapse_after(10_000) == 0
