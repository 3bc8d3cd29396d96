import pytest
from django.core.management import call_command

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import user_roles

pytestmark = pytest.mark.django_db


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
