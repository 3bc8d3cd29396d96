from django.urls import path

from {{ cookiecutter.project_slug }}.bookmarks.apis import (
    BookmarkDetailApi,
    BookmarkListCreateApi,
)
{%- if cookiecutter.task_queue != "none" %}
from {{ cookiecutter.project_slug }}.bookmarks.export_apis import (
    BookmarkExportCreateApi,
    BookmarkExportDetailApi,
)
{%- endif %}

app_name = "bookmarks"

urlpatterns = [
    path("", BookmarkListCreateApi.as_view(), name="list"),
    path("<uuid:bookmark_id>/", BookmarkDetailApi.as_view(), name="detail"),
{%- if cookiecutter.task_queue != "none" %}
    path("exports/", BookmarkExportCreateApi.as_view(), name="export-create"),
    path("exports/<uuid:export_id>/", BookmarkExportDetailApi.as_view(), name="export-detail"),
{%- endif %}
]
