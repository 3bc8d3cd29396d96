"""The metrics page, and who may read it: /metrics{% if cookiecutter.task_queue != "none" %} and the task workers' exporter{% endif %}.

Closed unless configured: a caller presents METRICS_TOKEN as a bearer token, or connects
straight from one of METRICS_ALLOWED_NETWORKS. Anyone else gets the 404 of an address that
does not exist, so the endpoint does not even tell scanners it is there.
"""

import os

from django.conf import settings
from django.http import HttpRequest
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from {{ cookiecutter.project_slug }}.common.access import bearer_token_matches, client_in_networks

METRICS_PATH = "/metrics"
# The classic text format, which every Prometheus 2 and 3 reads; all our names fit it.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def may_read_metrics(request: HttpRequest) -> bool:
    return bearer_token_matches(request, token=settings.METRICS_TOKEN) or client_in_networks(
        request, networks=settings.METRICS_ALLOWED_NETWORKS
    )


def metrics_page(*collectors: Collector) -> bytes:
    """Every metric of this process, or of all the server's processes, in the text format.

    Under a multiprocess server each process counts in files of its own
    (metrics.multiprocess), which are added up here. ``collectors`` measure something
    at scrape time.
    """
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)
