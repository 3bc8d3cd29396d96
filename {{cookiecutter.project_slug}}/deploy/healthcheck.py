"""Is this container's process healthy? `python /app/deploy/healthcheck.py <role>`.

For the image's HEALTHCHECK, compose healthchecks and Kubernetes exec probes. Exits 0
when healthy; otherwise 1, with one line on stderr saying what failed.

  web        GET /livez from gunicorn's workers, on GUNICORN_LIVENESS_PORT (default 8001)
{%- if cookiecutter.task_queue == "celery" %}
  worker     the Celery worker on this host answers a ping
  scheduler  celery beat's process, named in its pidfile, is running
{%- elif cookiecutter.task_queue == "postgres" %}
  worker     `manage.py procrastinate healthchecks`: the queue's database answers
{%- endif %}

The web check uses the standard library only: it starts in a few milliseconds, without
Django.
"""

import os
{%- if cookiecutter.task_queue == "celery" %}
import socket
{%- endif %}
{%- if cookiecutter.task_queue != "none" %}
import subprocess
{%- endif %}
import sys
import urllib.error
import urllib.request
{%- if cookiecutter.task_queue != "none" %}
from pathlib import Path
{%- endif %}

TIMEOUT_SECONDS = 5
{%- if cookiecutter.task_queue == "postgres" %}
PROJECT_DIR = Path(__file__).resolve().parents[1]
{%- elif cookiecutter.task_queue == "celery" %}
# Where the entry point's scheduler role has celery beat write its pid.
BEAT_PIDFILE = Path("/tmp/celerybeat.pid")  # noqa: S108
{%- endif %}


class UnhealthyError(Exception):
    """A failed check; its message says what failed, in one line."""


def livez_url(bind: str, port: str) -> str:
    """The /livez URL of gunicorn's workers listening on ``port`` at the address ``bind``
    names, as reached from inside the container."""
    host = bind.rpartition(":")[0].strip("[]")
    # Listening on every interface includes the loopback one.
    if host in ("", "0.0.0.0"):  # noqa: S104
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/livez"


def check_web() -> None:
    url = livez_url(
        os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000",
        os.environ.get("GUNICORN_LIVENESS_PORT") or "8001",
    )
    try:
        # An http:// URL this function built.
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        raise UnhealthyError(f"{url}: {error}") from error
    if status != 200:
        raise UnhealthyError(f"{url} answered {status}")
{%- if cookiecutter.task_queue != "none" %}


def run_command(*command: str) -> None:
    """Run a check's command; its last line of output says what failed."""
    try:
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise UnhealthyError(f"`{' '.join(command)}` did not finish in 30 s") from error
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()
        last_line = output[-1] if output else f"exited {result.returncode}"
        raise UnhealthyError(f"`{' '.join(command[1:])}`: {last_line}")
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}


def check_worker() -> None:
    """The worker's default node name is celery@<hostname>: ping that node only."""
    node = f"celery@{socket.gethostname()}"
    run_command(
        sys.executable,
        "-m",
        "celery",
        "--app",
        "config",
        "--quiet",
        "inspect",
        "ping",
        "--destination",
        node,
        "--timeout",
        str(TIMEOUT_SECONDS),
    )


def check_scheduler() -> None:
    try:
        pid = int(BEAT_PIDFILE.read_text().strip())
    except (OSError, ValueError) as error:
        raise UnhealthyError(f"no celery beat pid in {BEAT_PIDFILE}: {error}") from error
    try:
        os.kill(pid, 0)
    except ProcessLookupError as error:
        raise UnhealthyError(f"celery beat (pid {pid} in {BEAT_PIDFILE}) is not running") from error
{%- elif cookiecutter.task_queue == "postgres" %}


def check_worker() -> None:
    run_command(sys.executable, str(PROJECT_DIR / "manage.py"), "procrastinate", "healthchecks")
{%- endif %}


CHECKS = {
    "web": check_web,
{%- if cookiecutter.task_queue != "none" %}
    "worker": check_worker,
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
    "scheduler": check_scheduler,
{%- endif %}
}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in CHECKS:
        print(f"usage: healthcheck.py <{'|'.join(CHECKS)}>", file=sys.stderr)
        return 2
    try:
        CHECKS[argv[1]]()
    except UnhealthyError as problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
