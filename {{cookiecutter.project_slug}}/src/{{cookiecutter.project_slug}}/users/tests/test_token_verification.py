"""The token verifier against a real (local) Supabase Auth over HTTP: which tokens it
accepts, why it refuses the others, and how often it fetches the signing keys."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from structlog.testing import capture_logs

from tests.support.auth_server import SigningKey, SupabaseAuthServer

from {{ cookiecutter.project_slug }}.users import token_verification
from {{ cookiecutter.project_slug }}.users.token_verification import (
    REFRESH_COOLDOWN_SECONDS,
    TokenRefusedError,
    TokenVerifier,
)

ANOTHER_PROJECT_ISSUER = "https://another-project.supabase.co/auth/v1"


@pytest.fixture
def auth() -> Iterator[SupabaseAuthServer]:
    with SupabaseAuthServer() as server:
        yield server


def verifier_for(
    auth: SupabaseAuthServer,
    *,
    jwt_secret: str = "",
    leeway: float = 0,
    jwks_lifespan: float = 600,
    refresh_cooldown: float = REFRESH_COOLDOWN_SECONDS,
) -> TokenVerifier:
    return TokenVerifier(
        supabase_url=auth.url,
        jwt_secret=jwt_secret,
        audience="authenticated",
        leeway=leeway,
        jwks_timeout=1.0,
        jwks_lifespan=jwks_lifespan,
        refresh_cooldown=refresh_cooldown,
    )


def refusal_of(verifier: TokenVerifier, token: str) -> str:
    """The reason the verifier gives for refusing ``token`` as a user's credential."""
    with pytest.raises(TokenRefusedError) as refused:
        verifier.user_claims(token)
    return refused.value.reason


def claims_for(auth: SupabaseAuthServer, **extra: Any) -> dict[str, Any]:
    return auth.user_claims(subject=uuid.uuid4(), email="ada@example.com", **extra)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_signed(claims: dict[str, Any], secret: bytes, headers: dict[str, Any]) -> str:
    """An HS256 JWT made by hand: PyJWT refuses a PEM key as an HMAC secret, an attacker's
    code does not."""
    header = {"alg": "HS256", "typ": "JWT", **headers}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def public_pem(key: SigningKey) -> bytes:
    return key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# Key rotation and fetching


def test_a_token_signed_with_a_rotated_key_fetches_the_keys_once(
    auth: SupabaseAuthServer,
) -> None:
    verifier = verifier_for(auth, refresh_cooldown=0)
    verifier.user_claims(auth.token())
    assert auth.fetches == 1
    previous = auth.keys[0]
    auth.rotate()
    subject = uuid.uuid4()

    claims = verifier.user_claims(auth.token(subject=subject))

    assert claims.subject == subject
    assert auth.fetches == 2
    for _ in range(5):
        verifier.user_claims(auth.token())
    # The previous key stays published, and trusted, until Supabase revokes it.
    verifier.user_claims(auth.sign(claims_for(auth), key=previous))
    assert auth.fetches == 2


def test_a_flood_of_unknown_key_ids_fetches_the_keys_at_most_once_per_cooldown(
    auth: SupabaseAuthServer,
) -> None:
    verifier = verifier_for(auth, refresh_cooldown=0.5)
    verifier.user_claims(auth.token())
    impostor = SigningKey()
    flood = []
    for _ in range(20):
        impostor.kid = str(uuid.uuid4())
        flood.append(auth.sign(claims_for(auth), key=impostor))
    time.sleep(0.55)  # Past the cooldown: the first unknown kid may look for a rotation.

    reasons = {refusal_of(verifier, token) for token in flood}

    assert reasons == {"unknown_key"}
    assert auth.fetches == 2


def test_cached_keys_keep_serving_through_an_outage_with_one_attempt_per_interval(
    auth: SupabaseAuthServer,
) -> None:
    verifier = verifier_for(auth, jwks_lifespan=0.2)
    verifier.user_claims(auth.token())
    auth.available = False
    time.sleep(0.25)  # The cached keys are now stale.

    with capture_logs() as logs:
        for _ in range(20):
            verifier.user_claims(auth.token())

    # One failed attempt, not one per request: the next waits RETRY_AFTER_FAILURE_SECONDS.
    assert auth.fetches == 2
    failures = [log for log in logs if log["event"] == "supabase.jwks_fetch_failed"]
    assert len(failures) == 1
    assert failures[0]["serving_cached_keys"] is True


