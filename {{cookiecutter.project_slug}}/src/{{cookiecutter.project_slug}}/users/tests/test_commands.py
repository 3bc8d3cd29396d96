import re

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from tests.support.commands import command_output

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import user_roles
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def role(*args: str) -> str:
    """Run ``manage.py role`` with ``args``; what it printed."""
    return command_output("role", *args)


def test_createsuperuser_noinput_reads_email_and_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-and-unguessable-passphrase")

    call_command("createsuperuser", interactive=False, verbosity=0)

    user = User.objects.get(email="root@example.com")
    assert user.is_superuser
    assert user.is_staff
    assert user.check_password("a-long-and-unguessable-passphrase")
    assert user_roles(user=user) == [Role.ADMIN]


def test_createsuperuser_gives_no_default_role_as_a_superuser_is_an_admin(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    settings.DEFAULT_USER_ROLE = Role.READ_ONLY
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-and-unguessable-passphrase")

    call_command("createsuperuser", interactive=False, verbosity=0)

    assert not User.objects.get(email="root@example.com").groups.exists()


def test_role_grant_makes_the_role_the_users_only_one() -> None:
    user = UserFactory.create(email="ada@example.com", role=Role.READ_ONLY)

    assert role("grant", "Ada@Example.com", "member") == "ada@example.com: member\n"

    assert user_roles(user=user) == [Role.MEMBER]


def test_role_grant_of_the_role_held_changes_nothing() -> None:
    user = UserFactory.create(email="ada@example.com", role=Role.MEMBER)

    assert role("grant", "ada@example.com", "member") == "ada@example.com: member\n"

    assert list(user.groups.values_list("name", flat=True)) == ["member"]


def test_role_revoke_takes_the_role_away() -> None:
    user = UserFactory.create(email="ada@example.com", role=Role.ADMIN)

    assert role("revoke", "ada@example.com", "admin") == "ada@example.com: no role\n"

    assert user_roles(user=user) == []


def test_role_revoke_of_a_role_not_held_leaves_the_others() -> None:
    user = UserFactory.create(email="ada@example.com", role=Role.MEMBER)

    assert role("revoke", "ada@example.com", "admin") == "ada@example.com: member\n"

    assert user_roles(user=user) == [Role.MEMBER]


def test_role_says_that_a_superuser_stays_an_admin() -> None:
    UserFactory.create(email="root@example.com", is_superuser=True, role=Role.ADMIN)

    output = role("revoke", "root@example.com", "admin")

    assert output == "root@example.com: admin (a superuser is an admin whatever their groups)\n"


def test_role_list_with_an_email_shows_the_users_roles() -> None:
    UserFactory.create(email="ada@example.com", role=Role.READ_ONLY)

    assert role("list", "ada@example.com") == "ada@example.com: read_only\n"


def test_role_list_counts_the_holders_of_each_role_and_names_the_default(
    settings: Settings,
) -> None:
    settings.DEFAULT_USER_ROLE = Role.MEMBER
    UserFactory.create(is_superuser=True)
    UserFactory.create(role=Role.MEMBER)
    UserFactory.create(role=Role.MEMBER)
    UserFactory.create()

    assert role("list") == (
        "admin: 1 user\n"
        "member: 2 users, and every new one (DEFAULT_USER_ROLE)\n"
        "read_only: 0 users\n"
    )


def test_role_list_names_no_default_when_new_users_get_none(settings: Settings) -> None:
    settings.DEFAULT_USER_ROLE = ""

    assert "DEFAULT_USER_ROLE" not in role("list")


@pytest.mark.parametrize("action", ["grant", "revoke"])
def test_role_refuses_an_unknown_user(action: str) -> None:
    with pytest.raises(CommandError, match=r"^No user has the email address ada@example\.com\.$"):
        role(action, "ada@example.com", "member")


def test_role_list_refuses_an_unknown_user() -> None:
    with pytest.raises(CommandError, match=r"^No user has the email address ada@example\.com\.$"):
        role("list", "ada@example.com")


@pytest.mark.parametrize("action", ["grant", "revoke"])
def test_role_refuses_an_unknown_role_and_names_the_roles(action: str) -> None:
    user = UserFactory.create(email="ada@example.com", role=Role.READ_ONLY)

    with pytest.raises(CommandError, match=r"invalid choice: 'owner' \(choose from .*member"):
        role(action, "ada@example.com", "owner")

    assert user_roles(user=user) == [Role.READ_ONLY]


def test_role_needs_an_action() -> None:
    with pytest.raises(CommandError, match=re.escape("required: {grant,revoke,list}")):
        role()
