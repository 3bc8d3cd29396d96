import pytest
from django.contrib.auth.models import Group
from pytest_django.fixtures import Settings
from structlog.testing import capture_logs

from {{ cookiecutter.project_slug }}.users.models import Role
from {{ cookiecutter.project_slug }}.users.selectors import user_roles
from {{ cookiecutter.project_slug }}.users.services import (
    user_assign_default_role,
    user_revoke_role,
    user_set_role,
)
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_set_role_replaces_the_previous_role_and_keeps_other_groups() -> None:
    user = UserFactory.create(role=Role.READ_ONLY)
    newsletter = Group.objects.create(name="newsletter")
    user.groups.add(newsletter)

    with capture_logs() as logs:
        user_set_role(user=user, role=Role.MEMBER)

    assert user_roles(user=user) == [Role.MEMBER]
    assert set(user.groups.values_list("name", flat=True)) == {"member", "newsletter"}
    assert {"event": "user.role_set", "user_id": str(user.pk), "role": "member"}.items() <= (
        logs[-1].items()
    )


def test_user_set_role_uses_the_migrated_group_and_never_makes_one() -> None:
    admin_group = Group.objects.get(name=Role.ADMIN)
    user = UserFactory.create()

    user_set_role(user=user, role=Role.ADMIN)

    assert list(user.groups.all()) == [admin_group]
    admin_group.delete()
    with pytest.raises(Group.DoesNotExist):
        user_set_role(user=user, role=Role.ADMIN)


def test_user_revoke_role_takes_the_role_and_keeps_other_groups() -> None:
    user = UserFactory.create(role=Role.MEMBER)
    user.groups.add(Group.objects.create(name="newsletter"))

    with capture_logs() as logs:
        user_revoke_role(user=user, role=Role.MEMBER)

    assert user_roles(user=user) == []
    assert list(user.groups.values_list("name", flat=True)) == ["newsletter"]
    assert {"event": "user.role_revoked", "user_id": str(user.pk), "role": "member"}.items() <= (
        logs[-1].items()
    )


def test_user_revoke_role_of_a_role_not_held_changes_and_logs_nothing() -> None:
    user = UserFactory.create(role=Role.READ_ONLY)

    with capture_logs() as logs:
        user_revoke_role(user=user, role=Role.ADMIN)

    assert user_roles(user=user) == [Role.READ_ONLY]
    assert logs == []


@pytest.mark.parametrize("role", list(Role))
def test_user_assign_default_role_gives_the_role_of_the_setting(
    role: Role, settings: Settings
) -> None:
    settings.DEFAULT_USER_ROLE = role.value
    user = UserFactory.create()

    user_assign_default_role(user=user)

    assert user_roles(user=user) == [role]


def test_user_assign_default_role_gives_none_when_the_setting_is_empty(
    settings: Settings,
) -> None:
    settings.DEFAULT_USER_ROLE = ""
    user = UserFactory.create()

    user_assign_default_role(user=user)

    assert not user.groups.exists()


def test_user_assign_default_role_gives_a_superuser_no_group(settings: Settings) -> None:
    settings.DEFAULT_USER_ROLE = Role.MEMBER
    user = UserFactory.create(is_superuser=True)

    user_assign_default_role(user=user)

    assert not user.groups.exists()
    assert user_roles(user=user) == [Role.ADMIN]
