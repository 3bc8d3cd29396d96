"""prometheus_client's multiprocess mode: several processes, one set of metrics.

gunicorn's workers{% if cookiecutter.task_queue == "celery" %} and the processes of Celery's prefork pool{% endif %} each count in files of
their own, in the directory PROMETHEUS_MULTIPROC_DIR names; a scrape adds the files up.
prometheus_client decides where it counts when it is first imported, so a server sets
the directory before it starts any worker, and this module never imports it up front.
"""

import os
import shutil
import tempfile
from pathlib import Path


def use_fresh_directory() -> Path:
    """Create an empty directory for this server's metrics and point prometheus_client at it.

    A new one at every start: files an earlier run left behind would add its counts to
    this one's. It is made in the temporary directory (TMPDIR), which stays writable when
    the container's root file system is read-only.
    """
    directory = Path(tempfile.mkdtemp(prefix="prometheus-metrics-"))
    os.environ.update(PROMETHEUS_MULTIPROC_DIR=str(directory))
    return directory


def mark_process_dead(pid: int) -> None:
    """Drop the gauges of a process that has ended; its counters keep adding up."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def remove_directory() -> None:
    """Delete the directory when the server stops: nothing reads it after that."""
    if directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(directory, ignore_errors=True)
