import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

# Every text column is bounded, in the database too (notes by a check constraint, as a
# TextField's max_length binds only forms): whatever wrote the rows, a list page of 100
# bookmarks is at most about 7 MB of JSON, 1.2 MB in ordinary text (tests/test_bounds.py).
NOTES_MAX_LENGTH = 10_000


class Bookmark(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    title = models.CharField(max_length=255)
    url = models.URLField("URL", max_length=2048)
    notes = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH)
    is_favorite = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "id")
        constraints = (
            models.UniqueConstraint(fields=("owner", "url"), name="bookmarks_unique_owner_url"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("notes"), NOTES_MAX_LENGTH),
                name="bookmarks_notes_max_length",
            ),
        )
        indexes = (models.Index(fields=("owner", "-created_at"), name="bookmarks_owner_created"),)

    def __str__(self) -> str:
        return self.title
