"""The bookmark output's hand-written representation gives what its declared fields give.

BookmarkOutputSerializer.to_representation skips DRF's per-field machinery on the list's
hot path; the declared fields still document the schema. A field added to one and not
the other, or formatted differently, fails here.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as django_timezone
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.bookmarks.apis import BookmarkOutputSerializer
from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory

pytestmark = pytest.mark.django_db


def generic(bookmark: Bookmark) -> dict[str, object]:
    """What DRF's own Serializer.to_representation makes of the declared fields."""
    return dict(serializers.Serializer.to_representation(BookmarkOutputSerializer(), bookmark))


@pytest.mark.parametrize(
    "created_at",
    [
        datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
        datetime(2024, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_the_fast_representation_equals_the_declared_fields(created_at: datetime) -> None:
    stored = BookmarkFactory.create(
        title="Zoë's \u00e9t\u00e9", notes="line\nline", is_favorite=True, created_at=created_at
    )
    bookmark = Bookmark.objects.get(pk=stored.pk)

    fast = BookmarkOutputSerializer(bookmark).data

    assert fast == generic(bookmark)
    assert list(fast) == list(BookmarkOutputSerializer().fields)


def test_a_list_is_represented_alike() -> None:
    BookmarkFactory.create_batch(3, notes="")
    bookmarks = list(Bookmark.objects.all())

    fast = serializers.ListSerializer(bookmarks, child=BookmarkOutputSerializer()).data

    assert [dict(row) for row in fast] == [generic(bookmark) for bookmark in bookmarks]
    with django_timezone.override("Europe/Paris"):
        # Whatever the active time zone, both give the same text.
        assert BookmarkOutputSerializer(bookmarks[0]).data == generic(bookmarks[0])
