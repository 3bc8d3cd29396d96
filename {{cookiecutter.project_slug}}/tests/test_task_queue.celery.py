"""The Celery app: its delivery guarantees, and the receivers that wire it to Django."""

from typing import Any

import pytest
import structlog
from celery import signals
from pytest_django.fixtures import Settings

from config import celery_app
from config.celery import (
    add_request_id_header,
    bind_task_context,
    clear_task_context,
    disable_connection_pool,
    use_django_logging,
)
from tests import tasks
from tests.support.logs import LogCapture
from tests.support.settings_layers import load
from tests.support.subprocesses import production_env, run_python

from {{ cookiecutter.project_slug }}.common.apps import report_in_process_tasks
from {{ cookiecutter.project_slug }}.common.tasks import housekeeping
{%- if cookiecutter.example_app == "y" %}
from {{ cookiecutter.project_slug }}.exports.tasks import (
    bookmark_export_build,
    resend_pending_bookmark_exports,
)
{%- endif %}


def test_tasks_are_delivered_at_least_once_and_one_at_a_time() -> None:
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert conf.broker_connection_retry_on_startup is True


def test_messages_are_json_only() -> None:
    conf = celery_app.conf

    assert conf.task_serializer == conf.result_serializer == "json"
    assert conf.accept_content == ["json"]


def test_a_redis_broker_redelivers_no_task_before_it_could_have_finished() -> None:
    conf = celery_app.conf
    soft, hard = conf.task_soft_time_limit, conf.task_time_limit
{%- if cookiecutter.example_app == "y" %}
    # A retry waits in the worker, unacknowledged, for its countdown: at most the
    # backoff's ceiling, or the last retry's doubled wait if that comes first.
    export_task: Any = bookmark_export_build
    longest_retry_wait = min(
        export_task.retry_backoff_max,
        export_task.retry_backoff * 2 ** (export_task.max_retries - 1),
    )
{%- endif %}

    assert 0 < soft < hard
{%- if cookiecutter.example_app == "y" %}
    assert conf.broker_transport_options["visibility_timeout"] > hard + longest_retry_wait
{%- else %}
    assert conf.broker_transport_options["visibility_timeout"] > hard
{%- endif %}


def test_a_redis_broker_redelivers_the_task_of_a_dead_worker_within_minutes() -> None:
    # A worker's sweep finds it up to about 100 s later (kombu's default sweep interval).
    assert celery_app.conf.broker_transport_options["visibility_timeout"] + 100 <= 10 * 60


def test_sending_a_task_waits_for_the_broker_a_bounded_time(settings: Settings) -> None:
    conf = celery_app.conf
    timeout = settings.CELERY_BROKER_TIMEOUT

    assert 0 < timeout <= 2
    assert conf.broker_connection_timeout == timeout
    assert conf.broker_transport_options["socket_connect_timeout"] == timeout
    assert conf.broker_transport_options["socket_timeout"] == timeout
    assert conf.task_publish_retry_policy["max_retries"] == 1


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        (
            {"CELERY_TASK_TIME_LIMIT": "600", "CELERY_BROKER_VISIBILITY_TIMEOUT": "600"},
            "CELERY_BROKER_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT (600 <= 600)",
        ),
        ({"CELERY_BROKER_TIMEOUT": "0"}, "CELERY_BROKER_TIMEOUT must be more than 0 seconds"),
    ],
)
def test_broker_timeouts_that_cannot_work_are_refused(
    variables: dict[str, str], error: str
) -> None:
    result = run_python("-c", "import config.settings.production", env=production_env(**variables))

    assert result.returncode != 0
    assert error in result.stderr


def test_the_housekeeping_task_is_scheduled_in_the_database() -> None:
    conf = celery_app.conf

    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert conf.beat_schedule["housekeeping"]["task"] == housekeeping.name
{%- if cookiecutter.example_app == "y" %}
    resend = conf.beat_schedule["resend-pending-bookmark-exports"]
    assert resend["task"] == resend_pending_bookmark_exports.name
    assert resend["schedule"].minute == set(range(0, 60, 5))
{%- endif %}


