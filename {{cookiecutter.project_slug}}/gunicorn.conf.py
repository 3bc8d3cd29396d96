"""gunicorn's configuration, read from the working directory; tuned from the environment.

The access log is the application's own (one JSON line per request, from
AccessLogMiddleware), so gunicorn writes none; its other messages go through the same
structlog formatter as the application's and come out as JSON lines on stderr.
"""

import os

{% if cookiecutter.use_prometheus == "y" or cookiecutter.use_opentelemetry == "y" -%}
from gunicorn.arbiter import Arbiter
{% endif -%}
from gunicorn.http import wsgi
from gunicorn.workers.base import Worker

from {{ cookiecutter.project_slug }}.common.logging import build_logging_config
{%- if cookiecutter.use_opentelemetry == "y" %}
from {{ cookiecutter.project_slug }}.common.tracing import configure_tracing
{%- endif %}
from {{ cookiecutter.project_slug }}.health import liveness
{%- if cookiecutter.use_prometheus == "y" %}
from {{ cookiecutter.project_slug }}.metrics import multiprocess
{%- endif %}


def available_cpus() -> int:
    try:
        # Honours the CPU set a container is pinned to, unlike os.cpu_count().
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"

# A container must listen on every interface to be reachable at all.
bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * available_cpus() + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
# gunicorn's threaded worker, but the requests gunicorn refuses itself (a malformed
# request line, a URI or headers over its limits) get problem documents, not HTML.
worker_class = "config.gunicorn_worker.ThreadWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
# Addresses of the proxies whose X-Forwarded-* headers are trusted.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
# Each worker answers /livez on this port too, from a thread of its own
# (health/liveness.py): the liveness probe then never waits behind requests.
liveness_port = int(os.environ.get("GUNICORN_LIVENESS_PORT") or 8001)

# Workers signal they are alive through a file: in memory, a slow disk cannot get them
# killed. Only gunicorn's heartbeat files are kept there.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# The orchestrator manages the workers through signals; gunicornc's control socket would
# only add a socket file at a path every gunicorn of the same user shares.
control_socket_disable = True


def default_headers_without_server(response: wsgi.Response) -> list[str]:
    return [
        header
        for header in default_headers_with_server(response)
        if not header.lower().startswith("server:")
    ]


# gunicorn names itself in a Server header on every response and has no setting to
# stop it; a response should not advertise the software that made it (tests/test_gunicorn.py).
default_headers_with_server = wsgi.Response.default_headers
wsgi.Response.default_headers = default_headers_without_server  # type: ignore[method-assign]


def post_worker_init(worker: Worker) -> None:
    """Answer /livez on liveness_port, at the address the service listens on."""
    host = worker.cfg.bind[0].rpartition(":")[0].strip("[]") or "0.0.0.0"  # noqa: S104
    liveness.serve(worker, host=host, port=liveness_port)


accesslog = None
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "INFO").lower()
logconfig_dict = build_logging_config(level=loglevel.upper(), json=True)
{%- if cookiecutter.use_opentelemetry == "y" %}

# As config.wsgi sets it: tracing reads the settings in post_fork, before the application
# is loaded.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")


def post_fork(server: Arbiter, worker: Worker) -> None:
    """Start tracing in each worker, after the fork: the exporter's thread would not
    survive it, and the worker must instrument Django before it loads the application."""
    configure_tracing()
{%- endif %}
{%- if cookiecutter.use_prometheus == "y" %}


def on_starting(server: Arbiter) -> None:
    """Before any worker starts: a fresh directory for the workers' metrics files."""
    multiprocess.use_fresh_directory()


def child_exit(server: Arbiter, worker: Worker) -> None:
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Arbiter) -> None:
    multiprocess.remove_directory()
{%- endif %}
