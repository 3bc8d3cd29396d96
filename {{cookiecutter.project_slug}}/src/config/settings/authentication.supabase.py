"""API authentication: the access tokens Supabase Auth issues, verified against the
project's published signing keys (users.authentication, users.token_verification).

Clients sign in with Supabase, not with this service: it has no login endpoint. A user
is known here by the identity link from their Supabase user id to a local account,
created on their first request.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import REST_FRAMEWORK, env

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "{{ cookiecutter.project_slug }}.users.authentication.SupabaseAuthentication",
    ],
}


def supabase_url(value: str) -> str:
    """The project's base address (``https://<ref>.supabase.co``), without a trailing slash."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"SUPABASE_URL must be the Supabase project's http(s) address, such as "
            f"https://<project-ref>.supabase.co, not {value!r}."
        )
    return url


def at_least(name: str, value: float, minimum: float) -> float:
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more, not {value}.")
    return value


# Development's default, for an empty value too, is the Supabase CLI's local stack;
# production requires it (config.settings.production).
SUPABASE_URL = supabase_url(env.str("SUPABASE_URL", default="").strip() or "http://127.0.0.1:54321")
# The legacy shared secret: set, HS256 tokens are accepted besides those signed with the
# asymmetric keys; empty, they are refused.
SUPABASE_JWT_SECRET = env.str("SUPABASE_JWT_SECRET", default="")
SUPABASE_JWT_AUDIENCE = env.str("SUPABASE_JWT_AUDIENCE", default="authenticated")
# Seconds of clock difference tolerated on exp, iat and nbf.
SUPABASE_JWT_LEEWAY_SECONDS = at_least(
    "SUPABASE_JWT_LEEWAY_SECONDS", env.int("SUPABASE_JWT_LEEWAY_SECONDS", default=10), 0
)
# The signing keys' fetch: seconds it may take, and seconds the keys are kept before the
# next one (a token signed with a key not seen yet fetches them at once).
SUPABASE_JWKS_TIMEOUT_SECONDS = at_least(
    "SUPABASE_JWKS_TIMEOUT_SECONDS", env.float("SUPABASE_JWKS_TIMEOUT_SECONDS", default=2.0), 0.1
)
SUPABASE_JWKS_CACHE_SECONDS = at_least(
    "SUPABASE_JWKS_CACHE_SECONDS", env.int("SUPABASE_JWKS_CACHE_SECONDS", default=600), 1
)
