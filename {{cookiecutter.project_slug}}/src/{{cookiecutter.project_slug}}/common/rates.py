"""Rates for the throttles, as settings write them: "<count>/<period>".

The period is one of second, minute, hour, day (its first letter is enough, as in DRF),
and may have a multiple: "10/15m" is ten per quarter of an hour. The settings check every
rate they read when they load; the throttles (common.throttling) parse them the same way.
"""

import re

from django.core.exceptions import ImproperlyConfigured

RATE = re.compile(r"(?P<count>\d+)/(?P<multiple>\d*)(?P<unit>[smhd])[a-z]*")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str, *, variable: str | None = None) -> tuple[int, int]:
    """The number of requests and the period in seconds of a rate such as "10/15m"."""
    match = RATE.fullmatch(rate.strip())
    if match is None or int(match["multiple"] or 1) == 0:
        where = f"{variable}: " if variable else ""
        raise ImproperlyConfigured(
            f"{where}{rate!r} is not a rate: write <count>/<period>, such as 5/minute or 10/15m."
        )
    return int(match["count"]), int(match["multiple"] or 1) * SECONDS[match["unit"]]


def rate_from(value: str, *, variable: str) -> str:
    """``value``, read from ``variable``, once it has been checked to be a rate."""
    parse_rate(value, variable=variable)
    return value
