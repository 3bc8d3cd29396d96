from typing import Any

import factory
from factory.django import DjangoModelFactory, Password

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.services import user_set_role

DEFAULT_PASSWORD = "correct-horse-battery-staple"


def _set_role(user: User, create: bool, extracted: Role | None, **kwargs: Any) -> None:
    if create and extracted is not None:
        user_set_role(user=user, role=extracted)


class UserFactory(DjangoModelFactory[User]):
    """A user without a role unless ``role=`` is given; the password is DEFAULT_PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = Password(DEFAULT_PASSWORD)
    role = factory.PostGeneration(_set_role)
