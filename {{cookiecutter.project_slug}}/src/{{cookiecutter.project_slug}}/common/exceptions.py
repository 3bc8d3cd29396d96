"""One error format for the whole API: RFC 9457 problem details (application/problem+json).

Services raise ApplicationError subclasses, DRF exceptions or Django's own (Http404,
ValidationError, PermissionDenied, ObjectDoesNotExist); problem_details_handler, DRF's
EXCEPTION_HANDLER, turns each into a problem document. Views never format errors.
"""

import math
from collections.abc import Mapping
from typing import Any

import structlog
from django import db
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from {{ cookiecutter.project_slug }}.common import database

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Type URIs are references relative to the service (RFC 9457 allows them, with the full
# path): they resolve to the page describing the type on whichever host answered, and
# read the same in every environment, so that clients can compare them.
PROBLEM_TYPE_BASE = "/problems/"

# (type slug, title) of the problems the API answers with for plain HTTP errors.
HTTP_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("not-authenticated", "Not authenticated"),
    403: ("permission-denied", "Permission denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    411: ("length-required", "Length required"),
    413: ("request-too-large", "Request body too large"),
    414: ("uri-too-long", "URI too long"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("throttled", "Too many requests"),
    431: ("headers-too-large", "Request header fields too large"),
    500: ("server-error", "Internal server error"),
    503: ("service-unavailable", "Service unavailable"),
}
UNKNOWN_PROBLEM = ("error", "Error")

# (title, description) of every problem type the API answers with, by type slug: the page
# at its type URI (common.problem_views) shows them. A new type needs its entry here.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "bad-request": (
        "Bad request",
        "The request could not be processed as sent, for example a body that is not valid "
        "JSON or a host name this service does not answer to. The detail member says what "
        "was wrong.",
    ),
    "validation-error": (
        "Validation failed",
        "One or more inputs are invalid. The errors member lists the messages by field "
        '(a nested field by its path, such as "items.0.url"; the input as a whole under '
        '"non_field_errors"). Correct them and send the request again.',
    ),
    "not-authenticated": (
        "Not authenticated",
        "The request carries no credentials, or credentials that are not valid (any "
        "more). Authenticate and send the request again.",
    ),
    "permission-denied": (
        "Permission denied",
        "The caller is authenticated but may not do this; a browser request that failed "
        "its CSRF check gets this too. Sending the same request again will not help.",
    ),
    "not-found": (
        "Not found",
        "Nothing exists at this address, or nothing the caller may see.",
    ),
    "method-not-allowed": (
        "Method not allowed",
        "The resource does not support this HTTP method; the Allow header lists those it does.",
    ),
    "not-acceptable": (
        "Not acceptable",
        "The service cannot answer in any media type the Accept header asks for: it "
        "answers in JSON.",
    ),
    "conflict": (
        "Conflict",
        "The request conflicts with the current state of the resource, for example it "
        "exists already. The detail member says how.",
    ),
    "length-required": (
        "Length required",
        "The request has a body but no Content-Length header (it was sent in chunks): "
        "send the body with its length.",
    ),
    "request-too-large": (
        "Request body too large",
        "The request body is larger than the service accepts; the detail member gives the "
        "limit. The body is refused before it is read.",
    ),
    "uri-too-long": (
        "URI too long",
        "The request line, with the path and query, is longer than the service reads; "
        "the detail member gives the limit.",
    ),
    "headers-too-large": (
        "Request header fields too large",
        "The request has more header fields, or a longer one, than the service reads.",
    ),
    "unsupported-media-type": (
        "Unsupported media type",
        "The request body is not in a media type the endpoint accepts: send JSON, with "
        "Content-Type: application/json.",
    ),
    "throttled": (
        "Too many requests",
        "The caller has made too many requests in too short a time. Wait the number of "
        "seconds the Retry-After header gives before sending more.",
    ),
    "server-error": (
        "Internal server error",
        "The service failed to handle the request. The failure is logged under the "
        "request_id member's value: quote it when you report the problem.",
    ),
    "service-unavailable": (
        "Service unavailable",
        "A service this one depends on cannot be reached, so the request was refused rather "
        "than handled unsafely. Send it again after the number of seconds the Retry-After "
        "header gives.",
    ),
    "error": (
        "Error",
        "An error with no more specific type; the status and detail members say what happened.",
    ),
}


class ApplicationError(Exception):
    """An error a service reports to the API client.

    A subclass sets ``status_code``; its ``type_slug`` and ``title`` come from
    HTTP_PROBLEMS unless it sets them too.
    """

    status_code = 400
    type_slug, title = HTTP_PROBLEMS[status_code]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        type_slug, title = HTTP_PROBLEMS.get(cls.status_code, UNKNOWN_PROBLEM)
        if "type_slug" not in cls.__dict__:
            cls.type_slug = type_slug
        if "title" not in cls.__dict__:
            cls.title = title

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    status_code = 404


