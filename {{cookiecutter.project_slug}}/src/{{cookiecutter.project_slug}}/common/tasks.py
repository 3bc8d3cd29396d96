"""Periodic housekeeping: delete what has expired but nothing else deletes."""

from importlib import import_module

import structlog
{%- if cookiecutter.task_queue == "celery" %}
from celery import shared_task
{%- endif %}
from django.conf import settings
{%- if cookiecutter.auth == "jwt" %}
from django.utils import timezone
{%- endif %}
{%- if cookiecutter.task_queue == "postgres" %}
from procrastinate.contrib.django import app
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
{%- endif %}
{%- if cookiecutter.cache == "postgres" %}

from {{ cookiecutter.project_slug }}.common.throttling import purge_expired_throttle_counters
{%- endif %}

logger = structlog.get_logger(__name__)

{% if cookiecutter.task_queue == "celery" %}
# Scheduled by CELERY_BEAT_SCHEDULE (config.settings.tasks), at 17 minutes past each hour.
@shared_task
{%- elif cookiecutter.task_queue == "postgres" %}
# Every worker defers it at 17 minutes past each hour; the database lets one of them win.
# procrastinate passes the time it fell due as timestamp.
@app.periodic(cron="17 * * * *")
@app.task(queueing_lock="housekeeping")
{%- endif %}
def housekeeping({% if cookiecutter.task_queue == "postgres" %}timestamp: int | None = None{% endif %}) -> None:
    """Delete expired sessions{% if cookiecutter.auth == "jwt" %} and refresh tokens{% endif %}{% if cookiecutter.cache == "postgres" %}{% if cookiecutter.auth == "jwt" %},{% endif %} and the counters of ended rate-limit windows{% endif %}.

    Idempotent: a second run finds nothing left to delete.
    """
    # What `manage.py clearsessions` does, for whichever session engine is configured.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
{%- if cookiecutter.auth == "jwt" %}
    # What `manage.py flushexpiredtokens` does; their blacklist rows go with them.
    _, deleted = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    tokens = deleted.get(OutstandingToken._meta.label, 0)
{%- endif %}
{%- if cookiecutter.cache == "postgres" %}
    counters = purge_expired_throttle_counters()
{%- endif %}
{%- if cookiecutter.auth == "jwt" or cookiecutter.cache == "postgres" %}
    logger.info(
        "housekeeping.finished",
{%- if cookiecutter.auth == "jwt" %}
        refresh_tokens_deleted=tokens,
{%- endif %}
{%- if cookiecutter.cache == "postgres" %}
        throttle_counters_deleted=counters,
{%- endif %}
    )
{%- else %}
    logger.info("housekeeping.finished")
{%- endif %}
