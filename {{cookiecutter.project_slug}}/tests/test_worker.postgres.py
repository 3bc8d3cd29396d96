"""Real workers (`manage.py procrastinate worker`) running tasks from the test database."""

import signal
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import structlog
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.tasks import ConfigureTaskOptions
from pytest_django.fixtures import Settings

from tests import tasks
from tests.support.subprocesses import production_env
from tests.support.worker import Worker, job_status, running_worker, wait_for

from {{ cookiecutter.project_slug }}.common import tasks as common_tasks
from {{ cookiecutter.project_slug }}.common.task_queue import (
    current_request_id,
    remove_old_jobs,
    retry_stalled_jobs,
)

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _to_the_queue(settings: Settings) -> None:
    settings.TASKS_RUN_IN_PROCESS = False


@pytest.fixture
def worker(transactional_db: None) -> Iterator[Worker]:
    with running_worker() as worker:
        yield worker


def read(journal: Path) -> list[str]:
    return journal.read_text().splitlines() if journal.exists() else []


def on_demand(worker: Worker) -> ConfigureTaskOptions:
    """Options to defer a periodic task to ``worker`` now.

    The worker's own scheduler may have queued the task already, elsewhere, under the
    task's queueing lock: this job takes a lock of its own.
    """
    return {"queue": worker.queue, "queueing_lock": worker.queue}


def errors(worker: Worker, job_id: int) -> list[dict[str, object]]:
    return [record for record in worker.job_records(job_id) if record["level"] == "error"]


def test_a_task_runs_in_a_worker_whose_json_lines_carry_the_deferring_request_id(
    worker: Worker,
) -> None:
    with structlog.contextvars.bound_contextvars(request_id="req-worker-1"):
        job_id = tasks.greet.configure(queue=worker.queue).defer(
            name="Ada", request_id=current_request_id()
        )

    wait_for(lambda: job_status(job_id) == "succeeded")
    lines = worker.job_records(job_id)
    events = [line["event"] for line in lines]
    assert events[0].startswith("Starting job")
    assert "greeted" in events
    assert events[-1].startswith(f"Job {tasks.greet.name}[{job_id}]")
    assert "Success" in events[-1]
    assert all(line["request_id"] == "req-worker-1" for line in lines)
    [greeted] = [line for line in lines if line["event"] == "greeted"]
    assert (greeted["name"], greeted["task"], greeted["attempt"]) == ("Ada", tasks.greet.name, 1)
    assert greeted["logger"] == "tests.tasks"


