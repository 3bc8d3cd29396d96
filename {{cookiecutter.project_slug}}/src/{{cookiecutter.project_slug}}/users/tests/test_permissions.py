from dataclasses import dataclass
from uuid import UUID

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.permissions import HasAdminRole, HasRoleAccess
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READ = "GET"
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


@dataclass
class OwnedObject:
    owner_id: UUID


def request_as(user: User | AnonymousUser, method: str) -> Request:
    request = Request(APIRequestFactory().generic(method, "/"))
    request.user = user
    return request


def allowed(user: User | AnonymousUser, method: str, obj: OwnedObject | None = None) -> bool:
    permission, request, view = HasRoleAccess(), request_as(user, method), APIView()
    if not permission.has_permission(request, view):
        return False
    return obj is None or permission.has_object_permission(request, view, obj)


def test_anonymous_users_may_do_nothing() -> None:
    assert not allowed(AnonymousUser(), READ)


def test_users_without_a_role_may_do_nothing() -> None:
    user = UserFactory.create()

    assert not allowed(user, READ)
    assert not allowed(user, "POST")


@pytest.mark.parametrize("method", WRITES)
def test_read_only_users_may_read_their_own_objects_and_write_nothing(method: str) -> None:
    user = UserFactory.create(role=Role.READ_ONLY)

    assert allowed(user, READ, OwnedObject(owner_id=user.pk))
    assert not allowed(user, READ, OwnedObject(owner_id=UserFactory.create().pk))
    assert not allowed(user, method)
    assert not allowed(user, method, OwnedObject(owner_id=user.pk))


@pytest.mark.parametrize("method", [READ, *WRITES])
def test_members_may_do_anything_to_their_own_objects_only(method: str) -> None:
    user = UserFactory.create(role=Role.MEMBER)

    assert allowed(user, method)
    assert allowed(user, method, OwnedObject(owner_id=user.pk))
    assert not allowed(user, method, OwnedObject(owner_id=UserFactory.create().pk))


@pytest.mark.parametrize("method", [READ, *WRITES])
@pytest.mark.parametrize("admin", [{"role": Role.ADMIN}, {"is_superuser": True}])
def test_admins_and_superusers_may_do_anything_to_any_object(method: str, admin: dict) -> None:
    user = UserFactory.create(**admin)

    assert allowed(user, method, OwnedObject(owner_id=UserFactory.create().pk))


@pytest.mark.parametrize("method", [READ, *WRITES])
def test_only_admins_and_superusers_pass_the_admin_guard(method: str) -> None:
    def passes(user: User | AnonymousUser) -> bool:
        return HasAdminRole().has_permission(request_as(user, method), APIView())

    assert passes(UserFactory.create(role=Role.ADMIN))
    assert passes(UserFactory.create(is_superuser=True))
    assert not passes(UserFactory.create(role=Role.MEMBER))
    assert not passes(UserFactory.create())
    assert not passes(AnonymousUser())
