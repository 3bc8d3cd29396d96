import structlog
from django.contrib.auth.models import Group
from django.db import transaction

from {{ cookiecutter.project_slug }}.users.models import Role, User

logger = structlog.get_logger(__name__)


@transaction.atomic
def user_set_role(*, user: User, role: Role) -> User:
    """Make ``role`` the user's only role; groups that are not roles are left alone."""
    # The role groups come from a data migration: one missing means an unmigrated database.
    group = Group.objects.get(name=role)
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(pk=group.pk))
    user.groups.add(group)
    logger.info("user.role_set", user_id=str(user.pk), role=str(role))
    return user
