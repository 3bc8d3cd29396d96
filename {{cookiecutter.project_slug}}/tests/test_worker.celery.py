"""A real worker, in its own process, on the broker CELERY_BROKER_URL names.

Retries, failures, the request id, the JSON log lines, periodic tasks and a graceful
shutdown are what a worker does, so these tests start one rather than run tasks eagerly.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from kombu.exceptions import OperationalError as BrokerError

from tests import tasks
from tests.support.subprocesses import production_env
from tests.support.tcp_proxy import TcpProxy
from tests.support.worker import (
    Process,
    Record,
    database_url_for_workers,
    messages_waiting,
    new_queue_name,
    publishing_through,
    publishing_to,
    running_beat,
    running_worker,
    wait_until,
    within,
)

from {{ cookiecutter.project_slug }}.common.middleware import RequestIdMiddleware
from {{ cookiecutter.project_slug }}.common.tasks import housekeeping

pytestmark = pytest.mark.celery_broker


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """One worker for the tests that only send it tasks and read its log; the others
    start their own."""
    queue = new_queue_name()
    with publishing_to(queue), running_worker(queue, tmp_path_factory.mktemp("worker")) as worker:
        yield worker


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue for a worker of the test's own."""
    name = new_queue_name()
    with publishing_to(name):
        yield name


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    """Where the test tasks write down what they did."""
    path = tmp_path / "journal"
    path.touch()
    return path


def journal_lines(journal: Path) -> list[str]:
    return journal.read_text().splitlines()


def of_task(task_id: str, level: str | None = None) -> Callable[[Record], bool]:
    """Matches the log records of one task, at one level if given."""
    return lambda record: record.get("task_id") == task_id and level in (None, record["level"])


def errors(worker: Process, task_id: str) -> list[Record]:
    """The task's error records, all of them: the worker has finished with it."""
    # One process runs the tasks in turn: once it has run a later one, it has written
    # every line of the task.
    fence = tasks.noop.delay().id
    worker.wait_for(lambda record: of_task(fence)(record) and " succeeded " in record["event"])
    return [record for record in worker.records() if of_task(task_id, "error")(record)]


def enqueue_in_a_request(request_id: str, enqueue: Callable[[], object]) -> None:
    """Enqueue as a view does: inside a request, behind the request id middleware."""

    def view(request: HttpRequest) -> HttpResponse:
        enqueue()
        return HttpResponse()

    RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID=request_id))


def test_a_task_that_fails_transiently_succeeds_on_retry(worker: Process, journal: Path) -> None:
    task_id = tasks.flaky.delay(str(journal), failures=2).id
    [succeeded] = worker.wait_for(
        lambda record: of_task(task_id)(record) and record["event"] == "flaky.succeeded"
    )

    assert succeeded["attempt"] == 3
    assert journal_lines(journal) == ["attempt"] * 3
    retries = [r for r in worker.records() if of_task(task_id)(r) and " retry: " in r["event"]]
    assert len(retries) == 2
    assert all(record["level"] == "info" for record in retries)
    assert not errors(worker, task_id)


def test_a_task_that_keeps_failing_transiently_ends_failed_and_is_logged_once(
    worker: Process, journal: Path
) -> None:
    task_id = tasks.flaky.delay(str(journal), failures=99).id
    [failure] = worker.wait_for(of_task(task_id, "error"))

    # The first run and max_retries=2 retries, then it gave up.
    assert journal_lines(journal) == ["attempt"] * 3
    assert errors(worker, task_id) == [failure]
    assert "OperationalError" in failure["event"]
    assert "the database went away (attempt 3)" in failure["exception"]


def test_a_task_that_fails_for_good_is_not_retried_and_is_logged_once(
    worker: Process, journal: Path
) -> None:
    task_id = tasks.broken.delay(str(journal)).id
    [failure] = worker.wait_for(of_task(task_id, "error"))

    assert journal_lines(journal) == ["attempt"]
    assert f"tests.tasks.broken[{task_id}] raised unexpected" in failure["event"]
    assert failure["exception"].rstrip().endswith("ValueError: the widget is broken")
    assert errors(worker, task_id) == [failure]


def test_the_worker_logs_of_a_task_carry_the_request_id_of_the_request_that_sent_it(
    worker: Process,
) -> None:
    enqueue_in_a_request("req-enqueue-1", lambda: tasks.greet.delay("Ada"))
    [greeted] = worker.wait_for(lambda record: record["event"] == "greeted")
    task_id = greeted["task_id"]
    [finished] = worker.wait_for(
        lambda record: of_task(task_id)(record) and " succeeded in " in record["event"]
    )

    assert greeted["request_id"] == "req-enqueue-1"
    assert greeted["name"] == "Ada"
    assert greeted["task"] == "tests.tasks.greet"
    assert finished["request_id"] == "req-enqueue-1"
    assert finished["logger"] == "celery.app.trace"


