import uuid
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.users.models import User

LIST_URL = "/api/v1/bookmarks/"

pytestmark = pytest.mark.django_db


def detail_url(bookmark_id: uuid.UUID) -> str:
    return f"{LIST_URL}{bookmark_id}/"


def test_create_returns_the_new_bookmark(member_client: APIClient, user: User) -> None:
    response = member_client.post(
        LIST_URL, {"title": "Django", "url": "https://www.djangoproject.com/"}
    )

    assert response.status_code == 201
    body = response.json()
    bookmark = Bookmark.objects.get(pk=body["id"])
    assert bookmark.owner == user
    assert body == {
        "id": str(bookmark.pk),
        "owner": str(user.pk),
        "title": "Django",
        "url": "https://www.djangoproject.com/",
        "notes": "",
        "is_favorite": False,
        "created_at": bookmark.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": bookmark.updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_create_reports_field_errors_as_a_problem(member_client: APIClient) -> None:
    response = member_client.post(LIST_URL, {"url": "not a url", "is_favorite": "perhaps"})

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"title", "url", "is_favorite"}
    assert not Bookmark.objects.exists()


def test_a_url_outside_ascii_is_refused_saying_how_to_send_it(member_client: APIClient) -> None:
    response = member_client.post(LIST_URL, {"title": "Zoë", "url": "https://example.com/zoë"})

    [message] = assert_problem(response, 400)["errors"]["url"]
    assert "percent-encode" in message


@pytest.mark.postgresql
def test_the_longest_url_fits_the_owner_url_index(member_client: APIClient) -> None:
    # 2048 bytes of varied escapes, so that PostgreSQL cannot compress the index entry.
    escapes = "".join(f"%{n * 7919 % 256:02X}" for n in range(676))
    url = f"https://example.com/{escapes}"[:2048]

    response = member_client.post(LIST_URL, {"title": "Long", "url": url})

    assert response.status_code == 201, response.content
    assert response.json()["url"] == url


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", 0),
        ("title", "   "),
        ("notes", "nul\u0000"),
        ("url", "mailto:someone@example.com"),
        ("url", "https://example.com/%zz"),
        ("is_favorite", "true"),
        ("is_favorite", 1),
    ],
)
def test_input_is_taken_as_the_schema_describes_it_or_refused(
    member_client: APIClient, field: str, value: object
) -> None:
    body = {"title": "Django", "url": "https://www.djangoproject.com/", field: value}

    problem = assert_problem(member_client.post(LIST_URL, body, format="json"), 400)

    assert set(problem["errors"]) == {field}
    assert not Bookmark.objects.exists()


def test_create_of_a_saved_url_is_a_conflict(member_client: APIClient, user: User) -> None:
    BookmarkFactory.create(owner=user, url="https://example.com/")

    response = member_client.post(LIST_URL, {"title": "Again", "url": "https://example.com/"})

    assert "already" in assert_problem(response, 409)["detail"]


def test_list_is_paginated_and_shows_only_own_bookmarks(
    member_client: APIClient, user: User
) -> None:
    BookmarkFactory.create_batch(3, owner=user)
    BookmarkFactory.create()

    first = member_client.get(LIST_URL, {"page_size": 2})
    second = member_client.get(first.json()["next"])

    assert first.status_code == 200
    assert first.json()["count"] == 3
    assert first.json()["previous"] is None
    assert len(first.json()["results"]) == 2
    assert second.json()["next"] is None
    ids = [item["id"] for page in (first, second) for item in page.json()["results"]]
    assert sorted(ids) == sorted(str(bookmark.pk) for bookmark in user.bookmarks.all())


def test_list_filters_and_orders(member_client: APIClient, user: User) -> None:
    for title, month, favorite in [("b", 1, True), ("c", 2, False), ("a", 3, True)]:
        BookmarkFactory.create(
            owner=user,
            title=title,
            is_favorite=favorite,
            created_at=datetime(2024, month, 1, tzinfo=UTC),
        )

    response = member_client.get(LIST_URL, {"is_favorite": "true", "ordering": "title"})

    assert [item["title"] for item in response.json()["results"]] == ["a", "b"]


@pytest.mark.parametrize(
    ("parameter", "after", "before"),
    [
        # Offsets PostgreSQL cannot store (it allows up to 15:59); RFC 3339 allows 23:59.
        ("created_after", "2024-01-01T23:00:00+23:00", "2024-01-01T00:00:00Z"),
        ("created_before", "2023-12-31T07:30:00-16:30", "2024-01-01T00:00:00Z"),
    ],
)
def test_date_filters_take_any_rfc3339_offset(
    member_client: APIClient, user: User, parameter: str, after: str, before: str
) -> None:
    BookmarkFactory.create(owner=user, created_at=datetime(2024, 1, 1, tzinfo=UTC))

    included = member_client.get(LIST_URL, {"created_after": after})
    excluded = member_client.get(LIST_URL, {"created_before": before})

    assert included.json()["count"] == 1
    assert excluded.json()["count"] == 0


