"""Tracing: OpenTelemetry (common.tracing), inert without an OTLP endpoint.

The SDK reads the endpoint and its other OTEL_* variables from the environment itself.
"""

from config.settings.base import env

TRACING_ENABLED = bool(env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default=""))
TRACING_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="{{ cookiecutter.project_slug }}")
