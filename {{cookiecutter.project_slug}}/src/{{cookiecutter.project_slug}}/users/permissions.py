"""Role-based access for the API.

- admin (or a superuser): every method on every object;
- member: reads, and writes to the objects they own;
- read_only: reads only;
- an authenticated user without a role: nothing guarded by these classes.

HasAdminRole guards what only staff may do, on any object or none.

Which objects a user may see at all is the selectors' job: they scope querysets to the
owner, so another owner's object is a 404 rather than a 403 that would confirm it exists.
These classes decide what a user may do with what they can see.
"""

from typing import Any, cast

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import user_roles


class HasRoleAccess(BasePermission):
    """Any role may read; admins and members may write, members only to their own objects.

    Object checks compare the object's ``owner_id`` with the user.
    """

    message = "Your role does not allow this action."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user.is_authenticated:
            return False
        roles = user_roles(user=request.user)
        if request.method in SAFE_METHODS:
            return bool(roles)
        return Role.ADMIN in roles or Role.MEMBER in roles

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        user = cast(User, request.user)
        roles = user_roles(user=user)
        if Role.ADMIN in roles:
            return True
        is_owner = bool(obj.owner_id == user.pk)
        if request.method in SAFE_METHODS:
            return is_owner and bool(roles)
        return is_owner and Role.MEMBER in roles


class HasAdminRole(BasePermission):
    """Only admins (and superusers), for every method."""

    message = "Only an admin may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.is_authenticated and Role.ADMIN in user_roles(user=request.user)