class ConflictError(ApplicationError):
    status_code = 409


class PermissionDeniedError(ApplicationError):
    status_code = 403


def request_id() -> str | None:
    """The id of the request being handled, bound by RequestIdMiddleware."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None


def problem(
    *,
    status_code: int,
    detail: str,
    instance: str,
    type_slug: str | None = None,
    title: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem document; extension members in extra never replace the standard ones."""
    default_slug, default_title = HTTP_PROBLEMS.get(status_code, UNKNOWN_PROBLEM)
    document: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (type_slug or default_slug),
        "title": title or default_title,
        "status": status_code,
        "detail": detail,
        "instance": instance,
        "request_id": request_id(),
    }
    for key, value in (extra or {}).items():
        document.setdefault(key, value)
    return document


def problem_response(
    request: HttpRequest | Request, *, status_code: int, detail: str, **kwargs: Any
) -> JsonResponse:
    """A problem response for plain Django views, middleware and the error handlers."""
    return JsonResponse(
        problem(status_code=status_code, detail=detail, instance=request.path, **kwargs),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "items.0.url": [...]}."""
    if isinstance(detail, Mapping):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            errors.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return errors
    if isinstance(detail, list) and any(isinstance(item, (Mapping, list)) for item in detail):
        errors = {}
        for index, item in enumerate(detail):
            errors.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return errors
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(message) for message in messages]}


class DatabaseUnavailable(exceptions.APIException):
    """The database cannot be reached (common.database): 503, and Retry-After ``wait`` seconds."""

    status_code = 503
    default_detail = "The database cannot be reached at the moment. Try again shortly."

    def __init__(self) -> None:
        super().__init__()
        self.wait = database.RETRY_AFTER_SECONDS


def to_api_exception(exc: Exception) -> exceptions.APIException | ApplicationError | None:
    """Django's and the services' exceptions as the API error they stand for, if any."""
    if isinstance(exc, (exceptions.APIException, ApplicationError)):
        return exc
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, (db.OperationalError, db.InterfaceError)):
        # Logged once per outage (common.database), not as a traceback per request.
        cause = exc.__cause__ or exc
        if database.means_unreachable(cause):
            database.outage_of(db.DEFAULT_DB_ALIAS).failed(cause)
        return DatabaseUnavailable()
    return None


def api_exception_problem(exc: exceptions.APIException) -> dict[str, Any]:
    """Status, type, title, detail and extension members of a DRF exception."""
    if isinstance(exc, exceptions.ParseError):
        # A body that is not JSON at all is invalid input too: the same document as a
        # validation error, so that clients read one shape for every 400 of a write.
        return {
            "status_code": exc.status_code,
            "detail": str(exc.detail),
            "extra": {"errors": {api_settings.NON_FIELD_ERRORS_KEY: [str(exc.detail)]}},
        }
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        non_field_errors = errors.get(api_settings.NON_FIELD_ERRORS_KEY)
        detail = (
            " ".join(non_field_errors)
            if non_field_errors and len(errors) == 1
            else "One or more fields are invalid."
        )
        return {
            "status_code": exc.status_code,
            "type_slug": "validation-error",
            "title": "Validation failed",
            "detail": detail,
            "extra": {"errors": errors},
        }
    message: Any = exc.detail
    # Some authentication packages raise with a dict: {"detail": ..., "code": ...}.
    if isinstance(message, Mapping):
        message = message.get("detail", exc.default_detail)
    return {"status_code": exc.status_code, "detail": str(message)}


def problem_details_handler(exc: Exception, context: dict[str, Any]) -> JsonResponse | None:
    """DRF's EXCEPTION_HANDLER: every error an API view raises becomes a problem response.

    The response is JSON whatever the view renders otherwise: DRF would render a DRF
    Response with the view's own renderer (the schema's YAML, Swagger UI's HTML) under
    the problem content type. Anything unexpected is left to propagate: it is logged
    once, with its traceback, as unhandled_exception, and answered by handler500 in the
    same format.
    """
    api_exc = to_api_exception(exc)
    if api_exc is None:
        return None
    request: Request = context["request"]
    headers: dict[str, str] = {}
    if isinstance(api_exc, ApplicationError):
        fields: dict[str, Any] = {
            "status_code": api_exc.status_code,
            "type_slug": api_exc.type_slug,
            "title": api_exc.title,
            "detail": api_exc.detail,
            "extra": api_exc.extra,
        }
    else:
        fields = api_exception_problem(api_exc)
        if auth_header := getattr(api_exc, "auth_header", None):
            headers["WWW-Authenticate"] = auth_header
        if (wait := getattr(api_exc, "wait", None)) is not None:
            headers["Retry-After"] = str(math.ceil(wait))
    set_rollback()
    response = problem_response(request, **fields)
    for name, value in headers.items():
        response[name] = value
    return response
