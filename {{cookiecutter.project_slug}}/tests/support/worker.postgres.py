"""A real procrastinate worker, in a process of its own, on the test database.

The worker tests use transactional_db: the worker is another process and sees committed
rows only. Each worker listens on a queue of its own, so that it never takes a job that
another test, or another test run on the same database, deferred.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob, ProcrastinatePeriodicDefer

from tests.support.subprocesses import PROJECT_DIR

DEADLINE_SECONDS = 30.0


def wait_for[T](condition: Callable[[], T | None], *, timeout: float = DEADLINE_SECONDS) -> T:
    """Poll until ``condition`` returns something truthy, and return it."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} seconds: {condition}")
        time.sleep(0.05)
    return result


def database_url() -> str:
    """The URL of the database pytest-django created for this run (test_<name>)."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += f":{quote(database['PASSWORD'], safe='')}"
    host = database["HOST"] or "localhost"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


def job_status(job_id: int) -> str:
    status: str = ProcrastinateJob.objects.values_list("status", flat=True).get(pk=job_id)
    return status


def cancel_waiting_periodic_jobs() -> None:
    """Cancel the periodic jobs that workers queued and that no test worker will run.

    Every worker defers the project's periodic tasks as they fall due, on their own
    queues; left waiting, their queueing locks would refuse a later test's defers.
    """
    waiting = ProcrastinatePeriodicDefer.objects.filter(job__status="todo")
    for job_id in waiting.values_list("job_id", flat=True):
        app.job_manager.cancel_job_by_id(job_id, delete_job=True)


class Worker:
    """A running `manage.py procrastinate worker` and what it has logged so far."""

    def __init__(self, process: subprocess.Popen[str], log: Path, queue: str) -> None:
        self.process = process
        self.log = log
        self.queue = queue
        # Kept when the worker ends, for the test to read after it.
        self.output: str | None = None

    def lines(self) -> list[str]:
        output = self.log.read_text() if self.output is None else self.output
        return output.splitlines()

    def records(self) -> list[dict[str, Any]]:
        """Every log line, parsed: they are all JSON. The one plain line, printed by the
        command before the worker starts, is its banner, not a log line."""
        return [json.loads(line) for line in self.lines() if not line.startswith("Launching")]

    def job_records(self, job_id: int) -> list[dict[str, Any]]:
        return [record for record in self.records() if record.get("job_id") == job_id]

    def has_logged(self, event: str) -> bool:
        return any(f'"event": "{event}' in line for line in self.lines())

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Send ``signal_number`` and wait for the process to end; returns its exit code."""
        self.process.send_signal(signal_number)
        return self.process.wait(timeout=DEADLINE_SECONDS)


@contextmanager
def running_worker(
    *, queue: str | None = None, env: dict[str, str] | None = None
) -> Iterator[Worker]:
    """Start a worker, on a new queue of its own unless ``queue`` names one, wait until it
    works, and make sure it ends.

    ``env`` replaces the test settings' environment, e.g. with production's.
    """
    queue = queue or f"tests-{uuid.uuid4().hex[:12]}"
    environment = env or {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    # The tests read the worker's info lines, whatever the developer's .env says.
    environment = {**environment, "DATABASE_URL": database_url(), "LOG_LEVEL": "INFO"}
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "worker.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "procrastinate",
                    "worker",
                    f"--queues={queue}",
                    # Retried jobs are found by polling, not notified: poll often.
                    "--fetch-job-polling-interval=0.2",
                ],
                cwd=PROJECT_DIR,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        worker = Worker(process, log, queue)
        try:
            wait_for(lambda: worker.has_logged("Starting worker") or process.poll() is not None)
            assert process.poll() is None, "\n".join(worker.lines())
            yield worker
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=DEADLINE_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            worker.output = log.read_text()
            cancel_waiting_periodic_jobs()
