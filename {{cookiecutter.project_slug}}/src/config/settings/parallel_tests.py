"""Redis databases of their own for each process of a parallel test run.

`make test` runs the suite in several processes (pytest-xdist: gw0, gw1, …), and
pytest-django gives each a test database of its own. Redis needs the same, because the
tests empty it (FLUSHDB) and count rate limits in it: process gwN uses the database N above
the one a Redis URL names; a plain `pytest` run uses the named one.
"""

import os
from urllib.parse import urlsplit


def database_of_this_test_process(url: str) -> str:
    """``url`` with its Redis database number raised by this test process's number."""
    # Set by pytest-xdist in each of its processes ("gw0", "gw1", …).
    process = os.environ.get("PYTEST_XDIST_WORKER", "")
    parts = urlsplit(url)
    if not process or parts.scheme not in {"redis", "rediss"}:
        return url
    number = int(parts.path.strip("/") or 0) + int(process.removeprefix("gw"))
    return parts._replace(path=f"/{number}").geturl()
