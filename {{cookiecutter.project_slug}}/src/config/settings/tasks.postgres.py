"""Background tasks: procrastinate keeps the queue in PostgreSQL, next to the data
(config.procrastinate). ARCHITECTURE.md explains the choices."""

from config.settings.base import INSTALLED_APPS, env

INSTALLED_APPS = [*INSTALLED_APPS, "procrastinate.contrib.django"]

PROCRASTINATE_ON_APP_READY = "config.procrastinate.on_app_ready"
# The queue's upkeep: stalled jobs retried, finished ones deleted.
PROCRASTINATE_IMPORT_PATHS = [
    "{{ cookiecutter.project_slug }}.common.task_queue",
]
PROCRASTINATE_WORKER_DEFAULTS = {
    # Seconds a worker told to stop (SIGTERM) waits for its running tasks before it asks
    # them to abort; procrastinate's command line reads the variable too.
    "shutdown_graceful_timeout": env.float(
        "PROCRASTINATE_WORKER_SHUTDOWN_GRACEFUL_TIMEOUT", default=25.0
    ),
    # A notification wakes an idle worker for each new job; polling finds the retries
    # that fall due, and a job deferred just as the worker found the queue empty, whose
    # notification that worker misses: such a job waits up to this long (default 5 s).
    "fetch_job_polling_interval": 1.0,
}
# procrastinate's migrations are PostgreSQL code: on SQLite they are skipped.
DATABASE_ROUTERS = ["config.procrastinate.TaskQueueRouter"]
# Deferred tasks go to the queue, for a worker. Development without PostgreSQL and the
# tests run them at once instead, in the deferring process.
TASKS_RUN_IN_PROCESS = False
