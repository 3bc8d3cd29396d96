from django import forms
from django.contrib import admin

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.bookmarks.services import normalize_url


class BookmarkAdminForm(forms.ModelForm[Bookmark]):
    # A URL typed without a scheme is taken to be https, as Django 6 will by default.
    url = forms.URLField(label="URL", max_length=2048, assume_scheme="https")

    def clean_url(self) -> str:
        # Stored as the services store it, so that the length limit and the duplicate
        # check see the same URL whichever way it came in.
        return normalize_url(self.cleaned_data["url"])


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin[Bookmark]):
    form = BookmarkAdminForm
    list_display = ("title", "url", "owner", "is_favorite", "created_at")
    list_filter = ("is_favorite", "created_at")
    search_fields = ("title", "url", "notes", "owner__email")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"
