import pytest
from django.core.exceptions import ValidationError
from structlog.testing import capture_logs

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.bookmarks.services import (
    bookmark_create,
    bookmark_delete,
    bookmark_update,
    normalize_url,
)
from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.common.exceptions import ConflictError
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db


def test_bookmark_create_saves_the_bookmark(user: User) -> None:
    with capture_logs() as logs:
        bookmark = bookmark_create(
            owner=user,
            title="Django docs",
            url="https://docs.djangoproject.com/",
            notes="The reference.",
            is_favorite=True,
        )

    saved = Bookmark.objects.get(pk=bookmark.pk)
    assert saved.owner == user
    assert (saved.title, saved.url, saved.notes, saved.is_favorite) == (
        "Django docs",
        "https://docs.djangoproject.com/",
        "The reference.",
        True,
    )
    assert {"event": "bookmark.created", "bookmark_id": str(bookmark.pk)}.items() <= (
        logs[-1].items()
    )


def test_bookmark_create_refuses_a_url_the_owner_already_saved(user: User) -> None:
    BookmarkFactory.create(owner=user, url="https://example.com/")

    with pytest.raises(ConflictError):
        bookmark_create(owner=user, title="Again", url="https://example.com/")

    assert Bookmark.objects.filter(owner=user).count() == 1


def test_different_owners_may_save_the_same_url(user: User) -> None:
    BookmarkFactory.create(url="https://example.com/")

    bookmark = bookmark_create(owner=user, title="Mine too", url="https://example.com/")

    assert bookmark.owner == user


def test_bookmark_create_validates_the_fields(user: User) -> None:
    with pytest.raises(ValidationError) as excinfo:
        bookmark_create(owner=user, title="", url="not a url")

    assert set(excinfo.value.message_dict) == {"title", "url"}
    assert not Bookmark.objects.exists()


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://example.com/a?b=c#d", "https://example.com/a?b=c#d"),
        (
            "https://例え.jp/パス?q=日本#節",
            "https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9?q=%E6%97%A5%E6%9C%AC#%E7%AF%80",
        ),
        ("https://ana:pä@Bücher.example:8443/", "https://ana:p%C3%A4@xn--bcher-kva.example:8443/"),
        # Not a URL at all (an unclosed IPv6 address): escaped as it is, for validation.
        ("http://[::1/ü", "http://[::1/%C3%BC"),
    ],
)
def test_normalize_url_turns_an_iri_into_an_ascii_uri(url: str, normalized: str) -> None:
    assert normalize_url(url) == normalized


def test_bookmark_create_stores_the_url_in_ascii(user: User) -> None:
    bookmark = bookmark_create(owner=user, title="Wörterbuch", url="https://bücher.example/wörter")

    bookmark.refresh_from_db()
    assert bookmark.url == "https://xn--bcher-kva.example/w%C3%B6rter"


def test_an_iri_and_its_uri_are_the_same_bookmark(user: User) -> None:
    BookmarkFactory.create(owner=user, url="https://example.com/%C3%BCber")

    with pytest.raises(ConflictError):
        bookmark_create(owner=user, title="Again", url="https://example.com/über")


@pytest.mark.parametrize(
    "url",
    [
        # 300 characters, but 2,700 once escaped: over the 2,048 the field holds.
        "https://example.com/" + "網" * 300,
        # A host label longer than IDNA allows.
        "https://" + "ü" * 64 + ".example/",
    ],
)
def test_a_url_that_does_not_convert_to_a_valid_uri_is_a_field_error(user: User, url: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        bookmark_create(owner=user, title="Too long", url=url)

    assert set(excinfo.value.message_dict) == {"url"}
    assert not Bookmark.objects.exists()


def test_bookmark_update_stores_the_url_in_ascii() -> None:
    bookmark = BookmarkFactory.create()

    bookmark_update(bookmark=bookmark, url="https://example.com/über")

    bookmark.refresh_from_db()
    assert bookmark.url == "https://example.com/%C3%BCber"


def test_bookmark_update_changes_only_the_given_fields() -> None:
    bookmark = BookmarkFactory.create(title="Old", notes="Keep me", is_favorite=True)
    updated_at = bookmark.updated_at

    with capture_logs() as logs:
        bookmark_update(bookmark=bookmark, title="New", is_favorite=False)

    bookmark.refresh_from_db()
    assert (bookmark.title, bookmark.notes, bookmark.is_favorite) == ("New", "Keep me", False)
    assert bookmark.updated_at > updated_at
    assert logs[-1]["event"] == "bookmark.updated"
    assert logs[-1]["fields"] == ["title", "is_favorite"]


def test_bookmark_update_without_changes_writes_nothing() -> None:
    bookmark = BookmarkFactory.create()
    updated_at = bookmark.updated_at

    bookmark_update(bookmark=bookmark)

    bookmark.refresh_from_db()
    assert bookmark.updated_at == updated_at


def test_bookmark_update_refuses_a_url_the_owner_already_saved(user: User) -> None:
    BookmarkFactory.create(owner=user, url="https://example.com/taken")
    bookmark = BookmarkFactory.create(owner=user, url="https://example.com/free")

    with pytest.raises(ConflictError):
        bookmark_update(bookmark=bookmark, url="https://example.com/taken")

    bookmark.refresh_from_db()
    assert bookmark.url == "https://example.com/free"


def test_bookmark_delete_removes_only_that_bookmark() -> None:
    bookmark, other = BookmarkFactory.create(), BookmarkFactory.create()

    with capture_logs() as logs:
        bookmark_delete(bookmark=bookmark)

    assert list(Bookmark.objects.all()) == [other]
    assert logs[-1]["event"] == "bookmark.deleted"
    assert User.objects.filter(pk=bookmark.owner_id).exists()
