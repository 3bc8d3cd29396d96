"""gunicorn's threaded worker, answering the requests gunicorn refuses itself as problems.

gunicorn answers a request it cannot parse (a malformed request line, a URI or headers
over its limits, a bad chunked body) itself, before the application sees it, with an
HTML page. This worker answers those with the same RFC 9457 problem document, in
application/problem+json, as every other error of the service: gunicorn's one place
that writes them, gunicorn.util.write_error, is replaced by write_problem below in each
worker process.

The request never reached the application: it has no request id (request_id is null),
its path is not known (instance is empty), and gunicorn logs it itself, as a warning
naming the client's address.
"""

import json
from socket import socket

from gunicorn import util  # type: ignore[import-untyped]
from gunicorn.workers import gthread  # type: ignore[import-untyped]


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker; only its error pages change."""

    def init_process(self) -> None:
        # In the worker process, after the fork: the arbiter keeps gunicorn's own.
        util.write_error = write_problem
        super().init_process()


def write_problem(sock: socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error's replacement: the error as a problem document."""
    # Imported here, once the worker has loaded the application: the arbiter imports
    # this module before Django is configured.
    from {{ cookiecutter.project_slug }}.common.exceptions import (
        HTTP_PROBLEMS,
        PROBLEM_CONTENT_TYPE,
        PROBLEM_TYPE_BASE,
        UNKNOWN_PROBLEM,
    )

    type_slug, title = HTTP_PROBLEMS.get(status_int, UNKNOWN_PROBLEM)
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + type_slug,
            "title": title,
            "status": status_int,
            "detail": mesg or reason,
            # gunicorn stops before it knows the path, or does not say it.
            "instance": "",
            "request_id": None,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_problem
