"""Under a real gunicorn with two workers, /metrics adds up what every worker counted."""

import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import resolve

from tests.support.scraping import (
    TOKEN,
    names_in,
    referenced_metrics,
    scrape,
    total,
)
from tests.support.subprocesses import production_env, running_gunicorn

# Requests are sent this many at a time, batch after batch, until both workers have
# answered some: the kernel may hand a whole sequence of connections to one worker.
BATCH = 10
MAX_BATCHES = 30
{%- if cookiecutter.cache == "redis" and cookiecutter.task_queue == "celery" %}
SERVICES = ("REDIS_URL", "CELERY_BROKER_URL")
{%- elif cookiecutter.cache == "redis" %}
SERVICES = ("REDIS_URL",)
{%- elif cookiecutter.task_queue == "celery" %}
SERVICES = ("CELERY_BROKER_URL",)
{%- else %}
SERVICES: tuple[str, ...] = ()
{%- endif %}


@contextmanager
def serving(tmp_path: Path, **env: str) -> Iterator[str]:
    """gunicorn with two workers and production settings; its temporary directory is
    ``tmp_path``, where the workers' metrics files go."""
    environment = production_env(
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        WEB_CONCURRENCY="2",
        METRICS_TOKEN=TOKEN,
        TMPDIR=str(tmp_path),
        **env,
    )
    with running_gunicorn(environment, tmp_path / "gunicorn.log") as server:
        yield server.url


def get(url: str) -> int:
    """GET as the TLS-terminating proxy forwards it; the status."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status


def worker_pids(tmp_path: Path) -> set[str]:
    """The processes that have counted something: each writes files named after its pid,
    in the server's metrics directory."""
    files = tmp_path.glob("prometheus-metrics-*/counter_*.db")
    return {file.stem.rpartition("_")[2] for file in files}


def test_every_scrape_counts_the_requests_all_workers_answered(tmp_path: Path) -> None:
    path = "/api/v1/auth/me/"
    view = resolve(path).view_name

    with serving(tmp_path) as url:
        statuses: set[int] = set()
        sent = 0
        with ThreadPoolExecutor(max_workers=BATCH) as pool:
            for _ in range(MAX_BATCHES):
                statuses |= set(pool.map(get, [f"{url}{path}"] * BATCH))
                sent += BATCH
                if len(worker_pids(tmp_path)) == 2:
                    break
        # Whichever worker answers the scrape, it reports the count of both.
        counts = set()
        for _ in range(5):
            status, text = scrape(f"{url}/metrics")
            assert status == 200, text
            counts.add(
                total(
                    text,
                    "django_http_responses_total_by_status_view_method_total",
                    view=view,
                    method="GET",
                )
            )
        pids = worker_pids(tmp_path)
        [directory] = tmp_path.glob("prometheus-metrics-*")

    assert statuses == {401}
    assert counts == {sent}
    assert len(pids) == 2, "each worker counts in files of its own"
    assert not directory.exists(), "the server removes its metrics directory when it stops"


def test_metrics_are_closed_and_answer_any_host(tmp_path: Path) -> None:
    with serving(tmp_path) as url:
        refused, _ = scrape(f"{url}/metrics", token="not-the-token")
        # At the pod's address, over plain HTTP: no host check, no redirect to HTTPS.
        by_address, text = scrape(f"{url}/metrics", headers={"Host": "10.1.2.3:8000"})

    assert refused == 404
    assert by_address == 200
    assert "django_http_requests_before_middlewares_total" in text


def database_url() -> str:
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return (
        f"postgres://{credentials}@{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_every_metric_the_alerts_and_the_dashboard_use_is_served(tmp_path: Path) -> None:
    # The suite's own services, not production_env's stand-ins.
    services = {name: os.environ[name] for name in SERVICES if os.environ.get(name)}
    with serving(tmp_path, DATABASE_URL=database_url(), **services) as url:
        for _ in range(3):
            get(f"{url}/api/v1/auth/me/")
        # The first scrape's readiness checks query the database; the next one shows it.
        scrape(f"{url}/metrics")
        status, text = scrape(f"{url}/metrics")

    assert status == 200
    assert referenced_metrics("web") - names_in(text) == set()
    assert referenced_metrics("web") >= {"django_db_query_duration_seconds_bucket"}
