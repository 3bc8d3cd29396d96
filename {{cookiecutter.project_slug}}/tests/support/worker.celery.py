"""Real Celery workers (and beat) in subprocesses, for what only a worker does.

Each test gets a queue of its own, so that tests, and test runs sharing a broker, never
take each other's tasks. A worker sees the test database only when it is PostgreSQL,
with the test's data committed (transactional_db): SQLite's test database lives in the
test process's memory. Tests that need the database are marked postgresql.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections

from config.celery import app
from tests.support.subprocesses import PROJECT_DIR

Record = dict[str, Any]

DEADLINE_SECONDS = 30


def new_queue_name() -> str:
    return f"tests-{uuid.uuid4().hex}"


def database_url_for_workers(tmp_path: Path) -> str:
    """The test database as a DATABASE_URL; a file of its own when the tests use SQLite."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


def worker_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_URL": database_url_for_workers(tmp_path),
    }
    env.update(overrides)
    return env


class Process:
    """A worker or beat process whose output, JSON lines, goes to a file."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as output:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "celery", "--app", "config", "--quiet", *args],
                cwd=PROJECT_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                # A process group of its own, the pool's processes included, for kill().
                start_new_session=True,
            )

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def records(self) -> list[Record]:
        """The lines that are JSON objects; the JSON tests check that there are no others."""
        records = []
        for line in self.lines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def wait_for(self, matches: Callable[[Record], bool], *, count: int = 1) -> list[Record]:
        """The records that match, once there are ``count`` of them."""
        return wait_until(
            lambda: found if len(found := list(filter(matches, self.records()))) >= count else None,
            describe=lambda: f"no such log record; the output so far:\n{self.log.read_text()}",
        )

    def wait_until_idle(self, queue: str) -> None:
        """Until ``queue`` holds no message and every task this worker received has ended.

        A worker sent SIGTERM just as a task reached it was seen to finish the task and
        then hang in its warm shutdown (Celery 5.5, Redis): a test that leaves a message
        on its way (a second delivery, say) waits for it before stopping the worker.
        """

        def idle() -> bool | None:
            events = [str(record["event"]) for record in self.records()]
            received = sum(event.endswith("] received") for event in events)
            ended = sum(" succeeded in " in event or " raised " in event for event in events)
            return True if received == ended and messages_waiting(queue) == 0 else None

        wait_until(idle, describe=lambda: f"still busy; the output so far:\n{self.log.read_text()}")

    def kill(self) -> int:
        """SIGKILL to the main process and its pool at once, as when a node is lost or a
        container is killed; returns the exit status."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        return self.popen.wait(timeout=DEADLINE_SECONDS)

    def stop(self) -> int:
        """SIGTERM, as an orchestrator stops a container; returns the exit status."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise


def within[T](seconds: float, call: Callable[[], T]) -> T:
    """What ``call()`` returns or raises, provided that it does so within ``seconds``.

    It runs in a thread, which a hung call leaves behind rather than the test.
    """

    def run() -> T:
        try:
            return call()
        finally:
            connections.close_all()

    executor = ThreadPoolExecutor(max_workers=1)
    try:
        return executor.submit(run).result(timeout=seconds)
    except TimeoutError as exc:
        raise AssertionError(f"still waiting after {seconds} s") from exc
    finally:
        executor.shutdown(wait=False)


def wait_until[T](
    condition: Callable[[], T | None], *, describe: Callable[[], str] = lambda: ""
) -> T:
    """Poll ``condition`` until it returns something, for at most DEADLINE_SECONDS."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (result := condition()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {DEADLINE_SECONDS} s: {describe()}")
        time.sleep(0.1)
    return result


@contextmanager
def running_worker(
    queue: str,
    tmp_path: Path,
    *,
    concurrency: int = 1,
    name: str = "worker",
    env: dict[str, str] | None = None,
) -> Iterator[Process]:
    """A worker consuming ``queue``, with the prefork pool that production uses."""
    worker = Process(
        [
            "worker",
            f"--queues={queue}",
            f"--hostname={name}-{queue}@%h",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            # Cluster chatter that only slows the start of a lone worker.
            "--without-mingle",
            "--without-gossip",
        ],
        env=worker_environment(tmp_path, **(env or {})),
        log=tmp_path / f"{name}.log",
    )
    try:
        yield worker
    finally:
        worker.stop()


@contextmanager
def running_beat(tmp_path: Path) -> Iterator[Process]:
    beat = Process(
        ["beat", "--max-interval=1", f"--schedule={tmp_path / 'beat-schedule'}"],
        env=worker_environment(tmp_path),
        log=tmp_path / "beat.log",
    )
    try:
        yield beat
    finally:
        beat.stop()


@contextmanager
def publishing_to(queue: str) -> Iterator[None]:
    """Send tasks to the broker, to ``queue``, instead of running them eagerly."""
    conf = app.conf
    saved = conf.task_always_eager, conf.task_default_queue
    conf.task_always_eager, conf.task_default_queue = False, queue
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
        # Declared as Celery declares it, so that its bindings go too (Redis keeps them
        # in keys of their own).
        with app.connection_for_write() as broker:
            declared = app.amqp.queues[queue].bind(broker.default_channel)
            declared.declare()
            declared.delete()


@contextmanager
def publishing_through(broker_url: str) -> Iterator[None]:
    """Send tasks to the broker at ``broker_url``, a proxy in front of it, say."""
    conf = app.conf
    # Tasks are sent to the write URL; the CELERY_BROKER_URL variable would trump the
    # broker_url setting.
    saved = conf.get("broker_write_url")
    conf["broker_write_url"] = broker_url
    forget_broker_connections()
    try:
        yield
    finally:
        conf["broker_write_url"] = saved
        forget_broker_connections()


def forget_broker_connections() -> None:
    """Have the next task sent through the pool of the broker conf.broker_url names.

    kombu keeps a pool of connections per broker URL, for the process's life.
    """
    # What the app does after a fork; the stubs lack these attributes.
    cached: Any = app
    cached._pool = None
    cached.amqp._producer_pool = None


def messages_waiting(queue: str) -> int:
    # Where the workers read: a test may send its tasks through a proxy.
    with app.connection_for_read() as broker:
        channel: Any = broker.default_channel  # the stubs lack the queue methods
        try:
            _, count, _ = channel.queue_declare(queue=queue, passive=True)
        except broker.channel_errors:
            return 0  # Redis keeps no key for a queue without messages
    return int(count)
