"""Metrics measured when /metrics is scraped, not counted as things happen.

Readiness: the checks /readyz runs, so that an alert can say which dependency a pod
cannot reach.
{%- if cookiecutter.task_queue != "none" %} Backlog: the tasks waiting in the queue. The web processes report it,
not the workers, because a backlog matters most when the workers are down.
{%- endif %}
"""

from collections.abc import Iterator
{%- if cookiecutter.task_queue != "none" %}
from typing import Any
{%- endif %}

{% if cookiecutter.task_queue == "celery" -%}
import kombu
{% endif -%}
import structlog
{%- if cookiecutter.task_queue == "celery" %}
from django.conf import settings
{%- elif cookiecutter.task_queue == "postgres" %}
from django.db import connections
{%- endif %}
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
{%- if cookiecutter.task_queue == "celery" %}

from config.celery import app
{%- endif %}

from {{ cookiecutter.project_slug }}.health.checks import {% if cookiecutter.task_queue == "postgres" %}query_database, {% endif %}run_checks

logger = structlog.get_logger(__name__)
{%- if cookiecutter.task_queue == "celery" %}

BROKER_TIMEOUT_SECONDS = 1
{%- elif cookiecutter.task_queue == "postgres" %}

# Jobs a worker could start now, by queue, as one JSON object: the readiness checks'
# query_database(), on a pooled connection with the database's bounds, returns one row.
WAITING_JOBS_SQL = """
SELECT coalesce(json_object_agg(queue_name, waiting), '{}')
FROM (
    SELECT queue_name, count(*) AS waiting
    FROM procrastinate_jobs
    WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())
    GROUP BY queue_name
) AS queues
"""
{%- endif %}


class ReadinessCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        ready = GaugeMetricFamily(
            "{{ cookiecutter.project_slug }}_readiness_check_success",
            "1 if the readiness check of a dependency passed when scraped, 0 if it failed.",
            labels=["check"],
        )
        for name, result in run_checks().items():
            ready.add_metric([name], 1.0 if result.ok else 0.0)
        yield ready
{%- if cookiecutter.task_queue == "celery" %}


def waiting_tasks() -> dict[str, int] | None:
    """Messages in the default queue, from a broker client of our own with short timeouts.

    None when it cannot be known: no broker (tasks run in-process) or no answer in time.
    """
    if not settings.CELERY_BROKER_URL:
        return None
    queue = app.conf.task_default_queue
    timeouts = {
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    }
    try:
        with kombu.Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={**timeouts, "max_retries": 0},
        ) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
            channel: Any = connection.default_channel  # the stubs lack the queue methods
            try:
                _, count, _ = channel.queue_declare(queue=queue, passive=True)
            except connection.channel_errors:
                # A Redis queue without messages has no key; RabbitMQ's exists once a
                # worker has declared it. Either way, nothing is waiting.
                count = 0
    except Exception as exc:  # a broker that is down must not break the scrape
        logger.warning("task_backlog_unavailable", error=f"{type(exc).__name__}: {exc}")
        return None
    return {queue: int(count)}
{%- elif cookiecutter.task_queue == "postgres" %}


def waiting_tasks() -> dict[str, int] | None:
    """Jobs due and not started, by queue; None without PostgreSQL or an answer in time."""
    if connections["default"].vendor != "postgresql":
        return None  # no queue: tasks run in-process
    try:
        row: Any = query_database(WAITING_JOBS_SQL)
    except Exception as exc:  # a database that is down must not break the scrape
        logger.warning("task_backlog_unavailable", error=f"{type(exc).__name__}: {exc}")
        return None
    return {queue: int(count) for queue, count in row[0].items()}
{%- endif %}
{%- if cookiecutter.task_queue != "none" %}


class TaskBacklogCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily(
            "{{ cookiecutter.project_slug }}_tasks_waiting",
            "Tasks in the queue that a worker could start now, by queue.",
            labels=["queue"],
        )
        for queue, count in (waiting_tasks() or {}).items():
            waiting.add_metric([queue], float(count))
        yield waiting
{%- endif %}


# What /metrics measures when scraped; an app adds its own in its AppConfig.ready().
{% if cookiecutter.task_queue != "none" -%}
SCRAPE_TIME_COLLECTORS: list[Collector] = [ReadinessCollector(), TaskBacklogCollector()]
{% else -%}
SCRAPE_TIME_COLLECTORS: list[Collector] = [ReadinessCollector()]
{% endif -%}
