"""The pieces a task worker runs, in this process: the exporter and the task counters.

The worker tests (test_{{ cookiecutter.task_queue if cookiecutter.task_queue == "celery" else "procrastinate" }}_worker.py) prove them together in a real worker.
"""

import socket
{%- if cookiecutter.task_queue == "postgres" %}
import time
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
from collections.abc import Callable, Iterator
{%- else %}
from collections.abc import Callable
from typing import Any
{%- endif %}
from urllib.error import URLError

import pytest
{%- if cookiecutter.task_queue == "postgres" %}
from django.db import OperationalError
{%- endif %}
{%- if cookiecutter.task_queue == "postgres" %}
from procrastinate import App, JobContext, middleware, testing
from procrastinate.contrib.django import app
{%- endif %}
from prometheus_client import REGISTRY
from pytest_django.fixtures import Settings

{% if cookiecutter.task_queue == "celery" -%}
from tests import tasks
{% endif -%}
from tests.support.logs import capture_json_logs
from tests.support.scraping import TOKEN, scrape

from {{ cookiecutter.project_slug }}.metrics import task_queue as task_metrics
from {{ cookiecutter.project_slug }}.metrics.exporter import serve_metrics

PREFIX = "{{ cookiecutter.project_slug }}"


@pytest.fixture(autouse=True)
def _token(settings: Settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.WORKER_METRICS_PORT = 0


def counting(metric: str, task: str) -> Callable[[], float]:
    def value() -> float:
        return REGISTRY.get_sample_value(f"{PREFIX}_{metric}", {"task": task}) or 0.0

    before = value()
    return lambda: value() - before


def test_the_exporter_serves_metrics_to_whoever_may_read_them() -> None:
    server = serve_metrics(port=0)
    assert server is not None
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        allowed, text = scrape(f"{url}/metrics")
        refused, problem = scrape(f"{url}/metrics", token="not-the-token")
        elsewhere, _ = scrape(f"{url}/other")
    finally:
        server.shutdown()
        server.server_close()

    assert allowed == 200
    assert "# TYPE" in text
    assert refused == 404
    assert '"status": 404' in problem
    assert elsewhere == 404


def test_a_taken_port_is_logged_and_the_worker_runs_on() -> None:
    with socket.socket() as taken:
        taken.bind(("", 0))
        taken.listen()
        with capture_json_logs() as logs:
            server = serve_metrics(port=taken.getsockname()[1])

    assert server is None
    [line] = logs.events("worker_metrics_unavailable")
    assert line["level"] == "error"
{%- if cookiecutter.task_queue == "celery" %}


@pytest.mark.parametrize(
    ("state", "metric"),
    [
        ("SUCCESS", "tasks_succeeded_total"),
        ("FAILURE", "tasks_failed_total"),
        ("RETRY", "tasks_retried_total"),
    ],
)
def test_each_task_is_counted_and_timed(state: str, metric: str) -> None:
    name = tasks.greet.name
    started = counting("tasks_started_total", name)
    outcome = counting(metric, name)
    timed = counting("task_duration_seconds_count", name)

    task_metrics.count_task_start(task=tasks.greet, task_id="task-1")
    task_metrics.count_task_end(task=tasks.greet, task_id="task-1", state=state)

    assert (started(), outcome(), timed()) == (1, 1, 1)


@pytest.fixture
def connected() -> Iterator[None]:
    task_metrics.count_worker_tasks()
    yield
    signals = task_metrics.signals
    signals.task_prerun.disconnect(task_metrics.count_task_start)
    signals.task_postrun.disconnect(task_metrics.count_task_end)
    signals.worker_ready.disconnect(task_metrics.serve_worker_metrics)
    signals.worker_shutdown.disconnect(task_metrics.stop_serving_worker_metrics)
    signals.beat_init.disconnect(task_metrics.stop_serving_worker_metrics)


def test_the_worker_serves_from_ready_to_shutdown(connected: None) -> None:
    task_metrics.signals.worker_ready.send(sender=None)
    assert task_metrics.exporter is not None
    url = f"http://127.0.0.1:{task_metrics.exporter.server_port}/metrics"
    status, _ = scrape(url)

    task_metrics.signals.worker_shutdown.send(sender=None)

    assert status == 200
    with pytest.raises(URLError, match="Connection refused"):
        scrape(url)
{%- else %}


def run_with_metrics(task_name: str, **kwargs: Any) -> None:
    """Run a test task through the metrics middleware, as a worker would, first attempt."""
    task = app.tasks[task_name]
    job = task.configure().job.evolve(id=1, attempts=0)
    context = JobContext(
        app=app,
        job=job,
        worker_name="test",
        start_timestamp=time.time(),
        abort_reason=lambda: None,
    )
    middleware.compose([task_metrics.count_task], lambda: task(**kwargs), context, None)()


@pytest.mark.parametrize(
    ("task", "kwargs", "metric"),
    [
        ("greet", {"name": "metrics"}, "tasks_succeeded_total"),
        ("broken", {}, "tasks_failed_total"),
        ("flaky", {"failures": 1}, "tasks_retried_total"),
    ],
)
def test_each_task_is_counted_and_timed(
    tmp_path: Any, task: str, kwargs: dict[str, Any], metric: str
) -> None:
    name = f"tests.tasks.{task}"
    if task != "greet":
        kwargs["journal"] = str(tmp_path / "journal")
    started = counting("tasks_started_total", name)
    outcome = counting(metric, name)
    timed = counting("task_duration_seconds_count", name)

    if metric == "tasks_succeeded_total":
        run_with_metrics(name, **kwargs)
    else:
        with pytest.raises((ValueError, OperationalError)):
            run_with_metrics(name, **kwargs)

    assert (started(), outcome(), timed()) == (1, 1, 1)


def test_a_worker_serves_its_metrics_while_it_runs() -> None:
    worker_app = App(connector=testing.InMemoryConnector())
    task_metrics.serve_metrics_while_working(worker_app)

    with capture_json_logs() as logs:
        worker_app.run_worker(wait=False, install_signal_handlers=False)

    [line] = logs.events("worker_metrics_serving")
    with pytest.raises(URLError, match="Connection refused"):
        scrape(f"http://127.0.0.1:{line['port']}/metrics")
{%- endif %}
