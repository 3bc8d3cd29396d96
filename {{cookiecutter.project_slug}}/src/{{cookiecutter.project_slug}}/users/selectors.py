from {{ cookiecutter.project_slug }}.users.models import Role, User


def user_roles(*, user: User) -> list[Role]:
    """The user's roles, most privileged first. A superuser always holds the admin role."""
    names = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    if user.is_superuser:
        names.add(Role.ADMIN)
    return [role for role in Role if role in names]
