from typing import Any

import structlog
from django.apps import AppConfig
{%- if cookiecutter.cache == "redis" or cookiecutter.task_queue == "celery" %}
from django.conf import settings
{%- endif %}
{%- if cookiecutter.cache == "postgres" %}
from django.core import checks
{%- endif %}
from django.core.signals import got_request_exception
{%- if cookiecutter.use_sentry == "y" or cookiecutter.cache == "redis" or cookiecutter.task_queue == "celery" %}
{% endif %}
{%- if cookiecutter.use_sentry == "y" %}
from {{ cookiecutter.project_slug }}.common.error_tracking import init_error_tracking
{%- endif %}
{%- if cookiecutter.cache == "redis" or cookiecutter.task_queue == "celery" %}
from {{ cookiecutter.project_slug }}.common.startup import is_autoreloader
{%- endif %}

logger = structlog.get_logger("{{ cookiecutter.project_slug }}.common")


def log_unhandled_exception(sender: object, **kwargs: Any) -> None:
    """Log a request's crash once, with its traceback; Django sends this inside the except."""
    logger.exception("unhandled_exception")
{%- if cookiecutter.cache == "redis" %}


def report_in_process_cache() -> None:
    if settings.CACHES["default"]["BACKEND"].endswith(".LocMemCache"):
        logger.info(
            "cache_in_process",
            detail="REDIS_URL is not set: the cache and the rate limits are this process's "
            "own (LocMemCache).",
        )
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}


def report_in_process_tasks() -> None:
    if not settings.CELERY_BROKER_URL:
        logger.info(
            "tasks_in_process",
            detail="CELERY_BROKER_URL is not set: tasks run in this process as they are "
            "enqueued (Celery's eager mode).",
        )
{%- endif %}


class CommonConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.common"

    def ready(self) -> None:
        got_request_exception.connect(log_unhandled_exception, dispatch_uid="log_unhandled")
{%- if cookiecutter.use_sentry == "y" %}
        init_error_tracking()
{%- endif %}
{%- if cookiecutter.cache == "redis" or cookiecutter.task_queue == "celery" %}
        # runserver's autoreloader serves nothing: the server it starts reports.
        if not is_autoreloader():
{%- if cookiecutter.task_queue == "celery" %}
            report_in_process_tasks()
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
            report_in_process_cache()
{%- endif %}
{%- endif %}
{%- if cookiecutter.cache != "redis" %}
        from {{ cookiecutter.project_slug }}.common.throttling import check_requests_are_not_atomic

        checks.register(check_requests_are_not_atomic)
{%- endif %}
