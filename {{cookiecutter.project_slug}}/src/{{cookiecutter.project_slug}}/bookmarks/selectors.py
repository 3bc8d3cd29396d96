import uuid
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.common.exceptions import NotFoundError
from {{ cookiecutter.project_slug }}.common.filters import (
    ChoiceFilter,
    Rfc3339DateTimeFilter,
    TypedChoiceFilter,
)
from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import user_roles

# Strict, unlike django-filter's BooleanFilter, which ignores a value it cannot read.
BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]
ORDERING_CHOICES = [
    (ordering, ordering) for field in ("created_at", "title") for ordering in (field, f"-{field}")
]


class BookmarkFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search")
    title = django_filters.CharFilter(lookup_expr="icontains")
    is_favorite = TypedChoiceFilter(choices=BOOLEAN_CHOICES, coerce=lambda value: value == "true")
    created_after = Rfc3339DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = Rfc3339DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = ChoiceFilter(choices=ORDERING_CHOICES, method="filter_ordering")

    def filter_search(
        self, queryset: QuerySet[Bookmark], name: str, value: str
    ) -> QuerySet[Bookmark]:
        return queryset.filter(
            Q(title__icontains=value) | Q(notes__icontains=value) | Q(url__icontains=value)
        )

    def filter_ordering(
        self, queryset: QuerySet[Bookmark], name: str, value: str
    ) -> QuerySet[Bookmark]:
        # The id breaks ties, so that pages of equal titles never overlap or skip rows.
        return queryset.order_by(value, "id")


def bookmark_queryset(*, user: User) -> QuerySet[Bookmark]:
    """The bookmarks ``user`` may see: every one for an admin, otherwise their own."""
    if Role.ADMIN in user_roles(user=user):
        return Bookmark.objects.all()
    return Bookmark.objects.filter(owner=user)


def bookmark_list(
    *, user: User, filters: QueryDict | dict[str, Any] | None = None
) -> QuerySet[Bookmark]:
    if not filters or not any(name in filters for name in BookmarkFilter.base_filters):
        # No filter asked for: the filterset would change nothing, and building its form
        # costs as much CPU as the rest of the query.
        return bookmark_queryset(user=user)
    filterset = BookmarkFilter(filters, queryset=bookmark_queryset(user=user))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    bookmarks: QuerySet[Bookmark] = filterset.qs
    return bookmarks


def bookmark_get(*, user: User, bookmark_id: uuid.UUID) -> Bookmark:
    try:
        return bookmark_queryset(user=user).get(pk=bookmark_id)
    except Bookmark.DoesNotExist as exc:
        raise NotFoundError("Bookmark not found.") from exc
