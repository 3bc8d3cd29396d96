"""Supabase access tokens as the API's credentials: ``Authorization: Bearer <token>``.

users.token_verification verifies the token; users.services maps its user onto a local
account through the identity link. A refused token is a 401 whose WWW-Authenticate
challenge names the class of the problem (RFC 6750), such as ``expired``.

The project's API keys are not user credentials: the anon key and the service-role key
are refused here. A server-to-server endpoint that is to accept the service-role key
says so explicitly, with SupabaseServiceRoleAuthentication and IsSupabaseServiceRole.
"""

from typing import TYPE_CHECKING, Any

import structlog
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.services import IdentityRefusedError, user_for_identity
from {{ cookiecutter.project_slug }}.users.token_verification import (
    TokenRefusedError,
    UserClaims,
    token_verifier,
)

if TYPE_CHECKING:
    # DRF imports authentication classes while rest_framework.views is loading.
    from rest_framework.views import APIView

logger = structlog.get_logger(__name__)

# Where a refusal waits for the challenge DRF asks for after authenticate() has failed.
REFUSAL_ATTRIBUTE = "_token_refusal"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None for any other scheme."""
    parts = authentication.get_authorization_header(request).split()
    if not parts or parts[0].lower() != b"bearer":
        return None
    if len(parts) != 2:
        raise TokenRefusedError("malformed", "Send the token as 'Authorization: Bearer <token>'.")
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise TokenRefusedError("malformed", "The token is not a well-formed JWT.") from None


def refused(
    request: Request, refusal: TokenRefusedError | IdentityRefusedError
) -> AuthenticationFailed:
    setattr(request, REFUSAL_ATTRIBUTE, refusal)
    logger.info("user.token_refused", reason=refusal.reason)
    return AuthenticationFailed(refusal.description, code=refusal.reason)


def challenge(request: Request) -> str:
    refusal = getattr(request, REFUSAL_ATTRIBUTE, None)
    if refusal is None:
        return 'Bearer realm="api"'
    return (
        f'Bearer realm="api", error="invalid_token", '
        f'error_description="{refusal.reason}: {refusal.description}"'
    )


class SupabaseAuthentication(authentication.BaseAuthentication):
    """A signed-in Supabase user, as the local account their identity link names."""

    def authenticate(self, request: Request) -> tuple[User, UserClaims] | None:
        try:
            token = bearer_token(request)
            if token is None:
                return None
            claims = token_verifier().user_claims(token)
            user = user_for_identity(
                subject=claims.subject,
                email=claims.email,
                email_verified=claims.email_verified,
                roles=claims.roles,
            )
        except (TokenRefusedError, IdentityRefusedError) as refusal:
            raise refused(request, refusal) from None
        return user, claims

    def authenticate_header(self, request: Request) -> str:
        return challenge(request)


class SupabaseServiceRoleAuthentication(authentication.BaseAuthentication):
    """The project's service-role key, for server-to-server endpoints that opt in.

    It authenticates a caller, not a user: request.user stays anonymous and request.auth
    holds the key's claims. Pair it with IsSupabaseServiceRole. Only a JWT service-role
    key is verified, with SUPABASE_JWT_SECRET or a published key.
    """

    def authenticate(self, request: Request) -> tuple[AnonymousUser, dict[str, Any]] | None:
        try:
            token = bearer_token(request)
            if token is None:
                return None
            claims = token_verifier().service_role_claims(token)
        except TokenRefusedError as refusal:
            raise refused(request, refusal) from None
        logger.info("user.service_role_authenticated")
        return AnonymousUser(), claims

    def authenticate_header(self, request: Request) -> str:
        return challenge(request)


class IsSupabaseServiceRole(BasePermission):
    """Allows only callers that presented the service-role key."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return isinstance(request.successful_authenticator, SupabaseServiceRoleAuthentication)


class SupabaseAuthenticationScheme(OpenApiAuthenticationExtension):
    """Declares the bearer scheme, so that Swagger UI's Authorize takes a Supabase token."""

    target_class: type[authentication.BaseAuthentication] = SupabaseAuthentication
    name = "supabaseAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        # Bandit takes any string under a name with "token" in it for a password.
        scheme: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106  # nosec B106
            bearer_format="JWT",
        )
        scheme["description"] = "The access token Supabase Auth issued to the signed-in user."
        return scheme


class SupabaseServiceRoleScheme(SupabaseAuthenticationScheme):
    target_class = SupabaseServiceRoleAuthentication
    name = "supabaseServiceRole"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = super().get_security_definition(auto_schema)
        scheme["description"] = "The Supabase project's service-role key (server to server)."
        return scheme
