"""The credits' periodic jobs as Celery tasks, and beat's schedule of them."""

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from config import celery_app

from {{ cookiecutter.project_slug }}.credits.services import credit_grant, credit_reserve
from {{ cookiecutter.project_slug }}.credits.tasks import credits_reconcile, credits_upkeep
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db


def test_beat_runs_the_upkeep_every_minute_and_the_check_hourly() -> None:
    schedule = celery_app.conf.beat_schedule

    assert schedule["credits-upkeep"]["task"] == credits_upkeep.name
    assert schedule["credits-upkeep"]["schedule"].minute == set(range(60))
    assert schedule["credits-reconcile"]["task"] == credits_reconcile.name
    assert schedule["credits-reconcile"]["schedule"].minute == {41}


def test_the_tasks_run_the_upkeep_and_the_check(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")
    hold = credit_reserve(
        user=user, amount=4, idempotency_key="job", timeout=timedelta(microseconds=1)
    )

    with capture_logs() as logs:
        credits_upkeep.delay()
        credits_reconcile.delay()

    assert hold.resolutions.get().kind == "expire"
    events = [log["event"] for log in logs]
    assert "credits_upkeep_finished" in events
    assert "credits_check_finished" in events