def test_production_refuses_to_start_without_a_broker() -> None:
    env = production_env()
    del env["CELERY_BROKER_URL"]

    result = run_python("-c", "import config.settings.production", env=env)

    assert result.returncode != 0
    assert "Set the CELERY_BROKER_URL environment variable" in result.stderr


@pytest.mark.parametrize(
    ("variables", "eager"), [({}, True), ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/1"}, False)]
)
def test_development_runs_tasks_in_process_only_without_a_broker(
    environment: dict[str, str], variables: dict[str, str], eager: bool
) -> None:
    environment.update(variables)

    development = load("development")

    assert development["CELERY_TASK_ALWAYS_EAGER"] is eager


@pytest.mark.parametrize(
    ("broker_url", "logged"), [("", True), ("redis://127.0.0.1:6379/1", False)]
)
def test_running_tasks_in_process_is_reported_at_start_up(
    settings: Settings, json_logs: LogCapture, broker_url: str, logged: bool
) -> None:
    settings.CELERY_BROKER_URL = broker_url

    report_in_process_tasks()

    assert len(json_logs.events("tasks_in_process")) == int(logged)


def test_a_worker_logs_through_djangos_logging(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    configured: list[tuple[Any, ...]] = []
    monkeypatch.setattr("config.celery.configure_logging", lambda *args: configured.append(args))

    # What Celery sends before it would configure logging itself: with a receiver, it
    # leaves logging, the root logger included, alone.
    responses = signals.setup_logging.send(
        sender=None, loglevel="INFO", logfile=None, format="", colorize=False
    )

    assert [receiver for receiver, _ in responses] == [use_django_logging]
    assert configured == [(settings.LOGGING_CONFIG, settings.LOGGING)]


def test_the_prefork_pools_processes_connect_without_a_connection_pool(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    database = settings.DATABASES["default"]
    monkeypatch.setitem(database, "OPTIONS", {"pool": {"min_size": 2}, "sslmode": "require"})

    disable_connection_pool()

    assert database["OPTIONS"] == {"sslmode": "require"}


def test_a_task_sent_while_handling_a_request_carries_its_id() -> None:
    headers: dict[str, Any] = {}
    without: dict[str, Any] = {}

    with structlog.contextvars.bound_contextvars(request_id="req-1"):
        add_request_id_header(headers=headers)
    add_request_id_header(headers=without)

    assert headers == {"request_id": "req-1"}
    assert without == {}


class FakeRequest:
    def __init__(self, **attributes: Any) -> None:
        self.is_eager = False
        self.__dict__.update(attributes)


class FakeTask:
    name = "app.tasks.example"

    def __init__(self, request: FakeRequest) -> None:
        self.request = request


@pytest.mark.parametrize(("request_id", "bound"), [("req-7", {"request_id": "req-7"}), (None, {})])
def test_a_task_in_a_worker_logs_with_its_id_and_the_request_id_it_came_with(
    request_id: str | None, bound: dict[str, str]
) -> None:
    task: Any = FakeTask(FakeRequest(request_id=request_id))
    structlog.contextvars.bind_contextvars(stale="from the previous task")

    bind_task_context(task=task, task_id="t-1")
    during = structlog.contextvars.get_contextvars()
    clear_task_context(task=task)

    assert during == {"task_id": "t-1", "task": "app.tasks.example", **bound}
    assert structlog.contextvars.get_contextvars() == {}


def test_an_eager_task_logs_with_the_request_id_of_its_caller(json_logs: LogCapture) -> None:
    with structlog.contextvars.bound_contextvars(request_id="req-eager"):
        tasks.greet.delay("Ada")
        after = structlog.contextvars.get_contextvars()

    [greeted] = json_logs.events("greeted")
    assert greeted["request_id"] == "req-eager"
    assert after == {"request_id": "req-eager"}
