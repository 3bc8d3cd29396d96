"""Charge credits for an API call: one decorator on the view method.

    from {{ cookiecutter.project_slug }}.credits.charging import charges_credits

    @charges_credits(cost=1)
    def post(self, request: Request) -> Response: ...

The cost is held before the method runs (402 when the caller has too few credits
available, and the method does not run), captured when it answers with a 2xx, and released
when it answers otherwise or raises. A process killed mid-call leaves the hold to expire:
the call is never charged twice, nor for nothing. The OpenAPI document states the cost
(``x-credit-cost``) and the 402 (credits.schema).
"""

import functools
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import structlog
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.credits.services import (
    HoldExpiredError,
    credit_capture,
    credit_release,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)

# The OpenAPI extension that states what an operation costs.
COST_EXTENSION = "x-credit-cost"
# Longer than any request may take (gunicorn's timeout is far shorter): a hold outliving
# it belongs to a process that died, and the expiry job gives it back.
CALL_HOLD_TIMEOUT = timedelta(minutes=10)

type Handler = Callable[..., Response]


def charges_credits(*, cost: int) -> Callable[[Handler], Handler]:
    """Charge the caller ``cost`` credits for each call the view method answers with a 2xx."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def respond(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
            hold = credit_reserve(
                user=cast(User, request.user),
                amount=cost,
                idempotency_key=f"call:{uuid.uuid4()}",
                timeout=CALL_HOLD_TIMEOUT,
            )
            try:
                response = handler(view, request, *args, **kwargs)
            except BaseException:
                credit_release(hold=hold)
                raise
            if not status.is_success(response.status_code):
                credit_release(hold=hold)
                return response
            try:
                credit_capture(hold=hold)
            except HoldExpiredError:
                # The call outlived its hold: the work is done, the charge is forgone.
                logger.warning("credit_call_hold_expired", hold_id=str(hold.pk), cost=cost)
            return response

        return cast(Handler, extend_schema(extensions={COST_EXTENSION: cost})(respond))

    return decorate
