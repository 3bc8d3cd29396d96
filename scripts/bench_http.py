"""Serve a rendered project with gunicorn and measure one endpoint's throughput.

Two closed-loop load generators: load(), in Python, where each thread keeps one HTTP/1.1
connection open and sends requests back to back for a fixed time; and wrk() for many
connections, which a Python client on 2 cores could not keep busy without being the
bottleneck itself. Either way the client shares the CPU with the server, so the figures
compare configurations run the same way, nothing more.
"""

from __future__ import annotations

import http.client
import json
import secrets
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
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
def gunicorn(
    project: Path,
    env: dict[str, str],
    log_path: Path,
    workers: int = 2,
    *,
    threads: int | None = None,
    app: str = "config.wsgi:application",
    cwd: Path | None = None,
) -> Iterator[int]:
    """Yield the port of a gunicorn serving ``project``; stop it afterwards.

    ``app`` and ``cwd`` serve another WSGI application with the project's gunicorn; the
    configuration file is read only from the project itself.
    """
    port = free_port()
    command = [str(project / ".venv/bin/gunicorn")]
    if cwd is None:
        command += ["--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    if threads is not None:
        command += ["--threads", str(threads)]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, app],
            cwd=cwd or project,
            # Each gunicorn answers /livez on a second port as well: one of its own.
            env={**env, "GUNICORN_LIVENESS_PORT": str(free_port())},
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
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "statuses": {str(status): number for status, number in sorted(statuses.items())},
    }


# wrk's report, as one JSON line: latencies in microseconds, errors by kind (status counts
# the responses that were not 2xx or 3xx).
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "non_2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is missing: install it as root (apt-get install wrk, or `sudo make wrk`)")
    return found


def wrk(
    port: int,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    connections: int = 20,
    seconds: float = 10.0,
    threads: int = 2,
) -> dict[str, object]:
    """GET ``path`` over ``connections`` keep-alive connections for ``seconds`` (whole) with wrk."""
    headers = {"X-Forwarded-Proto": "https", **(headers or {})}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_REPORT)
        script.flush()
        command = [
            wrk_path(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
        ]
        command += ["-s", script.name]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        result = subprocess.run(
            [*command, f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + 60,
        )
    if result.returncode != 0:
        raise RuntimeError(f"wrk exited {result.returncode}: {result.stdout}{result.stderr}")
    output = result.stdout
    report = json.loads(next(line for line in output.splitlines() if line.startswith('{"requests"')))
    duration = report["duration_us"] / 1e6
    return {
        "requests_per_second": round(report["requests"] / duration, 1),
        **{f"p{n}_ms": round(report[f"p{n}_us"] / 1000, 1) for n in (50, 95, 99)},
        "max_ms": round(report["max_us"] / 1000, 1),
        "non_2xx": report["non_2xx"],
        "socket_errors": report["socket_errors"],
    }
