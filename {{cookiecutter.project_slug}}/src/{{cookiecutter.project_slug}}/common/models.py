from django.db import models


class ThrottleCounter(models.Model):
    """A client's request count in its current rate-limit window (common.throttling).

    Written only with raw upserts, one per throttled request. The table is UNLOGGED on
    PostgreSQL: counts are worth no WAL traffic, and losing them in a crash only resets
    the windows.
    """

    key = models.CharField(max_length=255, primary_key=True)
    hits = models.PositiveIntegerField()
    ends_at = models.FloatField(db_index=True, help_text="When the window ends, as Unix time.")

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
