"""``manage.py role``: grant, revoke and list the users' roles.

- ``role grant ada@example.com member``: member becomes Ada's role, in place of any other;
- ``role revoke ada@example.com member``: Ada no longer has it;
- ``role list``: the roles, and how many users hold each;
- ``role list ada@example.com``: Ada's roles.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import (
    role_user_counts,
    user_get_by_email,
    user_roles,
)
from {{ cookiecutter.project_slug }}.users.services import user_revoke_role, user_set_role


class Command(BaseCommand):
    help = "Grant, revoke and list the users' roles, which decide what they may do in the API."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{grant,revoke,list}")
        grant = actions.add_parser("grant", help="give the user the role, in place of their own")
        grant.add_argument("email")
        grant.add_argument("role", choices=Role.values)
        revoke = actions.add_parser("revoke", help="take the role from the user")
        revoke.add_argument("email")
        revoke.add_argument("role", choices=Role.values)
        listing = actions.add_parser(
            "list", help="the roles and how many users hold each; with EMAIL, that user's roles"
        )
        listing.add_argument("email", nargs="?")

    def handle(self, *args: Any, action: str, email: str | None, **options: Any) -> None:
        if email is None:  # `list` alone: the others require an address
            self.list_roles()
            return
        user = self.get_user(email)
        if action == "grant":
            user_set_role(user=user, role=Role(options["role"]))
        elif action == "revoke":
            user_revoke_role(user=user, role=Role(options["role"]))
        self.stdout.write(self.describe(user))

    def get_user(self, email: str) -> User:
        try:
            return user_get_by_email(email=email)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user has the email address {email}.") from exc

    def describe(self, user: User) -> str:
        roles = ", ".join(user_roles(user=user)) or "no role"
        if user.is_superuser:
            return f"{user.email}: {roles} (a superuser is an admin whatever their groups)"
        return f"{user.email}: {roles}"

    def list_roles(self) -> None:
        for role, count in role_user_counts().items():
            line = f"{role}: {count} {'user' if count == 1 else 'users'}"
            if role == settings.DEFAULT_USER_ROLE:
                line += ", and every new one (DEFAULT_USER_ROLE)"
            self.stdout.write(line)
