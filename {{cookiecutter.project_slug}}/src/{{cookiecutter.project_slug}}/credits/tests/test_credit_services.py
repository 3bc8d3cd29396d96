from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from {{ cookiecutter.project_slug }}.common.exceptions import ApplicationError
from {{ cookiecutter.project_slug }}.credits.models import CreditAccount, CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import (
    credit_balance,
    credit_ledger_mismatches,
    credit_transfers,
)
from {{ cookiecutter.project_slug }}.credits.services import (
    HoldExpiredError,
    HoldResolvedError,
    IdempotencyKeyReusedError,
    InsufficientCreditsError,
    credit_adjust,
    credit_capture,
    credit_grant,
    credit_holds_expire,
    credit_release,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOLD = timedelta(minutes=10)


@pytest.fixture
def user() -> User:
    user = UserFactory.create()
    credit_grant(user=user, amount=100, idempotency_key="welcome")
    return user


def test_a_new_user_has_no_credits() -> None:
    balance = credit_balance(user=UserFactory.create())

    assert (balance.available, balance.held, balance.posted) == (0, 0, 0)


def test_a_hold_is_taken_from_what_is_available_until_captured(user: User) -> None:
    hold = credit_reserve(user=user, amount=30, idempotency_key="job-1", timeout=HOLD)
    held = credit_balance(user=user)
    credit_capture(hold=hold, amount=20)
    captured = credit_balance(user=user)

    assert (held.available, held.held, held.posted) == (70, 30, 100)
    # Part of the hold was charged; the rest went back.
    assert (captured.available, captured.held, captured.posted) == (80, 0, 80)
    assert credit_ledger_mismatches() == []


def test_a_released_hold_gives_everything_back(user: User) -> None:
    hold = credit_reserve(user=user, amount=30, idempotency_key="job-1", timeout=HOLD)

    release = credit_release(hold=hold)

    balance = credit_balance(user=user)
    assert (balance.available, balance.held, balance.posted) == (100, 0, 100)
    assert (release.kind, release.amount, release.hold) == ("release", 30, hold)


def test_more_than_is_available_is_refused_and_nothing_moves(user: User) -> None:
    credit_reserve(user=user, amount=60, idempotency_key="job-1", timeout=HOLD)

    with pytest.raises(InsufficientCreditsError) as refused:
        credit_reserve(user=user, amount=41, idempotency_key="job-2", timeout=HOLD)

    assert refused.value.extra == {"needed": 41, "available": 40}
    assert credit_balance(user=user).available == 40
    assert not credit_transfers(user=user).filter(idempotency_key="job-2").exists()


def test_the_same_key_posts_once_and_returns_the_first_transfer(user: User) -> None:
    first = credit_reserve(user=user, amount=10, idempotency_key="job-1", timeout=HOLD)
    again = credit_reserve(user=user, amount=10, idempotency_key="job-1", timeout=HOLD)

    assert again == first
    assert credit_balance(user=user).held == 10


def test_the_same_key_for_another_transfer_is_refused(user: User) -> None:
    credit_reserve(user=user, amount=10, idempotency_key="job-1", timeout=HOLD)

    with pytest.raises(IdempotencyKeyReusedError, match="job-1"):
        credit_reserve(user=user, amount=11, idempotency_key="job-1", timeout=HOLD)


def test_keys_are_per_account() -> None:
    ada, bob = UserFactory.create(), UserFactory.create()

    credit_grant(user=ada, amount=5, idempotency_key="signup")
    credit_grant(user=bob, amount=7, idempotency_key="signup")

    assert (credit_balance(user=ada).posted, credit_balance(user=bob).posted) == (5, 7)


def test_a_hold_is_resolved_once(user: User) -> None:
    hold = credit_reserve(user=user, amount=10, idempotency_key="job-1", timeout=HOLD)
    capture = credit_capture(hold=hold)

    # The same capture again (a retried task) is the first one, charged once.
    assert credit_capture(hold=hold) == capture
    with pytest.raises(HoldResolvedError, match="capture of 10"):
        credit_release(hold=hold)
    with pytest.raises(HoldResolvedError):
        credit_capture(hold=hold, amount=5)
    assert credit_balance(user=user).posted == 90


@pytest.mark.parametrize("amount", [0, 11])
def test_a_capture_takes_one_to_all_of_the_hold(user: User, amount: int) -> None:
    hold = credit_reserve(user=user, amount=10, idempotency_key="job-1", timeout=HOLD)

    with pytest.raises(ApplicationError):
        credit_capture(hold=hold, amount=amount)

    assert credit_balance(user=user).held == 10


def test_only_a_hold_can_be_captured(user: User) -> None:
    grant = credit_transfers(user=user).get()

    with pytest.raises(ApplicationError, match="not a hold"):
        credit_capture(hold=grant)


@pytest.mark.parametrize("amount", [0, -1])
def test_grants_and_holds_are_positive(user: User, amount: int) -> None:
    with pytest.raises(ApplicationError, match="positive"):
        credit_grant(user=user, amount=amount, idempotency_key="x")
    with pytest.raises(ApplicationError, match="positive"):
        credit_reserve(user=user, amount=amount, idempotency_key="y", timeout=HOLD)


def test_an_adjustment_adds_or_takes_away_with_a_reason(user: User) -> None:
    credit_adjust(user=user, amount=-30, reason="refund reversed", idempotency_key="adj-1")
    credit_adjust(user=user, amount=5, reason="goodwill", idempotency_key="adj-2")

    assert credit_balance(user=user).posted == 75
    with pytest.raises(InsufficientCreditsError):
        credit_adjust(user=user, amount=-76, reason="too much", idempotency_key="adj-3")
    with pytest.raises(ApplicationError, match="reason"):
        credit_adjust(user=user, amount=1, reason=" ", idempotency_key="adj-4")
    assert credit_ledger_mismatches() == []


def test_the_expiry_job_expires_the_holds_whose_time_is_up(user: User) -> None:
    stale = credit_reserve(user=user, amount=10, idempotency_key="stale", timeout=HOLD)
    fresh = credit_reserve(user=user, amount=20, idempotency_key="fresh", timeout=HOLD * 3)
    captured = credit_reserve(user=user, amount=30, idempotency_key="done", timeout=HOLD)
    credit_capture(hold=captured)

    expired = credit_holds_expire(now=timezone.now() + HOLD * 2)

    assert expired == 1
    assert stale.resolutions.get().kind == CreditTransfer.Kind.EXPIRE
    assert not fresh.resolutions.exists()
    assert credit_balance(user=user).held == 20
    # A capture that comes after the expiry (a worker that was slow) is refused.
    with pytest.raises(HoldResolvedError, match="expire"):
        credit_capture(hold=stale)
    assert credit_holds_expire(now=timezone.now() + HOLD * 2) == 0


def test_a_hold_that_timed_out_cannot_be_captured_and_charges_nothing(user: User) -> None:
    hold = credit_reserve(
        user=user, amount=10, idempotency_key="slow", timeout=timedelta(microseconds=1)
    )

    with pytest.raises(HoldExpiredError, match="timed out"):
        credit_capture(hold=hold)

    assert credit_holds_expire() == 1
    assert credit_balance(user=user).posted == 100


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda user: credit_grant(user=user, amount=10**12 + 1, idempotency_key="x"), "up to"),
        (lambda user: credit_grant(user=user, amount=1, idempotency_key=" "), "key"),
        (lambda user: credit_grant(user=user, amount=1, idempotency_key="k" * 256), "key"),
        (
            lambda user: credit_reserve(
                user=user, amount=1, idempotency_key="y", timeout=timedelta(0)
            ),
            "timeout",
        ),
        (
            lambda user: credit_adjust(
                user=user, amount=-(10**12) - 1, reason="r", idempotency_key="z"
            ),
            "either way",
        ),
    ],
    ids=["huge-amount", "blank-key", "long-key", "no-timeout", "huge-adjustment"],
)
def test_out_of_bounds_input_is_refused_before_the_database_sees_it(
    user: User, call: Callable[[User], CreditTransfer], message: str
) -> None:
    with pytest.raises(ApplicationError, match=message):
        call(user)

    assert credit_balance(user=user).posted == 100


def test_a_total_changed_behind_the_ledgers_back_is_a_mismatch(user: User) -> None:
    account = CreditAccount.objects.get(user=user)
    account.credits_posted += 1
    account.save()

    [mismatch] = credit_ledger_mismatches()

    assert (mismatch.account_id, mismatch.total) == (account.pk, "credits_posted")
    assert (mismatch.stored, mismatch.recomputed) == (101, 100)
