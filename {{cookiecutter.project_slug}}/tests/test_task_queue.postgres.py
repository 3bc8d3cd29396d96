"""The task queue's wiring: retries, tasks run in-process, the logs' job context, routing.

Real workers are in test_worker.py.
"""

import logging
import runpy
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import environ
import pytest
import structlog
from asgiref.sync import async_to_sync
from django.contrib import admin
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from pytest_django.fixtures import Settings

from config.procrastinate import (
    InProcessJobManager,
    PostgresRequiredConnector,
    TaskQueueRouter,
    bind_job_context,
)
from config.settings import dotenv
from tests import tasks
from tests.support.logs import LogCapture
from tests.support.subprocesses import production_env, run_python

from {{ cookiecutter.project_slug }}.common import task_queue
from {{ cookiecutter.project_slug }}.common import tasks as common_tasks
from {{ cookiecutter.project_slug }}.common.task_queue import (
    RETRY_TRANSIENT_ERRORS,
    ExponentialBackoff,
    current_request_id,
)
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], None]]]]


def a_job(*, attempts: int = 0) -> Job:
    return Job(
        id=1, queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts
    )


class TestExponentialBackoff:
    strategy = ExponentialBackoff(
        max_attempts=4, base_seconds=2, max_seconds=5, retry_exceptions=(OperationalError,)
    )

    def test_retries_the_listed_errors_until_the_last_attempt(self) -> None:
        retries = [
            self.strategy.will_retry(exception=OperationalError(), job=a_job(attempts=attempts))
            for attempts in range(4)
        ]

        assert retries == [True, True, True, False]
        last = self.strategy.get_retry_decision(exception=OperationalError(), job=a_job(attempts=3))
        assert last is None

    def test_never_retries_other_errors(self) -> None:
        assert self.strategy.get_retry_decision(exception=ValueError(), job=a_job()) is None

    @pytest.mark.parametrize(("attempts", "ceiling"), [(0, 2), (1, 4), (2, 5)])
    def test_waits_a_random_time_below_a_doubling_capped_ceiling(
        self, attempts: int, ceiling: float
    ) -> None:
        waits = []
        for _ in range(200):
            before = datetime.now(UTC)
            decision = self.strategy.get_retry_decision(
                exception=OperationalError(), job=a_job(attempts=attempts)
            )
            assert decision is not None
            assert decision.retry_at is not None
            waits.append((decision.retry_at - before).total_seconds())

        assert all(0 <= wait <= ceiling + 0.1 for wait in waits)
        # Jitter: the waits spread over the whole range instead of all being the ceiling.
        assert min(waits) < ceiling / 2 < max(waits)

    def test_the_tasks_retry_what_a_database_outage_raises_five_times_in_all(self) -> None:
        for error in (OperationalError(), InterfaceError()):
            assert RETRY_TRANSIENT_ERRORS.will_retry(exception=error, job=a_job(attempts=3))
            assert not RETRY_TRANSIENT_ERRORS.will_retry(exception=error, job=a_job(attempts=4))
        assert not RETRY_TRANSIENT_ERRORS.will_retry(exception=IntegrityError(), job=a_job())


def test_the_request_id_tasks_are_given_is_the_current_requests() -> None:
    assert current_request_id() is None
    with structlog.contextvars.bound_contextvars(request_id="req-7"):
        assert current_request_id() == "req-7"


def test_the_app_is_wired_when_django_starts() -> None:
    assert isinstance(app.job_manager, InProcessJobManager)
    assert bind_job_context in app.worker_defaults["task_middleware"]
    # Only PostgreSQL can hold the queue; on anything else a worker refuses to start,
    # and the admin shows no jobs.
    on_postgresql = connection.vendor == "postgresql"
    assert isinstance(app.connector, PostgresRequiredConnector) != on_postgresql
    assert admin.site.is_registered(ProcrastinateJob) == on_postgresql


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_admin_lists_the_jobs(client: Client, settings: Settings) -> None:
    settings.TASKS_RUN_IN_PROCESS = False
    tasks.greet.defer(name="Ada")
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:procrastinate_procrastinatejob_changelist"))

    assert response.status_code == 200
    assert tasks.greet.name in response.content.decode()


@pytest.mark.parametrize(
    ("layer", "database_url", "in_process"),
    [
        ("development", "sqlite:////tmp/development.sqlite3", True),
        ("development", "postgres://app@db.local:5432/app", False),
        ("production", "postgres://app@db.local:5432/app", False),
    ],
)
def test_tasks_run_in_process_in_development_without_postgresql_only(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    layer: str,
    database_url: str,
    in_process: bool,
) -> None:
    monkeypatch.setattr(environ.Env, "ENVIRON", production_env(DATABASE_URL=database_url))
    monkeypatch.setattr(dotenv, "DOTENV_FILE", tmp_path / ".env")

    settings = runpy.run_module(f"config.settings.{layer}")

    assert settings["TASKS_RUN_IN_PROCESS"] is in_process


def test_procrastinate_migrates_on_postgresql_only() -> None:
    router = TaskQueueRouter()

    assert router.allow_migrate("default", "procrastinate") == (connection.vendor == "postgresql")
    assert router.allow_migrate("default", "users") is None


def test_a_worker_refuses_to_start_without_postgresql() -> None:
    # production_env's database is SQLite.
    result = run_python("manage.py", "procrastinate", "worker", env=production_env())

    assert result.returncode != 0
    assert "The task queue lives in PostgreSQL: set DATABASE_URL" in result.stderr


