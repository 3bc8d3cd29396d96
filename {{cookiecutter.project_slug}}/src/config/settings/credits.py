"""Usage credits: the credits app, its ledger of two-phase transfers (docs/credits.md)."""

from config.settings.base import INSTALLED_APPS, SPECTACULAR_SETTINGS

INSTALLED_APPS = [*INSTALLED_APPS, "{{ cookiecutter.project_slug }}.credits"]

# What each charged operation costs, and its 402, in the OpenAPI document.
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "POSTPROCESSING_HOOKS": [
        *SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"],
        "{{ cookiecutter.project_slug }}.credits.schema.add_credit_costs",
    ],
}
