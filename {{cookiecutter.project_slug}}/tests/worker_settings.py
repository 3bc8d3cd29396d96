"""Settings of the workers that the tests start: the test settings, minus eager tasks.

A worker must send what its tasks enqueue, retries included, to the broker.
"""

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
# Tasks that only the tests use.
CELERY_IMPORTS = ["tests.tasks"]
