"""Requests broken at the HTTP level, sent raw to a real gunicorn: every answer is a problem.

gunicorn refuses some requests itself, before Django sees them (config/gunicorn_worker.py);
Django would read a chunked body as empty (common.middleware.RequestBodyLimitMiddleware)
and redirect a write without its trailing slash to a GET (common.middleware.CommonMiddleware).
"""

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest

from tests.support.subprocesses import Server, production_env, running_gunicorn


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, Any]:
        assert self.headers["content-type"] == "application/problem+json"
        document: dict[str, Any] = json.loads(self.body)
        assert document["status"] == self.status
        assert document["title"]
        assert document["detail"]
        assert set(document) >= {"type", "instance", "request_id"}
        return document


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = production_env(WEB_CONCURRENCY="1", DJANGO_ALLOWED_HOSTS="127.0.0.1")
    with running_gunicorn(env, log) as running:
        yield running


def exchange(server: Server, raw: bytes) -> Answer:
    """Send ``raw`` as it is, and read the answer until the server closes the connection."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in header_lines)
    }
    return Answer(int(status_line.split()[1]), headers, body)


def request(
    server: Server, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Answer:
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    # As the TLS-terminating proxy in front of it says: production redirects plain HTTP.
    headers = {"X-Forwarded-Proto": "https", "Accept": "application/json", **(headers or {})}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


GET_HEADERS = b"Host: 127.0.0.1\r\nAccept: application/json\r\n"
{%- if cookiecutter.auth == "supabase" %}
# An endpoint written to: me takes no POST, but only after the body has passed the
# middleware's checks (then 405).
WRITE_URL = "/api/v1/auth/me/"
{%- else %}
# An endpoint written to.
WRITE_URL = "/api/v1/auth/logout/"
{%- endif %}


@pytest.mark.parametrize(
    ("raw", "status", "type_slug"),
    [
        pytest.param(b"NOT A REQUEST LINE\r\n\r\n", 400, "bad-request", id="request-line"),
        pytest.param(
            b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n" + GET_HEADERS + b"\r\n",
            414,
            "uri-too-long",
            id="uri-too-long",
        ),
        pytest.param(
            b"GET /livez HTTP/1.1\r\n"
            + GET_HEADERS
            + b"".join(b"X-Filler-%d: x\r\n" % n for n in range(120))
            + b"\r\n",
            431,
            "headers-too-large",
            id="too-many-headers",
        ),
        pytest.param(
            b"GET /livez HTTP/1.1\r\n" + GET_HEADERS + b"Bad Header: x\r\n\r\n",
            400,
            "bad-request",
            id="header-name",
        ),
    ],
)
def test_a_request_gunicorn_refuses_is_a_problem_document(
    server: Server, raw: bytes, status: int, type_slug: str
) -> None:
    answer = exchange(server, raw)

    assert answer.status == status
    problem = answer.problem()
    assert problem["type"] == f"/problems/{type_slug}"
    # gunicorn stopped reading before the path, or does not say it; nor is there a
    # request id: the request never reached the application.
    assert (problem["instance"], problem["request_id"]) == ("", None)
    assert answer.headers["connection"] == "close"
    assert b"<html" not in answer.body
    # The type is one the service describes.
    page = request(server, "GET", problem["type"], headers={"Accept": "text/html"})
    assert page.status == 200


def test_a_chunked_body_is_refused_with_411_not_read_as_empty(server: Server) -> None:
    chunks = iter([b'{"refresh": ', b'"a-token"}'])

    answer = request(
        server,
        "POST",
        WRITE_URL,
        body=chunks,
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 411
    problem = answer.problem()
    assert problem["type"] == "/problems/length-required"
    assert problem["instance"] == WRITE_URL
    assert problem["request_id"] == answer.headers["x-request-id"]


def test_the_same_body_with_its_length_is_read(server: Server) -> None:
    answer = request(
        server,
        "POST",
        WRITE_URL,
        body=b'{"refresh": "a-token"}',
        headers={"Content-Type": "application/json"},
    )

    assert answer.status != 411
    answer.problem()


def test_a_write_without_its_trailing_slash_is_not_redirected(server: Server) -> None:
    answer = request(
        server,
        "POST",
        WRITE_URL.removesuffix("/"),
        body=b"{}",
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 404
    assert "location" not in answer.headers
    assert WRITE_URL in answer.problem()["detail"]


def test_a_read_without_its_trailing_slash_is_redirected(server: Server) -> None:
    answer = request(server, "GET", "/api/v1/auth/me")

    assert answer.status == 301
    assert answer.headers["location"] == "/api/v1/auth/me/"
