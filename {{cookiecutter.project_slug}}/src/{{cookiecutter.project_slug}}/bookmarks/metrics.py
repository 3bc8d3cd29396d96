"""The example app's business metric: what its users do, next to how the service runs."""

from prometheus_client import Counter

BOOKMARKS_CREATED = Counter(
    "{{ cookiecutter.project_slug }}_bookmarks_created_total",
    "Bookmarks users have created (committed to the database).",
)
