"""Serializer fields that accept exactly what the OpenAPI schema says they accept.

DRF's own fields are lenient: CharField turns the number 0 into "0" and BooleanField
reads "yes" or 1 as true. A client generated from the schema never sends those, and a
fuzzer checking the API against its schema rightly reports them as invalid input that
was accepted. These fields refuse them, and state their other rules (not blank, no NUL
character, which PostgreSQL cannot store) as a pattern and a minimum length that the
schema shows, so that the documented and the enforced input are the same.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Patterns in the dialect Python and ECMA-262 (the one OpenAPI names) share.
NO_NUL_PATTERN = r"^[^\u0000]*$"
# drf-spectacular states "or blank" itself (oneOf a blank string): this one must not
# match the blank string too, or a blank value would match both.
NOT_EMPTY_PATTERN = r"^[^\u0000]+$"
# With surrounding whitespace trimmed, something must be left.
NOT_BLANK_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# An http(s) URL with an ASCII domain name, in the characters RFC 3986 allows (an IRI
# is sent %-encoded, its host in punycode). A subset of what Django's URLValidator
# accepts, small enough to state in the schema ("uri" alone would also allow mailto:x),
# and stored as sent. Up to four labels of 55 characters and a TLD of 24 keep the host
# within the 253 characters Django allows.
DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,53}[A-Za-z0-9])?"
# RFC 3986's pchar; a path is made of it and "/", a query and a fragment also of "?".
PATH_CHARACTER = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})"
QUERY_CHARACTER = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})"
WEB_URL_PATTERN = (
    r"^https?://(?:" + DOMAIN_LABEL + r"\.){1,4}[A-Za-z]{2,24}(?::[0-9]{1,4})?"
    r"(?:/" + PATH_CHARACTER + r"*)?(?:\?" + QUERY_CHARACTER + r"*)?(?:#" + QUERY_CHARACTER + "*)?$"
)


# RFC 3339's date-time, the OpenAPI "date-time" format: the offset is required.
RFC3339_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>\d{2}))"
)


RFC3339_INVALID_MESSAGE = (
    "Enter an RFC 3339 date-time with a UTC offset, e.g. 2025-01-31T09:30:00Z."
)


def parse_rfc3339(value: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime in UTC; ValueError if it is not one.

    Converting to UTC here is what makes every valid offset work on every database:
    PostgreSQL cannot store an offset beyond 15:59 (RFC 3339 allows up to 23:59), and
    SQLite compares the text. A time whose UTC equivalent falls outside years 1-9999
    cannot be represented and is refused.
    """
    match = RFC3339_DATETIME.fullmatch(value)
    if match is None:
        raise ValueError("not an RFC 3339 date-time")
    offset = timedelta(0)
    if not match["utc"]:
        hours, minutes = int(match["hours"]), int(match["minutes"])
        if hours > 23 or minutes > 59:
            raise ValueError("the UTC offset is out of range")
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if match["sign"] == "-" else 1)
    # Python keeps microseconds: further digits of the fraction are dropped.
    fraction = (match["fraction"] or ".")[1:7].ljust(6, "0")
    local = datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}")
    try:
        return local.replace(tzinfo=timezone(offset)).astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the date-time is out of range") from exc


class StrictStringMixin:
    """Only JSON strings; blank or NUL-bearing ones refused as the schema says."""

    pattern: str | None = None
    pattern_message = "Null characters are not allowed."

    def __init__(self, **kwargs: Any) -> None:
        blank_refused = not kwargs.get("allow_blank", False)
        if blank_refused:
            kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)
        field: serializers.CharField = self  # type: ignore[assignment]
        if self.pattern:
            pattern = self.pattern
        elif not blank_refused:
            pattern = NOT_EMPTY_PATTERN
        elif field.trim_whitespace:
            pattern = NOT_BLANK_PATTERN
        else:
            pattern = NO_NUL_PATTERN
        # The pattern refuses NUL itself: one message, not two. The schema shows the
        # first pattern a field has, so it goes first.
        field.validators = [
            RegexValidator(pattern, self.pattern_message),
            *(
                validator
                for validator in field.validators
                if not isinstance(validator, ProhibitNullCharactersValidator)
            ),
        ]

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        value: str = super().to_internal_value(data)  # type: ignore[misc]
        return value


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictURLField(StrictCharField):
    """An http or https URL with a domain name (not an IP address or localhost)."""

    pattern = WEB_URL_PATTERN
    pattern_message = (
        "Enter an http or https URL with a domain name, in ASCII: percent-encode other "
        "characters, and write an international domain name in punycode."
    )


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true and false."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """Only JSON integers: not "5", 5.0 or true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
class Rfc3339DateTimeField(serializers.Field):
    """An RFC 3339 date-time, offset required, read in UTC (parse_rfc3339), which DRF's
    DateTimeField reads far more leniently (no offset, a date alone)."""

    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": RFC3339_INVALID_MESSAGE}

    def to_internal_value(self, data: Any) -> datetime:
        try:
            return parse_rfc3339(data if isinstance(data, str) else "")
        except ValueError:
            self.fail("invalid")
        raise AssertionError  # fail() raises

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()
