"""Which process a start-up report belongs to.

``manage.py runserver`` runs Django in two processes: the autoreloader, which only
watches the code and restarts the server when it changes, and the server it starts
(with DJANGO_AUTORELOAD_ENV set). What a process runs in-process for lack of a service
is worth one line at start-up, from the process that serves.
"""

import os
import sys

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV


def is_autoreloader() -> bool:
    """Whether this is runserver's watching process; Django's own management utility
    tells it apart by the same arguments."""
    return (
        sys.argv[1:2] == ["runserver"]
        and "--noreload" not in sys.argv
        and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
    )
