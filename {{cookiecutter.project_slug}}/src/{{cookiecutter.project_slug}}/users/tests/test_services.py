import pytest
from django.contrib.auth.models import Group
from structlog.testing import capture_logs

from {{ cookiecutter.project_slug }}.users.models import Role
from {{ cookiecutter.project_slug }}.users.selectors import user_roles
from {{ cookiecutter.project_slug }}.users.services import user_set_role
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
