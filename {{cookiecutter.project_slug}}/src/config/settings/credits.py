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
{%- if cookiecutter.__has_bookmark_exports == "y" %}

# What a bookmark export costs: held when it is asked for, charged when it is built,
# given back when it fails (exports.services and exports.builds). 0 makes exports free.
EXPORT_CREDIT_COST = 1
{%- endif %}
