import pytest
from django.test import Client
from django.urls import reverse

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> User:
    return UserFactory.create(is_staff=True, is_superuser=True)


@pytest.fixture
def site_admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def test_the_admin_lists_and_searches_bookmarks(site_admin_client: Client) -> None:
    BookmarkFactory.create(title="Django release notes")
    BookmarkFactory.create(title="Something else")

    response = site_admin_client.get(
        reverse("admin:bookmarks_bookmark_changelist"), {"q": "release"}
    )

    assert response.status_code == 200
    assert b"Django release notes" in response.content
    assert b"Something else" not in response.content


def add_bookmark(client: Client, owner: User, url: str) -> int:
    response = client.post(
        reverse("admin:bookmarks_bookmark_add"),
        {"owner": str(owner.pk), "title": "Added", "url": url, "notes": ""},
    )
    return response.status_code


def test_the_admin_stores_urls_as_the_services_do(
    site_admin_client: Client, superuser: User
) -> None:
    assert add_bookmark(site_admin_client, superuser, "https://bücher.example/wörter") == 302

    assert Bookmark.objects.get().url == "https://xn--bcher-kva.example/w%C3%B6rter"


def test_the_admin_refuses_a_url_too_long_once_escaped(
    site_admin_client: Client, superuser: User
) -> None:
    assert add_bookmark(site_admin_client, superuser, "https://example.com/" + "網" * 300) == 200

    assert not Bookmark.objects.exists()
