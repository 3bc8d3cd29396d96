from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from {{ cookiecutter.project_slug }}.bookmarks.selectors import (
    bookmark_get,
    bookmark_list,
)
from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.common.exceptions import NotFoundError
from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_bookmark_list_shows_users_their_own_bookmarks_newest_first(user: User) -> None:
    older = BookmarkFactory.create(owner=user, created_at=datetime(2024, 1, 1, tzinfo=UTC))
    newer = BookmarkFactory.create(owner=user, created_at=datetime(2024, 6, 1, tzinfo=UTC))
    BookmarkFactory.create()

    assert list(bookmark_list(user=user)) == [newer, older]


@pytest.mark.parametrize("admin", [{"role": Role.ADMIN}, {"is_superuser": True}])
def test_bookmark_list_shows_admins_every_bookmark(admin: dict) -> None:
    bookmarks = BookmarkFactory.create_batch(2)

    assert set(bookmark_list(user=UserFactory.create(**admin))) == set(bookmarks)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"is_favorite": "true"}, {"Django"}),
        ({"is_favorite": "false"}, {"Python", "PostgreSQL"}),
        ({"title": "pyTHON"}, {"Python"}),
        ({"search": "database"}, {"PostgreSQL"}),
        ({"search": "djangoproject"}, {"Django"}),
        ({"created_after": "2024-03-01T00:00:00Z"}, {"Python", "PostgreSQL"}),
        ({"created_before": "2024-03-01T00:00:00Z"}, {"Django"}),
        (
            {"created_after": "2024-03-01T00:00:00Z", "created_before": "2024-09-01T00:00:00Z"},
            {"Python"},
        ),
    ],
)
def test_bookmark_list_filters(user: User, filters: dict[str, str], expected: set[str]) -> None:
    BookmarkFactory.create(
        owner=user,
        title="Django",
        url="https://www.djangoproject.com/",
        is_favorite=True,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    BookmarkFactory.create(
        owner=user,
        title="Python",
        url="https://www.python.org/",
        created_at=datetime(2024, 6, 1, tzinfo=UTC),
    )
    BookmarkFactory.create(
        owner=user,
        title="PostgreSQL",
        url="https://www.postgresql.org/",
        notes="The database.",
        created_at=datetime(2024, 12, 1, tzinfo=UTC),
    )

    titles = {bookmark.title for bookmark in bookmark_list(user=user, filters=filters)}

    assert titles == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["a", "b", "c"]),
        ("-title", ["c", "b", "a"]),
        ("created_at", ["b", "c", "a"]),
        ("-created_at", ["a", "c", "b"]),
    ],
)
def test_bookmark_list_orders(user: User, ordering: str, expected: list[str]) -> None:
    for title, month in [("b", 1), ("c", 2), ("a", 3)]:
        created_at = datetime(2024, month, 1, tzinfo=UTC)
        BookmarkFactory.create(owner=user, title=title, created_at=created_at)

    bookmarks = bookmark_list(user=user, filters={"ordering": ordering})

    assert [bookmark.title for bookmark in bookmarks] == expected


@pytest.mark.parametrize(
    "filters",
    [{"is_favorite": "maybe"}, {"created_after": "yesterday"}, {"ordering": "url"}],
)
def test_bookmark_list_rejects_invalid_filters(user: User, filters: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        bookmark_list(user=user, filters=filters)

    assert set(excinfo.value.message_dict) == set(filters)


def test_bookmark_get_returns_an_own_bookmark(user: User) -> None:
    bookmark = BookmarkFactory.create(owner=user)

    assert bookmark_get(user=user, bookmark_id=bookmark.pk) == bookmark


def test_bookmark_get_hides_other_owners_bookmarks(user: User) -> None:
    bookmark = BookmarkFactory.create()

    with pytest.raises(NotFoundError):
        bookmark_get(user=user, bookmark_id=bookmark.pk)


def test_bookmark_get_lets_admins_see_any_bookmark() -> None:
    bookmark = BookmarkFactory.create()
    admin = UserFactory.create(role=Role.ADMIN)

    assert bookmark_get(user=admin, bookmark_id=bookmark.pk) == bookmark
