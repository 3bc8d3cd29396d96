"""Logging through structlog: JSON lines in production, a readable console in development.

Records from the standard library (Django, gunicorn, third-party code) pass through the
same processors as structlog's own, so every line has one shape and carries the request
id bound by the request id middleware.
"""

import logging.config
from typing import Any

import structlog
{%- if cookiecutter.use_opentelemetry == "y" %}
from opentelemetry import trace
{%- endif %}
{%- if cookiecutter.task_queue == "postgres" or cookiecutter.use_opentelemetry == "y" %}
{%- if cookiecutter.task_queue == "postgres" %}


def add_job_context(
    logger: Any, method_name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Give procrastinate's own lines about a job the job's id, task and request id.

    A worker logs a job's start and outcome outside the task, where the task middleware's
    bindings do not reach; it passes the job along with the record instead.
    """
    job = getattr(event_dict.get("_record"), "job", None)
    if isinstance(job, dict):
        event_dict.setdefault("job_id", job.get("id"))
        event_dict.setdefault("task", job.get("task_name"))
        if request_id := (job.get("task_kwargs") or {}).get("request_id"):
            event_dict.setdefault("request_id", request_id)
    return event_dict
{%- endif %}
{%- if cookiecutter.use_opentelemetry == "y" %}


def add_trace_context(
    logger: Any, method_name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Give the line the trace and span ids of the span it is logged in, if one records.

    While tracing is inert there is never such a span, and this costs one context
    variable lookup.
    """
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event_dict["trace_id"] = trace.format_trace_id(span_context.trace_id)
        event_dict["span_id"] = trace.format_span_id(span_context.span_id)
    return event_dict
{%- endif %}
{% endif %}

# Applied to records that come from the standard library's logging rather than structlog.
FOREIGN_PRE_CHAIN: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
{%- if cookiecutter.task_queue == "postgres" %}
    add_job_context,
{%- endif %}
{%- if cookiecutter.use_opentelemetry == "y" %}
    add_trace_context,
{%- endif %}
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.PositionalArgumentsFormatter(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def processor_formatter(*, json: bool) -> structlog.stdlib.ProcessorFormatter:
    """The formatter that renders every record, structlog's and the standard library's."""
    renderer: list[structlog.typing.Processor]
    if json:
        renderer = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        renderer = [structlog.dev.ConsoleRenderer()]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=FOREIGN_PRE_CHAIN,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )


def build_logging_config(*, level: str, json: bool) -> dict[str, Any]:
    """A logging.config.dictConfig() dictionary; Django's LOGGING and gunicorn's logconfig_dict."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {"()": f"{__name__}.processor_formatter", "json": json},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structlog"},
            "null": {"class": "logging.NullHandler"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # No handlers of its own: Django's default one, a plain console while DEBUG is
            # on, would print each of its records a second time, unformatted.
            "django": {"handlers": []},
            # The access line records every response and the unhandled_exception event
            # every crash with its traceback; these loggers would repeat both.
            "django.request": {"handlers": ["null"], "propagate": False},
            "django.server": {"handlers": ["null"], "propagate": False},
            "gunicorn.access": {"handlers": ["null"], "propagate": False},
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
{%- if cookiecutter.task_queue == "postgres" %}
            # procrastinate announces every task and schedule it registers, in every
            # process as it starts; its lines about jobs come from other loggers.
            "procrastinate.blueprints": {"level": "WARNING"},
            "procrastinate.periodic": {"level": "WARNING"},
{%- endif %}
        },
    }


def configure_logging(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: set up structlog, then the standard library from LOGGING."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *FOREIGN_PRE_CHAIN,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    logging.config.dictConfig(config)
    # Python's warnings become log records too, so that no line escapes the format.
    logging.captureWarnings(True)
