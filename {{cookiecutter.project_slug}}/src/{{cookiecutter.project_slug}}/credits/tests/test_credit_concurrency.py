"""Many requests on one account at once: nothing lost, nothing spent twice (PostgreSQL)."""

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import cast

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.credits.models import CreditAccount, CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import (
    credit_balance,
    credit_ledger_mismatches,
)
from {{ cookiecutter.project_slug }}.credits.services import (
    HoldResolvedError,
    InsufficientCreditsError,
    credit_capture,
    credit_grant,
    credit_release,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

THREADS = 50


@pytest.fixture(autouse=True)
def patient_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fifty threads queue for the pool's connections behind one row lock: on a busy
    machine the last of them wait longer than the pool's timeout, which is there for
    production's requests, not for this test."""
    postgresql = cast(DatabaseWrapper, connection)
    monkeypatch.setattr(postgresql.pool, "timeout", 60.0)


def at_once[T](count: int, work: Callable[[int], T]) -> list[T]:
    """``work(0)`` … ``work(count - 1)``, each in a thread of its own, released together."""
    start = threading.Barrier(count)

    def run(number: int) -> T:
        start.wait()
        try:
            return work(number)
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_fifty_threads_reserving_capturing_and_releasing_keep_the_ledger_exact() -> None:
    user = UserFactory.create()
    credit_grant(user=user, amount=500, idempotency_key="welcome")

    def spend(number: int) -> str:
        chance = random.Random(number)  # noqa: S311 - a reproducible mix, not a secret
        outcomes = []
        for step in range(4):
            try:
                hold = credit_reserve(
                    user=user,
                    amount=chance.randint(1, 40),
                    idempotency_key=f"{number}-{step}",
                    timeout=timedelta(minutes=5),
                )
            except InsufficientCreditsError:
                outcomes.append("refused")
                continue
            if chance.random() < 0.6:
                credit_capture(hold=hold, amount=chance.randint(1, hold.amount))
                outcomes.append("captured")
            else:
                credit_release(hold=hold)
                outcomes.append("released")
        return ",".join(outcomes)

    outcomes = ",".join(at_once(THREADS, spend)).split(",")

    account = CreditAccount.objects.get(user=user)
    captured = sum(CreditTransfer.objects.filter(kind="capture").values_list("amount", flat=True))
    assert account.debits_pending == 0
    assert account.available == 500 - captured >= 0
    assert credit_balance(user=user).posted == 500 - captured
    assert credit_ledger_mismatches() == []
    # The mix did contend: some holds were refused for want of credits, most went through.
    assert {"captured", "released", "refused"} <= set(outcomes)


def test_one_idempotency_key_sent_ten_times_at_once_posts_one_transfer() -> None:
    user = UserFactory.create()

    transfers = at_once(10, lambda _: credit_grant(user=user, amount=25, idempotency_key="order-7"))

    assert {transfer.pk for transfer in transfers} == {transfers[0].pk}
    assert CreditTransfer.objects.count() == 1
    assert credit_balance(user=user).posted == 25


def test_one_request_sent_ten_times_at_once_with_its_key_gets_ten_identical_responses() -> None:
    user = UserFactory.create()
    # A superuser: a transactional test's flush empties the role groups.
    admin = UserFactory.create(is_superuser=True)
    body = {"email": user.email, "amount": 25}

    def send(_: int) -> tuple[int, bytes]:
        client = APIClient()
        client.force_authenticate(admin)
        response = client.post(
            "/api/v1/credits/grants/", body, format="json", headers={"Idempotency-Key": "order-7"}
        )
        return response.status_code, response.content

    responses = at_once(10, send)

    assert responses == [responses[0]] * 10
    assert responses[0][0] == 201
    assert CreditTransfer.objects.count() == 1
    assert credit_balance(user=user).posted == 25


def test_a_capture_and_a_release_racing_for_one_hold_resolve_it_once() -> None:
    user = UserFactory.create()
    credit_grant(user=user, amount=10, idempotency_key="welcome")
    hold = credit_reserve(user=user, amount=10, idempotency_key="job", timeout=timedelta(minutes=5))

    def resolve(number: int) -> str:
        try:
            (credit_capture if number % 2 else credit_release)(hold=hold)
        except HoldResolvedError:
            return "refused"
        return "resolved"

    outcomes = at_once(10, resolve)

    assert sorted(set(outcomes)) == ["refused", "resolved"]
    assert hold.resolutions.count() == 1
    assert credit_ledger_mismatches() == []
