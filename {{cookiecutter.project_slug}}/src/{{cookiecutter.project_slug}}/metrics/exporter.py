"""The task worker's metrics over HTTP, on WORKER_METRICS_PORT, from the worker's main process.

A worker serves no web requests, so it gets a small HTTP server of its own, in a
thread. The same rules as the web's /metrics decide who may read it.
"""

import json
import threading
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import structlog
from django.core.handlers.wsgi import WSGIRequest

from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_CONTENT_TYPE, problem
from {{ cookiecutter.project_slug }}.metrics.exposition import (
    CONTENT_TYPE,
    METRICS_PATH,
    may_read_metrics,
    metrics_page,
)

logger = structlog.get_logger(__name__)


class ThreadingServer(ThreadingMixIn, WSGIServer):
    # A slow scraper must not hold up the next one, nor the worker's shutdown.
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes come every few seconds; the worker's log is for its tasks."""


def metrics_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    request = WSGIRequest(environ)
    if request.path_info != METRICS_PATH or not may_read_metrics(request):
        body = problem(
            status_code=404, detail="No resource at this address.", instance=request.path
        )
        start_response("404 Not Found", [("Content-Type", PROBLEM_CONTENT_TYPE)])
        return [json.dumps(body).encode()]
    start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
    return [metrics_page()]


def serve_metrics(*, port: int) -> WSGIServer | None:
    """Start serving; None, and an error logged, when the port is taken.

    Metrics are not worth stopping the tasks for: the worker runs on, and Prometheus
    reports the target down.
    """
    try:
        server = make_server(
            "", port, metrics_app, server_class=ThreadingServer, handler_class=QuietHandler
        )
    except OSError as exc:
        logger.error("worker_metrics_unavailable", port=port, error=str(exc))
        return None
    threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True).start()
    logger.info("worker_metrics_serving", port=server.server_port)
    return server
