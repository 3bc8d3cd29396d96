"""Moving credits: every function posts one transfer, or returns the one its idempotency key
already posted, in one transaction that holds the account's row lock.

The lock orders the transfers of an account, so the balance checks here and the database's
CHECK constraint always agree; different accounts never wait on each other.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from {{ cookiecutter.project_slug }}.common.exceptions import ApplicationError, ConflictError
{%- if cookiecutter.use_prometheus == "y" %}
from {{ cookiecutter.project_slug }}.credits.metrics import count_transfer
{%- endif %}
from {{ cookiecutter.project_slug }}.credits.models import (
    IDEMPOTENCY_KEY_LENGTH,
    CreditAccount,
    CreditLot,
    CreditTransfer,
    IdempotentRequest,
    LedgerCheck,
)
from {{ cookiecutter.project_slug }}.credits.selectors import Mismatch, credit_ledger_mismatches
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)

# The most one transfer may move: far beyond any real use, and far enough below PostgreSQL's
# bigint that the account's totals cannot overflow.
MAX_AMOUNT = 10**12
# How long an Idempotency-Key is remembered (credits.idempotency): a day of retries, as the
# usual payment APIs keep them.
IDEMPOTENT_REQUEST_RETENTION = timedelta(hours=24)
# How long the outcome of each run of the ledger's check is kept.
LEDGER_CHECK_RETENTION = timedelta(days=90)

Kind = CreditTransfer.Kind


class InsufficientCreditsError(ApplicationError):
    status_code = 402
    type_slug = "insufficient-credits"
    title = "Insufficient credits"

    def __init__(self, *, needed: int, available: int) -> None:
        super().__init__(
            f"This needs {needed} credits and the account has {available} available.",
            extra={"needed": needed, "available": available},
        )


class HoldResolvedError(ConflictError):
    """The hold was captured, released or expired already."""


class HoldExpiredError(ConflictError):
    """The hold's timeout has passed: it can no longer be captured, only expire."""


class IdempotencyKeyReusedError(ConflictError):
    """The key already posted a different transfer on this account."""


@dataclass(frozen=True)
class Movement:
    """What a transfer does to its account's three totals."""

    credits_posted: int = 0
    debits_posted: int = 0
    debits_pending: int = 0


def credit_account_of(*, user: User) -> CreditAccount:
    """The user's account, opened at zero the first time it is asked for."""
    account, _ = CreditAccount.objects.get_or_create(user=user)
    return account


