from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from structlog.testing import capture_logs

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
)

TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/auth/me/"

pytestmark = pytest.mark.django_db


def obtain_tokens(client: APIClient, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    response = client.post(TOKEN_URL, {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def test_token_lifecycle(api_client: APIClient, user: User) -> None:
    tokens = obtain_tokens(api_client, user.email)
    assert set(tokens) == {"access", "refresh"}

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get(ME_URL)
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    api_client.credentials()

    refreshed = api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200
    rotated = refreshed.json()
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != tokens["refresh"]

    # Rotation blacklisted the refresh token that was used.
    assert_problem(api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]}), 401)

    assert api_client.post(LOGOUT_URL, {"refresh": rotated["refresh"]}).status_code == 204
    assert_problem(api_client.post(REFRESH_URL, {"refresh": rotated["refresh"]}), 401)
    assert_problem(api_client.post(LOGOUT_URL, {"refresh": rotated["refresh"]}), 401)


def test_token_responses_are_not_stored_by_caches(api_client: APIClient, user: User) -> None:
    response = api_client.post(TOKEN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "body",
    [{"email": 0, "password": "x"}, {"email": "a@example.com", "password": ""}, {"email": ""}],
)
def test_credentials_must_be_non_blank_strings(api_client: APIClient, body: dict[str, Any]) -> None:
    problem = assert_problem(api_client.post(TOKEN_URL, body), 400)

    assert set(problem["errors"]) <= {"email", "password"}


def test_a_typed_client_can_build_every_auth_request_from_the_schema() -> None:
    """Request components hold what a client sends and nothing it reads back."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    for path, operation_id, fields in [
        ("/api/v1/auth/token/", "post", {"email", "password"}),
        ("/api/v1/auth/token/refresh/", "post", {"refresh"}),
        ("/api/v1/auth/logout/", "post", {"refresh"}),
    ]:
        body = schema["paths"][path][operation_id]["requestBody"]["content"]["application/json"]
        component = components[body["schema"]["$ref"].rsplit("/", 1)[1]]
        assert set(component["required"]) == set(component["properties"]) == fields
    pair = components["TokenPairOutput"]
    assert set(pair["required"]) == set(pair["properties"]) == {"access", "refresh"}


def test_tokens_are_issued_whatever_the_case_of_the_email(api_client: APIClient) -> None:
    UserFactory.create(email="ada@example.com")

    assert set(obtain_tokens(api_client, "ADA@Example.com")) == {"access", "refresh"}


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "not-the-password"), ("nobody@example.com", DEFAULT_PASSWORD)],
)
def test_bad_credentials_are_a_401_problem(
    api_client: APIClient, email: str, password: str
) -> None:
    UserFactory.create(email="ada@example.com")

    with capture_logs() as logs:
        response = api_client.post(TOKEN_URL, {"email": email, "password": password})

    body = assert_problem(response, 401)
    assert "access" not in body
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "user.login_failed" in [log["event"] for log in logs]


def test_inactive_users_get_no_tokens(api_client: APIClient) -> None:
    UserFactory.create(email="ada@example.com", is_active=False)

    response = api_client.post(
        TOKEN_URL, {"email": "ada@example.com", "password": DEFAULT_PASSWORD}
    )

    assert_problem(response, 401)


def test_missing_credentials_are_field_errors(api_client: APIClient) -> None:
    body = assert_problem(api_client.post(TOKEN_URL, {"email": "ada@example.com"}), 400)

    assert set(body["errors"]) == {"password"}


def test_me_needs_a_valid_access_token(api_client: APIClient) -> None:
    assert_problem(api_client.get(ME_URL), 401)

    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_problem(api_client.get(ME_URL), 401)


def test_a_refresh_token_is_not_an_access_token(api_client: APIClient, user: User) -> None:
    tokens = obtain_tokens(api_client, user.email)

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['refresh']}")

    assert_problem(api_client.get(ME_URL), 401)


def test_logout_rejects_a_malformed_token(api_client: APIClient) -> None:
    assert_problem(api_client.post(LOGOUT_URL, {"refresh": "not-a-token"}), 401)


@pytest.fixture
def login_rate_of_two_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "2/minute")


@pytest.mark.usefixtures("login_rate_of_two_per_minute")
def test_token_requests_are_throttled_by_the_login_rate(api_client: APIClient) -> None:
    credentials = {"email": "nobody@example.com", "password": "guess"}

    statuses = [api_client.post(TOKEN_URL, credentials).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


@pytest.mark.usefixtures("login_rate_of_two_per_minute")
def test_a_forged_forwarded_for_header_does_not_escape_the_login_rate(
    api_client: APIClient,
) -> None:
    credentials = {"email": "nobody@example.com", "password": "guess"}

    statuses = [
        api_client.post(TOKEN_URL, credentials, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]
