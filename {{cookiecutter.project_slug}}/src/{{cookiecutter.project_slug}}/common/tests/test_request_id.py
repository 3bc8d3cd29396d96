"""X-Request-ID: a caller's well-formed id is kept, anything else replaced, always echoed."""

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "request_id", ["abc", "3f1c9e0e-5b7a-4c1e-9f5e-0a1b2c3d4e5f", "trace.span_01-A", "x" * 128]
)
def test_a_well_formed_request_id_is_kept(client: Client, request_id: str) -> None:
    response = client.get("/livez", HTTP_X_REQUEST_ID=request_id)

    assert response["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["", "x" * 129, "has space", "new\nline", "<script>", "semi;colon", "ünïcode"],
)
def test_a_malformed_request_id_is_replaced(client: Client, request_id: str) -> None:
    response = client.get("/livez", HTTP_X_REQUEST_ID=request_id)

    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


def test_every_request_without_an_id_gets_its_own(client: Client) -> None:
    first = client.get("/livez")["X-Request-ID"]
    second = client.get("/livez")["X-Request-ID"]

    assert GENERATED_ID.fullmatch(first)
    assert GENERATED_ID.fullmatch(second)
    assert first != second


def test_browsers_may_send_and_read_the_request_id_across_origins(
    client: Client, settings: Settings
) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]

    preflight = client.options(
        "/livez",
        HTTP_ORIGIN="https://app.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-request-id",
    )
    response = client.get("/livez", HTTP_ORIGIN="https://app.example.org")

    assert "x-request-id" in preflight["Access-Control-Allow-Headers"]
    assert "x-request-id" in response["Access-Control-Expose-Headers"]
