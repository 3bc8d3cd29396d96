"""OpenTelemetry tracing: spans exported over OTLP/HTTP, inert unless an endpoint is set.

Each process turns tracing on once it will fork no more, because the exporter's thread
does not survive a fork: gunicorn's workers in post_fork{% if cookiecutter.task_queue == "celery" %}, Celery's pool processes in
worker_process_init and beat in beat_init{% endif %}, and manage.py for the commands in
TRACED_COMMANDS. ARCHITECTURE.md ("Tracing") explains the choices.

Without OTEL_EXPORTER_OTLP_ENDPOINT (settings.TRACING_ENABLED) configure_tracing() does
nothing: no tracer provider, no instrumentation, no exporter thread, and the SDK is not
even imported. The SDK reads its other OTEL_* variables (headers, sampler, resource
attributes, batching) from the environment itself.
"""

import functools
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase
from opentelemetry import propagate, trace
{%- if cookiecutter.task_queue == "postgres" %}
from procrastinate import JobContext, middleware
from procrastinate.worker import Worker
{%- endif %}

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

# manage.py commands that serve requests or run tasks. One-off commands (migrate, shell)
# stay untraced: their queries would only be traces without a request.
TRACED_COMMANDS: list[list[str]] = [
    ["runserver"],
{%- if cookiecutter.task_queue == "postgres" %}
    ["procrastinate", "worker"],
{%- endif %}
]


def instrumentors() -> list[Any]:
    """What is traced, in each process that starts tracing.

    Django's requests, psycopg's queries{% if cookiecutter.cache == "redis" or cookiecutter.task_queue == "celery" %}, Redis's commands{% endif %}{% if cookiecutter.task_queue == "celery" %}, Celery's tasks{% endif %}, and the
    requests the service makes with urllib.
    """
{%- if cookiecutter.task_queue == "celery" %}
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
{%- endif %}
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
{%- if cookiecutter.cache == "redis" or cookiecutter.task_queue == "celery" %}
    from opentelemetry.instrumentation.redis import RedisInstrumentor
{%- endif %}
    from opentelemetry.instrumentation.urllib import URLLibInstrumentor

    return [
        DjangoInstrumentor(),
        PsycopgInstrumentor(),
{%- if cookiecutter.cache == "redis" or cookiecutter.task_queue == "celery" %}
        RedisInstrumentor(),
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
        CeleryInstrumentor(),
{%- endif %}
        URLLibInstrumentor(),
    ]


OTEL_MIDDLEWARE = (
    "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware"
)
TRACING_MIDDLEWARE = f"{__name__}.TracingMiddleware"


class TracingMiddleware:
    """OpenTelemetry's Django middleware, for the requests this service serves.

    It names each span after the request's absolute URL, which reads the Host header
    through Django's host check: a probe or a scrape addressed to the pod's IP would be
    refused with 400 before the probe middleware could answer it. Requests for a host
    outside ALLOWED_HOSTS therefore pass untraced; the probes and scrapes among them are
    answered as usual, anything else is refused by CommonMiddleware as before.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        from opentelemetry.instrumentation.django.middleware.otel_middleware import (
            _DjangoMiddleware,
        )

        self.get_response = get_response
        self.traced = _DjangoMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            request.get_host()
        except DisallowedHost:
            return self.get_response(request)
        response: HttpResponseBase = self.traced(request)
        return response


def instrument(*, tracer_provider: "TracerProvider") -> None:
    """Trace the libraries' work with ``tracer_provider``.

    Django's middleware goes in front of settings.MIDDLEWARE, so this must run before the
    WSGI handler is built; psycopg's connections are traced from their next connect.
    """
    for instrumentor in instrumentors():
        instrumentor.instrument(tracer_provider=tracer_provider)
    settings.MIDDLEWARE = [
        TRACING_MIDDLEWARE if entry == OTEL_MIDDLEWARE else entry for entry in settings.MIDDLEWARE
    ]


def uninstrument() -> None:
    # The instrumentation removes its own middleware entry, which instrument() replaced.
    settings.MIDDLEWARE = [
        OTEL_MIDDLEWARE if entry == TRACING_MIDDLEWARE else entry for entry in settings.MIDDLEWARE
    ]
    for instrumentor in instrumentors():
        instrumentor.uninstrument()


def build_tracer_provider() -> "TracerProvider":
    """A tracer provider naming this service, its version and this process."""
    from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
    from opentelemetry.sdk.trace import TracerProvider

    resource = Resource.create(
        {
            SERVICE_NAME: settings.TRACING_SERVICE_NAME,
            SERVICE_VERSION: settings.SERVICE_VERSION,
            # Tells the worker processes of one host apart.
            "process.pid": os.getpid(),
        }
    )
    return TracerProvider(resource=resource)


@functools.cache
def configure_tracing() -> bool:
    """Trace this process and export its spans, if settings.TRACING_ENABLED; only once.

    Returns whether tracing is on.
    """
    if not settings.TRACING_ENABLED:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = build_tracer_provider()
    # Spans leave in batches, from the processor's own thread: no request waits for the
    # collector, and a collector that is down costs dropped spans, not latency.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    instrument(tracer_provider=provider)
    return True


def configure_tracing_for_command(argv: Sequence[str]) -> bool:
    """manage.py: trace the commands in TRACED_COMMANDS; ``argv`` is sys.argv."""
    arguments = list(argv[1:])
    if any(arguments[: len(command)] == command for command in TRACED_COMMANDS):
        return configure_tracing()
    return False


def current_trace_context() -> dict[str, str]:
    """The current span's W3C trace context (traceparent, tracestate), for a task to
    continue; empty when no span is recording."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier
{%- if cookiecutter.task_queue == "postgres" %}


def continue_job_trace(
    call_next: middleware.SyncCallNext, context: JobContext, worker: Worker | None
) -> Any:
    """Task middleware: run the job in a consumer span that continues the deferring trace.

    procrastinate's jobs have no headers: the deferring code passes
    current_trace_context() as the task's trace_context argument, as it passes
    request_id. A job deferred outside any trace starts a trace of its own.
    """
    job = context.job
    carrier = job.task_kwargs.get("trace_context") or {}
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span(
        f"process {job.task_name}",
        context=propagate.extract(carrier),
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "procrastinate",
            "messaging.operation.type": "process",
            "messaging.destination.name": job.queue,
            "messaging.message.id": str(job.id),
        },
    ):
        return call_next()
{%- endif %}
