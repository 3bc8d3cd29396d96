from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from {{ cookiecutter.project_slug }}.users.models import Role


def check_default_user_role(**kwargs: Any) -> list[CheckMessage]:
    """DEFAULT_USER_ROLE names a role, or is empty.

    A typo must stop the process rather than leave every new user without access, or
    with a role nobody meant to give them.
    """
    role = settings.DEFAULT_USER_ROLE
    if not role or role in Role.values:
        return []
    return [
        Error(
            f"{role!r} is not a role.",
            hint=f"Set it to one of {', '.join(Role.values)}, or leave it empty for no role.",
            obj="DEFAULT_USER_ROLE",
            id="users.E001",
        )
    ]
