{% if cookiecutter.task_queue == "celery" -%}
"""Settings, URLs and entry points; the Celery app loads with Django.

Loaded here, the app is the one every @shared_task binds to, so the web processes
enqueue tasks with its configuration.
"""

from config.celery import app as celery_app

__all__ = ["celery_app"]
{% endif -%}