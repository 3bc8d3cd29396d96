"""``manage.py credits``: operators' work on the credit accounts.

- ``credits grant --user ada@example.com --amount 100``: 100 paid credits for Ada;
  ``--source promotional``, ``--expires 2027-01-31T00:00:00Z`` and ``--key`` (the
  idempotency key: the same key grants once, however often the command runs) as needed;
- ``credits balance --user ada@example.com``: her available, held and posted credits;
- ``credits upkeep``: void the holds whose timeout has passed, lapse what is left of
  expired grants and forget Idempotency-Keys older than a day; the task queue runs it
  every minute (without one, schedule it).
"""

import uuid
from argparse import ArgumentTypeError
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from {{ cookiecutter.project_slug }}.common.exceptions import ApplicationError
from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import credit_balance
from {{ cookiecutter.project_slug }}.credits.services import credit_grant, credits_upkeep
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.selectors import user_get_by_email


def aware_datetime(value: str) -> datetime:
    """``--expires``: an ISO 8601 date and time with its UTC offset."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ArgumentTypeError(
            f"{value!r} is not a date and time with its UTC offset, e.g. 2027-01-31T00:00:00Z"
        )
    if moment <= timezone.now():
        raise ArgumentTypeError(f"{value!r} has passed: a grant's expiry is in the future")
    return moment


class Command(BaseCommand):
    help = "Grant credits to a user, show a user's balance, or expire the timed-out holds."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{grant,balance,upkeep}"
        )
        grant = actions.add_parser("grant", help="add credits to the user's account")
        grant.add_argument("--user", required=True, metavar="EMAIL")
        grant.add_argument("--amount", required=True, type=int, metavar="N")
        grant.add_argument(
            "--source", choices=CreditTransfer.Source.values, default=CreditTransfer.Source.PAID
        )
        grant.add_argument(
            "--expires",
            type=aware_datetime,
            metavar="ISO-8601",
            help="when what is left of the grant lapses, with its UTC offset",
        )
        grant.add_argument("--key", help="idempotency key (default: a new one)")
        balance = actions.add_parser(
            "balance", help="the user's available, held and posted credits"
        )
        balance.add_argument("--user", required=True, metavar="EMAIL")
        actions.add_parser(
            "upkeep", help="void timed-out holds, lapse expired grants, forget old Idempotency-Keys"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "upkeep":
            done = credits_upkeep()
            self.stdout.write(
                f"Holds expired: {done['holds_expired']}; grants lapsed: "
                f"{done['grants_lapsed']}; Idempotency-Keys forgotten: {done['keys_forgotten']}"
            )
            return
        user = options["user"]
        account_holder = self.get_user(user)
        if action == "grant":
            try:
                transfer = credit_grant(
                    user=account_holder,
                    amount=options["amount"],
                    source=options["source"],
                    expires_at=options["expires"],
                    idempotency_key=(
                        f"manage-grant:{uuid.uuid4()}" if options["key"] is None else options["key"]
                    ),
                )
            except ApplicationError as error:
                raise CommandError(error.detail) from error
            self.stdout.write(f"Granted {transfer.amount} credits to {user} ({transfer.pk}).")
        balance = credit_balance(user=account_holder)
        self.stdout.write(
            f"{user}: {balance.available} available, {balance.held} held, {balance.posted} posted"
        )

    def get_user(self, email: str) -> User:
        try:
            return user_get_by_email(email=email)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user has the email address {email}.") from exc
