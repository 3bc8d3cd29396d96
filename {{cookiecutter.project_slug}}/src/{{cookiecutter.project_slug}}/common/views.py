"""Django's error handlers (config.urls handler400...handler500), in the API's problem format.

They answer for everything outside DRF's views: unknown URLs, the admin, crashes. And the
favicon, which browsers ask every HTML page's host for.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control

from {{ cookiecutter.project_slug }}.common.exceptions import problem_response


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    return problem_response(request, status_code=400, detail="The request could not be processed.")


def permission_denied(request: HttpRequest, exception: Exception) -> JsonResponse:
    return problem_response(
        request, status_code=403, detail="You do not have permission to perform this action."
    )


def page_not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    return problem_response(request, status_code=404, detail="No resource at this address.")


def server_error(request: HttpRequest) -> JsonResponse:
    return problem_response(
        request,
        status_code=500,
        detail="The server failed to handle the request; it has been logged.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """CSRF_FAILURE_VIEW: a rejected unsafe request, for a path outside DRF's views."""
    return problem_response(request, status_code=403, detail=f"CSRF verification failed: {reason}")


@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """No icon, rather than a 404 each time a browser opens the docs or the admin."""
    return HttpResponse(status=204)