def test_the_keys_are_fetched_again_once_the_retry_interval_has_passed(
    auth: SupabaseAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_verification, "RETRY_AFTER_FAILURE_SECONDS", 0.2)
    verifier = verifier_for(auth, jwks_lifespan=0.2)
    verifier.user_claims(auth.token())
    auth.available = False
    time.sleep(0.25)
    verifier.user_claims(auth.token())
    assert auth.fetches == 2
    auth.available = True
    auth.rotate()
    time.sleep(0.25)

    verifier.user_claims(auth.token())

    assert auth.fetches == 3


def test_no_keys_fetched_and_auth_answering_503_is_keys_unavailable_until_it_recovers(
    auth: SupabaseAuthServer,
) -> None:
    verifier = verifier_for(auth)
    auth.available = False

    assert refusal_of(verifier, auth.token()) == "keys_unavailable"

    # Nothing cached to serve: the service takes tokens again as soon as Auth is back.
    auth.available = True
    verifier.user_claims(auth.token())


def test_no_keys_fetched_and_auth_unreachable_is_keys_unavailable() -> None:
    with SupabaseAuthServer() as gone:
        token = gone.token()
        verifier = verifier_for(gone)
    # Closed: its port now refuses connections.

    assert refusal_of(verifier, token) == "keys_unavailable"


# Algorithms


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
def test_an_hs256_token_signed_with_a_public_key_is_refused(
    auth: SupabaseAuthServer, algorithm: str
) -> None:
    published = auth.rotate(algorithm)
    with_secret = verifier_for(auth, jwt_secret=auth.jwt_secret)
    without_secret = verifier_for(auth)
    claims = claims_for(auth)
    # The forgery recipe itself is sound: made with the real secret, it is accepted.
    with_secret.user_claims(hs256_signed(claims, auth.jwt_secret.encode(), {"kid": "legacy"}))

    with_kid = hs256_signed(claims, public_pem(published), {"kid": published.kid})
    without_kid = hs256_signed(claims, public_pem(published), {})

    # With the secret configured, HS256 is checked against the secret, never a public key.
    assert refusal_of(with_secret, with_kid) == "invalid_signature"
    assert refusal_of(with_secret, without_kid) == "invalid_signature"
    # Without it, the published key named decides the algorithm; no key, no algorithm.
    assert refusal_of(without_secret, with_kid) == "wrong_algorithm"
    assert refusal_of(without_secret, without_kid) == "unknown_key"


def test_an_unsigned_token_is_refused_with_or_without_a_published_kid(
    auth: SupabaseAuthServer,
) -> None:
    verifier = verifier_for(auth, jwt_secret=auth.jwt_secret)
    claims = claims_for(auth)

    with_kid = jwt.encode(claims, "", algorithm="none", headers={"kid": auth.keys[0].kid})
    without_kid = jwt.encode(claims, "", algorithm="none")

    assert refusal_of(verifier, with_kid) == "wrong_algorithm"
    assert refusal_of(verifier, without_kid) == "unknown_key"


def test_a_legacy_hs256_token_is_accepted_only_when_the_secret_is_configured(
    auth: SupabaseAuthServer,
) -> None:
    subject = uuid.uuid4()
    token = jwt.encode(
        auth.user_claims(subject=subject, email="ada@example.com"),
        auth.jwt_secret,
        algorithm="HS256",
    )

    claims = verifier_for(auth, jwt_secret=auth.jwt_secret).user_claims(token)

    assert claims.subject == subject
    assert refusal_of(verifier_for(auth, jwt_secret=""), token) == "unknown_key"


@pytest.mark.parametrize("auth_state", ["no published keys", "down"])
def test_a_legacy_token_naming_its_kid_needs_no_published_key(
    auth: SupabaseAuthServer, auth_state: str
) -> None:
    # Supabase Auth names the legacy secret's kid in the tokens it signs with it, and never
    # publishes a shared secret: a legacy-only project's JWKS is empty.
    if auth_state == "down":
        auth.available = False
    else:
        auth.keys = []
    verifier = verifier_for(auth, jwt_secret=auth.jwt_secret)
    subject = uuid.uuid4()
    claims = auth.user_claims(subject=subject, email="ada@example.com")
    token = jwt.encode(claims, auth.jwt_secret, algorithm="HS256", headers={"kid": "legacy"})

    for _ in range(5):
        assert verifier.user_claims(token).subject == subject

    assert auth.fetches == 0


