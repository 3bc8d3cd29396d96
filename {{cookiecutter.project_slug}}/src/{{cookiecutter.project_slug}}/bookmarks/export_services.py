"""Bookmark exports: a CSV file of a user's bookmarks, built by a background task."""

import csv
import io
import uuid
from collections.abc import Iterable
{%- if cookiecutter.task_queue == "celery" %}
from datetime import timedelta
{%- endif %}

import structlog
from django.db import transaction
from django.utils import timezone

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark, BookmarkExport
from {{ cookiecutter.project_slug }}.bookmarks.tasks import enqueue_bookmark_export_build
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)

CSV_COLUMNS = ("title", "url", "notes", "is_favorite", "created_at")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
{%- if cookiecutter.task_queue == "celery" %}
# An export still pending this long after it was asked for was never sent (the broker was
# down or did not answer) or its message was lost. A sent one is done well within it (its
# time limit and its retries); one that merely waits in a long queue gets a second
# message, which changes nothing: the build is idempotent.
RESEND_PENDING_AFTER = timedelta(minutes=10)
# Nor is an export sent again forever: after a day it fails, and its owner can ask again.
GIVE_UP_PENDING_AFTER = timedelta(days=1)
# The most exports one run sends again, oldest first; the next run sends the rest.
RESEND_BATCH_SIZE = 500
{%- endif %}


def bookmark_export_create(*, owner: User) -> BookmarkExport:
    """Record a pending export of ``owner``'s bookmarks and have a worker build it."""
    with transaction.atomic():
        export = BookmarkExport.objects.create(owner=owner)
        # Sent when the transaction commits, so that the worker finds the row.
        enqueue_bookmark_export_build(export_id=export.pk)
    logger.info("bookmark_export.requested", export_id=str(export.pk), owner_id=str(owner.pk))
    return export


{%- if cookiecutter.task_queue == "celery" %}


def bookmark_exports_resend_pending(*, older_than: timedelta = RESEND_PENDING_AFTER) -> int:
    """Send the build of every export pending for longer than ``older_than`` again, and
    fail those pending for longer than GIVE_UP_PENDING_AFTER; returns how many were sent.

    The transactional outbox of the exports: a request records its export even when the
    broker cannot take the message, and this, run every few minutes, delivers it once
    the broker is back.
    """
    now = timezone.now()
    pending = BookmarkExport.objects.filter(status=BookmarkExport.Status.PENDING)
    given_up = pending.filter(created_at__lt=now - GIVE_UP_PENDING_AFTER).update(
        status=BookmarkExport.Status.FAILED, finished_at=now
    )
    if given_up:
        logger.warning("bookmark_export.given_up", export_count=given_up)
    stale = pending.filter(created_at__lt=now - older_than).order_by("created_at")
    export_ids = list(stale.values_list("pk", flat=True)[:RESEND_BATCH_SIZE])
    for export_id in export_ids:
        enqueue_bookmark_export_build(export_id=export_id)
    if export_ids:
        logger.info("bookmark_export.resent", export_count=len(export_ids))
    return len(export_ids)
{%- endif %}


def bookmark_export_build(*, export_id: uuid.UUID) -> BookmarkExport | None:
    """Write the CSV of a pending export and mark it done.

    Idempotent: the task may be delivered more than once, even to two workers at the
    same time. The row lock makes a second delivery wait for the first to commit, and it
    then finds the export finished and changes nothing.
    """
    with transaction.atomic():
        export = BookmarkExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            # Its owner was deleted since, and the export with them.
            logger.info("bookmark_export.gone", export_id=str(export_id))
            return None
        if export.status != BookmarkExport.Status.PENDING:
            logger.info(
                "bookmark_export.already_finished", export_id=str(export_id), status=export.status
            )
            return export
        bookmarks = list(Bookmark.objects.filter(owner_id=export.owner_id).order_by("created_at"))
        export.csv = render_csv(bookmarks)
        export.bookmark_count = len(bookmarks)
        export.status = BookmarkExport.Status.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["csv", "bookmark_count", "status", "finished_at"])
    logger.info("bookmark_export.built", export_id=str(export_id), bookmark_count=len(bookmarks))
    return export


def bookmark_export_fail(*, export_id: uuid.UUID) -> None:
    """Mark an export failed once its task has given up; a finished export stays as it is."""
    failed = BookmarkExport.objects.filter(
        pk=export_id, status=BookmarkExport.Status.PENDING
    ).update(status=BookmarkExport.Status.FAILED, finished_at=timezone.now())
    if failed:
        logger.warning("bookmark_export.failed", export_id=str(export_id))


def render_csv(bookmarks: Iterable[Bookmark]) -> str:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(CSV_COLUMNS)
    for bookmark in bookmarks:
        writer.writerow(
            [
                neutralize_formula(bookmark.title),
                bookmark.url,
                neutralize_formula(bookmark.notes),
                "true" if bookmark.is_favorite else "false",
                bookmark.created_at.isoformat(),
            ]
        )
    return output.getvalue()


def neutralize_formula(value: str) -> str:
    """Make a cell a spreadsheet would evaluate read as text, as OWASP recommends."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value
