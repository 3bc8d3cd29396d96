import time
import uuid
from typing import Any

import jwt
import pytest
from rest_framework.test import APIClient
from structlog.testing import capture_logs

from tests.support.auth_server import SigningKey, SupabaseAuthServer
from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.users.models import IdentityLink, User
from {{ cookiecutter.project_slug }}.users.services import user_deactivate

ME_URL = "/api/v1/auth/me/"

pytestmark = pytest.mark.django_db


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def challenge_of(response: object) -> str:
    return str(response["WWW-Authenticate"])  # type: ignore[index]


def test_a_supabase_user_gets_me_as_a_local_account(supabase_auth: SupabaseAuthServer) -> None:
    subject = uuid.uuid4()

    response = bearer(supabase_auth.token(subject=subject, email="Ada@Example.com")).get(ME_URL)

    assert response.status_code == 200, response.content
    user = User.objects.get(identity_link__subject=subject)
    assert response.json() == {
        "id": str(user.pk),
        "email": "ada@example.com",
        "full_name": "",
        "roles": ["member"],
    }
    again = bearer(supabase_auth.token(subject=subject, email="ada@example.com")).get(ME_URL)
    assert again.json()["id"] == str(user.pk)
    assert IdentityLink.objects.count() == 1


def test_no_token_is_a_401_with_a_bearer_challenge(api_client: APIClient) -> None:
    response = api_client.get(ME_URL)

    assert_problem(response, 401)
    assert challenge_of(response) == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "someone-else"}, "wrong_audience"),
        ({"iss": "https://other.supabase.co/auth/v1"}, "wrong_issuer"),
    ],
)
def test_a_refused_token_names_its_reason_in_the_challenge(
    supabase_auth: SupabaseAuthServer, claims: dict[str, Any], reason: str
) -> None:
    response = bearer(supabase_auth.token(**claims)).get(ME_URL)

    assert_problem(response, 401)
    assert challenge_of(response).startswith('Bearer realm="api", error="invalid_token"')
    assert f'error_description="{reason}: ' in challenge_of(response)


def test_a_token_signed_with_another_key_under_a_known_kid_is_refused(
    supabase_auth: SupabaseAuthServer,
) -> None:
    impostor = SigningKey()
    impostor.kid = supabase_auth.keys[0].kid
    forged = supabase_auth.sign(
        supabase_auth.user_claims(subject=uuid.uuid4(), email="eve@example.com"), key=impostor
    )

    response = bearer(forged).get(ME_URL)

    assert_problem(response, 401)
    assert "invalid_signature" in challenge_of(response)


@pytest.mark.parametrize("role", ["anon", "service_role"])
def test_the_api_keys_are_not_user_credentials(
    supabase_auth: SupabaseAuthServer, role: str
) -> None:
    response = bearer(supabase_auth.api_key(role)).get(ME_URL)

    assert_problem(response, 401)
    assert "api_key" in challenge_of(response)
    assert not User.objects.exists()


def test_a_deactivated_account_is_refused(supabase_auth: SupabaseAuthServer) -> None:
    subject = uuid.uuid4()
    assert bearer(supabase_auth.token(subject=subject)).get(ME_URL).status_code == 200
    user_deactivate(user=User.objects.get(identity_link__subject=subject))

    response = bearer(supabase_auth.token(subject=subject)).get(ME_URL)

    assert_problem(response, 401)
    assert "inactive" in challenge_of(response)


def test_unreachable_keys_are_a_401_and_a_log_line_not_a_500(
    supabase_auth: SupabaseAuthServer,
) -> None:
    supabase_auth.available = False

    with capture_logs() as logs:
        response = bearer(supabase_auth.token()).get(ME_URL)

    assert_problem(response, 401)
    assert "keys_unavailable" in challenge_of(response)
    assert any(log["event"] == "supabase.jwks_fetch_failed" for log in logs)


def test_a_hundred_requests_fetch_the_keys_once(supabase_auth: SupabaseAuthServer) -> None:
    client = bearer(supabase_auth.token())

    statuses = {client.get(ME_URL).status_code for _ in range(100)}

    assert statuses == {200}
    assert supabase_auth.fetches == 1


def test_the_schema_declares_the_bearer_scheme(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    scheme = schema["components"]["securitySchemes"]["supabaseAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert {"supabaseAuth": []} in schema["paths"][ME_URL]["get"]["security"]


def test_an_unsigned_token_is_refused(supabase_auth: SupabaseAuthServer) -> None:
    claims = supabase_auth.user_claims(subject=uuid.uuid4(), email="eve@example.com")
    kid = supabase_auth.keys[0].kid
    unsigned = jwt.encode(claims, "", algorithm="none", headers={"kid": kid})

    response = bearer(unsigned).get(ME_URL)

    assert_problem(response, 401)
    assert "wrong_algorithm" in challenge_of(response)