@pytest.mark.parametrize(
    "value",
    ["", "n", "2024-01-01", "2024-01-01T00:00:00", "0001-01-01T00:00:00+05:00"],
)
def test_a_date_filter_that_is_no_instant_is_a_400_naming_it(
    member_client: APIClient, value: str
) -> None:
    response = member_client.get(LIST_URL, {"created_after": value})

    assert set(assert_problem(response, 400)["errors"]) == {"created_after"}


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("page", "0"),
        ("page", "last"),
        ("page", ""),
        ("page_size", "0"),
        ("page_size", "101"),
        ("page_size", "-5"),
        ("ordering", ""),
        ("is_favorite", ""),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(
    member_client: APIClient, parameter: str, value: str
) -> None:
    response = member_client.get(LIST_URL, {parameter: value})

    assert set(assert_problem(response, 400)["errors"]) == {parameter}


def test_a_page_past_the_last_is_not_found(member_client: APIClient) -> None:
    assert member_client.get(LIST_URL, {"page": "1"}).status_code == 200
    assert_problem(member_client.get(LIST_URL, {"page": "2"}), 404)
    assert_problem(member_client.get(LIST_URL, {"page": "9" * 40}), 404)


def test_list_responses_are_not_stored_by_caches(member_client: APIClient) -> None:
    assert member_client.get(LIST_URL)["Cache-Control"] == "no-store"


def test_list_rejects_unknown_ordering(member_client: APIClient) -> None:
    response = member_client.get(LIST_URL, {"ordering": "notes"})

    assert set(assert_problem(response, 400)["errors"]) == {"ordering"}


def test_admins_list_every_bookmark(admin_client: APIClient) -> None:
    BookmarkFactory.create_batch(2)

    assert admin_client.get(LIST_URL).json()["count"] == 2


def test_detail_returns_an_own_bookmark(member_client: APIClient, user: User) -> None:
    bookmark = BookmarkFactory.create(owner=user)

    response = member_client.get(detail_url(bookmark.pk))

    assert response.status_code == 200
    assert response.json()["id"] == str(bookmark.pk)


def test_patch_changes_the_given_fields(member_client: APIClient, user: User) -> None:
    bookmark = BookmarkFactory.create(owner=user, title="Old", notes="Keep")

    response = member_client.patch(detail_url(bookmark.pk), {"title": "New", "is_favorite": True})

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["is_favorite"]) == ("New", True)
    bookmark.refresh_from_db()
    assert (bookmark.title, bookmark.notes, bookmark.is_favorite) == ("New", "Keep", True)


def test_patch_to_a_saved_url_is_a_conflict(member_client: APIClient, user: User) -> None:
    BookmarkFactory.create(owner=user, url="https://example.com/taken")
    bookmark = BookmarkFactory.create(owner=user)

    response = member_client.patch(detail_url(bookmark.pk), {"url": "https://example.com/taken"})

    assert_problem(response, 409)


def test_patch_reports_field_errors(member_client: APIClient, user: User) -> None:
    bookmark = BookmarkFactory.create(owner=user)

    response = member_client.patch(detail_url(bookmark.pk), {"url": "nope"})

    assert set(assert_problem(response, 400)["errors"]) == {"url"}


def test_delete_removes_the_bookmark(member_client: APIClient, user: User) -> None:
    bookmark = BookmarkFactory.create(owner=user)

    response = member_client.delete(detail_url(bookmark.pk))

    assert response.status_code == 204
    assert not Bookmark.objects.filter(pk=bookmark.pk).exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_owners_bookmark_is_not_found(member_client: APIClient, method: str) -> None:
    bookmark = BookmarkFactory.create(title="Theirs")

    response = getattr(member_client, method)(detail_url(bookmark.pk), {"title": "Mine"})

    assert_problem(response, 404)
    assert Bookmark.objects.get(pk=bookmark.pk).title == "Theirs"


def test_an_unknown_bookmark_is_not_found(member_client: APIClient) -> None:
    assert_problem(member_client.get(detail_url(uuid.uuid4())), 404)


def test_admins_may_change_any_bookmark(admin_client: APIClient) -> None:
    bookmark = BookmarkFactory.create()

    response = admin_client.patch(detail_url(bookmark.pk), {"is_favorite": True})

    assert response.status_code == 200
    assert admin_client.delete(detail_url(bookmark.pk)).status_code == 204


def test_read_only_users_may_read_their_bookmarks(
    read_only_client: APIClient, read_only_user: User
) -> None:
    bookmark = BookmarkFactory.create(owner=read_only_user)

    assert read_only_client.get(LIST_URL).json()["count"] == 1
    assert read_only_client.get(detail_url(bookmark.pk)).status_code == 200


def test_read_only_users_may_not_write(read_only_client: APIClient, read_only_user: User) -> None:
    bookmark = BookmarkFactory.create(owner=read_only_user, title="Unchanged")

    assert_problem(read_only_client.post(LIST_URL, {"title": "x", "url": "https://x.org/"}), 403)
    assert_problem(read_only_client.patch(detail_url(bookmark.pk), {"title": "Changed"}), 403)
    assert_problem(read_only_client.delete(detail_url(bookmark.pk)), 403)
    assert Bookmark.objects.get(pk=bookmark.pk).title == "Unchanged"


def test_anonymous_requests_are_refused(api_client: APIClient) -> None:
    bookmark = BookmarkFactory.create()

    responses = [
        api_client.get(LIST_URL),
        api_client.post(LIST_URL, {"title": "x", "url": "https://x.org/"}),
        api_client.get(detail_url(bookmark.pk)),
    ]

    for response in responses:
        assert_problem(response, 401)
