"""Background work of the exports: building an export, and sending again the builds the
broker never got.

Tasks take ids, never model instances: the message outlives the request that sent it,
and the task must work on the row as it is when the task runs. They call builds.py;
services.py, which enqueues them, sits above.
"""

import uuid
from datetime import timedelta
from functools import partial
from typing import Any

import structlog
from billiard.einfo import ExceptionInfo
from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from {{ cookiecutter.project_slug }}.exports import builds
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport

logger = structlog.get_logger(__name__)

# An export still pending this long after it was asked for was never sent (the broker was
# down or did not answer) or its message was lost. A sent one is done well within it (its
# time limit and its retries); one that merely waits in a long queue gets a second
# message, which changes nothing: the build is idempotent.
RESEND_PENDING_AFTER = timedelta(minutes=10)
# Nor is an export sent again forever: after a day it fails, and its owner can ask again.
GIVE_UP_PENDING_AFTER = timedelta(days=1)
# The most exports one run sends again, oldest first; the next run sends the rest.
RESEND_BATCH_SIZE = 500


class BookmarkExportTask(DjangoTask[Any, Any]):
    def on_failure(
        self,
        exc: Exception,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: ExceptionInfo,
    ) -> None:
        """The task failed for good (retries exhausted, or an error not worth retrying)."""
        builds.bookmark_export_fail(export_id=uuid.UUID(kwargs["export_id"]))


@shared_task(
    base=BookmarkExportTask,
    # A database that is failing over or out of connections is worth another try, later:
    # after 0-2, 0-4, 0-8, ... seconds (exponential backoff with full jitter, so that
    # tasks that failed together do not retry together), five times at most.
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
)
def bookmark_export_build(export_id: str) -> None:
    builds.bookmark_export_build(export_id=uuid.UUID(export_id))


# Scheduled by CELERY_BEAT_SCHEDULE (config.settings.tasks), every five minutes.
@shared_task
def resend_pending_bookmark_exports() -> None:
    bookmark_exports_resend_pending()


def enqueue_bookmark_export_build(*, export_id: uuid.UUID) -> None:
    """Have a worker build the export once the current transaction commits.

    The export is recorded whether or not the broker takes the message: one it could not
    take stays pending, and resend_pending_bookmark_exports sends it again later.
    """
    transaction.on_commit(partial(send_bookmark_export_build, export_id=export_id))


def send_bookmark_export_build(*, export_id: uuid.UUID) -> None:
    try:
        bookmark_export_build.delay(export_id=str(export_id))
    except BrokerError as exc:
        # Down, or not answering within CELERY_BROKER_TIMEOUT: no traceback, it is not a bug.
        logger.warning("bookmark_export.not_sent", export_id=str(export_id), error=str(exc))


def bookmark_exports_resend_pending(*, older_than: timedelta = RESEND_PENDING_AFTER) -> int:
    """Send the build of every export pending for longer than ``older_than`` again, and
    fail those pending for longer than GIVE_UP_PENDING_AFTER; returns how many were sent.

    The transactional outbox of the exports: a request records its export even when the
    broker cannot take the message, and this, run every few minutes, delivers it once
    the broker is back.
    """
    now = timezone.now()
    pending = BookmarkExport.objects.filter(status=BookmarkExport.Status.PENDING)
    given_up = list(
        pending.filter(created_at__lt=now - GIVE_UP_PENDING_AFTER).values_list("pk", flat=True)
    )
    for export_id in given_up:
        # As a task that failed for good: marked failed{% if cookiecutter.credits == "y" %}, its held credits given back{% endif %}.
        builds.bookmark_export_fail(export_id=export_id)
    if given_up:
        logger.warning("bookmark_export.given_up", export_count=len(given_up))
    stale = pending.filter(created_at__lt=now - older_than).order_by("created_at")
    export_ids = list(stale.values_list("pk", flat=True)[:RESEND_BATCH_SIZE])
    for export_id in export_ids:
        enqueue_bookmark_export_build(export_id=export_id)
    if export_ids:
        logger.info("bookmark_export.resent", export_count=len(export_ids))
    return len(export_ids)