def _post(
    *,
    user: User,
    idempotency_key: str,
    movement: Movement,
    fields: dict[str, Any],
    computed: dict[str, Any] | None = None,
    draw: int = 0,
    give_back: tuple[dict[str, int], int] | None = None,
) -> CreditTransfer:
    """Post the transfer ``fields`` describe, moving the account's totals by ``movement``;
    or return the transfer the key posted before, if its ``fields`` are the same.
    ``computed`` fields (a timeout's end) differ on every call and are not compared.
    ``draw`` credits come out of the account's expiring lots first; ``give_back`` returns
    (a hold's draws, so many credits) to the lots they came from."""
    if not idempotency_key.strip() or len(idempotency_key) > IDEMPOTENCY_KEY_LENGTH:
        raise ApplicationError(
            f"An idempotency key is 1 to {IDEMPOTENCY_KEY_LENGTH} characters, not blank."
        )
    account_id = credit_account_of(user=user).pk
    with transaction.atomic():
        account = CreditAccount.objects.select_for_update().get(pk=account_id)
        earlier = CreditTransfer.objects.filter(
            account=account, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            if any(getattr(earlier, name) != value for name, value in fields.items()):
                raise IdempotencyKeyReusedError(
                    f"The idempotency key {idempotency_key!r} was used for another transfer."
                )
            return earlier
        taken = movement.debits_posted + movement.debits_pending
        if taken > account.available + movement.credits_posted:
            raise InsufficientCreditsError(needed=taken, available=account.available)
        if give_back is not None:
            _return_to_lots(*give_back)
        transfer = _apply(
            account,
            idempotency_key=idempotency_key,
            movement=movement,
            fields={**fields, **(computed or {}), "lot_draws": _draw_from_lots(account, draw)},
        )
        if transfer.kind == Kind.GRANT and transfer.expires_at is not None:
            CreditLot.objects.create(
                grant=transfer,
                account=account,
                expires_at=transfer.expires_at,
                remaining=transfer.amount,
            )
    _record(transfer)
    return transfer


def _apply(
    account: CreditAccount, *, idempotency_key: str, movement: Movement, fields: dict[str, Any]
) -> CreditTransfer:
    """Move the locked ``account``'s totals and add the transfer that says why."""
    account.credits_posted += movement.credits_posted
    account.debits_posted += movement.debits_posted
    account.debits_pending += movement.debits_pending
    account.save(update_fields=("credits_posted", "debits_posted", "debits_pending"))
    return CreditTransfer.objects.create(account=account, idempotency_key=idempotency_key, **fields)


def _record(transfer: CreditTransfer) -> None:
    """A posted transfer's log line{% if cookiecutter.use_prometheus == "y" %} and counters{% endif %}: ids, kind and amount, no personal data."""
{%- if cookiecutter.use_prometheus == "y" %}
    count_transfer(transfer)
{%- endif %}
    logger.info(
        "credit_transfer",
        transfer_id=str(transfer.pk),
        account_id=transfer.account_id,
        kind=transfer.kind,
        amount=transfer.amount,
        hold_id=str(transfer.hold_id) if transfer.hold_id else None,
    )


def _draw_from_lots(account: CreditAccount, amount: int) -> dict[str, int]:
    """Take up to ``amount`` from the locked account's unexpired lots, soonest-expiring
    first; what they do not hold comes from credits that never expire."""
    draws: dict[str, int] = {}
    if amount <= 0:
        return draws
    lots = CreditLot.objects.select_for_update().filter(
        account=account, remaining__gt=0, expires_at__gt=timezone.now()
    )
    for lot in lots.order_by("expires_at", "pk"):
        take = min(lot.remaining, amount)
        lot.remaining -= take
        lot.save(update_fields=("remaining",))
        draws[str(lot.pk)] = take
        amount -= take
        if amount == 0:
            break
    return draws


def _return_to_lots(draws: dict[str, int], amount: int) -> None:
    """Give ``amount`` back to the lots a hold drew from, latest-expiring first (so that
    what was charged came from the soonest-expiring). What goes back to an expired lot
    lapses at the next upkeep."""
    lots = CreditLot.objects.select_for_update().filter(pk__in=[int(pk) for pk in draws])
    for lot in lots.order_by("-expires_at", "-pk"):
        given = min(draws[str(lot.pk)], amount)
        lot.remaining += given
        lot.save(update_fields=("remaining",))
        amount -= given
        if amount == 0:
            break


def _positive(amount: int) -> int:
    if not 0 < amount <= MAX_AMOUNT:
        raise ApplicationError(
            f"The amount must be a positive number of credits up to {MAX_AMOUNT}, not {amount}."
        )
    return amount


def credit_grant(
    *,
    user: User,
    amount: int,
    idempotency_key: str,
    source: str = CreditTransfer.Source.PAID,
    expires_at: datetime | None = None,
) -> CreditTransfer:
    """Add ``amount`` credits, paid for or promotional, expiring at ``expires_at`` if given."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(
            f"A grant's expiry must be in the future, not {expires_at.isoformat()}."
        )
    return _post(
        user=user,
        idempotency_key=idempotency_key,
        movement=Movement(credits_posted=_positive(amount)),
        fields={"kind": Kind.GRANT, "amount": amount, "source": source, "expires_at": expires_at},
    )


def credit_adjust(*, user: User, amount: int, reason: str, idempotency_key: str) -> CreditTransfer:
    """A staff correction: add credits (``amount`` > 0) or take them away (< 0)."""
    if amount == 0 or abs(amount) > MAX_AMOUNT:
        raise ApplicationError(
            f"An adjustment moves 1 to {MAX_AMOUNT} credits either way, not {amount}."
        )
    if not reason.strip():
        raise ApplicationError("An adjustment needs a reason.")
    movement = Movement(credits_posted=amount) if amount > 0 else Movement(debits_posted=-amount)
    return _post(
        user=user,
        idempotency_key=idempotency_key,
        movement=movement,
        fields={"kind": Kind.ADJUST, "amount": amount, "reason": reason},
        draw=-amount,
    )


def credit_reserve(
    *, user: User, amount: int, idempotency_key: str, timeout: timedelta
) -> CreditTransfer:
    """Hold ``amount`` credits for work under way, until captured, released or ``timeout``."""
    if timeout <= timedelta(0):
        raise ApplicationError(f"A hold's timeout must be in the future, not {timeout}.")
    return _post(
        user=user,
        idempotency_key=idempotency_key,
        movement=Movement(debits_pending=_positive(amount)),
        fields={"kind": Kind.RESERVE, "amount": amount},
        computed={"expires_at": timezone.now() + timeout},
        draw=amount,
    )


def _resolve(*, hold: CreditTransfer, kind: str, amount: int) -> CreditTransfer:
    """Post the one transfer that resolves ``hold``; its key is the hold's, so a retry of
    the same resolution returns it and any other resolution is refused."""
    if hold.kind != Kind.RESERVE:
        raise ApplicationError(f"Transfer {hold.pk} is a {hold.kind}, not a hold.")
    key = f"resolve:{hold.pk}"
    posted = amount if kind == Kind.CAPTURE else 0
    try:
        return _post(
            user=hold.account.user,
            idempotency_key=key,
            movement=Movement(debits_posted=posted, debits_pending=-hold.amount),
            fields={"kind": kind, "amount": amount, "hold": hold},
            give_back=(hold.lot_draws, hold.amount - posted),
        )
    except IdempotencyKeyReusedError:
        earlier = CreditTransfer.objects.get(account_id=hold.account_id, idempotency_key=key)
        raise HoldResolvedError(
            f"Hold {hold.pk} was resolved already: {earlier.kind} of {earlier.amount}."
        ) from None


def credit_capture(*, hold: CreditTransfer, amount: int | None = None) -> CreditTransfer:
    """Charge ``amount`` of the hold (all of it by default); the rest goes back."""
    charged = hold.amount if amount is None else _positive(amount)
    if charged > hold.amount:
        raise ApplicationError(f"Cannot capture {charged} credits of a hold of {hold.amount}.")
    earlier = hold.resolutions.first()
    if earlier is None and hold.expires_at is not None and hold.expires_at <= timezone.now():
        # Timed out: the work took longer than it was given. The hold is the expiry
        # job's to void (credit_holds_expire); nothing is charged.
        raise HoldExpiredError(f"Hold {hold.pk} timed out at {hold.expires_at.isoformat()}.")
    return _resolve(hold=hold, kind=Kind.CAPTURE, amount=charged)


def credit_release(*, hold: CreditTransfer) -> CreditTransfer:
    """Give the whole hold back: the work it was for will not be done."""
    return _resolve(hold=hold, kind=Kind.RELEASE, amount=hold.amount)


def credit_holds_expire(*, now: datetime | None = None) -> int:
    """Expire every hold whose timeout has passed; the number expired."""
    due = CreditTransfer.objects.filter(
        kind=Kind.RESERVE, expires_at__lte=now or timezone.now(), resolutions__isnull=True
    ).select_related("account__user")
    expired = 0
    for hold in due:
        try:
            _resolve(hold=hold, kind=Kind.EXPIRE, amount=hold.amount)
        except HoldResolvedError:
            continue  # captured or released since the query: not expired after all
        expired += 1
    logger.info("credit_holds_expired", count=expired)
    return expired


def credit_grants_lapse(*, now: datetime | None = None) -> int:
    """Take away what is left of every grant whose expiry has passed; how many lapsed."""
    due = CreditLot.objects.filter(expires_at__lte=now or timezone.now(), remaining__gt=0)
    lapsed = 0
    for lot_id, account_id in due.values_list("pk", "account_id"):
        with transaction.atomic():
            account = CreditAccount.objects.select_for_update().get(pk=account_id)
            # Re-read under the account's lock: a release may have given some back since.
            lot = CreditLot.objects.select_for_update().get(pk=lot_id)
            if lot.remaining == 0:
                continue
            amount, lot.remaining = lot.remaining, 0
            lot.save(update_fields=("remaining",))
            transfer = _apply(
                account,
                idempotency_key=f"lapse:{lot.pk}:{uuid.uuid4()}",
                movement=Movement(debits_posted=amount),
                fields={
                    "kind": Kind.LAPSE,
                    "amount": amount,
                    "lot_draws": {str(lot.pk): amount},
                },
            )
        _record(transfer)
        lapsed += 1
    return lapsed


def idempotent_requests_forget(*, before: datetime) -> int:
    """Forget the Idempotency-Keys sent before ``before``; how many were forgotten."""
    forgotten, _ = IdempotentRequest.objects.filter(created_at__lt=before).delete()
    return forgotten


def credits_upkeep(*, now: datetime | None = None) -> dict[str, int]:
    """The credits' periodic upkeep, every minute: expire the holds whose timeout has
    passed, lapse what is left of the grants that have expired, and forget the
    Idempotency-Keys older than IDEMPOTENT_REQUEST_RETENTION and the ledger checks older
    than LEDGER_CHECK_RETENTION."""
    now = now or timezone.now()
    done = {
        "holds_expired": credit_holds_expire(now=now),
        "grants_lapsed": credit_grants_lapse(now=now),
        "keys_forgotten": idempotent_requests_forget(before=now - IDEMPOTENT_REQUEST_RETENTION),
    }
    LedgerCheck.objects.filter(checked_at__lt=now - LEDGER_CHECK_RETENTION).delete()
    logger.info("credits_upkeep_finished", **done)
    return done


def credit_ledger_reconcile() -> list[Mismatch]:
    """``manage.py credits_check`` as a periodic job: an error line for each account total
    that differs from its transfers (account ids and amounts, no personal data), then one
    line with the count; the count is kept (LedgerCheck) for /metrics and its alert."""
    mismatches = credit_ledger_mismatches()
    for mismatch in mismatches:
        logger.error(
            "credits_check_mismatch",
            account_id=mismatch.account_id,
            total=mismatch.total,
            stored=mismatch.stored,
            recomputed=mismatch.recomputed,
        )
    LedgerCheck.objects.create(mismatches=len(mismatches))
    logger.info("credits_check_finished", mismatches=len(mismatches))
    return mismatches
