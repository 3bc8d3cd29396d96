"""The credits' periodic jobs. Every worker defers them when due; the queueing lock lets
one of them win. procrastinate passes the time each fell due as timestamp."""

from procrastinate.contrib.django import app

from {{ cookiecutter.project_slug }}.credits import services


# Every minute: timed-out holds expired, Idempotency-Keys older than a day forgotten.
@app.periodic(cron="* * * * *")
@app.task(queueing_lock="credits_upkeep")
def credits_upkeep(timestamp: int | None = None) -> None:
    services.credits_upkeep()


# Hourly: `manage.py credits_check`, its outcome logged.
@app.periodic(cron="41 * * * *")
@app.task(queueing_lock="credits_reconcile")
def credits_reconcile(timestamp: int | None = None) -> None:
    services.credit_ledger_reconcile()