def test_the_periodic_tasks_are_registered() -> None:
    app.perform_import_paths()
    schedules = {
        periodic.task.name: periodic.cron
        for periodic in app.periodic_registry.periodic_tasks.values()
    }

    assert schedules[common_tasks.housekeeping.name] == "17 * * * *"
    assert schedules[task_queue.retry_stalled_jobs.name] == "*/5 * * * *"
    assert schedules[task_queue.remove_old_jobs.name] == "30 3 * * *"


def test_procrastinates_own_lines_about_a_job_name_it_and_its_request(
    json_logs: LogCapture,
) -> None:
    from_a_request = a_job().evolve(id=42, task_kwargs={"request_id": "req-42"})
    periodic = a_job().evolve(id=43, task_kwargs={"timestamp": 0})
    worker_logger = logging.getLogger("procrastinate.worker")
    worker_logger.info("Starting job", extra={"job": from_a_request.log_context()})
    worker_logger.info("Starting job", extra={"job": periodic.log_context()})
    worker_logger.info("Starting worker")

    first, second, worker_line = json_logs.records()
    assert (first["job_id"], first["task"], first["request_id"]) == (42, "t", "req-42")
    assert (second["job_id"], second["task"]) == (43, "t")
    assert "request_id" not in second
    assert "job_id" not in worker_line


@pytest.mark.django_db
class TestInProcess:
    """Without a queue (TASKS_RUN_IN_PROCESS, the test settings' default)."""

    def test_a_task_runs_when_the_deferring_transaction_commits(
        self, tmp_path: Path, django_capture_on_commit_callbacks: CaptureOnCommit
    ) -> None:
        journal = tmp_path / "journal"
        with django_capture_on_commit_callbacks(execute=True):
            tasks.slow.defer(journal=str(journal), seconds=0)
            assert not journal.exists()

        assert journal.read_text().splitlines() == ["started", "finished"]

    def test_a_task_deferred_from_async_code_runs_too(
        self, tmp_path: Path, django_capture_on_commit_callbacks: CaptureOnCommit
    ) -> None:
        journal = tmp_path / "journal"
        with django_capture_on_commit_callbacks(execute=True):
            async_to_sync(tasks.slow.defer_async)(journal=str(journal), seconds=0)
            assert not journal.exists()

        assert journal.read_text().splitlines() == ["started", "finished"]

    def test_a_task_deferred_in_a_rolled_back_transaction_never_runs(
        self, tmp_path: Path, django_capture_on_commit_callbacks: CaptureOnCommit
    ) -> None:
        journal = tmp_path / "journal"
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            tasks.slow.defer(journal=str(journal), seconds=0)
            transaction.set_rollback(True)

        assert callbacks == []
        assert not journal.exists()

    def test_the_tasks_lines_carry_its_job_and_request(
        self, json_logs: LogCapture, django_capture_on_commit_callbacks: CaptureOnCommit
    ) -> None:
        with structlog.contextvars.bound_contextvars(request_id="req-1"):
            with django_capture_on_commit_callbacks(execute=True):
                tasks.greet.defer(name="Ada", request_id=current_request_id())
            # The caller's own context is as it was.
            assert structlog.contextvars.get_contextvars() == {"request_id": "req-1"}

        [greeted] = json_logs.events("greeted")
        assert greeted["request_id"] == "req-1"
        assert greeted["task"] == tasks.greet.name
        assert greeted["attempt"] == 1
        assert isinstance(greeted["job_id"], int)

    def test_a_failing_task_is_logged_and_the_caller_carries_on(
        self,
        tmp_path: Path,
        json_logs: LogCapture,
        django_capture_on_commit_callbacks: CaptureOnCommit,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.broken.defer(journal=str(tmp_path / "journal"))

        [failure] = json_logs.events("task_failed")
        assert failure["level"] == "error"
        assert failure["task"] == tasks.broken.name
        assert "ValueError: the widget is broken" in failure["exception"]


@pytest.mark.postgresql
@pytest.mark.django_db
class TestQueue:
    @pytest.fixture(autouse=True)
    def _to_the_queue(self, settings: Settings) -> None:
        settings.TASKS_RUN_IN_PROCESS = False

    def test_a_job_is_stored_by_the_deferring_transaction_or_not_at_all(self) -> None:
        with transaction.atomic():
            kept = tasks.greet.defer(name="kept")
        with transaction.atomic():
            dropped = tasks.greet.defer(name="dropped")
            transaction.set_rollback(True)

        job = ProcrastinateJob.objects.get(pk=kept)
        assert (job.task_name, job.args, job.status) == (tasks.greet.name, {"name": "kept"}, "todo")
        assert not ProcrastinateJob.objects.filter(pk=dropped).exists()

    def test_async_code_defers_to_the_queue_too(self) -> None:
        job_id = async_to_sync(tasks.greet.defer_async)(name="async")

        assert ProcrastinateJob.objects.get(pk=job_id).args == {"name": "async"}

    def test_a_periodic_task_waits_in_the_queue_once_at_most(self) -> None:
        common_tasks.housekeeping.configure().defer(timestamp=0)

        with pytest.raises(AlreadyEnqueued), transaction.atomic():
            common_tasks.housekeeping.configure().defer(timestamp=3600)
