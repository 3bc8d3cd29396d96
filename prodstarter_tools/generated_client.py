"""A typed client generated from a served project's OpenAPI schema, used as its users would.

openapi-python-client turns the schema into a Python package (httpx + attrs models).
A schema that shares one component between a request and its response, or marks as
required a field a client only reads, gives a client that cannot even build a login
request: this is the check that would have caught it.
"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from types import ModuleType

import httpx

from prodstarter_tools.smoke import SUPERUSER, Browser, superuser_supabase_token

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def generate(browser: Browser, output_dir: Path, package: str) -> ModuleType:
    """Generate the client package from the live schema and import it."""
    schema = browser.request("GET", "/api/schema/", params={"format": "json"})
    assert schema.status_code == 200, schema.text
    schema_file = output_dir / "openapi.json"
    schema_file.write_text(schema.text)
    command = [str(GENERATOR), "generate", "--path", str(schema_file), "--meta", "none"]
    result = subprocess.run(
        [*command, "--output-path", str(output_dir / package)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # The generator reports schema parts it could not turn into code as warnings.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    # Imported from its folder as a package (its modules import each other relatively),
    # without putting the folder on sys.path.
    package_dir = output_dir / package
    spec = importlib.util.spec_from_file_location(
        package, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    spec.loader.exec_module(module)
    return module


def proxied_httpx_client(browser: Browser) -> httpx.Client:
    """An httpx client that talks to gunicorn as the TLS-terminating proxy would.

    Production cookies are Secure, which a cookie jar withholds from http://: the event
    hooks carry them by hand, with the CSRF token a browser's script would send.
    """
    cookies: dict[str, str] = {}

    def add_cookies(request: httpx.Request) -> None:
        if cookies:
            request.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if request.method != "GET" and "csrftoken" in cookies:
            request.headers["X-CSRFToken"] = cookies["csrftoken"]

    def keep_cookies(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})

    return httpx.Client(
        base_url=str(browser.client.base_url),
        headers={"X-Forwarded-Proto": "https", "Origin": browser.origin},
        event_hooks={"request": [add_cookies], "response": [keep_cookies]},
        timeout=10,
    )


def check_credits(client: object, module: Callable[[str], ModuleType]) -> None:
    """Grant credits to ourselves with an Idempotency-Key, twice; take some back; read the
    balance and the grants of the last day."""
    # The generator names the tag's package credits_: credits is a Python builtin.
    models = module("models")
    grant = models.CreditGrantInput(email=SUPERUSER["email"], amount=40, expires_in_days=30)
    key = f"typed-client-{datetime.now(UTC).timestamp()}"
    granted = [
        module("api.credits_.credits_grants_create").sync_detailed(
            client=client, body=grant, idempotency_key=key
        )
        for _ in range(2)
    ]
    assert [response.status_code for response in granted] == [201, 201], granted[0].content
    assert granted[0].parsed.id == granted[1].parsed.id
    assert granted[1].headers["Idempotent-Replayed"] == "true"
    adjusted = module("api.credits_.credits_adjustments_create").sync_detailed(
        client=client,
        body=models.CreditAdjustInput(email=SUPERUSER["email"], amount=-15, reason="typed client"),
    )
    assert adjusted.status_code == 201, adjusted.content
    balance = module("api.credits_.credits_balance_retrieve").sync(client=client)
    assert (balance.available, balance.held, balance.posted) == (25, 0, 25), balance
    a_day_ago = datetime.now(UTC).astimezone(timezone(timedelta(hours=23))) - timedelta(days=1)
    page = module("api.credits_.credits_transfers_list").sync(
        client=client, kind=models.CreditsTransfersListKind.GRANT, created_after=a_day_ago
    )
    assert [(transfer.kind, transfer.amount) for transfer in page.results] == [("grant", 40)]


def check_generated_client(browser: Browser, output_dir: Path, package: str, answers: dict) -> None:
    """Log in, read who we are and, with the example app, create and filter a bookmark."""
    client_package = generate(browser, output_dir, package)

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{package}.{name}")

    models = module("models")
    client = client_package.Client(base_url=str(browser.client.base_url))
    client.set_httpx_client(proxied_httpx_client(browser))
    if answers["auth"] == "supabase":
        # No login operation: the client sends the access token Supabase Auth issued.
        client.get_httpx_client().headers["Authorization"] = f"Bearer {superuser_supabase_token(browser)}"
    elif answers["auth"] == "jwt":
        tokens = module("api.auth.auth_token_obtain").sync_detailed(
            client=client, body=models.TokenObtainInput(**SUPERUSER)
        )
        assert tokens.status_code == 200, tokens.content
        assert isinstance(tokens.parsed, models.TokenPairOutput)
        client.get_httpx_client().headers["Authorization"] = f"Bearer {tokens.parsed.access}"
        refreshed = module("api.auth.auth_token_refresh").sync(
            client=client, body=models.RefreshTokenInput(refresh=tokens.parsed.refresh)
        )
        assert isinstance(refreshed, models.TokenPairOutput), refreshed
    else:
        assert module("api.auth.auth_csrf").sync(client=client).csrf_token
        logged_in = module("api.auth.auth_login").sync_detailed(
            client=client, body=models.LoginInput(**SUPERUSER)
        )
        assert logged_in.status_code == 200, logged_in.content
        # Logging in rotates the CSRF token: fetch the new one, as the docs say.
        module("api.auth.auth_csrf").sync(client=client)
    me = module("api.auth.auth_me").sync(client=client)
    assert me.email == SUPERUSER["email"], me
    if answers["credits"] == "y":
        check_credits(client, module)
    if answers["example_app"] != "y":
        return
    created = module("api.bookmarks.bookmarks_create").sync_detailed(
        client=client,
        body=models.BookmarkCreateInput(title="Typed", url="https://example.com/typed-client"),
    )
    assert created.status_code == 201, created.content
    # An offset PostgreSQL cannot store as given: the service compares in UTC.
    an_hour_ago = datetime.now(UTC).astimezone(timezone(timedelta(hours=23))) - timedelta(hours=1)
    page = module("api.bookmarks.bookmarks_list").sync(client=client, created_after=an_hour_ago)
    assert [bookmark.url for bookmark in page.results] == ["https://example.com/typed-client"]
