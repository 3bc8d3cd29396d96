"""What the tasks on the PostgreSQL queue share: retries, the request id, the queue's upkeep.

Tasks take keyword arguments only (procrastinate's defer() drops positional ones), and
only ids and plain values, never model instances: the row may have changed, or gone,
by the time the task runs.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from django.db import InterfaceError, OperationalError
from procrastinate import BaseRetryStrategy, JobContext, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.jobs import Job

logger = structlog.get_logger(__name__)


def current_request_id() -> str | None:
    """The id of the request being handled, or in a task of the request that deferred it:
    tasks take it as their request_id argument."""
    request_id: str | None = structlog.contextvars.get_contextvars().get("request_id")
    return request_id


@dataclass(frozen=True, kw_only=True)
class ExponentialBackoff(BaseRetryStrategy):
    """Retry the given errors, up to max_attempts runs in all, after random, growing waits.

    The n-th retry comes after a random wait of up to base_seconds * 2**(n-1), and never
    more than max_seconds. The randomness (full jitter) keeps the jobs that failed
    together, when the database went away, from all coming back at the same moment;
    procrastinate's own RetryStrategy waits exactly, without it.
    """

    max_attempts: int
    base_seconds: float
    max_seconds: float
    retry_exceptions: tuple[type[Exception], ...]

    def will_retry(self, *, exception: BaseException, job: Job) -> bool:
        """Whether the job, failing with ``exception``, gets another attempt."""
        attempts_left = job.attempts + 1 < self.max_attempts
        return attempts_left and isinstance(exception, self.retry_exceptions)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not self.will_retry(exception=exception, job=job):
            return None
        ceiling = min(self.max_seconds, self.base_seconds * 2**job.attempts)
        wait = random.uniform(0, ceiling)  # noqa: S311 - spreads retries out; not a secret
        return RetryDecision(retry_at=datetime.now(UTC) + timedelta(seconds=wait))


# Errors that go away when the database comes back: a dropped connection, a failover,
# or a deadlock or serialization failure, which PostgreSQL asks clients to retry.
# Anything else is a bug or bad data, and a retry would only fail again.
RETRY_TRANSIENT_ERRORS = ExponentialBackoff(
    max_attempts=5,
    base_seconds=2,
    max_seconds=300,
    retry_exceptions=(OperationalError, InterfaceError),
)


# A worker records a heartbeat every 10 seconds. A job still marked as running whose
# worker has been silent for 30 seconds lost that worker (SIGKILL, out of memory, a
# lost node) and would otherwise stay "doing" forever.
@app.periodic(cron="*/5 * * * *", periodic_id="retry_stalled_jobs")
@app.task(queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Put the jobs of workers that died in the middle of them back in the queue."""
    job_manager = context.app.job_manager
    for job in await job_manager.get_stalled_jobs():
        await job_manager.retry_job(job)
        logger.warning("stalled_job_retried", stalled_job_id=job.id, stalled_task=job.task_name)


@app.periodic(cron="30 3 * * *", periodic_id="remove_old_jobs")
@app.task(queueing_lock="remove_old_jobs", pass_context=True)
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Delete finished jobs: successful ones after a week, the others after 30 days."""
    job_manager = context.app.job_manager
    await job_manager.delete_old_jobs(nb_hours=7 * 24)
    await job_manager.delete_old_jobs(
        nb_hours=30 * 24, include_failed=True, include_cancelled=True, include_aborted=True
    )
