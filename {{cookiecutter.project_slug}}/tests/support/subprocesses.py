"""Run Django in a fresh process, with exactly the environment a test gives it."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

PROJECT_DIR = Path(__file__).resolve().parents[2]
# This process of a parallel test run ("gw0", "gw1", … from pytest-xdist), or "main".
TEST_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "main")


def no_services_env(tmp_path: Path) -> dict[str, str]:
    """The service variables of a bare laptop: SQLite in tmp_path and no other service."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
{%- if cookiecutter.cache == "redis" %}
        "REDIS_URL": "",
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
        "CELERY_BROKER_URL": "",
{%- endif %}
    }


def production_env(**overrides: str) -> dict[str, str]:
    """What a deployment sets, and nothing from the developer's shell or .env."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "api.{{ cookiecutter.domain_name }}",
        # A file for each process of a parallel test run: several may check at once.
        "DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/production-checks-{TEST_PROCESS}.sqlite3",
{%- if cookiecutter.cache == "redis" %}
        # Connected to only when the cache is used, which these checks never do.
        "REDIS_URL": "redis://127.0.0.1:6379/0",
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
        # Connected to only when a task is sent, which these checks never do.
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
{%- endif %}
{%- if cookiecutter.auth == "supabase" %}
        # Its keys are fetched only when a token arrives: a test sending one sets its stand-in.
        "SUPABASE_URL": "https://project-ref.supabase.co",
{%- endif %}
    }
    env.update(overrides)
    return env


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# How many times running_gunicorn starts a server whose port was taken meanwhile.
PORT_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Server(NamedTuple):
    url: str
    pid: int
    # Where its workers answer /livez from a thread of their own (GUNICORN_LIVENESS_PORT).
    liveness_url: str


@contextmanager
def running_gunicorn(env: dict[str, str], log_path: Path) -> Iterator[Server]:
    """A real gunicorn (gunicorn.conf.py) with ``env`` on a free local port, writing its
    output to ``log_path``: yields it once /livez answers, and stops it afterwards."""
    # A port free when chosen may be taken before gunicorn binds it (by a process of a
    # parallel run): then it starts again on other ports, a few times at most.
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port, liveness_port = free_port(), free_port()
        process = start_gunicorn(env, log_path, port=port, liveness_port=liveness_port)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while process.poll() is None:
                try:
                    urllib.request.urlopen(f"{url}/livez", timeout=1)  # noqa: S310
                    break
                except OSError:
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.1)
            else:
                output = log_path.read_text()
                assert "Address already in use" in output, output
                assert attempt < PORT_ATTEMPTS, output
                continue
            yield Server(url, process.pid, f"http://127.0.0.1:{liveness_port}/livez")
            return
        finally:
            process.terminate()
            process.wait(timeout=30)


def start_gunicorn(
    env: dict[str, str], log_path: Path, *, port: int, liveness_port: int
) -> subprocess.Popen[bytes]:
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=PROJECT_DIR,
            env={
                **env,
                # coverage's `patch = ["subprocess"]` (pyproject.toml) passes its set-up in
                # this variable: with it the server's own lines count towards the floor.
                **{k: v for k, v in os.environ.items() if k == "COVERAGE_PROCESS_CONFIG"},
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_LIVENESS_PORT": str(liveness_port),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
