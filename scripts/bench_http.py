"""Serve a rendered project with gunicorn and measure one endpoint's throughput.

A small closed-loop load generator: each thread keeps one HTTP/1.1 connection open and
sends requests back to back for a fixed time. On 2 cores the client shares the CPU
with the server, so the figures compare configurations run the same way, nothing more.
"""

from __future__ import annotations

import http.client
import secrets
import socket
import statistics
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(base: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        **extra,
    }


@contextmanager
def gunicorn(project: Path, env: dict[str, str], log_path: Path, workers: int = 2):
    """Yield the port of a gunicorn serving ``project``; stop it afterwards."""
    port = free_port()
    command = [str(project / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "config.wsgi:application"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def load(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    threads: int = 8,
    seconds: float = 10.0,
) -> dict[str, object]:
    """Requests per second, latency percentiles and status counts over ``seconds``."""
    headers = {"X-Forwarded-Proto": "https", "Content-Type": "application/json", **(headers or {})}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        counts: dict[int, int] = {}
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            counts[response.status] = counts.get(response.status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for status, number in counts.items():
                statuses[status] = statuses.get(status, 0) + number

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies.sort()
    return {
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "statuses": {str(status): number for status, number in sorted(statuses.items())},
    }
