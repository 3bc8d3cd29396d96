"""Authentication with limits on password guessing, for every login: {% if cookiecutter.auth == "supabase" %}the admin's.{% else %}the API's and the admin's.{% endif %}

Each password check is counted twice before it runs (common.throttling): per client
address (THROTTLE_LOGIN_RATE) and per account name (THROTTLE_LOGIN_ACCOUNT_RATE). A
check that succeeds is taken back from the account's count, so that the account limit
counts failures only. Over either limit the login is refused, with the right password
too, until the window ends: the window opens with the first counted attempt and does not
grow with more, so an attacker can keep an account locked only by guessing again in
every window, and never for longer than one window after stopping.
"""

from typing import Any

import structlog
from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from rest_framework.exceptions import Throttled

from {{ cookiecutter.project_slug }}.common.throttling import (
    LoginAccountRateThrottle,
    LoginRateThrottle,
)
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)


class LoginThrottled(Throttled):
    default_detail = "Too many login attempts."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


class RateLimitedModelBackend(ModelBackend):
    """Django's ModelBackend, with password checks limited per address and per account."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        if request is not None:
            address = LoginRateThrottle()
            if not address.allow(address.key_for_address(request)):
                refuse(address, limit="address")
        account = LoginAccountRateThrottle()
        account_key = account.key_for_account(username)
        if not account.allow(account_key):
            refuse(account, limit="account")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            account.take_back(account_key)
        return user

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # ModelBackend's own checks the password without calling authenticate().
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )


def refuse(throttle: LoginRateThrottle | LoginAccountRateThrottle, *, limit: str) -> None:
    """Raise LoginThrottled; the first refusal in a window is logged, the access log has all."""
    wait = throttle.wait()
    if throttle.hits == throttle.limit + 1:
        logger.warning("user.login_locked", limit=limit, retry_after=round(wait))
    raise LoginThrottled(wait=wait)
