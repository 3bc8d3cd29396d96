import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, models
from django.utils import timezone

from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_create_user_lowercases_the_email_and_hashes_the_password() -> None:
    user = User.objects.create_user(" Ada.Lovelace@Example.COM ", password=DEFAULT_PASSWORD)

    assert user.email == "ada.lovelace@example.com"
    assert user.password != DEFAULT_PASSWORD
    assert user.check_password(DEFAULT_PASSWORD)
    assert not user.is_staff
    assert not user.is_superuser
    assert user.is_active


def test_create_user_without_a_password_cannot_log_in() -> None:
    user = User.objects.create_user("ada@example.com")

    assert not user.has_usable_password()


def test_create_user_requires_an_email() -> None:
    with pytest.raises(ValueError, match="email address is required"):
        User.objects.create_user("", password=DEFAULT_PASSWORD)


def test_create_superuser_is_staff_and_superuser() -> None:
    user = User.objects.create_superuser("root@example.com", password=DEFAULT_PASSWORD)

    assert user.is_staff
    assert user.is_superuser


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_create_superuser_refuses_to_drop_its_flags(flag: str) -> None:
    with pytest.raises(ValueError, match=f"{flag}=True"):
        User.objects.create_superuser(
            "root@example.com", password=DEFAULT_PASSWORD, **{flag: False}
        )


def test_emails_differing_only_in_case_are_one_account() -> None:
    User.objects.create_user("ada@example.com", password=DEFAULT_PASSWORD)

    with pytest.raises(IntegrityError):
        User.objects.create_user("ADA@example.com", password=DEFAULT_PASSWORD)


def test_authentication_ignores_the_case_of_the_email() -> None:
    user = UserFactory.create(email="ada@example.com")

    assert authenticate(email="Ada@EXAMPLE.com", password=DEFAULT_PASSWORD) == user
    assert authenticate(email="ada@example.com", password="wrong") is None


def test_saving_lowercases_the_email() -> None:
    user = User.objects.create(email="Grace@Example.com")

    user.refresh_from_db()
    assert user.email == "grace@example.com"


def test_clean_lowercases_the_email() -> None:
    user = User(email="Grace@Example.com")

    user.clean()

    assert user.email == "grace@example.com"
    assert str(user) == "grace@example.com"


def test_a_user_records_when_they_joined_once() -> None:
    before = timezone.now()

    user = UserFactory.create()

    assert before <= user.date_joined <= timezone.now()
    fields = User._meta.get_fields()
    timestamps = {field.name for field in fields if isinstance(field, models.DateTimeField)}
    assert timestamps == {"date_joined", "last_login", "updated_at"}
