"""Prometheus metrics: django-prometheus around the request stack, /metrics behind a token
or a network allow-list (metrics.middleware)."""

from config.settings.base import MIDDLEWARE, SECURE_REDIRECT_EXEMPT, env

from {{ cookiecutter.project_slug }}.common.access import parse_networks

MIDDLEWARE = [
    # Outermost and innermost (last): django-prometheus times the whole stack, and
    # counts responses by view, method and status.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
# Before the probes' middleware, and so before CommonMiddleware's host check: Prometheus
# scrapes the pod's address.
MIDDLEWARE.insert(
    MIDDLEWARE.index("{{ cookiecutter.project_slug }}.health.middleware.ProbeMiddleware"),
    "{{ cookiecutter.project_slug }}.metrics.middleware.MetricsMiddleware",
)
# Prometheus, too, scrapes the pod itself over plain HTTP.
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^metrics$"]

# Who may read /metrics{% if cookiecutter.__has_task_queue == "y" %} and the task workers' metrics{% endif %}: a caller presenting METRICS_TOKEN
# as a bearer token, or connecting from one of METRICS_ALLOWED_NETWORKS (CIDRs,
# comma-separated). With neither set, nobody may.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = parse_networks(
    env.str("METRICS_ALLOWED_NETWORKS", default=""), setting="METRICS_ALLOWED_NETWORKS"
)
{%- if cookiecutter.__has_task_queue == "y" %}
# The port on which a task worker serves its metrics, over HTTP, at /metrics.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=9808)
{%- endif %}
