"""Task-queue figures of a rendered project: enqueue-to-done latency and burst throughput.

Run with the rendered project's interpreter, from the project's directory, with its
services in the environment (DATABASE_URL, and CELERY_BROKER_URL for Celery):

    cd <project> && .venv/bin/python /path/to/scripts/bench_queue.py celery|procrastinate

It migrates the database, starts one real worker process with concurrency 1 on a queue
of its own, and enqueues the test-only task tests.tasks.slow(journal, 0). A task is
done when its "finished" line is in the journal file, which this process polls every
millisecond. It prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path.cwd()
# The rendered project's own `tests` package, which holds the test-only tasks, is not
# installed in its virtualenv, and a script's sys.path starts at the script's folder, not
# the project's: this runs in the rendered project's interpreter (bench.py calls it with
# <project>/.venv/bin/python) and imports the rendered project's code, not the template's.
sys.path.insert(0, str(PROJECT_DIR))

QUEUE = "bench"
POLL_SECONDS = 0.001
DEADLINE_SECONDS = 120
# Settings that register tests.tasks: the Celery workers' settings turn eager mode off;
# procrastinate's test settings run defers in-process, which main() turns off.
SETTINGS = {"celery": "tests.worker_settings", "procrastinate": "config.settings.test"}
WORKER_COMMANDS = {
    "celery": [
        *("-m", "celery", "--app", "config", "worker", f"--queues={QUEUE}"),
        *("--pool=prefork", "--concurrency=1", "--without-mingle", "--without-gossip"),
    ],
    "procrastinate": ["manage.py", "procrastinate", "worker", f"--queues={QUEUE}", "--concurrency=1"],
}


class Worker:
    """The worker process, its output in a log file."""

    def __init__(self, queue: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, *WORKER_COMMANDS[queue]],
                cwd=PROJECT_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for_finished(journal: Path, count: int, worker: Worker) -> None:
    """Poll the journal until it holds ``count`` "finished" lines."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while journal.read_text().count("finished\n") < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"fewer than {count} tasks done after {DEADLINE_SECONDS} s")
        worker.check_alive()
        time.sleep(POLL_SECONDS)


def enqueuer(queue: str, journal: Path) -> Callable[[], object]:
    """A function that enqueues slow(journal, 0) once, on QUEUE."""
    from tests.tasks import slow

    if queue == "celery":
        return lambda: slow.apply_async((str(journal), 0), queue=QUEUE)
    deferrer = slow.configure(queue=QUEUE)
    return lambda: deferrer.defer(journal=str(journal), seconds=0)


def measure(queue: str, latency_runs: int, burst: int) -> dict[str, object]:
    import django
    from django.conf import settings
    from django.core.management import call_command

    # The worker gets the environment as given (its log level included); this process
    # logs warnings only, so that its stdout is the JSON object alone.
    worker_env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS[queue]}
    os.environ.update(DJANGO_SETTINGS_MODULE=SETTINGS[queue], LOG_LEVEL="WARNING")
    django.setup()
    if queue == "procrastinate":
        # Defer to the PostgreSQL queue, for the worker, instead of running in-process.
        settings.TASKS_RUN_IN_PROCESS = False
    call_command("migrate", interactive=False, verbosity=0)

    with tempfile.TemporaryDirectory() as scratch:
        journal = Path(scratch) / "journal"
        journal.touch()
        enqueue = enqueuer(queue, journal)
        worker = Worker(queue, worker_env, Path(scratch) / "worker.log")
        try:
            # The first task waits for the worker to start; later ones find it ready.
            enqueue()
            wait_for_finished(journal, 1, worker)
            done = 1

            latencies = []
            for _ in range(latency_runs):
                started = time.perf_counter()
                enqueue()
                done += 1
                wait_for_finished(journal, done, worker)
                latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            for _ in range(burst):
                enqueue()
            enqueue_seconds = time.perf_counter() - started
            done += burst
            wait_for_finished(journal, done, worker)
            burst_seconds = time.perf_counter() - started
        finally:
            worker.stop()

    milliseconds = sorted(seconds * 1000 for seconds in latencies)
    return {
        "queue": queue,
        "worker": "1 process, concurrency 1",
        "latency_runs": latency_runs,
        "latency_p50_ms": round(statistics.median(milliseconds), 1),
        "latency_p95_ms": round(statistics.quantiles(milliseconds, n=20)[18], 1),
        "latency_max_ms": round(milliseconds[-1], 1),
        "burst_tasks": burst,
        "burst_enqueue_seconds": round(enqueue_seconds, 2),
        "burst_seconds": round(burst_seconds, 2),
        "tasks_per_second": round(burst / burst_seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queue", choices=sorted(SETTINGS))
    parser.add_argument("--latency-runs", type=int, default=100)
    parser.add_argument("--burst", type=int, default=400)
    args = parser.parse_args()
    print(json.dumps(measure(args.queue, args.latency_runs, args.burst)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
