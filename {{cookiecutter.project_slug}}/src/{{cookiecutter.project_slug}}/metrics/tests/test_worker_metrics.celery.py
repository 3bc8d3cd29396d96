"""A real Celery worker with two pool processes counts its tasks and serves the sum."""

from pathlib import Path

import pytest

from tests import tasks
from tests.support.scraping import (
    TOKEN,
    names_in,
    referenced_metrics,
    scrape,
    total,
)
from tests.support.worker import new_queue_name, publishing_to, running_worker, wait_until

pytestmark = pytest.mark.celery_broker

PREFIX = "{{ cookiecutter.project_slug }}"


def test_the_worker_serves_what_its_pool_processes_counted(tmp_path: Path) -> None:
    queue = new_queue_name()
    env = {"METRICS_TOKEN": TOKEN}
    with (
        publishing_to(queue),
        running_worker(queue, tmp_path, concurrency=2, env=env) as worker,
    ):
        [serving] = worker.wait_for(lambda record: record["event"] == "worker_metrics_serving")
        url = f"http://127.0.0.1:{serving['port']}/metrics"
        tasks.greet.delay("metrics")
        tasks.broken.delay(str(tmp_path / "broken"))
        tasks.flaky.delay(str(tmp_path / "flaky"), 1)

        def counted() -> str | None:
            _, text = scrape(url)
            done = total(text, f"{PREFIX}_tasks_succeeded_total") == 2
            return text if done and total(text, f"{PREFIX}_tasks_failed_total") == 1 else None

        text = wait_until(counted, describe=lambda: scrape(url)[1])
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
