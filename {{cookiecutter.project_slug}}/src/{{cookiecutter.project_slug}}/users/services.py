import structlog
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from {{ cookiecutter.project_slug }}.users.models import Role, User
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.project_slug }}.users.tokens import user_refresh_tokens_revoke
{%- endif %}

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


@transaction.atomic
def user_revoke_role(*, user: User, role: Role) -> User:
    """Take ``role`` from the user, if they hold it; their other groups stay.

    A superuser remains an admin whatever their groups (selectors.user_roles).
    """
    group = Group.objects.get(name=role)
    if user.groups.filter(pk=group.pk).exists():
        user.groups.remove(group)
        logger.info("user.role_revoked", user_id=str(user.pk), role=str(role))
    return user


def user_assign_default_role(*, user: User) -> User:
    """Give a user just created the role DEFAULT_USER_ROLE, so that they can use the API.

    Nothing happens when the setting is empty, or for a superuser, who is an admin anyway.
    The admin's add form calls it, and so must any other code that creates users (a
    sign-up endpoint, an import): ARCHITECTURE.md says why this is not a signal.
    """
    if settings.DEFAULT_USER_ROLE and not user.is_superuser:
        user_set_role(user=user, role=Role(settings.DEFAULT_USER_ROLE))
    return user


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Deactivate the account: it can no longer log in, and whatever it authenticates
    with is refused from its next request on (the check of ``is_active`` on every request).
{%- if cookiecutter.auth == "jwt" %}
    Its refresh tokens are revoked too, so that reactivating it needs a new login.
{%- endif %}
    """
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active", "updated_at"])
{%- if cookiecutter.auth == "jwt" %}
    revoked = user_refresh_tokens_revoke(user=user)
    logger.info("user.deactivated", user_id=str(user.pk), refresh_tokens_revoked=revoked)
{%- else %}
    logger.info("user.deactivated", user_id=str(user.pk))
{%- endif %}
    return user
