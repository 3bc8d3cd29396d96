"""Error tracking with Sentry: on when SENTRY_DSN is set, in every process that loads Django.

Each unhandled error reaches Sentry once, through one integration: Django's for a
request{% if cookiecutter.task_queue == "celery" %}, Celery's for a task{% endif %}, the logging integration for anything else logged at
ERROR. The loggers that only repeat what the Django integration reports are left
out. Personal data (cookies, headers, user details, bodies) is never sent.
"""

from typing import Any

import sentry_sdk
import structlog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
{%- if cookiecutter.task_queue == "celery" %}
from sentry_sdk.integrations.celery import CeleryIntegration
{%- endif %}
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.transport import Transport
from sentry_sdk.types import Event, Hint

# They log every crash again (unhandled_exception) and every 5xx response (the access
# line): as Sentry events these would double the Django integration's, or report a
# failing readiness probe as an error.
DUPLICATING_LOGGERS = [
    "{{ cookiecutter.project_slug }}.common",
    "{{ cookiecutter.project_slug }}.common.middleware",
]


def sample_rate(value: str, *, variable: str) -> float:
    """A sampling rate read from ``variable``: a number from 0 to 1."""
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ImproperlyConfigured(f"{variable} must be a number from 0 to 1, not {value!r}.")
    return rate


def tag_request_id(event: Event, hint: Hint) -> Event:
    """Sentry's before_send: tag the event with the request id its log lines carry."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        event.setdefault("tags", {})["request_id"] = str(request_id)
    return event


def init_error_tracking(*, transport: Transport | None = None) -> bool:
    """Report errors to Sentry if settings.SENTRY_DSN is set; returns whether it does.

    ``transport`` replaces the HTTP transport, for tests.
    """
    if not settings.SENTRY_DSN:
        return False
    options: dict[str, Any] = {"transport": transport} if transport is not None else {}
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT,
        release=settings.SENTRY_RELEASE,
        sample_rate=settings.SENTRY_SAMPLE_RATE,
        # None, not 0: no performance tracing at all, rather than unsampled transactions.
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE or None,
        integrations=[
            DjangoIntegration(),
{%- if cookiecutter.task_queue == "celery" %}
            CeleryIntegration(),
{%- endif %}
            LoggingIntegration(),
        ],
        before_send=tag_request_id,
        # No personal data. Without send_default_pii (off by default, and deprecated for
        # data_collection since sentry-sdk 2.75) the SDK sends no user, cookies or
        # authorization headers; request bodies, which it would send, stay out too.
        max_request_body_size="never",
        **options,
    )
    for name in DUPLICATING_LOGGERS:
        ignore_logger(name)
    return True
