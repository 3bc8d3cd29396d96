"""Refresh tokens: issued with a password fingerprint, each spent once, revoked in bulk.

simplejwt keeps a row for every refresh token issued (``OutstandingToken``) and one for
every token revoked (``BlacklistedToken``, at most one per token: a unique column).
Spending a token is inserting its blacklist row: of concurrent requests with the same
token the database lets exactly one insert succeed, and the others are refused, where a
check before the insert would let every request that checked in time through.

Every refresh token carries a fingerprint of the user's password hash, compared with the
current one on each refresh: a password change, by whatever path (the admin, the
``changepassword`` command, ``set_password`` in code), ends every refresh token issued
before it, at no cost but an HMAC per refresh. Access tokens are not compared: a
password change leaves them valid until they expire, ``JWT_ACCESS_TOKEN_LIFETIME_MINUTES``
after they were issued. (A deactivation does not: the authentication refuses an inactive
user's tokens.)
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer as BaseObtainSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from {{ cookiecutter.project_slug }}.users.models import User

FINGERPRINT_CLAIM = "pwd"


def password_fingerprint(*, user: User) -> str:
    """Changes whenever the password does, and reveals nothing about it: an HMAC of the
    stored hash keyed with SECRET_KEY, like the hash Django keeps in each session."""
    digest = salted_hmac(
        "users.tokens.password_fingerprint", user.password, algorithm="sha256"
    ).hexdigest()
    return digest[:32]


def refresh_token_issue(*, user: User) -> RefreshToken:
    """A new refresh token for ``user``, recorded as outstanding; its ``access_token``
    is the access token of the pair. Claims added here are in both."""
    token = RefreshToken()
    token[api_settings.USER_ID_CLAIM] = str(user.pk)
    token[FINGERPRINT_CLAIM] = password_fingerprint(user=user)
    OutstandingToken.objects.create(
        user=user,
        jti=token[api_settings.JTI_CLAIM],
        token=str(token),
        created_at=token.current_time,
        expires_at=datetime_from_epoch(token["exp"]),
    )
    return token


def refresh_token_spend(*, token: RefreshToken) -> None:
    """Blacklist ``token``; TokenError when it was already, even by a request running now.

    Under PostgreSQL a concurrent insert of the same row waits for the first one's
    transaction and fails if it commits; SQLite runs one writer at a time.
    """
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token[api_settings.JTI_CLAIM],
        # Only a token issued before the blacklist was installed has no row yet.
        defaults={
            "token": str(token),
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise TokenError("Token is blacklisted") from exc


@transaction.atomic
def refresh_token_rotate(*, refresh: str) -> RefreshToken:
    """Spend the refresh token ``refresh`` and issue its successor.

    TokenError when the token is invalid, expired or spent, when its user is gone or
    inactive, or when their password changed after it was issued.
    """
    token = RefreshToken(refresh)  # type: ignore[arg-type]  # simplejwt's stub says Token
    user = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active:
        raise TokenError("No active account found for the given token.")
    if not constant_time_compare(
        str(token.get(FINGERPRINT_CLAIM, "")), password_fingerprint(user=user)
    ):
        raise TokenError("The password has changed since this token was issued.")
    refresh_token_spend(token=token)
    return refresh_token_issue(user=user)


@transaction.atomic
def refresh_token_revoke(*, refresh: str) -> None:
    """Log out: spend ``refresh`` without a successor. TokenError as for a refresh."""
    refresh_token_spend(token=RefreshToken(refresh))  # type: ignore[arg-type]


def user_refresh_tokens_revoke(*, user: User) -> int:
    """Blacklist every refresh token of ``user`` not yet expired or spent; how many."""
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(revoked)


class TokenObtainPairSerializer(BaseObtainSerializer):
    """simplejwt's login, issuing tokens with refresh_token_issue (SIMPLE_JWT names it)."""

    @classmethod
    def get_token(cls, user: Any) -> RefreshToken:
        return refresh_token_issue(user=user)
