"""Verifying the access tokens Supabase Auth issues, with PyJWT and its JWKS client.

Supabase signs a user's access token with the project's asymmetric key (ES256 or RS256),
whose public half it publishes at SUPABASE_URL/auth/v1/.well-known/jwks.json, or, on a
project that still uses it, with the legacy shared secret (HS256). The key decides the
algorithm, never the token alone: a token naming an algorithm its key does not have is
refused, so neither ``alg: none`` nor an HS256 signature made with a public key passes,
and HS256 is accepted only when SUPABASE_JWT_SECRET is set. An HS256 token is checked
against that secret alone, whatever kid it names: Supabase names the secret's own kid in
the tokens it signs with it, and never publishes a shared secret among the keys.

The keys are fetched once per process and kept SUPABASE_JWKS_CACHE_SECONDS; a token
signed with a key not among them fetches them again, at most once per cooldown (a key
rotation); when a fetch fails, the keys fetched before keep serving.
"""

import time
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
import structlog
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = structlog.get_logger(__name__)

# The algorithms a published key may verify: Supabase's asymmetric signing keys. A key of
# another type (a symmetric "oct" key, say) is never used.
ASYMMETRIC_ALGORITHMS = frozenset({"ES256", "RS256"})
# The role claim of a signed-in user's token; the API keys carry "anon" or "service_role".
USER_ROLE = "authenticated"
SERVICE_ROLE = "service_role"
API_KEY_ROLES = frozenset({"anon", SERVICE_ROLE})
# A token with an unknown key fetches the keys again only this long after the last fetch,
# so that a flood of made-up key ids cannot turn into a flood of fetches.
REFRESH_COOLDOWN_SECONDS = 10.0
# After a failed fetch, the cached keys serve this long before the next attempt, so that
# an unreachable Auth server costs one timeout per interval, not one per request.
RETRY_AFTER_FAILURE_SECONDS = 30.0


class TokenRefusedError(Exception):
    """A token this service does not accept. ``reason`` names the class of the problem
    (logged, and sent in the WWW-Authenticate challenge); ``description`` says it to the
    client without revealing more than the class."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


@dataclass(frozen=True, kw_only=True)
class UserClaims:
    """What a verified user token says about its user."""

    subject: uuid.UUID
    email: str
    # Only claims the user cannot edit count: user_metadata is theirs to change.
    email_verified: bool
    # The template's role names from app_metadata.roles; None when the token has none.
    roles: frozenset[str] | None


class SigningKeys(jwt.PyJWKClient):
    """PyJWT's JWKS client, keeping the last key set it fetched when a later fetch fails."""

    def __init__(self, url: str, *, timeout: float, lifespan: float, cooldown: float) -> None:
        super().__init__(url, lifespan=lifespan, timeout=timeout, cooldown_duration=cooldown)
        self.last_good: jwt.PyJWKSet | None = None
        self.failed_at: float | None = None

    def get_jwk_set(self, refresh: bool = False) -> jwt.PyJWKSet:
        recently_failed = (
            self.failed_at is not None
            and time.monotonic() - self.failed_at < RETRY_AFTER_FAILURE_SECONDS
        )
        if self.last_good is not None and recently_failed:
            return self.last_good
        try:
            key_set = super().get_jwk_set(refresh)
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
            self.failed_at = time.monotonic()
            logger.error(
                "supabase.jwks_fetch_failed",
                url=self.uri,
                error=str(exc),
                serving_cached_keys=self.last_good is not None,
            )
            if self.last_good is None:
                raise
            return self.last_good
        self.last_good, self.failed_at = key_set, None
        return key_set


