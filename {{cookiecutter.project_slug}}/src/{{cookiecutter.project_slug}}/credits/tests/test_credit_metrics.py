"""The credits on /metrics: transfers counted by kind, and the ledger's state when scraped."""

from datetime import timedelta

import pytest
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings

from {{ cookiecutter.project_slug }}.credits.models import LedgerCheck
from {{ cookiecutter.project_slug }}.credits.services import (
    credit_capture,
    credit_grant,
    credit_holds_expire,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "a-metrics-token-long-enough-to-be-a-secret-1234"
PREFIX = "{{ cookiecutter.project_slug }}_"


def counted(name: str, kind: str) -> float:
    return REGISTRY.get_sample_value(f"{PREFIX}{name}_total", {"kind": kind}) or 0.0


def scrape(client: Client, settings: Settings) -> dict[str, float]:
    """The unlabelled samples of /metrics: name -> value."""
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.content
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if not sample.labels
    }


def test_each_transfer_is_counted_by_kind_with_the_credits_it_moved(user: User) -> None:
    before = {kind: counted("credit_transfers", kind) for kind in ("grant", "capture")}
    moved = counted("credits_moved", "capture")

    credit_grant(user=user, amount=10, idempotency_key="welcome")
    hold = credit_reserve(user=user, amount=4, idempotency_key="job", timeout=timedelta(hours=1))
    credit_capture(hold=hold, amount=3)

    assert counted("credit_transfers", "grant") == before["grant"] + 1
    assert counted("credit_transfers", "capture") == before["capture"] + 1
    assert counted("credits_moved", "capture") == moved + 3


# Transactional: a scrape's readiness checks may open connections of their own, which
# the test's transaction would refuse.
@pytest.mark.django_db(transaction=True)
def test_the_scrape_reports_what_is_held_overdue_and_expired(
    client: Client, settings: Settings
) -> None:
    user = UserFactory.create()
    credit_grant(user=user, amount=20, idempotency_key="welcome")
    credit_reserve(user=user, amount=5, idempotency_key="running", timeout=timedelta(hours=1))
    credit_reserve(user=user, amount=2, idempotency_key="late", timeout=timedelta(microseconds=1))
    credit_reserve(user=user, amount=1, idempotency_key="later", timeout=timedelta(microseconds=1))

    before_upkeep = scrape(client, settings)
    credit_holds_expire()
    after_upkeep = scrape(client, settings)

    assert before_upkeep[f"{PREFIX}credit_holds_outstanding"] == 3
    assert before_upkeep[f"{PREFIX}credits_held"] == 8
    assert before_upkeep[f"{PREFIX}credit_holds_overdue"] == 2
    assert before_upkeep[f"{PREFIX}credit_holds_expired_last_hour"] == 0
    assert after_upkeep[f"{PREFIX}credit_holds_outstanding"] == 1
    assert after_upkeep[f"{PREFIX}credits_held"] == 5
    assert after_upkeep[f"{PREFIX}credit_holds_overdue"] == 0
    assert after_upkeep[f"{PREFIX}credit_holds_expired_last_hour"] == 2


@pytest.mark.django_db(transaction=True)
def test_the_scrape_reports_the_last_check_of_the_ledger(
    client: Client, settings: Settings
) -> None:
    before_any = scrape(client, settings)
    assert before_any[f"{PREFIX}credits_check_mismatches"] == 0
    assert f"{PREFIX}credits_check_last_run_timestamp_seconds" not in before_any

    LedgerCheck.objects.create(mismatches=0)
    latest = LedgerCheck.objects.create(mismatches=2)
    samples = scrape(client, settings)

    assert samples[f"{PREFIX}credits_check_mismatches"] == 2
    assert samples[f"{PREFIX}credits_check_last_run_timestamp_seconds"] == pytest.approx(
        latest.checked_at.timestamp()
    )
