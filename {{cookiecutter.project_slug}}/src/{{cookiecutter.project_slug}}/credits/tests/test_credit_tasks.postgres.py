"""The credits' periodic jobs as procrastinate tasks, and their schedule."""

from datetime import timedelta

import pytest
from procrastinate.contrib.django import app
from structlog.testing import capture_logs

from {{ cookiecutter.project_slug }}.credits.services import credit_grant, credit_reserve
from {{ cookiecutter.project_slug }}.credits.tasks import credits_reconcile, credits_upkeep
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db


def test_the_upkeep_runs_every_minute_and_the_check_hourly() -> None:
    schedules = {
        periodic.task.name: periodic.cron
        for periodic in app.periodic_registry.periodic_tasks.values()
    }

    assert schedules[credits_upkeep.name] == "* * * * *"
    assert schedules[credits_reconcile.name] == "41 * * * *"


def test_the_tasks_run_the_upkeep_and_the_check(user: User) -> None:
    credit_grant(user=user, amount=10, idempotency_key="welcome")
    hold = credit_reserve(
        user=user, amount=4, idempotency_key="job", timeout=timedelta(microseconds=1)
    )

    with capture_logs() as logs:
        credits_upkeep(timestamp=0)
        credits_reconcile(timestamp=0)

    assert hold.resolutions.get().kind == "expire"
    events = [log["event"] for log in logs]
    assert "credits_upkeep_finished" in events
    assert "credits_check_finished" in events
