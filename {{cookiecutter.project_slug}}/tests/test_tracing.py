"""OpenTelemetry tracing: spans for requests, queries and tasks, ids on the log lines,
set up after forks, and inert without an endpoint."""

import json
import re
{%- if cookiecutter.task_queue != "none" %}
import time
{%- endif %}
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
{%- if cookiecutter.task_queue == "postgres" %}
from typing import Any
{%- endif %}

import pytest
import structlog
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabase
from django.test import Client
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
{%- if cookiecutter.task_queue == "postgres" %}
from procrastinate import JobContext
from procrastinate.contrib.django import app
from procrastinate.jobs import Job
{%- endif %}
from pytest_django.fixtures import Settings

{% if cookiecutter.task_queue == "celery" -%}
from tests import tasks
{% endif -%}
from tests.support.logs import LogCapture
from tests.support.otlp import running_collector
from tests.support.subprocesses import production_env, run_python, running_gunicorn
{%- if cookiecutter.task_queue == "celery" %}
from tests.support.worker import publishing_to, running_worker
{%- endif %}
from tests.test_gunicorn import CONFIG_FILE

from {{ cookiecutter.project_slug }}.common import tracing


def close_database_connections() -> None:
    """psycopg's connections are traced from their next connect, the pooled ones too."""
    # The wrapper itself: django.db.connection is a proxy, never an instance of it.
    database = connections["default"]
    database.close()
    if isinstance(database, PostgreSQLDatabase):
        database.close_pool()


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(
    exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TracerProvider]:
    """The service instrumented as configure_tracing() does it, exporting to memory."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # As if set globally, which a process can do only once.
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    tracing.instrument(tracer_provider=provider)
    try:
        yield provider
    finally:
        tracing.uninstrument()
        provider.shutdown()


@pytest.fixture
def spans(provider: TracerProvider, exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    """What the instrumented service records."""
    return exporter


@pytest.fixture
def tracer(provider: TracerProvider) -> trace.Tracer:
    return provider.get_tracer(__name__)


@pytest.fixture
def traced_database(transactional_db: None, spans: InMemorySpanExporter) -> Iterator[None]:
    close_database_connections()
    yield
    close_database_connections()


@pytest.mark.postgresql
@pytest.mark.parametrize("pooled", [True, False], ids=["connection-pool", "no-pool"])
def test_a_request_has_a_server_span_and_query_spans_in_the_trace_its_log_line_names(
    traced_database: None,
    spans: InMemorySpanExporter,
    json_logs: LogCapture,
    monkeypatch: pytest.MonkeyPatch,
    pooled: bool,
) -> None:
    if not pooled:
        monkeypatch.delitem(connection.settings_dict["OPTIONS"], "pool")
        close_database_connections()

    response = Client().get("/readyz", HTTP_X_REQUEST_ID="req-traced")

    assert response.status_code == 200
    [server] = [s for s in spans.get_finished_spans() if s.kind == trace.SpanKind.SERVER]
    # The pool sets up each connection it opens in a thread of its own, outside any
    # request: those queries are traces of their own, with no parent.
    queries = [
        s
        for s in spans.get_finished_spans()
        if s.kind == trace.SpanKind.CLIENT
        and (s.attributes or {}).get("db.system") == "postgresql"
        and s.parent is not None
    ]
    assert queries, "no span for the readiness check's query"
    trace_id = server.context.trace_id
    assert {query.context.trace_id for query in queries} == {trace_id}
    [access] = json_logs.events("request_finished")
    assert access["request_id"] == "req-traced"
    assert access["trace_id"] == trace.format_trace_id(trace_id)
    assert access["span_id"] == trace.format_span_id(server.context.span_id)


@pytest.mark.django_db
def test_a_probe_addressed_to_the_pods_ip_is_answered_untraced(
    spans: InMemorySpanExporter,
) -> None:
    # Orchestrators probe (and scrapers scrape) pods by address, which no ALLOWED_HOSTS
    # lists: tracing must not turn the host check into a 400 before the probe is answered.
    response = Client().get("/livez", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200
    assert spans.get_finished_spans() == ()


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_is_still_refused(spans: InMemorySpanExporter) -> None:
    response = Client().get("/api/schema/", HTTP_HOST="attacker.example")

    assert response.status_code == 400


def test_a_line_logged_outside_any_span_has_no_trace_ids(json_logs: LogCapture) -> None:
    structlog.get_logger("tests").info("untraced")

    [line] = json_logs.events("untraced")
    assert "trace_id" not in line
    assert "span_id" not in line


def test_the_trace_context_to_hand_on_is_the_current_spans() -> None:
    provider = TracerProvider()
    assert tracing.current_trace_context() == {}

    with provider.get_tracer(__name__).start_as_current_span("work") as span:
        carrier = tracing.current_trace_context()

    context = span.get_span_context()
    version, trace_id, parent_id, _flags = carrier["traceparent"].split("-")
    assert version == "00"
    assert trace_id == trace.format_trace_id(context.trace_id)
    assert parent_id == trace.format_span_id(context.span_id)


def test_the_spans_name_the_service_its_version_and_the_process(
    settings: Settings,
) -> None:
    settings.TRACING_SERVICE_NAME = "orders"

    resource = tracing.build_tracer_provider().resource.attributes

    assert resource["service.name"] == "orders"
    assert resource["service.version"] == settings.SERVICE_VERSION
    assert isinstance(resource["process.pid"], int)


def test_without_an_endpoint_tracing_stays_off(settings: Settings) -> None:
    settings.TRACING_ENABLED = False
    tracing.configure_tracing.cache_clear()
    try:
        assert tracing.configure_tracing() is False
    finally:
        tracing.configure_tracing.cache_clear()
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)


@pytest.mark.parametrize(
    ("argv", "traced"),
    [
        (["manage.py", "runserver"], True),
        (["manage.py", "runserver", "0.0.0.0:8000"], True),
{%- if cookiecutter.task_queue == "postgres" %}
        (["manage.py", "procrastinate", "worker", "--queues=default"], True),
        (["manage.py", "procrastinate", "defer", "x"], False),
{%- endif %}
        (["manage.py", "migrate"], False),
        (["manage.py"], False),
    ],
)
def test_manage_py_traces_the_commands_that_serve_or_run_tasks(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], traced: bool
) -> None:
    calls: list[str] = []

    def configure_tracing() -> bool:
        calls.append("configure_tracing")
        return True

    monkeypatch.setattr(tracing, "configure_tracing", configure_tracing)

    assert tracing.configure_tracing_for_command(argv) is traced
    assert calls == (["configure_tracing"] if traced else [])
{%- if cookiecutter.task_queue == "postgres" %}


def run_job(*, trace_context: dict[str, str] | None) -> trace.SpanContext:
    """Run a job through the tracing middleware; returns the span context it ran in."""
    task_kwargs: dict[str, Any] = {} if trace_context is None else {"trace_context": trace_context}
    job = Job(
        id=7,
        queue="default",
        lock=None,
        queueing_lock=None,
        task_name="tests.tasks.flaky",
        task_kwargs=task_kwargs,
    )
    context = JobContext(
        app=app,
        job=job,
        worker_name="test",
        start_timestamp=time.time(),
        abort_reason=lambda: None,
    )
    ran_in: trace.SpanContext = tracing.continue_job_trace(
        lambda: trace.get_current_span().get_span_context(), context, None
    )
    return ran_in


def test_a_job_continues_the_trace_of_the_code_that_deferred_it(
    spans: InMemorySpanExporter, tracer: trace.Tracer
) -> None:
    with tracer.start_as_current_span("request") as request_span:
        carrier = tracing.current_trace_context()

    ran_in = run_job(trace_context=carrier)

    [consumer] = [s for s in spans.get_finished_spans() if s.kind == trace.SpanKind.CONSUMER]
    assert consumer.name == "process tests.tasks.flaky"
    assert consumer.context.trace_id == request_span.get_span_context().trace_id
    assert consumer.parent is not None
    assert consumer.parent.span_id == request_span.get_span_context().span_id
    assert ran_in.span_id == consumer.context.span_id
    assert (consumer.attributes or {})["messaging.system"] == "procrastinate"


def test_a_job_deferred_outside_a_trace_starts_one(spans: InMemorySpanExporter) -> None:
    run_job(trace_context=None)

    [consumer] = spans.get_finished_spans()
    assert consumer.parent is None
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}


@pytest.mark.celery_broker
def test_a_task_sent_in_a_request_continues_its_trace_in_a_real_worker(
    spans: InMemorySpanExporter, tracer: trace.Tracer, tmp_path: Path
) -> None:
    queue = f"tests-{time.time_ns()}"
    with running_collector() as collector:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        with (
            publishing_to(queue),
            running_worker(queue, tmp_path, env=env) as worker,
            tracer.start_as_current_span("request") as request_span,
        ):
            tasks.greet.delay("Ada")
            [greeted] = worker.wait_for(lambda record: record["event"] == "greeted")
        [run] = collector.wait_for(lambda span: span.name == "run/tests.tasks.greet")

    trace_id = trace.format_trace_id(request_span.get_span_context().trace_id)
    [publish] = [s for s in spans.get_finished_spans() if s.kind == trace.SpanKind.PRODUCER]
    assert run.trace_id == trace_id
    assert run.parent_span_id == trace.format_span_id(publish.context.span_id)
    assert greeted["trace_id"] == trace_id
    assert greeted["span_id"] == run.span_id
    assert run.resource["service.name"] == "{{ cookiecutter.project_slug }}"
{%- endif %}


@pytest.fixture
def gunicorn_env() -> dict[str, str]:
    return production_env(WEB_CONCURRENCY="2", DJANGO_ALLOWED_HOSTS="127.0.0.1")


def get(url: str) -> None:
    with urllib.request.urlopen(url, timeout=5):  # noqa: S310
        pass


def test_real_gunicorn_workers_export_their_spans_after_the_fork(
    gunicorn_env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "gunicorn.log"
    with running_collector() as collector:
        env = {
            **gunicorn_env,
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        with running_gunicorn(env, log) as server:
            # The first GET /livez is the one running_gunicorn waited for.
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(get, [f"{server.url}/livez"] * 40))
            received = collector.wait_for(lambda span: span.name.startswith("GET"), count=41)

    output = log.read_text()
    workers = {int(match[1]) for match in re.finditer(r"Booting worker with pid: (\d+)", output)}
    exporting = {span.resource["process.pid"] for span in received}
    assert len(workers) == 2
    assert exporting <= workers
    assert server.pid not in exporting


def tracing_state(env: dict[str, str]) -> dict[str, object]:
    """What a gunicorn worker has after post_fork and loading the application."""
    script = """
import json, runpy, sys
config = runpy.run_path(sys.argv[1])
config["post_fork"](None, None)
from config.wsgi import application
from django.conf import settings
from opentelemetry import trace
state = dict(
    sdk_imported="opentelemetry.sdk.trace" in sys.modules,
    provider=type(trace.get_tracer_provider()).__name__,
    middleware=[name for name in settings.MIDDLEWARE if name.endswith("TracingMiddleware")],
)
print(json.dumps(state))
"""
    result = run_python("-c", script, CONFIG_FILE, env=env)
    assert result.returncode == 0, result.stderr
    state: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return state


def test_without_an_endpoint_a_worker_has_no_provider_no_instrumentation_no_sdk(
    gunicorn_env: dict[str, str],
) -> None:
    assert tracing_state(gunicorn_env) == {
        "sdk_imported": False,
        "provider": "ProxyTracerProvider",
        "middleware": [],
    }


def test_with_an_endpoint_a_worker_traces_its_requests(gunicorn_env: dict[str, str]) -> None:
    state = tracing_state({**gunicorn_env, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"})

    assert state["sdk_imported"] is True
    assert state["provider"] == "TracerProvider"
    assert state["middleware"] == [tracing.TRACING_MIDDLEWARE]
