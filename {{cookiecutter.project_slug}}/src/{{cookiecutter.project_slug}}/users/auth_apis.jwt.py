"""Token endpoints: thin layers over djangorestframework-simplejwt.

simplejwt's login serializer owns the credential check, the authentication backend
(users.backends) the login limits, and users.tokens the tokens issued, their rotation
and their blacklist; these views add logging, the 204 logout and the OpenAPI description. The
input and output serializers here are the contract clients see: simplejwt's serializers
describe the request and the response as one object, with every field required, which
typed clients cannot build.
"""

from typing import Any, cast

import structlog
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_CONTENT_TYPE
from {{ cookiecutter.project_slug }}.common.fields import StrictCharField
from {{ cookiecutter.project_slug }}.common.schema import problem_documentation
from {{ cookiecutter.project_slug }}.users.apis import LOGIN_ERROR_RESPONSES
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tokens import refresh_token_revoke, refresh_token_rotate

logger = structlog.get_logger(__name__)

# common.schema documents the error responses every operation shares; these are ours.
BAD_REFRESH_TOKEN = problem_documentation("The refresh token is malformed, expired or blacklisted.")


class TokenObtainInputSerializer(serializers.Serializer[Any]):
    email = StrictCharField()
    password = StrictCharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenPairOutputSerializer(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Exchange for a new pair before it expires.")


class RefreshTokenInputSerializer(serializers.Serializer[Any]):
    refresh = StrictCharField()


def validated_token_request(
    view: GenericAPIView[Any], input_class: type[serializers.Serializer[Any]], data: Any
) -> BaseSerializer[Any]:
    """The body checked against its documented shape, then by the view's simplejwt serializer."""
    documented = input_class(data=data)
    documented.is_valid(raise_exception=True)
    serializer = view.get_serializer(data=documented.validated_data)
    try:
        serializer.is_valid(raise_exception=True)
    except TokenError as exc:
        raise InvalidToken(exc.args[0]) from exc
    return serializer


def validated_refresh_token(data: Any) -> str:
    """The refresh token of a body checked against its documented shape."""
    serializer = RefreshTokenInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    refresh: str = serializer.validated_data["refresh"]
    return refresh


class UserTokenObtainApi(TokenObtainPairView):
    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Exchange email and password for an access and a refresh token",
        description="Send the access token as `Authorization: Bearer <access>`.",
        tags=["auth"],
        request=TokenObtainInputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            **LOGIN_ERROR_RESPONSES,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            serializer = validated_token_request(self, TokenObtainInputSerializer, request.data)
        except AuthenticationFailed:
            logger.info("user.login_failed")
            raise
        # A successful validation has authenticated the user.
        user = cast(User, cast(TokenObtainPairSerializer, serializer).user)
        logger.info("user.logged_in", user_id=str(user.pk))
        return Response(serializer.validated_data)


class UserTokenRefreshApi(TokenRefreshView):
    @extend_schema(
        operation_id="auth_token_refresh",
        summary="Exchange a refresh token for a new access and refresh token",
        description=(
            "The refresh token sent is blacklisted: each one can be used once, and of "
            "concurrent requests with the same token one gets the new pair, the others 401. "
            "A refresh token issued before the user's last password change, or of a user "
            "deactivated since, is refused."
        ),
        tags=["auth"],
        request=RefreshTokenInputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            (401, PROBLEM_CONTENT_TYPE): BAD_REFRESH_TOKEN,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refresh = validated_refresh_token(request.data)
        try:
            token = refresh_token_rotate(refresh=refresh)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response({"access": str(token.access_token), "refresh": str(token)})


class UserLogoutApi(TokenBlacklistView):
    @extend_schema(
        operation_id="auth_logout",
        summary="Log out: blacklist a refresh token",
        description="The refresh token can no longer be used; access tokens expire on their own.",
        tags=["auth"],
        request=RefreshTokenInputSerializer,
        responses={
            204: None,
            (401, PROBLEM_CONTENT_TYPE): BAD_REFRESH_TOKEN,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refresh = validated_refresh_token(request.data)
        try:
            refresh_token_revoke(refresh=refresh)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        logger.info("user.logged_out")
        return Response(status=status.HTTP_204_NO_CONTENT)
