"""PostgreSQL under faults: no wait without a deadline, no dead connection handed to a
request, and a database that cannot be reached answered at once with 503, logged once.

- Every wait of a pooled connection on the server (a query, a commit) ends after
  DATABASE_STATEMENT_TIMEOUT plus a second: the server cancels a slow statement itself,
  and a server that does not answer at all (hung, or its network gone) gets its
  connection closed by the client (BoundedConnection).
- When the connection pool cannot provide a connection, or a connection breaks, the
  process takes the database for down for RETRY_AFTER_SECONDS: its requests fail at once
  rather than each waiting for the pool (Outage), and the outage is logged once per
  OUTAGE_LOG_INTERVAL, not per request.
- A connection the server has closed while it sat in the pool (a restart,
  pg_terminate_backend) is noticed without a round trip and replaced (is_alive).
"""

import select
import threading
import time
from functools import cache
from typing import Any

import psycopg
import structlog
from psycopg import errors
from psycopg_pool import PoolTimeout

logger = structlog.get_logger(__name__)

# The client gives a server this long, past the statement timeout, to report the timeout
# itself before it closes the connection.
WAIT_GRACE_SECONDS = 1.0
# After the database failed to give a connection, this process's requests fail at once
# for this long (the Retry-After of their 503), then one tries again.
RETRY_AFTER_SECONDS = 2
# An outage is logged at most once in this many seconds per process.
OUTAGE_LOG_INTERVAL = 60.0
# SQLSTATEs of a connection that is gone: class 08 and the server shutting down.
CONNECTION_LOST_STATES = ("08", "57P01", "57P02", "57P03")


class DatabaseUnavailableError(psycopg.OperationalError):
    """The database could not be reached moments ago: this request did not try again."""


@cache
def bounded_connection_class(statement_timeout: float) -> type[psycopg.Connection[Any]]:
    """A connection class whose waits on the server end ``statement_timeout`` + a second
    after they start (none when it is 0)."""

    class BoundedConnection(psycopg.Connection[Any]):
        def wait(self, *args: Any, **kwargs: Any) -> Any:
            if not statement_timeout or kwargs.get("timeout") is not None:
                return super().wait(*args, **kwargs)
            limit = statement_timeout + WAIT_GRACE_SECONDS
            try:
                return super().wait(*args, **{**kwargs, "timeout": limit})
            except errors.ConnectionTimeout:
                raise
            except psycopg.OperationalError as error:
                if type(error).__name__ != "_WaitTimeout":
                    raise
                # The protocol is half-way through an exchange: the connection cannot
                # be used again, and the pool discards it when it is returned.
                self.pgconn.finish()
                raise errors.ConnectionTimeout(
                    f"the database server did not answer within {limit:g} s"
                ) from None

    # Named as a module-level class would be, in the pool's log lines.
    BoundedConnection.__qualname__ = BoundedConnection.__name__
    return BoundedConnection


def is_alive(connection: psycopg.Connection[Any]) -> bool:
    """Whether an idle connection is still open, without a round trip to the server.

    The server says nothing to an idle connection unless it is closing it (a restart, an
    administrator's pg_terminate_backend): anything to read means the connection is gone.
    """
    if connection.closed:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    return not poller.poll(0)


def means_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached, rather than that a query failed."""
    if isinstance(error, (PoolTimeout, DatabaseUnavailableError, errors.ConnectionTimeout)):
        return True
    if not isinstance(error, psycopg.OperationalError):
        return False
    # A client-side failure (connection refused, closed, reset) has no SQLSTATE.
    return error.sqlstate is None or error.sqlstate.startswith(CONNECTION_LOST_STATES)


class Outage:
    """This process's view of a database: whether to try it, and when the outage was logged."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._lock = threading.Lock()
        self.paused_until = 0.0
        self.logged_at: float | None = None
        self.failures = 0
        self._last_error: BaseException | None = None

    def check(self) -> None:
        """Fail at once while the database is taken for down."""
        if time.monotonic() < self.paused_until:
            raise DatabaseUnavailableError("the database could not be reached moments ago")

    def failed(self, error: BaseException) -> None:
        """Take the database for down; log it, unless that was done moments ago.

        The backend and the API's error handler may both report one error; a request
        refused during the pause reports none (or the pause would never end).
        """
        if isinstance(error, DatabaseUnavailableError) or error is self._last_error:
            return
        self._last_error = error
        now = time.monotonic()
        with self._lock:
            self.paused_until = now + RETRY_AFTER_SECONDS
            self.failures += 1
            if self.logged_at is not None and now - self.logged_at < OUTAGE_LOG_INTERVAL:
                return
            self.logged_at, failures, self.failures = now, self.failures, 0
        logger.error(
            "database_unavailable",
            database=self.alias,
            error=f"{type(error).__name__}: {error}",
            failures=failures,
            next_report_in=OUTAGE_LOG_INTERVAL,
        )

    def recovered(self) -> None:
        if self.logged_at is None:
            return
        with self._lock:
            if self.logged_at is None:
                return
            failures, self.logged_at, self.failures = self.failures, None, 0
            self.paused_until = 0.0
        logger.info("database_available", database=self.alias, failures_since_last_report=failures)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_of(alias: str) -> Outage:
    """The outage state of the database Django knows as ``alias``."""
    with _outages_lock:
        return _outages.setdefault(alias, Outage(alias))
