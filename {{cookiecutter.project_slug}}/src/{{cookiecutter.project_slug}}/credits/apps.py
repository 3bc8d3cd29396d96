from django.apps import AppConfig


class CreditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "{{ cookiecutter.project_slug }}.credits"
    label = "credits"
    verbose_name = "Usage credits"

    def ready(self) -> None:
        from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_TYPES

        # The page /problems/insufficient-credits describes the error the services raise.
        PROBLEM_TYPES["insufficient-credits"] = (
            "Insufficient credits",
            "The account has fewer credits available than the request needs; the needed and "
            "available members give both amounts. Add credits, or wait for held ones to be "
            "released, and send the request again.",
        )
        # And /problems/malformed-idempotency-key, the 422 of credits.idempotency.
        PROBLEM_TYPES["malformed-idempotency-key"] = (
            "Malformed idempotency key",
            "The Idempotency-Key header is not 1 to 255 visible ASCII characters. Send the "
            "request with a well-formed key, such as a new UUID, or without the header.",
        )
{%- if cookiecutter.use_prometheus == "y" %}

        from {{ cookiecutter.project_slug }}.credits.metrics import CreditLedgerCollector
        from {{ cookiecutter.project_slug }}.metrics.collectors import SCRAPE_TIME_COLLECTORS

        # /metrics reports what the ledger holds, read from the database when scraped.
        SCRAPE_TIME_COLLECTORS.append(CreditLedgerCollector())
{%- endif %}
