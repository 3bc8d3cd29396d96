from django.urls import path

from {{ cookiecutter.project_slug }}.exports.apis import (
    BookmarkExportCreateApi,
    BookmarkExportDetailApi,
)

app_name = "exports"

urlpatterns = [
    path("", BookmarkExportCreateApi.as_view(), name="create"),
    path("<uuid:export_id>/", BookmarkExportDetailApi.as_view(), name="detail"),
]
