"""Production settings: every secret and address comes from the environment, nothing defaults.

The process refuses to start, naming the variable, when one it cannot run without is
missing or empty.
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES, env{% if cookiecutter.auth == "supabase" %}, supabase_url{% endif %}
{%- if cookiecutter.cache == "redis" %}
from config.settings.cache import redis_cache
{%- endif %}
from config.settings.database import database_settings


def required(name: str) -> str:
    value: str = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable: production settings have no default for it."
        )
    return value


def optional_secret(name: str, *, min_length: int = 32) -> str:
    """A token that may be left unset (the feature stays closed) but, when set, is strong."""
    value: str = env.str(name, default="").strip()
    if value and len(value) < min_length:
        raise ImproperlyConfigured(
            f"{name} is too short to be a secret: use {min_length} or more random characters, "
            "or leave it unset."
        )
    return value


SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [
    host.strip() for host in required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()
]
DATABASES = {"default": database_settings(required("DATABASE_URL"))}
{%- if cookiecutter.cache == "redis" %}
CACHES = {"default": redis_cache(required("REDIS_URL"))}
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
CELERY_BROKER_URL = required("CELERY_BROKER_URL")
{%- endif %}
{%- if cookiecutter.auth == "supabase" %}
SUPABASE_URL = supabase_url(required("SUPABASE_URL"))
SUPABASE_JWT_SECRET = optional_secret("SUPABASE_JWT_SECRET")
{%- endif %}
HEALTH_TOKEN = optional_secret("HEALTH_TOKEN")
{%- if cookiecutter.use_prometheus == "y" %}
METRICS_TOKEN = optional_secret("METRICS_TOKEN")
{%- endif %}

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# TLS ends at the load balancer, which tells the service the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
