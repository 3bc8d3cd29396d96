from django.urls import path

from {{ cookiecutter.project_slug }}.bookmarks.apis import (
    BookmarkDetailApi,
    BookmarkListCreateApi,
)

app_name = "bookmarks"

urlpatterns = [
    path("", BookmarkListCreateApi.as_view(), name="list"),
    path("<uuid:bookmark_id>/", BookmarkDetailApi.as_view(), name="detail"),
]