class TokenVerifier:
    """Checks a token's signature and claims against one Supabase project."""

    def __init__(
        self,
        *,
        supabase_url: str,
        jwt_secret: str,
        audience: str,
        leeway: float,
        jwks_timeout: float,
        jwks_lifespan: float,
        refresh_cooldown: float = REFRESH_COOLDOWN_SECONDS,
    ) -> None:
        self.issuer = f"{supabase_url}/auth/v1"
        self.jwt_secret = jwt_secret
        self.audience = audience
        self.leeway = leeway
        self.keys = SigningKeys(
            f"{self.issuer}/.well-known/jwks.json",
            timeout=jwks_timeout,
            lifespan=jwks_lifespan,
            cooldown=refresh_cooldown,
        )

    def user_claims(self, token: str) -> UserClaims:
        """The claims of a signed-in user's access token; TokenRefusedError for anything else."""
        key, algorithm = self.verification_key(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.InvalidTokenError as exc:
            # An API key is signed like a user's token but lacks a user's claims (PyJWT
            # checks them after the signature): say what it is.
            lacks_user_claims = (
                jwt.MissingRequiredClaimError,
                jwt.InvalidIssuerError,
                jwt.InvalidAudienceError,
            )
            if isinstance(exc, lacks_user_claims) and self.is_api_key(token, key, algorithm):
                raise TokenRefusedError(
                    "api_key",
                    "An API key (anon or service role) is not a user's credential: send the "
                    "access token Supabase Auth issued to the user.",
                ) from None
            raise refusal(exc) from exc
        if claims.get("role") != USER_ROLE:
            raise TokenRefusedError(
                "not_a_user", "The token is not a signed-in user's access token."
            )
        try:
            subject = uuid.UUID(claims["sub"])
        except (TypeError, ValueError):
            raise TokenRefusedError("malformed", "The token's subject is not a user id.") from None
        app_metadata = claims.get("app_metadata")
        if not isinstance(app_metadata, dict):
            app_metadata = {}
        roles = app_metadata.get("roles")
        return UserClaims(
            subject=subject,
            email=claims["email"] if isinstance(claims.get("email"), str) else "",
            email_verified=any(
                value is True
                for value in (claims.get("email_verified"), app_metadata.get("email_verified"))
            ),
            roles=frozenset(role for role in roles if isinstance(role, str))
            if isinstance(roles, list)
            else None,
        )

    def service_role_claims(self, token: str) -> dict[str, Any]:
        """The claims of the project's service-role key; TokenRefusedError for any other token."""
        key, algorithm = self.verification_key(token)
        claims = self.signed_claims(token, key, algorithm)
        if claims.get("role") != SERVICE_ROLE:
            raise TokenRefusedError("not_service_role", "The token is not the service-role key.")
        return claims

    def is_api_key(self, token: str, key: Any, algorithm: str) -> bool:
        return self.signed_claims(token, key, algorithm).get("role") in API_KEY_ROLES

    def signed_claims(self, token: str, key: Any, algorithm: str) -> dict[str, Any]:
        """Claims whose signature and expiry hold, whatever their issuer and audience."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                leeway=self.leeway,
                options={"require": ["exp"], "verify_aud": False, "verify_iss": False},
            )
        except jwt.InvalidTokenError as exc:
            raise refusal(exc) from exc
        return claims

    def verification_key(self, token: str) -> tuple[Any, str]:
        """The key that must have signed ``token``, and the one algorithm that key verifies."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TokenRefusedError("malformed", "The token is not a well-formed JWT.") from None
        if self.uses_secret(header):
            # Only the secret can have made a valid HS256 signature here, so the published
            # keys are not needed: a legacy-only project's key set is empty, and an outage
            # of the Auth server does not stop its tokens.
            return self.jwt_secret, "HS256"
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenRefusedError("unknown_key", "The token is signed with an unknown key.")
        try:
            published = self.keys.match_kid(self.keys.get_signing_keys(), kid)
            if published is None:
                published = self.keys.get_signing_key(kid)  # fetched again, once
        except jwt.PyJWKClientConnectionError as exc:
            raise TokenRefusedError(
                "keys_unavailable", "The signing keys cannot be fetched now: retry later."
            ) from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
            raise TokenRefusedError(
                "unknown_key", "The token is signed with an unknown key."
            ) from exc
        return published_key(published)

    def uses_secret(self, header: dict[str, Any]) -> bool:
        return bool(self.jwt_secret) and header.get("alg") == "HS256"


def published_key(jwk: jwt.PyJWK) -> tuple[Any, str]:
    if jwk.algorithm_name not in ASYMMETRIC_ALGORITHMS:
        raise TokenRefusedError("unknown_key", "The token is signed with an unknown key.")
    return jwk.key, jwk.algorithm_name


# PyJWT's errors, most specific first, by the reason class the client is told.
REFUSALS: list[tuple[type[jwt.InvalidTokenError], str, str]] = [
    (jwt.ExpiredSignatureError, "expired", "The token has expired."),
    (jwt.InvalidSignatureError, "invalid_signature", "The token's signature is invalid."),
    (jwt.InvalidAudienceError, "wrong_audience", "The token is meant for another audience."),
    (jwt.InvalidIssuerError, "wrong_issuer", "The token was issued by another Supabase project."),
    (jwt.MissingRequiredClaimError, "missing_claim", "The token lacks a required claim."),
    (jwt.InvalidAlgorithmError, "wrong_algorithm", "The token's algorithm does not match its key."),
    (jwt.ImmatureSignatureError, "not_yet_valid", "The token is not valid yet."),
]


def refusal(exc: jwt.InvalidTokenError) -> TokenRefusedError:
    for error, reason, description in REFUSALS:
        if isinstance(exc, error):
            return TokenRefusedError(reason, description)
    return TokenRefusedError("malformed", "The token is not a well-formed JWT.")


@cache
def token_verifier() -> TokenVerifier:
    """The process's verifier, built from the settings; it keeps the fetched keys."""
    return TokenVerifier(
        supabase_url=settings.SUPABASE_URL,
        jwt_secret=settings.SUPABASE_JWT_SECRET,
        audience=settings.SUPABASE_JWT_AUDIENCE,
        leeway=settings.SUPABASE_JWT_LEEWAY_SECONDS,
        jwks_timeout=settings.SUPABASE_JWKS_TIMEOUT_SECONDS,
        jwks_lifespan=settings.SUPABASE_JWKS_CACHE_SECONDS,
    )


@receiver(setting_changed)
def forget_verifier(*, setting: str, **kwargs: Any) -> None:
    """A test that changes a SUPABASE_ setting gets a verifier built from the new value."""
    if setting.startswith("SUPABASE_"):
        token_verifier.cache_clear()