def test_a_transient_failure_succeeds_on_retry(worker: Worker, tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    job_id = tasks.flaky.configure(queue=worker.queue).defer(journal=str(journal), failures=1)

    wait_for(lambda: job_status(job_id) == "succeeded")
    assert read(journal) == ["attempt", "attempt"]
    assert ProcrastinateJob.objects.get(pk=job_id).attempts == 2
    [succeeded] = [
        line for line in worker.job_records(job_id) if line["event"] == "flaky.succeeded"
    ]
    assert succeeded["attempt"] == 2
    assert errors(worker, job_id) == []


def test_a_task_that_keeps_failing_transiently_ends_failed_and_is_logged_once(
    worker: Worker, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    job_id = tasks.flaky.configure(queue=worker.queue).defer(journal=str(journal), failures=99)

    wait_for(lambda: job_status(job_id) == "failed")
    assert read(journal) == ["attempt"] * 3
    [error] = wait_for(lambda: errors(worker, job_id))
    assert "OperationalError: the database went away (attempt 3)" in str(error["exception"])


def test_a_task_failing_for_good_ends_failed_at_once_and_is_logged_once(
    worker: Worker, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    job_id = tasks.broken.configure(queue=worker.queue).defer(journal=str(journal))

    wait_for(lambda: job_status(job_id) == "failed")
    assert read(journal) == ["attempt"]
    [error] = wait_for(lambda: errors(worker, job_id))
    assert "ValueError: the widget is broken" in str(error["exception"])


def test_sigterm_lets_the_running_task_finish_and_loses_none_of_the_waiting_ones(
    worker: Worker, tmp_path: Path
) -> None:
    running, waiting = tmp_path / "running", tmp_path / "waiting"
    running_id = tasks.slow.configure(queue=worker.queue).defer(journal=str(running), seconds=2)
    wait_for(lambda: read(running) == ["started"])
    waiting_id = tasks.slow.configure(queue=worker.queue).defer(journal=str(waiting), seconds=0)

    assert worker.stop(signal.SIGTERM) == 0
    assert read(running) == ["started", "finished"]
    assert job_status(running_id) == "succeeded"
    assert worker.has_logged("Stop requested")
    assert job_status(waiting_id) == "todo"

    with running_worker(queue=worker.queue):
        wait_for(lambda: job_status(waiting_id) == "succeeded")
    assert read(waiting) == ["started", "finished"]


def test_the_job_of_a_worker_killed_mid_task_is_retried(
    transactional_db: None, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    with running_worker() as doomed:
        job_id = tasks.slow.configure(queue=doomed.queue).defer(journal=str(journal), seconds=1)
        wait_for(lambda: read(journal) == ["started"])
        doomed.stop(signal.SIGKILL)
    assert job_status(job_id) == "doing"
    # A worker is dead once its heartbeat is 30 seconds old: age it rather than wait.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' "
            "WHERE id = (SELECT worker_id FROM procrastinate_jobs WHERE id = %s)",
            [job_id],
        )

    with running_worker(queue=doomed.queue) as rescuer:
        retry_stalled_jobs.configure(**on_demand(rescuer)).defer(timestamp=int(time.time()))
        wait_for(lambda: job_status(job_id) == "succeeded")

    assert read(journal) == ["started", "started", "finished"]
    [retried] = [line for line in rescuer.records() if line["event"] == "stalled_job_retried"]
    assert retried["stalled_job_id"] == job_id


def test_a_periodic_task_is_deferred_and_run_by_a_worker(transactional_db: None) -> None:
    assert (tasks.tick.name, "") in app.periodic_registry.periodic_tasks
    started = int(time.time())

    with running_worker(queue=tasks.PERIODIC_QUEUE) as worker:
        [tick, *_] = wait_for(
            lambda: [
                line
                for line in worker.records()
                if line["event"] == "ticked" and line["due"] >= started
            ]
        )
        wait_for(lambda: job_status(tick["job_id"]) == "succeeded")


def test_a_production_worker_does_the_housekeeping_and_logs_json_lines(
    transactional_db: None,
) -> None:
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="", expire_date=now)
    Session.objects.create(
        session_key="current", session_data="", expire_date=now + timedelta(days=1)
    )

    with running_worker(env=production_env()) as worker:
        job_id = common_tasks.housekeeping.configure(**on_demand(worker)).defer(
            timestamp=int(time.time())
        )
        wait_for(lambda: job_status(job_id) == "succeeded")

    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
    assert [line["event"] for line in worker.job_records(job_id)][1] == "housekeeping.finished"
    # The command prints one banner line before the worker starts; every other line is
    # a JSON object.
    not_json = [line for line in worker.lines() if not line.startswith("{")]
    assert not_json == [f"Launching a worker on {worker.queue}"]
    assert len(worker.records()) == len(worker.lines()) - 1


def test_finished_jobs_are_deleted_once_old_failed_ones_later(
    worker: Worker, tmp_path: Path
) -> None:
    succeeded = tasks.greet.configure(queue=worker.queue).defer(name="old")
    failed = tasks.broken.configure(queue=worker.queue).defer(journal=str(tmp_path / "journal"))
    wait_for(lambda: (job_status(succeeded), job_status(failed)) == ("succeeded", "failed"))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - interval '8 days' "
            "WHERE job_id IN (%s, %s)",
            [succeeded, failed],
        )

    cleanup = remove_old_jobs.configure(**on_demand(worker)).defer(timestamp=int(time.time()))

    wait_for(lambda: job_status(cleanup) == "succeeded")
    remaining = ProcrastinateJob.objects.filter(pk__in=[succeeded, failed])
    assert list(remaining.values_list("pk", flat=True)) == [failed]
