"""The Idempotency-Key header: a mutating request sent again gets the first response.

A client that times out cannot know whether its request was handled; with the header it
can send the same request again safely. The same key with the same method, path and body
returns the response the first request got (with ``Idempotent-Replayed: true``); the same
key with anything else is a 409; a malformed key is a 422. Keys are the caller's own:
two callers never share one. Only a handled request is kept: one that failed with an
error can be sent again with its key, and is handled anew.
"""

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, cast

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.common.exceptions import ApplicationError
from {{ cookiecutter.project_slug }}.credits.models import IDEMPOTENCY_KEY_LENGTH, IdempotentRequest
from {{ cookiecutter.project_slug }}.credits.services import IdempotencyKeyReusedError
from {{ cookiecutter.project_slug }}.users.models import User

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII: what any HTTP client sends unchanged (a UUID is the usual choice).
KEY_PATTERN = "^[!-~]{1," + str(IDEMPOTENCY_KEY_LENGTH) + "}$"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    pattern=KEY_PATTERN,
    description=(
        "Send the request again with the same key and body and get the first response "
        f"back, not a second action. Up to {IDEMPOTENCY_KEY_LENGTH} visible ASCII "
        "characters, such as a UUID; kept for 24 hours."
    ),
)
IDEMPOTENCY_PROBLEMS = {
    409: "The Idempotency-Key was sent before with another request.",
    422: "The Idempotency-Key header is malformed.",
}


class MalformedIdempotencyKeyError(ApplicationError):
    status_code = 422
    type_slug = "malformed-idempotency-key"
    title = "Malformed idempotency key"


def request_fingerprint(request: Request) -> str:
    """What makes two requests the same one: the method, the path and the body."""
    canonical = json.dumps(
        [request.method, request.path, request.data], sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Honour the Idempotency-Key header on a view method; the method takes the
    ``idempotency_key`` to give the ledger, the same for every retry of one request."""

    @functools.wraps(handler)
    def respond(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(
                view, request, *args, idempotency_key=f"request:{uuid.uuid4()}", **kwargs
            )
        if not re.fullmatch(KEY_PATTERN, key):
            raise MalformedIdempotencyKeyError(
                f"The {HEADER} header must be 1 to {IDEMPOTENCY_KEY_LENGTH} visible ASCII "
                "characters (no spaces), such as a UUID."
            )
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            record, created = IdempotentRequest.objects.get_or_create(
                caller=cast(User, request.user), key=key, defaults={"fingerprint": fingerprint}
            )
            if not created:
                if record.fingerprint != fingerprint:
                    raise IdempotencyKeyReusedError(
                        f"The {HEADER} {key!r} was sent before with another request: "
                        "use a new key for a new request."
                    )
                return Response(
                    json.loads(record.response_body),
                    status=record.status_code,
                    headers={REPLAYED_HEADER: "true"},
                )
            response = handler(
                view, request, *args, idempotency_key=f"request:{record.pk}", **kwargs
            )
            record.status_code = response.status_code
            record.response_body = json.dumps(response.data)
            record.save(update_fields=("status_code", "response_body"))
        return response

    return respond
