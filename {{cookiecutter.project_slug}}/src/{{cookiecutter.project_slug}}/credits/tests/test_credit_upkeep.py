"""The credits' periodic work: upkeep every minute, the ledger's check every hour."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from structlog.testing import capture_logs

from {{ cookiecutter.project_slug }}.credits.models import CreditAccount, IdempotentRequest
from {{ cookiecutter.project_slug }}.credits.selectors import credit_balance, credit_hold
from {{ cookiecutter.project_slug }}.credits.services import (
    IDEMPOTENT_REQUEST_RETENTION,
    credit_grant,
    credit_ledger_reconcile,
    credit_reserve,
    credits_upkeep,
)
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db


def test_upkeep_expires_timed_out_holds_and_forgets_day_old_keys(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")
    timed_out = credit_reserve(
        user=user, amount=4, idempotency_key="late", timeout=timedelta(microseconds=1)
    )
    running = credit_reserve(
        user=user, amount=3, idempotency_key="busy", timeout=timedelta(hours=1)
    )
    now = timezone.now()
    day_old = now - IDEMPOTENT_REQUEST_RETENTION - timedelta(seconds=1)
    for key, sent_at in (("old", day_old), ("new", now)):
        IdempotentRequest.objects.create(
            caller=user, key=key, fingerprint="0" * 64, created_at=sent_at
        )

    with capture_logs() as logs:
        done = credits_upkeep(now=now)

    assert done == {"holds_expired": 1, "grants_lapsed": 0, "keys_forgotten": 1}
    assert timed_out.resolutions.get().kind == "expire"
    assert not running.resolutions.exists()
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    assert credit_balance(user=user).held == 3
    [finished] = [log for log in logs if log["event"] == "credits_upkeep_finished"]
    assert (finished["holds_expired"], finished["keys_forgotten"]) == (1, 1)


def test_the_check_logs_each_mismatch_without_personal_data(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")
    # A change behind the services' back, as a hand-written UPDATE would make.
    CreditAccount.objects.filter(user=user).update(credits_posted=F("credits_posted") + 5)

    with capture_logs() as logs:
        mismatches = credit_ledger_reconcile()

    assert len(mismatches) == 1
    [mismatch] = [log for log in logs if log["event"] == "credits_check_mismatch"]
    assert mismatch["log_level"] == "error"
    assert (mismatch["total"], mismatch["stored"], mismatch["recomputed"]) == (
        "credits_posted",
        15,
        10,
    )
    assert user.email not in str(logs)
    assert {"event": "credits_check_finished", "mismatches": 1, "log_level": "info"} in logs


def test_the_check_of_a_ledger_that_adds_up_logs_one_line(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")

    with capture_logs() as logs:
        assert credit_ledger_reconcile() == []

    assert logs == [{"event": "credits_check_finished", "mismatches": 0, "log_level": "info"}]


def test_a_hold_is_found_by_its_key_and_only_a_hold(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")
    hold = credit_reserve(user=user, amount=4, idempotency_key="job", timeout=timedelta(hours=1))

    assert credit_hold(user_id=user.pk, idempotency_key="job") == hold
    assert credit_hold(user_id=user.pk, idempotency_key="welcome") is None
    assert credit_hold(user_id=user.pk, idempotency_key="unknown") is None
