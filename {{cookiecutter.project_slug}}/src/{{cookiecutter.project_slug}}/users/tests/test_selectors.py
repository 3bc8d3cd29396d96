import pytest
from django.contrib.auth.models import Group

from {{ cookiecutter.project_slug }}.users.models import Role
from {{ cookiecutter.project_slug }}.users.selectors import user_roles
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
