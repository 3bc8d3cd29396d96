"""Serve /metrics whatever Host header the scraper sends.

Prometheus scrapes every pod at its own address (``Host: 10.1.2.3:8000``), which no
ALLOWED_HOSTS lists, so this middleware answers before CommonMiddleware's host check,
as the probes' does. Nothing after it runs for a scrape: no session, no throttling, no
API schema entry.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from {{ cookiecutter.project_slug }}.common.exceptions import problem_response
from {{ cookiecutter.project_slug }}.common.middleware import GetResponse
from {{ cookiecutter.project_slug }}.metrics.collectors import SCRAPE_TIME_COLLECTORS
from {{ cookiecutter.project_slug }}.metrics.exposition import (
    CONTENT_TYPE,
    METRICS_PATH,
    may_read_metrics,
    metrics_page,
)


class MetricsMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info != METRICS_PATH:
            return self.get_response(request)
        if not may_read_metrics(request):
            return problem_response(request, status_code=404, detail="No resource at this address.")
        if request.method not in {"GET", "HEAD"}:
            response = problem_response(
                request, status_code=405, detail=f"Method {request.method} is not allowed here."
            )
            response["Allow"] = "GET, HEAD"
            return response
        return HttpResponse(metrics_page(*SCRAPE_TIME_COLLECTORS), content_type=CONTENT_TYPE)
