"""A real procrastinate worker counts its tasks and serves the counts."""

import os
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from tests import tasks
from tests.support.scraping import (
    TOKEN,
    names_in,
    referenced_metrics,
    scrape,
    total,
)
from tests.support.worker import running_worker, wait_for

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

PREFIX = "{{ cookiecutter.project_slug }}"


def test_the_worker_serves_its_task_counts(settings: Settings, tmp_path: Path) -> None:
    settings.TASKS_RUN_IN_PROCESS = False
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "METRICS_TOKEN": TOKEN,
    }
    with running_worker(env=env) as worker:
        [serving] = wait_for(
            lambda: [r for r in worker.records() if r["event"] == "worker_metrics_serving"]
        )
        url = f"http://127.0.0.1:{serving['port']}/metrics"
        tasks.greet.configure(queue=worker.queue).defer(name="metrics")
        tasks.broken.configure(queue=worker.queue).defer(journal=str(tmp_path / "broken"))
        tasks.flaky.configure(queue=worker.queue).defer(journal=str(tmp_path / "flaky"), failures=1)

        def counted() -> str | None:
            _, text = scrape(url)
            done = total(text, f"{PREFIX}_tasks_succeeded_total") == 2
            return text if done and total(text, f"{PREFIX}_tasks_failed_total") == 1 else None

        text = wait_for(counted)
        refused, _ = scrape(url, token="not-the-token")

    def counts(metric: str) -> dict[str, float]:
        return {
            task: total(text, f"{PREFIX}_{metric}", task=f"tests.tasks.{task}")
            for task in ("greet", "broken", "flaky")
        }

    assert counts("tasks_started_total") == {"greet": 1, "broken": 1, "flaky": 2}
    assert counts("tasks_succeeded_total") == {"greet": 1, "broken": 0, "flaky": 1}
    assert counts("tasks_failed_total") == {"greet": 0, "broken": 1, "flaky": 0}
    assert counts("tasks_retried_total") == {"greet": 0, "broken": 0, "flaky": 1}
    assert counts("task_duration_seconds_count") == {"greet": 1, "broken": 1, "flaky": 2}
    assert refused == 404
    assert referenced_metrics("worker") - names_in(text) == set()
