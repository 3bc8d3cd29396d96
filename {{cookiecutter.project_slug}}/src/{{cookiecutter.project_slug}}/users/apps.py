from django.apps import AppConfig
from django.core.checks import register


class UsersConfig(AppConfig):
    # Pinned here rather than inherited from settings so that the committed migrations
    # (the many-to-many tables of groups and permissions) never depend on a setting.
    default_auto_field = "django.db.models.BigAutoField"
    name = "{{ cookiecutter.project_slug }}.users"
    label = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        # Imported here: the check reads the models, which load only after the app registry.
        from {{ cookiecutter.project_slug }}.users.checks import check_default_user_role

        register(check_default_user_role)
