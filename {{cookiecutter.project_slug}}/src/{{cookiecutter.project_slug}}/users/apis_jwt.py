"""Token endpoints: thin layers over djangorestframework-simplejwt.

simplejwt's serializers own the credential check and the token rotation and blacklist
rules configured in SIMPLE_JWT; these views add the login throttle, logging, the
204 logout and the OpenAPI description.
"""

from typing import Any, cast

import structlog
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_CONTENT_TYPE
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)

# common.schema documents the error responses every operation shares; these are ours.
BAD_CREDENTIALS = OpenApiResponse(
    {"$ref": "#/components/schemas/Problem"},
    description="The email or password is wrong, or the account is inactive.",
)
BAD_REFRESH_TOKEN = OpenApiResponse(
    {"$ref": "#/components/schemas/Problem"},
    description="The refresh token is malformed, expired or blacklisted.",
)


class UserTokenObtainApi(TokenObtainPairView):
    throttle_scope = "login"

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Exchange email and password for an access and a refresh token",
        description="Send the access token as `Authorization: Bearer <access>`.",
        tags=["auth"],
        request=TokenObtainPairSerializer,
        responses={
            200: TokenObtainPairSerializer,
            (401, PROBLEM_CONTENT_TYPE): BAD_CREDENTIALS,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = cast(TokenObtainPairSerializer, self.get_serializer(data=request.data))
        try:
            serializer.is_valid(raise_exception=True)
        except AuthenticationFailed:
            logger.info("user.login_failed")
            raise
        # A successful validation has authenticated the user.
        user = cast(User, serializer.user)
        logger.info("user.logged_in", user_id=str(user.pk))
        return Response(serializer.validated_data)


class UserTokenRefreshApi(TokenRefreshView):
    @extend_schema(
        operation_id="auth_token_refresh",
        summary="Exchange a refresh token for a new access and refresh token",
        description="The refresh token sent is blacklisted: each one can be used once.",
        tags=["auth"],
        request=TokenRefreshSerializer,
        responses={
            200: TokenRefreshSerializer,
            (401, PROBLEM_CONTENT_TYPE): BAD_REFRESH_TOKEN,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class UserLogoutApi(TokenBlacklistView):
    @extend_schema(
        operation_id="auth_logout",
        summary="Log out: blacklist a refresh token",
        description="The refresh token can no longer be used; access tokens expire on their own.",
        tags=["auth"],
        request=TokenBlacklistSerializer,
        responses={
            204: None,
            (401, PROBLEM_CONTENT_TYPE): BAD_REFRESH_TOKEN,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        logger.info("user.logged_out")
        return Response(status=status.HTTP_204_NO_CONTENT)
