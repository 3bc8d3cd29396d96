import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pytest_django.fixtures import Settings

from {{ cookiecutter.project_slug }}.users.checks import check_default_user_role
from {{ cookiecutter.project_slug }}.users.models import Role


@pytest.mark.parametrize("value", [*Role.values, ""])
def test_a_role_or_nothing_is_a_valid_default_user_role(value: str, settings: Settings) -> None:
    settings.DEFAULT_USER_ROLE = value

    assert check_default_user_role() == []


@pytest.mark.parametrize("value", ["owner", "Member", " member"])
def test_a_default_user_role_that_is_no_role_is_an_error(value: str, settings: Settings) -> None:
    settings.DEFAULT_USER_ROLE = value

    [error] = check_default_user_role()

    assert error.is_serious()
    assert error.id == "users.E001"
    assert error.obj == "DEFAULT_USER_ROLE"
    assert error.msg == f"{value!r} is not a role."
    assert error.hint == "Set it to one of admin, member, read_only, or leave it empty for no role."


def test_manage_py_check_refuses_an_unknown_default_user_role(settings: Settings) -> None:
    settings.DEFAULT_USER_ROLE = "owner"

    message = r"DEFAULT_USER_ROLE: \(users\.E001\) 'owner' is not a role\."
    with pytest.raises(SystemCheckError, match=message):
        call_command("check")
