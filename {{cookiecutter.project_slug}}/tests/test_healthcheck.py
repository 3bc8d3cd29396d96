"""deploy/healthcheck.py, the image's health command, run as the container runs it."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.subprocesses import PROJECT_DIR, free_port

HEALTHCHECK = PROJECT_DIR / "deploy" / "healthcheck.py"


def healthcheck(*args: str, bind: str) -> subprocess.CompletedProcess[str]:
    """Run the health command as in a container whose gunicorn listens at ``bind``'s address
    and answers /livez on ``bind``'s port (GUNICORN_LIVENESS_PORT)."""
    host, _, port = bind.rpartition(":")
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK), *args],
        env={"GUNICORN_BIND": f"{host}:8000", "GUNICORN_LIVENESS_PORT": port},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@contextmanager
def serving_livez(status: int) -> Iterator[int]:
    """A local HTTP server whose /livez answers ``status``; yields its port."""

    class Livez(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status if self.path == "/livez" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Livez)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_web_is_healthy_when_livez_answers_200() -> None:
    with serving_livez(200) as port:
        result = healthcheck("web", bind=f"127.0.0.1:{port}")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_web_on_every_interface_is_checked_through_loopback() -> None:
    with serving_livez(200) as port:
        result = healthcheck("web", bind=f"0.0.0.0:{port}")

    assert result.returncode == 0, result.stderr


def test_web_is_unhealthy_when_livez_fails() -> None:
    with serving_livez(503) as port:
        result = healthcheck("web", bind=f"127.0.0.1:{port}")

    assert result.returncode == 1
    assert result.stderr == f"unhealthy: http://127.0.0.1:{port}/livez answered 503\n"


def test_web_is_unhealthy_when_nothing_listens() -> None:
    port = free_port()

    result = healthcheck("web", bind=f"127.0.0.1:{port}")

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"unhealthy: http://127.0.0.1:{port}/livez: ")


def test_an_unknown_role_is_a_usage_error() -> None:
    result = healthcheck("nonsense", bind="127.0.0.1:8000")

    assert result.returncode == 2
    assert result.stderr.startswith("usage: healthcheck.py <web")
