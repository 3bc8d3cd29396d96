"""Probes for the orchestrator: open to anyone, never throttled, not part of the API schema."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.health.checks import CheckResult, run_checks


class ProbeApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()


def readiness() -> tuple[dict[str, Any], int]:
    results: dict[str, CheckResult] = run_checks()
    ready = all(result.ok for result in results.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {
            name: {"status": "ok" if result.ok else "fail", "duration_ms": result.duration_ms}
            for name, result in results.items()
        },
    }
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
    """Readiness plus what is running, for people and dashboards."""

    def get(self, request: Request) -> Response:
        body, status = readiness()
        return Response(
            {
                "service": "{{ cookiecutter.project_slug }}",
                "version": settings.SERVICE_VERSION,
                **body,
            },
            status=status,
        )
