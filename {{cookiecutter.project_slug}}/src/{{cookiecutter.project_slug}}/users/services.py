{% if cookiecutter.auth == "supabase" %}import uuid
from collections.abc import Set

{% endif %}import structlog
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import {% if cookiecutter.auth == "supabase" %}IntegrityError, {% endif %}transaction

from {{ cookiecutter.project_slug }}.users.models import {% if cookiecutter.auth == "supabase" %}IdentityLink, {% endif %}Role, User
{%- if cookiecutter.auth == "supabase" %}
from {{ cookiecutter.project_slug }}.users.selectors import identity_link_get, user_held_roles
{%- endif %}
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
{%- if cookiecutter.auth == "supabase" %}


@transaction.atomic
def user_set_roles(*, user: User, roles: Set[Role]) -> User:
    """Make ``roles`` exactly the user's roles; groups that are not roles are left alone."""
    groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*groups.exclude(name__in=roles))
    user.groups.add(*groups.filter(name__in=roles))
    logger.info("user.roles_set", user_id=str(user.pk), roles=sorted(roles))
    return user


class IdentityRefusedError(Exception):
    """A verified token whose user cannot be let in; ``reason`` as in TokenRefusedError."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


def user_for_identity(
    *, subject: uuid.UUID, email: str, email_verified: bool, roles: Set[str] | None
) -> User:
    """The local account of the Supabase user ``subject``, linked on their first request.

    ``roles`` (the token's app_metadata.roles), when the token has them, become the user's
    roles: Supabase is where they are granted. Role names this service does not know are
    ignored; a token without them leaves the roles as they are.
    """
    link = identity_link_get(subject=subject)
    user = (
        link.user
        if link is not None
        else identity_link_create(subject=subject, email=email, email_verified=email_verified)
    )
    if not user.is_active:
        raise IdentityRefusedError("inactive", "The account is deactivated.")
    if roles is not None:
        granted = {Role(role) for role in roles if role in Role.values}
        if granted != user_held_roles(user=user):
            user_set_roles(user=user, roles=granted)
    return user


def identity_link_create(*, subject: uuid.UUID, email: str, email_verified: bool) -> User:
    """Link the Supabase user ``subject`` to the account with their email address, creating
    it if there is none. An existing account is linked only when the token vouches for the
    address (email_verified): anyone can type an address when signing up."""
    address = User.objects.normalize_email(email)
    if not address:
        raise IdentityRefusedError("email_missing", "The token carries no email address.")
    try:
        with transaction.atomic():
            user = User.objects.filter(email=address).select_related("identity_link").first()
            if user is None:
                user = User.objects.create_user(email=address)
                user_assign_default_role(user=user)
            elif hasattr(user, "identity_link") and user.identity_link.subject == subject:
                # A concurrent first request of the same user linked them after this one
                # found no link: the account is theirs.
                return user
            elif not email_verified:
                raise IdentityRefusedError(
                    "email_unverified",
                    "An account with this email address exists: verify the address with "
                    "Supabase Auth to sign in to it.",
                )
            elif hasattr(user, "identity_link"):
                raise IdentityRefusedError(
                    "email_linked", "This email address's account belongs to another Supabase user."
                )
            IdentityLink.objects.create(subject=subject, user=user)
    except IntegrityError:
        # A concurrent first request of the same user linked them first.
        link = identity_link_get(subject=subject)
        if link is None:
            raise
        return link.user
    logger.info("user.identity_linked", user_id=str(user.pk), subject=str(subject))
    return user
{%- endif %}


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
