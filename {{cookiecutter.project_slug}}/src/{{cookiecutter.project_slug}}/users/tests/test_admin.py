import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from pytest_django.fixtures import Settings

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import user_roles
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROJECT_NAME = {{ cookiecutter.__project_name_literal }}


@pytest.fixture
def site_admin_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_the_admin_pages_carry_the_project_name(client: Client) -> None:
    response = client.get(reverse("admin:login"))

    assert response.status_code == 200
    assert f"<title>Log in | {escape(PROJECT_NAME)}</title>" in response.content.decode()
    assert f">{escape(PROJECT_NAME)}</a>" in response.content.decode()


def test_the_admin_lists_and_searches_users_by_email(site_admin_client: Client) -> None:
    UserFactory.create(email="grace@example.com")

    response = site_admin_client.get(reverse("admin:users_user_changelist"), {"q": "grace"})

    assert response.status_code == 200
    assert b"grace@example.com" in response.content


def test_the_admin_creates_a_user_with_a_normalised_email(site_admin_client: Client) -> None:
    response = site_admin_client.post(
        reverse("admin:users_user_add"),
        {
            "email": "Grace@Example.com",
            "full_name": "Grace Hopper",
            "usable_password": "true",
            "password1": "a-long-and-unguessable-passphrase",
            "password2": "a-long-and-unguessable-passphrase",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="grace@example.com")
    assert user.full_name == "Grace Hopper"
    assert user.check_password("a-long-and-unguessable-passphrase")


@pytest.mark.parametrize("role", [*Role.values, ""])
def test_a_user_added_in_the_admin_gets_the_default_role(
    role: str, site_admin_client: Client, settings: Settings
) -> None:
    settings.DEFAULT_USER_ROLE = role

    response = site_admin_client.post(
        reverse("admin:users_user_add"), {"email": "grace@example.com", "usable_password": "false"}
    )

    assert response.status_code == 302
    user = User.objects.get(email="grace@example.com")
    assert user_roles(user=user) == ([Role(role)] if role else [])


def test_a_user_changed_in_the_admin_keeps_the_groups_chosen(
    site_admin_client: Client, settings: Settings
) -> None:
    settings.DEFAULT_USER_ROLE = Role.MEMBER
    user = UserFactory.create(email="grace@example.com")

    response = site_admin_client.post(
        reverse("admin:users_user_change", args=[user.pk]),
        {"email": "grace@example.com", "full_name": "Grace Hopper", "is_active": "on"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Grace Hopper"
    assert user_roles(user=user) == []


def test_the_admin_rejects_an_email_taken_in_another_case(site_admin_client: Client) -> None:
    UserFactory.create(email="grace@example.com")

    response = site_admin_client.post(
        reverse("admin:users_user_add"),
        {
            "email": "GRACE@example.com",
            "usable_password": "false",
        },
    )

    assert response.status_code == 200
    assert User.objects.filter(email__iexact="grace@example.com").count() == 1


def test_the_admin_change_form_renders(site_admin_client: Client) -> None:
    user = UserFactory.create()

    response = site_admin_client.get(reverse("admin:users_user_change", args=[user.pk]))

    assert response.status_code == 200
    assert user.email.encode() in response.content
