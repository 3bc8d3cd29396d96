"""Bookmark exports as a worker builds them: the CSV file written, or a failure recorded.

The tasks call these; services.py, which enqueues the tasks, sits above them.
"""

import csv
import io
import uuid
from collections.abc import Iterable
{%- if cookiecutter.credits == "y" %}
from datetime import timedelta
{%- endif %}

import structlog
from django.db import transaction
from django.utils import timezone

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
{%- if cookiecutter.credits == "y" %}
from {{ cookiecutter.project_slug }}.credits.selectors import credit_hold
from {{ cookiecutter.project_slug }}.credits.services import (
    HoldExpiredError,
    HoldResolvedError,
    credit_capture,
    credit_release,
)
{%- endif %}
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport

logger = structlog.get_logger(__name__)
{%- if cookiecutter.credits == "y" %}

# How long an export's credits stay held: past every retry and resend of its build. An
# export still unbuilt by then has failed (tasks.py), and if nothing gave the credits back,
# the hold's expiry does.
EXPORT_HOLD_TIMEOUT = timedelta(days=1)
{%- endif %}

CSV_COLUMNS = ("title", "url", "notes", "is_favorite", "created_at")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
{%- if cookiecutter.credits == "y" %}
        # In the same transaction: charged if and only if the export is done.
        charge_for_export(export)
{%- endif %}
    logger.info("bookmark_export.built", export_id=str(export_id), bookmark_count=len(bookmarks))
    return export


def bookmark_export_fail(*, export_id: uuid.UUID) -> None:
    """Mark an export failed once its task has given up; a finished export stays as it is."""
    failed = BookmarkExport.objects.filter(
        pk=export_id, status=BookmarkExport.Status.PENDING
    ).update(status=BookmarkExport.Status.FAILED, finished_at=timezone.now())
    if failed:
        logger.warning("bookmark_export.failed", export_id=str(export_id))
{%- if cookiecutter.credits == "y" %}
        refund_export(export_id=export_id)
{%- endif %}
{%- if cookiecutter.credits == "y" %}


def export_hold_key(export_id: uuid.UUID) -> str:
    """The idempotency key of the hold an export's credits are reserved under (services.py)."""
    return f"export:{export_id}"


def charge_for_export(export: BookmarkExport) -> None:
    """Capture the export's hold; an export asked for while it was free has none."""
    hold = credit_hold(user_id=export.owner_id, idempotency_key=export_hold_key(export.pk))
    if hold is None:
        return
    try:
        credit_capture(hold=hold)
    except (HoldExpiredError, HoldResolvedError) as exc:
        # Built after its hold timed out: the work is done, the charge is forgone.
        logger.warning("bookmark_export.not_charged", export_id=str(export.pk), reason=str(exc))


def refund_export(*, export_id: uuid.UUID) -> None:
    """Give a failed export's held credits back (unless its hold expired already)."""
    export = BookmarkExport.objects.get(pk=export_id)
    hold = credit_hold(user_id=export.owner_id, idempotency_key=export_hold_key(export_id))
    if hold is None:
        return
    try:
        credit_release(hold=hold)
    except HoldResolvedError:
        # Expired already, which gave the credits back.
        logger.info("bookmark_export.hold_already_resolved", export_id=str(export_id))
{%- endif %}


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
