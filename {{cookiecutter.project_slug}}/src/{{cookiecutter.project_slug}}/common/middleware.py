"""Request id, access log, request body limit and slashes: the outer layers of every request."""

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware import common
from django.utils.functional import SimpleLazyObject

from {{ cookiecutter.project_slug }}.common.exceptions import problem_response

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from clients and proxies are trusted only when they cannot forge log lines or
# smuggle markup: a bounded run of URL-safe characters.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")

logger = structlog.get_logger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class RequestIdMiddleware:
    """Take the caller's X-Request-ID if well-formed, otherwise make one; log and echo it."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.clear_contextvars()
        response[REQUEST_ID_HEADER] = request_id
        return response


def known_user_id(request: HttpRequest) -> str | None:
    """The id of the user the request was authenticated as, if anything asked.

    A user nobody looked up stays unloaded: the access line must not query the database
    for it, nor fail the request when the database is down.
    """
    user: Any = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        # AuthenticationMiddleware's lazy user keeps what it loaded in _cached_user.
        user = getattr(request, "_cached_user", None)
    return str(user.pk) if user is not None and user.is_authenticated else None


class AccessLogMiddleware:
    """One "request_finished" line per request, with its outcome and duration."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        log = logger.error if response.status_code >= 500 else logger.info
        log(
            "request_finished",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            user_id=known_user_id(request),
        )
        return response


class RequestBodyLimitMiddleware:
    """Refuse bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with 413, before anything reads them.

    Django enforces the limit only where it reads the body itself (request.body, forms);
    DRF's parsers read the stream and never check it. A body sent in chunks, without a
    Content-Length, is refused with 411: Django reads a request without a length as
    having no body at all, so a chunked write would otherwise go through as an empty one.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "HTTP_TRANSFER_ENCODING" in request.META and not request.META.get("CONTENT_LENGTH"):
            return problem_response(
                request,
                status_code=411,
                detail="The request body was sent in chunks: send it with a Content-Length.",
            )
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_length = request.META.get("CONTENT_LENGTH") or "0"
        if limit is not None and content_length.isdigit() and int(content_length) > limit:
            return problem_response(
                request,
                status_code=413,
                detail=f"The request body is larger than the {limit} bytes this service accepts.",
            )
        return self.get_response(request)


class NoStoreMiddleware:
    """Cache-Control: no-store on API responses and on any answer to a request with credentials.

    Tokens, and what an authenticated caller reads, must not be kept by a browser's or
    a proxy's cache. A view that sets its own Cache-Control keeps it.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        carries_credentials = "Authorization" in request.headers or (
            settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        if "Cache-Control" not in response and (
            request.path.startswith("/api/") or carries_credentials
        ):
            response["Cache-Control"] = "no-store"
        return response


class CommonMiddleware(common.CommonMiddleware):
    """Django's, but only a read is redirected to the address with a trailing slash.

    APPEND_SLASH answers /api/v1/auth/logout with a 301 to /api/v1/auth/logout/, and clients
    follow a 301 with a GET: a POST, PATCH or DELETE there would be lost without an
    error. Those get a 404 problem naming the address to use instead.
    """

    REDIRECTED_METHODS = frozenset({"GET", "HEAD"})

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return request.method in self.REDIRECTED_METHODS and super().should_redirect_with_slash(
            request
        )

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            response.status_code == 404
            and request.method not in self.REDIRECTED_METHODS
            and super().should_redirect_with_slash(request)
        ):
            return problem_response(
                request,
                status_code=404,
                detail=f"Nothing is at this address; did you mean {request.path}/ ?",
            )
        return super().process_response(request, response)
