"""/livez on a port of its own, answered by a thread in each gunicorn worker.

gunicorn's threaded workers queue requests for their request threads: when every thread
waits on a hung dependency, a /livez sent to the service's port waits behind them, and
an orchestrator would restart a process that is only waiting. Each worker therefore
listens on GUNICORN_LIVENESS_PORT too (SO_REUSEPORT: the kernel spreads connections
over the workers) and answers /livez there from a thread of its own, without Django.

It answers 200 while the worker's main loop runs (gunicorn's heartbeat is fresh), 503
otherwise; nothing answers once no worker is left.
"""

import json
import socket
import threading
import time
from typing import Any

# A probe sends its request at once; a client that does not is dropped after this.
READ_TIMEOUT_SECONDS = 2.0


def listen(host: str, port: int) -> socket.socket:
    """A socket on ``host``:``port`` that every worker of this server can listen on too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(64)
    return sock


def serve(worker: Any, *, host: str, port: int) -> None:
    """Answer /livez on ``host``:``port`` from a daemon thread of ``worker``'s process.

    ``worker`` is gunicorn's Worker (gunicorn has no type hints).
    """
    sock = listen(host, port)
    threading.Thread(target=accept_loop, args=(sock, worker), name="liveness", daemon=True).start()


def accept_loop(sock: socket.socket, worker: Any) -> None:
    while True:
        client, _ = sock.accept()
        with client:
            client.settimeout(READ_TIMEOUT_SECONDS)
            try:
                client.sendall(answer(client.recv(4096), worker))
            except OSError:
                continue


def answer(request: bytes, worker: Any) -> bytes:
    """The HTTP response to ``request``: /livez, or a 404 problem."""
    method, _, rest = request.partition(b" ")
    path = rest.split(b" ", 1)[0].split(b"?", 1)[0]
    if (method, path) != (b"GET", b"/livez"):
        return response(
            404,
            "Not Found",
            {
                "type": "/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "This port answers GET /livez only.",
            },
            content_type="application/problem+json",
        )
    # The main loop stamps the heartbeat file with time.monotonic() at least once a
    # second; the arbiter replaces a worker whose stamp is older than the timeout.
    if time.monotonic() - worker.tmp.last_update() > worker.cfg.timeout:
        return response(503, "Service Unavailable", {"status": "stalled"})
    return response(200, "OK", {"status": "ok"})


def response(
    status: int, reason: str, body: dict[str, object], *, content_type: str = "application/json"
) -> bytes:
    content = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(content)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + content
