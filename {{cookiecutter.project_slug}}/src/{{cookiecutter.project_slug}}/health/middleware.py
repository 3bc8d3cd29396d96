"""Answer the probes whatever Host header they carry.

An orchestrator probes a pod at its own address (``Host: 10.1.2.3:8000``), which no
ALLOWED_HOSTS lists: CommonMiddleware would refuse the probe with 400 and the pod would
never be ready. The probes build no URL and read no host, so this middleware, placed
before CommonMiddleware, dispatches them itself; every other request goes through the
rest of the stack and its host check.
"""

from django.http import HttpRequest, HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.urls import Resolver404, resolve

from {{ cookiecutter.project_slug }}.common.middleware import GetResponse

PROBE_URLCONF = "{{ cookiecutter.project_slug }}.health.urls"


class ProbeMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            match = resolve(request.path_info, urlconf=PROBE_URLCONF)
        except Resolver404:
            match = None
        if match is None:
            # Outside the except block, so that the request's own errors are not chained
            # to this Resolver404 in tracebacks and error reports.
            return self.get_response(request)
        response: HttpResponseBase = match.func(request, *match.args, **match.kwargs)
        # Django renders a view's response after the view returns; here that is our job.
        return response.render() if isinstance(response, SimpleTemplateResponse) else response
