from django.apps import AppConfig


class UsersConfig(AppConfig):
    # Pinned here rather than inherited from settings so that the committed migrations
    # (the many-to-many tables of groups and permissions) never depend on a setting.
    default_auto_field = "django.db.models.BigAutoField"
    name = "{{ cookiecutter.project_slug }}.users"
    label = "users"
    verbose_name = "Users"
