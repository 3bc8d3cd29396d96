"""Usage credits: the credits app, its ledger of two-phase transfers (docs/credits.md)."""

from config.settings.base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "{{ cookiecutter.project_slug }}.credits"]
