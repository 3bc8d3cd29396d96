"""``manage.py credits_check``: recompute every balance from its transfers.

Exits 0 when the ledger adds up, and non-zero naming each account total that does not,
which only a change made behind the services' back (SQL by hand, a restore gone wrong)
can cause. Each run is logged, and its count kept (LedgerCheck) for /metrics.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from {{ cookiecutter.project_slug }}.credits.services import credit_ledger_reconcile


class Command(BaseCommand):
    help = "Check that every credit balance equals the sum of its transfers."

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = credit_ledger_reconcile()
        for mismatch in mismatches:
            self.stderr.write(
                f"account {mismatch.account_id} ({mismatch.email}): {mismatch.total} is "
                f"{mismatch.stored}, its transfers add up to {mismatch.recomputed}"
            )
        if len(mismatches) == 1:
            raise CommandError("1 credit total does not match its transfers.")
        if mismatches:
            raise CommandError(f"{len(mismatches)} credit totals do not match their transfers.")
        self.stdout.write("Every credit balance matches its transfers.")
