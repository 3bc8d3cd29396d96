"""Load the settings before a server starts: `python -m config.preflight`.

The image's entry point runs it before each role. Production settings refuse to load
without a variable they need; this turns that refusal into one line naming the variable
and the exit status 78 (EX_CONFIG), which a supervisor can tell from a crash, instead
of a traceback from every process the server starts.
"""

import os
import sys

import django
from django.core.exceptions import ImproperlyConfigured

# sysexits.h: "something was found in an unconfigured or misconfigured state".
EX_CONFIG = 78


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    try:
        django.setup()
    except ImproperlyConfigured as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EX_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
