import pytest
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.users.models import User

ME_URL = "/api/v1/auth/me/"

pytestmark = pytest.mark.django_db


def test_me_returns_the_user_and_their_roles(member_client: APIClient, user: User) -> None:
    response = member_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.pk),
        "email": user.email,
        "full_name": user.full_name,
        "roles": ["member"],
    }


def test_me_shows_the_admin_role(admin_client: APIClient) -> None:
    response = admin_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["roles"] == ["admin"]


def test_me_shows_the_read_only_role(read_only_client: APIClient) -> None:
    response = read_only_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["roles"] == ["read_only"]
