from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.health"
