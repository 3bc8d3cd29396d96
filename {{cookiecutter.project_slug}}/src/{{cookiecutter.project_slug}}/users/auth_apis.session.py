"""Session endpoints for browser clients: Django's own login, session and CSRF machinery.

A client fetches a CSRF token, logs in with it, and from then on sends the session
cookie plus the token (X-CSRFToken header) with every unsafe request.
"""

from typing import Any, cast

import structlog
from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_CONTENT_TYPE
from {{ cookiecutter.project_slug }}.common.fields import StrictCharField
from {{ cookiecutter.project_slug }}.common.schema import problem_documentation
from {{ cookiecutter.project_slug }}.users.apis import LOGIN_ERROR_RESPONSES, UserOutputSerializer
from {{ cookiecutter.project_slug }}.users.authentication import SessionAuthentication
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)

# common.schema documents the error responses every operation shares; these are ours.
BAD_CSRF_TOKEN = problem_documentation(
    "The X-CSRFToken header is missing or does not match the CSRF cookie."
)


class CsrfTokenOutputSerializer(serializers.Serializer[Any]):
    csrf_token = serializers.CharField()


class LoginInputSerializer(serializers.Serializer[Any]):
    # Looked up, not validated: an address no account has is wrong credentials (401).
    email = StrictCharField()
    password = StrictCharField(style={"input_type": "password"}, trim_whitespace=False)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class UserCsrfApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="auth_csrf",
        summary="Set the CSRF cookie and return the token for the X-CSRFToken header",
        tags=["auth"],
        responses={200: CsrfTokenOutputSerializer},
    )
    def get(self, request: Request) -> Response:
        token = get_token(request._request)
        return Response(CsrfTokenOutputSerializer({"csrf_token": token}).data)


class UserLoginApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        # This view authenticates nobody, so DRF would find no challenge and turn the 401
        # for bad credentials into a 403.
        return SessionAuthentication().authenticate_header(request)

    @extend_schema(
        operation_id="auth_login",
        summary="Log in with email and password and start a session",
        description=(
            "Send the token from the CSRF endpoint in the X-CSRFToken header. Logging in "
            "rotates the token: fetch it again before the next unsafe request."
        ),
        tags=["auth"],
        request=LoginInputSerializer,
        responses={
            200: UserOutputSerializer,
            **LOGIN_ERROR_RESPONSES,
            (403, PROBLEM_CONTENT_TYPE): BAD_CSRF_TOKEN,
        },
    )
    def post(self, request: Request) -> Response:
        # DRF checks CSRF only for requests that already carry a logged-in session, which
        # would leave this view open to login CSRF (an attacker's page logging the
        # victim into the attacker's account). Checked here, not in initial(), so that a
        # method the view lacks is a 405 before it is a CSRF failure.
        SessionAuthentication().enforce_csrf(request)
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if user is None:
            logger.info("user.login_failed")
            raise AuthenticationFailed("Invalid email or password.")
        login(request._request, user)
        logger.info("user.logged_in", user_id=str(user.pk))
        return Response(UserOutputSerializer(user).data)


class UserLogoutApi(APIView):
    @extend_schema(
        operation_id="auth_logout",
        summary="End the session",
        tags=["auth"],
        request=None,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        logger.info("user.logged_out", user_id=str(cast(User, request.user).pk))
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
