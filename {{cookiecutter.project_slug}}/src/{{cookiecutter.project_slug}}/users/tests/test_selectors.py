import pytest
from django.contrib.auth.models import Group

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import (
    role_user_counts,
    user_get_by_email,
    user_roles,
)
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_without_role_groups_has_no_roles() -> None:
    user = UserFactory.create()
    user.groups.add(Group.objects.create(name="newsletter"))

    assert user_roles(user=user) == []


@pytest.mark.parametrize("role", list(Role))
def test_a_role_group_is_a_role(role: Role) -> None:
    assert user_roles(user=UserFactory.create(role=role)) == [role]


def test_a_superuser_is_an_admin_without_the_group() -> None:
    assert user_roles(user=UserFactory.create(is_superuser=True)) == [Role.ADMIN]


def test_roles_come_most_privileged_first() -> None:
    user = UserFactory.create()
    user.groups.add(*Group.objects.filter(name__in=[Role.READ_ONLY, Role.ADMIN]))

    assert user_roles(user=user) == [Role.ADMIN, Role.READ_ONLY]


def test_user_get_by_email_finds_the_user_whatever_the_case() -> None:
    user = UserFactory.create(email="ada@example.com")

    assert user_get_by_email(email=" Ada@EXAMPLE.com") == user


def test_user_get_by_email_raises_when_nobody_has_the_address() -> None:
    UserFactory.create(email="ada@example.com")

    with pytest.raises(User.DoesNotExist):
        user_get_by_email(email="grace@example.com")


def test_role_user_counts_count_each_user_once_and_superusers_as_admins() -> None:
    UserFactory.create(is_superuser=True, role=Role.ADMIN)
    UserFactory.create(is_superuser=True)
    UserFactory.create(role=Role.ADMIN)
    UserFactory.create(role=Role.READ_ONLY)
    UserFactory.create()

    assert role_user_counts() == {Role.ADMIN: 3, Role.MEMBER: 0, Role.READ_ONLY: 1}
