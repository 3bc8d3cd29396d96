"""The credits' periodic jobs; CELERY_BEAT_SCHEDULE (config.settings.tasks) runs them."""

from celery import shared_task

from {{ cookiecutter.project_slug }}.credits import services


# Every minute: timed-out holds expired, Idempotency-Keys older than a day forgotten.
@shared_task
def credits_upkeep() -> None:
    services.credits_upkeep()


# Hourly: `manage.py credits_check`, its outcome logged.
@shared_task
def credits_reconcile() -> None:
    services.credit_ledger_reconcile()
