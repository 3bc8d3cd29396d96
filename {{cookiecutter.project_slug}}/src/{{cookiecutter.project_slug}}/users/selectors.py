{% if cookiecutter.auth == "supabase" %}import uuid

{% endif %}from django.db.models import Q, prefetch_related_objects

from {{ cookiecutter.project_slug }}.users.models import {% if cookiecutter.auth == "supabase" %}IdentityLink, {% endif %}Role, User


def user_roles(*, user: User) -> list[Role]:
    """The user's roles, most privileged first. A superuser always holds the admin role.

    The user's groups are read once per user object and kept on it (Django's prefetch
    cache), so that the permission check, the selectors and the response of one request
    share one query. Changing the groups through ``user.groups`` (as the services do) or
    ``user.refresh_from_db()`` forgets them; every request loads its user afresh.
    """
    roles = user_held_roles(user=user)
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return [role for role in Role if role in roles]


def user_held_roles(*, user: User) -> set[Role]:
    """The roles the user's groups give them (a superuser's admin role aside), read as
    user_roles reads them."""
    if "groups" not in getattr(user, "_prefetched_objects_cache", {}):
        prefetch_related_objects([user], "groups")
    return {Role(group.name) for group in user.groups.all() if group.name in Role.values}


def user_get_by_email(*, email: str) -> User:
    """The user with ``email``, whatever its case; User.DoesNotExist when there is none."""
    return User.objects.get_by_natural_key(email)


def role_user_counts() -> dict[Role, int]:
    """How many users hold each role, superusers counted as admins, as user_roles counts them."""
    holds = {role: Q(groups__name=role) for role in Role}
    holds[Role.ADMIN] |= Q(is_superuser=True)
    return {role: User.objects.filter(holds[role]).distinct().count() for role in Role}
{%- if cookiecutter.auth == "supabase" %}


def identity_link_get(*, subject: uuid.UUID) -> IdentityLink | None:
    """The link of the Supabase user ``subject``, with its account; None before their first
    request."""
    return IdentityLink.objects.select_related("user").filter(subject=subject).first()
{%- endif %}
