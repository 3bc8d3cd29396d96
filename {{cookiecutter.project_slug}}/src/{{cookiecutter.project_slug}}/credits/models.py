"""Usage credits: an account per user and the immutable transfers that move its balance.

Two-phase transfers, as TigerBeetle documents them: a reserve is a pending debit (a hold)
that a capture posts, in whole or in part, or a release or an expiry voids, exactly once.
The database keeps the invariants, whatever the code above it does:

- an account is never overdrawn: credits_posted >= debits_posted + debits_pending (CHECK);
- a hold is resolved at most once (a unique index on the resolving transfers' hold);
- an idempotency key makes one transfer per account (a unique constraint);
- a transfer is never changed or deleted (triggers, migration 0002).

A grant with an expiry also opens a lot (CreditLot): what is left of it. Spending draws on
the lots that expire soonest first, and what a lot still holds when it expires lapses.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

# The longest idempotency key a transfer stores; the services refuse longer ones.
IDEMPOTENCY_KEY_LENGTH = 255


class CreditAccount(models.Model):
    """A user's credits. The three totals change only with a transfer, under a row lock."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_account"
    )
    credits_posted = models.PositiveBigIntegerField(default=0)
    debits_posted = models.PositiveBigIntegerField(default=0)
    debits_pending = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=Q(credits_posted__gte=F("debits_posted") + F("debits_pending")),
                name="credits_account_never_overdrawn",
            ),
        )

    def __str__(self) -> str:
        return f"Credit account {self.pk}"

    @property
    def available(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending


class CreditTransfer(models.Model):
    """One movement of credits; rows are only ever added."""

    class Kind(models.TextChoices):
        GRANT = "grant", "Grant"
        RESERVE = "reserve", "Reserve"
        CAPTURE = "capture", "Capture"
        RELEASE = "release", "Release"
        EXPIRE = "expire", "Expire"
        ADJUST = "adjust", "Adjust"
        LAPSE = "lapse", "Lapse"

    class Source(models.TextChoices):
        PAID = "paid", "Paid"
        PROMOTIONAL = "promotional", "Promotional"

    # The kinds that resolve a hold, each naming it in ``hold``.
    RESOLUTIONS = (Kind.CAPTURE, Kind.RELEASE, Kind.EXPIRE)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Credits moved: positive, except that an adjustment may take credits away (negative).
    amount = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_LENGTH)
    hold = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resolutions"
    )
    # A reserve's timeout; a grant's optional expiry.
    expires_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    reason = models.TextField(blank=True)
    # Credits taken from expiring grants, by CreditLot id: by a hold, given back when it is
    # released; by a negative adjustment, for good; by a lapse, what was left of the grant.
    lot_draws = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created_at", "id")
        indexes = (
            models.Index(fields=("account", "-created_at"), name="credits_transfer_account"),
            models.Index(
                fields=("expires_at",),
                condition=Q(kind="reserve"),
                name="credits_transfer_hold_expiry",
            ),
            # The expiries of the last hour, which /metrics counts.
            models.Index(
                fields=("created_at",),
                condition=Q(kind="expire"),
                name="credits_transfer_expired",
            ),
        )
        constraints = (
            models.UniqueConstraint(
                fields=("account", "idempotency_key"), name="credits_transfer_idempotent"
            ),
            models.UniqueConstraint(
                fields=("hold",),
                condition=Q(hold__isnull=False),
                name="credits_hold_resolved_once",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | (Q(kind="adjust") & ~Q(amount=0)),
                name="credits_transfer_amount",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=("capture", "release", "expire"), hold__isnull=False)
                | (~Q(kind__in=("capture", "release", "expire")) & Q(hold__isnull=True)),
                name="credits_transfer_resolves_a_hold",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reserve") | Q(expires_at__isnull=False),
                name="credits_reserve_has_a_timeout",
            ),
            models.CheckConstraint(
                condition=~Q(kind="grant") | ~Q(source=""),
                name="credits_grant_has_a_source",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjust") | ~Q(reason=""),
                name="credits_adjust_has_a_reason",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.pk})"


class IdempotentRequest(models.Model):
    """A request sent with an Idempotency-Key header, and the response it got: a retry
    with the same key and body gets that response again instead of acting twice.

    Inserted before the request is handled and completed in the same transaction, so a
    concurrent retry waits on the unique constraint and then reads the finished response.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=IDEMPOTENCY_KEY_LENGTH)
    # SHA-256 of the method, path and body: a key sent again with anything else is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = (models.Index(fields=("created_at",), name="credits_request_created"),)
        constraints = (
            models.UniqueConstraint(fields=("caller", "key"), name="credits_request_key_once"),
        )

    def __str__(self) -> str:
        return f"Request {self.key!r} of {self.caller_id}"


class LedgerCheck(models.Model):
    """One run of the ledger's check (credits_check): when, and how many totals differed.
    /metrics reports the latest, for an alert."""

    checked_at = models.DateTimeField(default=timezone.now, db_index=True)
    mismatches = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"Ledger check at {self.checked_at.isoformat()}: {self.mismatches} mismatches"


class CreditLot(models.Model):
    """What is left of a grant that expires. Holds and negative adjustments draw on an
    account's lots soonest-expiring first; a release gives back what its hold drew; the
    upkeep job lapses what an expired lot still holds. Changes only under the account's
    row lock, so the lots never add up to more than the account has available."""

    grant = models.OneToOneField(CreditTransfer, on_delete=models.PROTECT, related_name="lot")
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="lots")
    expires_at = models.DateTimeField()
    remaining = models.PositiveBigIntegerField()

    class Meta:
        indexes = (
            models.Index(
                fields=("account", "expires_at"),
                condition=Q(remaining__gt=0),
                name="credits_lot_unspent",
            ),
        )

    def __str__(self) -> str:
        return f"Lot of grant {self.grant_id}: {self.remaining} left"
