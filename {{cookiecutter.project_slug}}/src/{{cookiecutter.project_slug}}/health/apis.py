"""Probes for the orchestrator, open to anyone and never throttled, and the detailed
health report for staff and monitors. None of them is part of the API schema."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.health import checks
from {{ cookiecutter.project_slug }}.health.authentication import (
    MONITOR,
    HealthTokenAuthentication,
)


class ProbeApi(APIView):
    authentication_classes: tuple[type[BaseAuthentication], ...] = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()


def readiness(*, with_errors: bool = False) -> tuple[dict[str, Any], int]:
    """The checks' report and its status code: 503 when any component is not ready."""
    results: dict[str, checks.CheckResult] = checks.cached_results.get()
    ready = all(result.ok for result in results.values())
    report: dict[str, dict[str, Any]] = {
        name: {"status": "ok" if result.ok else "fail", "duration_ms": result.duration_ms}
        for name, result in results.items()
    }
    if with_errors:
        for name, result in results.items():
            report[name]["error"] = result.error
    body = {"status": "ok" if ready else "unavailable", "checks": report}
    return body, 200 if ready else 503


@extend_schema(exclude=True)
class LivenessApi(ProbeApi):
    """The process is up and answering; touches nothing else."""

    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


@extend_schema(exclude=True)
class ReadinessApi(ProbeApi):
    """Every dependency answers: 503, naming the ones that do not, otherwise."""

    def get(self, request: Request) -> Response:
        body, status = readiness()
        return Response(body, status=status)


@extend_schema(exclude=True)
class HealthApi(ProbeApi):
    """Readiness under the service's name; with the health token, the running version too.

    Anonymous callers learn nothing that would help pick an exploit for this build.
    """

    authentication_classes = (HealthTokenAuthentication,)

    def get(self, request: Request) -> Response:
        body, status = readiness()
        if request.auth == MONITOR:
            body = {"version": settings.SERVICE_VERSION, "commit": settings.SERVICE_COMMIT, **body}
        return Response({"service": "{{ cookiecutter.project_slug }}", **body}, status=status)


class IsStaffOrMonitor(BasePermission):
    """Staff users, and callers holding the health token."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.auth == MONITOR or bool(request.user and request.user.is_staff)


@extend_schema(exclude=True)
class DetailedHealthApi(APIView):
    """Every component's status, latency and error, with the running version and commit.

    Errors can name hosts and users, so the report is for staff and the monitor only:
    401 without credentials, 403 for other users.
    """

    permission_classes = (IsStaffOrMonitor,)

    def get_authenticators(self) -> list[BaseAuthentication]:
        # The token first: it answers the 401 challenge, and other bearer tokens fall
        # through to the API's own authentication.
        return [HealthTokenAuthentication(), *super().get_authenticators()]

    def get(self, request: Request) -> Response:
        body, status = readiness(with_errors=True)
        return Response(
            {
                "service": "{{ cookiecutter.project_slug }}",
                "version": settings.SERVICE_VERSION,
                "commit": settings.SERVICE_COMMIT,
                **body,
            },
            status=status,
        )