def test_a_token_signed_with_an_rs256_key_is_accepted(auth: SupabaseAuthServer) -> None:
    key = auth.rotate("RS256")
    subject = uuid.uuid4()
    token = auth.sign(auth.user_claims(subject=subject, email="ada@example.com"), key=key)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"

    assert verifier_for(auth).user_claims(token).subject == subject


# Claims


def test_a_subject_that_is_not_a_uuid_is_malformed(auth: SupabaseAuthServer) -> None:
    token = auth.sign(claims_for(auth, sub="not-a-user-id"))

    assert refusal_of(verifier_for(auth), token) == "malformed"


def test_the_leeway_tolerates_a_token_that_expired_within_it(auth: SupabaseAuthServer) -> None:
    token = auth.sign(claims_for(auth, exp=int(time.time()) - 5))

    verifier_for(auth, leeway=10).user_claims(token)
    assert refusal_of(verifier_for(auth, leeway=0), token) == "expired"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_the_leeway_tolerates_a_token_from_a_clock_slightly_ahead(
    auth: SupabaseAuthServer, claim: str
) -> None:
    token = auth.sign(claims_for(auth, **{claim: int(time.time()) + 5}))

    verifier_for(auth, leeway=10).user_claims(token)
    assert refusal_of(verifier_for(auth, leeway=0), token) == "not_yet_valid"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "someone-else"}, "wrong_audience"),
        ({"iss": ANOTHER_PROJECT_ISSUER}, "wrong_issuer"),
        ({"exp": None}, "missing_claim"),
        ({"sub": None}, "missing_claim"),
    ],
)
def test_a_token_meant_for_elsewhere_or_incomplete_is_refused(
    auth: SupabaseAuthServer, changes: dict[str, Any], reason: str
) -> None:
    claims = claims_for(auth)
    for name, value in changes.items():
        if value is None:
            del claims[name]
        else:
            claims[name] = value

    assert refusal_of(verifier_for(auth), auth.sign(claims)) == reason


@pytest.mark.parametrize(
    ("extra", "verified"),
    [
        ({"email_verified": True}, True),
        ({"app_metadata": {"provider": "email", "email_verified": True}}, True),
        # The default claims carry user_metadata.email_verified True: the user's own word.
        ({}, False),
        ({"user_metadata": {"email_verified": True}, "email_verified": False}, False),
        ({"email_verified": "true"}, False),
    ],
)
def test_email_verified_comes_only_from_claims_the_user_cannot_edit(
    auth: SupabaseAuthServer, extra: dict[str, Any], verified: bool
) -> None:
    token = auth.sign(claims_for(auth, **extra))

    assert verifier_for(auth).user_claims(token).email_verified is verified


@pytest.mark.parametrize(
    ("app_metadata", "roles"),
    [
        ({"roles": ["admin", 3, None, "member"]}, frozenset({"admin", "member"})),
        ({"roles": []}, frozenset()),
        ({}, None),
        ({"roles": "admin"}, None),
    ],
)
def test_roles_come_from_app_metadata(
    auth: SupabaseAuthServer, app_metadata: dict[str, Any], roles: frozenset[str] | None
) -> None:
    token = auth.sign(claims_for(auth, app_metadata=app_metadata))

    assert verifier_for(auth).user_claims(token).roles == roles


def test_roles_in_user_metadata_are_ignored(auth: SupabaseAuthServer) -> None:
    token = auth.sign(claims_for(auth, user_metadata={"roles": ["admin"]}))

    assert verifier_for(auth).user_claims(token).roles is None


# API keys


@pytest.mark.parametrize("role", ["anon", "service_role"])
def test_an_api_key_is_not_a_user_credential(auth: SupabaseAuthServer, role: str) -> None:
    verifier = verifier_for(auth, jwt_secret=auth.jwt_secret)

    assert refusal_of(verifier, auth.api_key(role)) == "api_key"


def test_service_role_claims_accept_only_the_service_role_key(auth: SupabaseAuthServer) -> None:
    verifier = verifier_for(auth, jwt_secret=auth.jwt_secret)

    assert verifier.service_role_claims(auth.api_key("service_role"))["role"] == "service_role"
    for token in (auth.api_key("anon"), auth.token()):
        with pytest.raises(TokenRefusedError) as refused:
            verifier.service_role_claims(token)
        assert refused.value.reason == "not_service_role"
