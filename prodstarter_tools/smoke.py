"""Talking to a served rendered project as its clients do: shared by the project and image tiers."""

from __future__ import annotations

import importlib.util
import json
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx

SUPERUSER = {"email": "smoke@example.com", "password": "smoke-test-password-9f3k"}
# auth=supabase: the superuser's Supabase user id, the same at every sign-in.
SUPERUSER_SUPABASE_ID = uuid.UUID("5b0b5e5e-0000-4000-8000-00000000c0de")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """An HTTP client that talks to gunicorn as a TLS-terminating proxy would.

    Production settings redirect plain HTTP and mark cookies Secure; the proxy header
    says the original request was HTTPS, and cookies are carried by hand because a
    cookie jar will not return Secure cookies over http://.
    """

    def __init__(self, base_url: str) -> None:
        self.origin = base_url.replace("http://", "https://")
        self.client = httpx.Client(base_url=base_url, timeout=10)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {"X-Forwarded-Proto": "https"}
        # auth=supabase: the stand-in Supabase Auth the served project trusts (supabase_auth).
        self.supabase_auth: Any = None

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET":
            headers["Origin"] = self.origin
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response


@contextmanager
def supabase_auth(project_path: Path) -> Iterator[Any]:
    """The rendered project's own stand-in for Supabase Auth (tests/support/auth_server.py),
    serving its signing keys over HTTP until the block ends: a server started with
    SUPABASE_URL at its ``url`` accepts the tokens it signs."""
    spec = importlib.util.spec_from_file_location(
        f"supabase_stand_in_{project_path.name}", project_path / "tests/support/auth_server.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with module.SupabaseAuthServer() as server:
        yield server


def superuser_supabase_token(browser: Browser) -> str:
    """An access token of the superuser's Supabase identity. Its address is verified, so
    their first request links it to the account createsuperuser made."""
    assert browser.supabase_auth is not None, "serve the project with a Supabase stand-in (supabase_auth)"
    return browser.supabase_auth.token(
        subject=SUPERUSER_SUPABASE_ID, email=SUPERUSER["email"], email_verified=True
    )


def log_in(browser: Browser, auth: str) -> None:
    if auth == "jwt":
        response = browser.request("POST", "/api/v1/auth/token/", json=SUPERUSER)
        assert response.status_code == 200, response.text
        browser.headers["Authorization"] = f"Bearer {response.json()['access']}"
    elif auth == "supabase":
        # A token Supabase Auth did not sign is refused, and the challenge says why.
        refused = browser.request("GET", "/api/v1/auth/me/", headers={"Authorization": "Bearer not.a.token"})
        assert refused.status_code == 401, refused.text
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"], refused.headers
        browser.headers["Authorization"] = f"Bearer {superuser_supabase_token(browser)}"
    else:
        assert browser.request("GET", "/api/v1/auth/csrf/").status_code == 200
        assert "csrftoken" in browser.cookies
        response = browser.request("POST", "/api/v1/auth/login/", json=SUPERUSER)
        assert response.status_code == 200, response.text
    me = browser.request("GET", "/api/v1/auth/me/")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == SUPERUSER["email"]


def check_export_runs_on_the_worker(
    browser: Browser, worker_log: Path, bookmark_url: str, *, credits: bool = False
) -> None:
    """An API call enqueues a task; the real worker runs it; the API shows the effect.
    With credits, the export is refused until an admin grants some, and the worker's build
    charges its cost (EXPORT_CREDIT_COST, 1)."""
    if credits:
        refused = browser.request("POST", "/api/v1/bookmarks/exports/")
        assert refused.status_code == 402, refused.text
        granted = browser.request(
            "POST",
            "/api/v1/credits/grants/",
            json={"email": SUPERUSER["email"], "amount": 5},
            headers={"Idempotency-Key": f"smoke-{uuid.uuid4()}"},
        )
        assert granted.status_code == 201, granted.text
    request_id = f"export-{uuid.uuid4().hex}"
    created = browser.request("POST", "/api/v1/bookmarks/exports/", headers={"X-Request-ID": request_id})
    assert created.status_code == 202, created.text
    export_url = f"/api/v1/bookmarks/exports/{created.json()['id']}/"
    deadline = time.monotonic() + 60
    while (export := browser.request("GET", export_url).json())["status"] == "pending":
        assert time.monotonic() < deadline, f"the worker never ran the export:\n{worker_log.read_text()}"
        time.sleep(0.3)
    assert export["status"] == "done", export
    assert export["bookmark_count"] == 1
    assert bookmark_url in export["csv"]
    worker_lines = [json.loads(line) for line in worker_log.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == request_id for line in worker_lines), (
        "the worker's JSON log lines should carry the id of the request that enqueued the task"
    )
    if credits:
        balance = browser.request("GET", "/api/v1/credits/balance/").json()
        assert balance == {"available": 4, "held": 0, "posted": 4}, balance
