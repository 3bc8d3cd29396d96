"""What the task workers count: tasks started, succeeded, failed and retried, and their durations.

Labelled by task name. The {% if cookiecutter.task_queue == "celery" %}Celery signal receivers (metrics.task_queue){% else %}procrastinate task middleware (metrics.task_queue){% endif %} record them.
"""

from prometheus_client import Counter, Histogram

TASKS_STARTED = Counter(
    "{{ cookiecutter.project_slug }}_tasks_started_total",
    "Tasks a worker started.",
    ["task"],
)
TASKS_SUCCEEDED = Counter(
    "{{ cookiecutter.project_slug }}_tasks_succeeded_total",
    "Tasks that ran to their end.",
    ["task"],
)
TASKS_FAILED = Counter(
    "{{ cookiecutter.project_slug }}_tasks_failed_total",
    "Tasks that raised an error and will not be retried.",
    ["task"],
)
TASKS_RETRIED = Counter(
    "{{ cookiecutter.project_slug }}_tasks_retried_total",
    "Tasks that raised an error and were scheduled to run again.",
    ["task"],
)
TASK_DURATION = Histogram(
    "{{ cookiecutter.project_slug }}_task_duration_seconds",
    "How long tasks ran, whatever their outcome.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
