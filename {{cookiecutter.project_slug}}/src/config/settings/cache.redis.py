"""The cache and the sessions in Redis."""

from typing import Any

from config.settings.base import env


def redis_cache(url: str) -> dict[str, Any]:
    """The CACHES entry for Redis at ``url``.

    A stalled Redis costs a request at most a few hundred milliseconds per call (redis-py's
    own timeouts are five seconds), and the throttles then leave it alone for a moment
    (common.throttling).
    """
    return {
        "BACKEND": "{% if cookiecutter.use_prometheus == "y" %}{{ cookiecutter.project_slug }}.metrics.cache{% else %}django.core.cache.backends.redis{% endif %}.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }


# Without REDIS_URL each process caches for itself, which development and the tests
# accept (the start-up log says so) and production refuses.
REDIS_URL = env.str("REDIS_URL", default="")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        redis_cache(REDIS_URL)
        if REDIS_URL
{%- if cookiecutter.use_prometheus == "y" %}
        else {
            "BACKEND": "{{ cookiecutter.project_slug }}.metrics.cache.LocMemCache",
        }
{%- else %}
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
{%- endif %}
    ),
}
# Sessions are stored in the database and read through the cache: a flushed or
# unreachable Redis logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
