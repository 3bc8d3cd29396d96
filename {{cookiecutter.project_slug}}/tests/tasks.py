"""Tasks that only the tests use: {% if cookiecutter.task_queue == "celery" %}CELERY_IMPORTS in tests.worker_settings{% else %}PROCRASTINATE_IMPORT_PATHS in the test settings{% endif %} registers them.

A worker runs in another process, so these tasks report what they did by appending
lines to a journal file the test names, and the test reads it back.
"""

import time
from pathlib import Path

import structlog
{%- if cookiecutter.task_queue == "celery" %}
from celery import shared_task
{%- endif %}
from django.db import OperationalError
{%- if cookiecutter.task_queue == "postgres" %}
from procrastinate.contrib.django import app

from {{ cookiecutter.project_slug }}.common.task_queue import ExponentialBackoff
{%- endif %}
{%- set task = "shared_task" if cookiecutter.task_queue == "celery" else "app.task" %}

logger = structlog.get_logger(__name__)


def append(journal: str, line: str) -> int:
    """Add ``line`` to the journal; returns how many lines it now has."""
    path = Path(journal)
    with path.open("a") as file:
        file.write(f"{line}\n")
    return len(path.read_text().splitlines())


{% if cookiecutter.task_queue == "celery" -%}
@shared_task(
    autoretry_for=(OperationalError,),
    max_retries=2,
    retry_backoff=1,
    retry_jitter=True,
)
{% else -%}
@app.task(
    retry=ExponentialBackoff(
        max_attempts=3, base_seconds=0.5, max_seconds=1, retry_exceptions=(OperationalError,)
    )
)
{% endif -%}
def flaky(journal: str, failures: int) -> None:
    """Fail with a transient error the first ``failures`` times, then succeed."""
    attempt = append(journal, "attempt")
    if attempt <= failures:
        raise OperationalError(f"the database went away (attempt {attempt})")
    logger.info("flaky.succeeded", attempt=attempt)


@{{ task }}
def broken(journal: str) -> None:
    """Fail with an error that no retry can fix."""
    append(journal, "attempt")
    raise ValueError("the widget is broken")


@{{ task }}
def slow(journal: str, seconds: float) -> None:
    append(journal, "started")
    time.sleep(seconds)
    append(journal, "finished")


@{{ task }}
def greet(name: str{% if cookiecutter.task_queue == "postgres" %}, request_id: str | None = None{% endif %}) -> None:
    logger.info("greeted", name=name)


@{{ task }}
def noop() -> None:
    """Nothing at all: measures what the queue itself costs."""
{%- if cookiecutter.task_queue == "postgres" %}


# Every worker started with the test settings defers this one each second, to its own
# queue: the periodic task test runs a worker on that queue.
PERIODIC_QUEUE = "tests-periodic"


@app.periodic(cron="* * * * * *")
@app.task(queue=PERIODIC_QUEUE)
def tick(timestamp: int) -> None:
    logger.info("ticked", due=timestamp)
{%- endif %}
