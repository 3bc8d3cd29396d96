import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class BookmarkExport(models.Model):
    """A CSV file of a user's bookmarks, built by a background task."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmark_exports"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    bookmark_count = models.PositiveIntegerField(null=True, blank=True)
    csv = models.TextField("CSV", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "id")
        indexes = (
            models.Index(fields=("owner", "-created_at"), name="bookmark_exports_owner_created"),
        )

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"
