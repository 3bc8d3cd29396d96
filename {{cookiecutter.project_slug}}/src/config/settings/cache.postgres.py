"""The cache in a PostgreSQL table, the sessions in a table of their own."""

from typing import Any

# A table in the database, created by the common app's migrations.
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "{% if cookiecutter.use_prometheus == "y" %}{{ cookiecutter.project_slug }}.metrics.cache{% else %}django.core.cache.backends.db{% endif %}.DatabaseCache",
        "LOCATION": "django_cache",
        # Past MAX_ENTRIES each write deletes a third of the entries; the default is 300.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}
# Sessions have a table of their own: caching them in the same database would gain
# nothing, and the cache's culling would log users out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
