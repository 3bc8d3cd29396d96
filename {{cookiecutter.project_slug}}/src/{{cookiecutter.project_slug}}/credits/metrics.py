"""The credits' metrics: transfers counted as they are posted, and at scrape time, from
the database, what is held, what is overdue and what the ledger's last check found."""

from collections.abc import Iterator
from datetime import timedelta

import structlog
from django.db import DatabaseError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from {{ cookiecutter.project_slug }}.credits.models import CreditAccount, CreditTransfer, LedgerCheck

logger = structlog.get_logger(__name__)

Kind = CreditTransfer.Kind

TRANSFERS = Counter(
    "{{ cookiecutter.project_slug }}_credit_transfers",
    "Credit transfers posted by this process, by kind.",
    ["kind"],
)
CREDITS_MOVED = Counter(
    "{{ cookiecutter.project_slug }}_credits_moved",
    "Credits moved by the transfers this process posted, by kind (adjustments either way).",
    ["kind"],
)


def count_transfer(transfer: CreditTransfer) -> None:
    TRANSFERS.labels(transfer.kind).inc()
    CREDITS_MOVED.labels(transfer.kind).inc(abs(transfer.amount))


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{{ cookiecutter.project_slug }}_{name}", documentation, value=value)


class CreditLedgerCollector(Collector):
    """Read from the database at each scrape, so every process reports the same truth.
    Without a database to read, the scrape goes on without them (the readiness gauge
    says why)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            families = list(self.measure())
        except DatabaseError as exc:
            logger.warning("credit_metrics_unavailable", error=str(exc))
            return
        yield from families

    def measure(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        counts = CreditTransfer.objects.aggregate(
            holds=Count("pk", filter=Q(kind=Kind.RESERVE)),
            resolutions=Count("pk", filter=Q(kind__in=CreditTransfer.RESOLUTIONS)),
            expired_last_hour=Count(
                "pk", filter=Q(kind=Kind.EXPIRE, created_at__gt=now - timedelta(hours=1))
            ),
        )
        # Each resolution resolves one hold (a unique index): the rest are outstanding.
        yield gauge(
            "credit_holds_outstanding",
            "Holds neither captured, released nor expired.",
            counts["holds"] - counts["resolutions"],
        )
        held = CreditAccount.objects.aggregate(held=Sum("debits_pending", default=0))["held"]
        yield gauge("credits_held", "Credits held by outstanding holds.", held)
        overdue = CreditTransfer.objects.filter(
            kind=Kind.RESERVE, expires_at__lte=now, resolutions__isnull=True
        ).count()
        yield gauge(
            "credit_holds_overdue",
            "Holds past their timeout that the upkeep job has not expired yet.",
            overdue,
        )
        yield gauge(
            "credit_holds_expired_last_hour",
            "Holds expired in the last hour: work that never finished, or finished too late.",
            counts["expired_last_hour"],
        )
        last_check = LedgerCheck.objects.order_by("-checked_at").first()
        yield gauge(
            "credits_check_mismatches",
            "Account totals that differed from their transfers at the last check (0 before one).",
            last_check.mismatches if last_check else 0,
        )
        if last_check is not None:
            yield gauge(
                "credits_check_last_run_timestamp_seconds",
                "When the ledger was last checked (Unix time).",
                last_check.checked_at.timestamp(),
            )