def test_sigterm_lets_the_running_task_finish_and_leaves_the_waiting_ones_queued(
    queue: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    with running_worker(queue, tmp_path) as worker:
        tasks.slow.delay(str(first), seconds=3)
        tasks.slow.delay(str(second), seconds=0)
        wait_until(lambda: first.exists() or None)

        status = worker.stop()

    assert status == 0
    assert first.read_text().splitlines() == ["started", "finished"]
    assert not second.exists()
    assert messages_waiting(queue) == 1
    with running_worker(queue, tmp_path, name="successor"):
        wait_until(lambda: (second.exists() and "finished" in second.read_text()) or None)


def test_the_task_of_a_worker_killed_outright_runs_again_on_another(
    queue: str, tmp_path: Path
) -> None:
    """SIGKILL to the whole worker, so that no process of it is left to give the task back.

    RabbitMQ hands the task on as soon as the dead worker's connection closes; a Redis
    broker once it has been out for CELERY_BROKER_VISIBILITY_TIMEOUT, which this test
    shortens (with the time limits it must exceed) from minutes to seconds.
    """
    visibility_timeout = 4
    short = {
        "CELERY_TASK_SOFT_TIME_LIMIT": "2",
        "CELERY_TASK_TIME_LIMIT": "3",
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(visibility_timeout),
    }
    journal = tmp_path / "journal"
    with running_worker(queue, tmp_path, env=short) as doomed:
        tasks.slow.delay(str(journal), seconds=1)
        wait_until(lambda: journal.exists() or None)
        doomed.kill()
        killed = time.monotonic()
    assert journal_lines(journal) == ["started"]

    # A worker gives back what has been out that long when it starts, and every 100 s.
    time.sleep(max(0.0, killed + visibility_timeout - time.monotonic()))
    with running_worker(queue, tmp_path, name="successor", env=short):
        wait_until(lambda: journal_lines(journal)[-1:] == ["finished"] or None)

    assert journal_lines(journal) == ["started", "started", "finished"]


def test_sending_a_task_to_a_hung_broker_holds_the_sender_seconds_at_most() -> None:
    """About three CELERY_BROKER_TIMEOUTs at most, whatever the broker.

    A Redis broker that does not answer fails the send. RabbitMQ is sent tasks without
    waiting for an answer: the task waits in the connection, for the broker to come back.
    """

    def send() -> None:
        with suppress(BrokerError):
            tasks.noop.delay()

    with (
        TcpProxy.for_url(settings.CELERY_BROKER_URL) as proxy,
        publishing_to(new_queue_name()),
        publishing_through(proxy.url(settings.CELERY_BROKER_URL)),
    ):
        tasks.noop.delay()  # a connection to the broker, which then hangs
        with proxy.paused():
            within(3 * settings.CELERY_BROKER_TIMEOUT + 1, send)
        # It is back, and takes tasks again.
        tasks.noop.delay()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_production_worker_logs_json_lines_only_with_the_request_id(
    queue: str, tmp_path: Path
) -> None:
    env = production_env(
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DATABASE_URL=database_url_for_workers(tmp_path),
    )
    with running_worker(queue, tmp_path, env=env) as worker:
        enqueue_in_a_request("req-housekeeping", housekeeping.delay)
        [finished] = worker.wait_for(lambda record: record["event"] == "housekeeping.finished")

    assert finished["request_id"] == "req-housekeeping"
    assert finished["task"] == housekeeping.name
    assert finished["logger"] == "{{ cookiecutter.project_slug }}.common.tasks"
    assert worker.records()
    # Celery's SIGTERM handler writes this notice itself: logging is unsafe in a signal
    # handler. Every other line is a JSON object.
    not_json = [line for line in worker.lines() if line and not line.startswith("{")]
    assert not_json == ["worker: Warm shutdown (MainProcess)"]
    assert len(worker.records()) == len([line for line in worker.lines() if line]) - 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_beat_registers_housekeeping_and_sends_due_tasks_that_a_worker_runs(
    queue: str, tmp_path: Path
) -> None:
    expired = SessionStore()
    expired.set_expiry(timezone.now() - timedelta(days=1))
    expired.save()
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="housekeeping, every second",
        task=housekeeping.name,
        interval=every_second,
        queue=queue,
    )

    with running_beat(tmp_path), running_worker(queue, tmp_path) as worker:
        worker.wait_for(lambda record: record["event"] == "housekeeping.finished", count=2)

    registered = PeriodicTask.objects.get(name="housekeeping")
    assert registered.task == housekeeping.name
    assert registered.enabled
    assert isinstance(registered.crontab, CrontabSchedule)
    assert (registered.crontab.minute, registered.crontab.hour) == ("17", "*")
    assert not Session.objects.filter(session_key=expired.session_key).exists()
