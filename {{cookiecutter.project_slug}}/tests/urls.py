"""The project's URLs plus views that fail on purpose, for the error-format tests."""

import logging
from collections.abc import Callable
from typing import Any

import structlog
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from rest_framework import exceptions, serializers
from rest_framework.authentication import BasicAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

from {{ cookiecutter.project_slug }}.common.exceptions import ConflictError, NotFoundError

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

# What a service might raise, by the name the URL gives.
ERRORS: dict[str, Callable[[], Exception]] = {
    "api-forbidden": exceptions.PermissionDenied,
    "django-forbidden": PermissionDenied,
    "http404": lambda: Http404("No Widget matches the given query."),
    "does-not-exist": lambda: ObjectDoesNotExist("Widget matching query does not exist."),
    "application-not-found": lambda: NotFoundError("No such widget."),
    "conflict": lambda: ConflictError("The widget exists already.", extra={"widget_id": "w-1"}),
    "django-validation": lambda: ValidationError({"name": ["This name is taken."]}),
    "django-validation-plain": lambda: ValidationError("Closed for the day."),
    "detail-dict": lambda: exceptions.AuthenticationFailed(
        {"detail": "The credentials have expired.", "code": "credentials_expired"}
    ),
    "crash": lambda: RuntimeError("boom"),
}


logger = structlog.get_logger(__name__)


class WidgetInput(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=10)
    tags = serializers.ListField(child=serializers.CharField(max_length=3), required=False)


class EchoApi(APIView):
    """Validates its body; open to anyone, so throttled as anonymous."""

    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response({"hello": "world"})

    def post(self, request: Request) -> Response:
        serializer = WidgetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class LoggingApi(APIView):
    """Logs while it handles the request, as application code does."""

    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        logger.info("widget_inspected", widget_id="w-1")
        logging.getLogger(__name__).warning("widget %s is running low", "w-1")
        return Response({"widget_id": "w-1"})


class PrivateApi(APIView):
    """Needs a user; Basic authentication gives the 401 a WWW-Authenticate challenge."""

    authentication_classes = (BasicAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({"user": str(request.user.pk)})


class RaisingApi(APIView):
    # A scheme with a challenge, so that authentication errors stay 401 in every variant.
    authentication_classes = (BasicAuthentication,)
    permission_classes = (AllowAny,)

    def get(self, request: Request, error: str) -> Response:
        raise ERRORS[error]()


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{len(request.body)} bytes")


urlpatterns = [
    *project_urlpatterns,
    path("test/echo/", EchoApi.as_view()),
    path("test/log/", LoggingApi.as_view()),
    path("test/private/", PrivateApi.as_view()),
    path("test/raise/<str:error>/", RaisingApi.as_view()),
    path("test/crash/", crash),
    path("test/forbidden/", forbidden),
    path("test/form/", form),
]
