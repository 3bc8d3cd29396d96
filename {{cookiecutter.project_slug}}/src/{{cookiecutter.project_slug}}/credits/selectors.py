"""Reading credits: a user's balance and transfers, and the ledger's own audit."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Abs

from {{ cookiecutter.project_slug }}.credits.models import CreditAccount, CreditTransfer
from {{ cookiecutter.project_slug }}.users.models import User

Kind = CreditTransfer.Kind


@dataclass(frozen=True)
class Balance:
    """posted: credits granted minus credits charged; held: reserved for work under way;
    available: what can still be reserved or charged (posted minus held)."""

    available: int
    held: int
    posted: int


def credit_balance(*, user: User) -> Balance:
    account = CreditAccount.objects.filter(user=user).first()
    if account is None:
        return Balance(available=0, held=0, posted=0)
    return Balance(
        available=account.available,
        held=account.debits_pending,
        posted=account.credits_posted - account.debits_posted,
    )


def credit_transfers(
    *,
    user: User,
    kind: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[CreditTransfer]:
    """The user's transfers, newest first; of one kind, and from and before a time, if given."""
    transfers = CreditTransfer.objects.filter(account__user=user)
    if kind is not None:
        transfers = transfers.filter(kind=kind)
    if created_after is not None:
        transfers = transfers.filter(created_at__gte=created_after)
    if created_before is not None:
        transfers = transfers.filter(created_at__lt=created_before)
    return transfers


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    email: str
    total: str
    stored: int
    recomputed: int


def credit_ledger_mismatches() -> list[Mismatch]:
    """Every account total that differs from the sum of the account's transfers."""

    def total(condition: Q, field: str = "transfers__amount") -> Sum:
        return Sum(field, filter=condition, default=0)

    unresolved = Q(transfers__kind=Kind.RESERVE, transfers__resolutions__isnull=True)
    accounts = (
        CreditAccount.objects.annotate(
            granted=total(
                Q(transfers__kind=Kind.GRANT)
                | Q(transfers__kind=Kind.ADJUST, transfers__amount__gt=0)
            ),
            charged=total(Q(transfers__kind__in=(Kind.CAPTURE, Kind.LAPSE)))
            + Sum(
                Abs("transfers__amount"),
                filter=Q(transfers__kind=Kind.ADJUST, transfers__amount__lt=0),
                default=0,
            ),
            held=total(unresolved),
        )
        .select_related("user")
        .order_by("pk")
    )
    mismatches = []
    for account in accounts:
        for name, stored, recomputed in (
            ("credits_posted", account.credits_posted, account.granted),
            ("debits_posted", account.debits_posted, account.charged),
            ("debits_pending", account.debits_pending, account.held),
        ):
            if stored != recomputed:
                mismatches.append(
                    Mismatch(account.pk, account.user.email, name, stored, recomputed)
                )
    return mismatches


def credit_hold(*, user_id: uuid.UUID, idempotency_key: str) -> CreditTransfer | None:
    """The hold ``idempotency_key`` reserved on the user's account, if any."""
    return CreditTransfer.objects.filter(
        account__user_id=user_id, idempotency_key=idempotency_key, kind=Kind.RESERVE
    ).first()
