import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command

from {{ cookiecutter.project_slug }}.users import migrations
from {{ cookiecutter.project_slug }}.users.models import Role

pytestmark = pytest.mark.django_db

# A module name starting with a digit cannot be imported with an import statement.
role_groups_migration = importlib.import_module(f"{migrations.__name__}.0002_create_role_groups")


def role_group_names() -> set[str]:
    return set(Group.objects.filter(name__in=Role.values).values_list("name", flat=True))


def test_the_data_migration_created_a_group_per_role() -> None:
    assert role_group_names() == {"admin", "member", "read_only"}


def test_the_data_migration_is_reversible_and_can_run_again() -> None:
    role_groups_migration.delete_role_groups(apps, None)
    assert role_group_names() == set()

    role_groups_migration.create_role_groups(apps, None)
    role_groups_migration.create_role_groups(apps, None)
    assert role_group_names() == set(Role.values)


def test_the_models_have_no_unmigrated_changes() -> None:
    call_command("makemigrations", "users", "--check", "--dry-run", verbosity=0)
