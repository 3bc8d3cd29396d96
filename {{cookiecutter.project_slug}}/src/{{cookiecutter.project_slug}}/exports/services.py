"""Bookmark exports as their owners ask for them: a CSV file of the owner's bookmarks,
built by a background task (tasks.py, then builds.py)."""

import structlog
from django.db import transaction

from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.tasks import enqueue_bookmark_export_build
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)


def bookmark_export_create(*, owner: User) -> BookmarkExport:
    """Record a pending export of ``owner``'s bookmarks and have a worker build it."""
    with transaction.atomic():
        export = BookmarkExport.objects.create(owner=owner)
        # Sent when the transaction commits, so that the worker finds the row.
        enqueue_bookmark_export_build(export_id=export.pk)
    logger.info("bookmark_export.requested", export_id=str(export.pk), owner_id=str(owner.pk))
    return export
