"""Bookmark exports as their owners ask for them: a CSV file of the owner's bookmarks,
built by a background task (tasks.py, then builds.py)."""

import structlog
{%- if cookiecutter.credits == "y" %}
from django.conf import settings
{%- endif %}
from django.db import transaction

{% if cookiecutter.credits == "y" %}from {{ cookiecutter.project_slug }}.credits.services import credit_reserve
from {{ cookiecutter.project_slug }}.exports.builds import EXPORT_HOLD_TIMEOUT, export_hold_key
{% endif %}from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.tasks import enqueue_bookmark_export_build
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)


def bookmark_export_create(*, owner: User) -> BookmarkExport:
    """Record a pending export of ``owner``'s bookmarks and have a worker build it."""
    with transaction.atomic():
        export = BookmarkExport.objects.create(owner=owner)
{%- if cookiecutter.credits == "y" %}
        if settings.EXPORT_CREDIT_COST:
            # Charged when the build is done, given back if it fails (builds.py). Too few
            # credits: InsufficientCreditsError (a 402), and no export is recorded.
            credit_reserve(
                user=owner,
                amount=settings.EXPORT_CREDIT_COST,
                idempotency_key=export_hold_key(export.pk),
                timeout=EXPORT_HOLD_TIMEOUT,
            )
{%- endif %}
        # Sent when the transaction commits, so that the worker finds the row.
        enqueue_bookmark_export_build(export_id=export.pk)
    logger.info("bookmark_export.requested", export_id=str(export.pk), owner_id=str(owner.pk))
    return export
