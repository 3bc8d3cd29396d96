"""API authentication: JSON Web Tokens (djangorestframework-simplejwt) in the
Authorization header, with refresh tokens rotated and blacklisted once used."""

from datetime import timedelta

from config.settings.base import INSTALLED_APPS, REST_FRAMEWORK, env

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_simplejwt.token_blacklist"]

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=env.int("JWT_ACCESS_TOKEN_LIFETIME_MINUTES", default=15)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_LIFETIME_DAYS", default=7)),
    # users.tokens issues the tokens, rotates a refresh token at each use (the old one is
    # blacklisted, once) and refuses it after a password change. A password change does
    # not end the access tokens: they live ACCESS_TOKEN_LIFETIME, so keep it short.
    # (Bandit takes any string under a key that names a token for a password: a dotted path.)
    "TOKEN_OBTAIN_SERIALIZER": "{{ cookiecutter.project_slug }}.users.tokens.TokenObtainPairSerializer",  # nosec B105
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
