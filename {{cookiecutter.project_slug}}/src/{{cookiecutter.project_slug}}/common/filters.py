"""Query-parameter filters that accept exactly what the OpenAPI schema says they accept."""

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

import django_filters
from django import forms
from django_filters.fields import ChoiceField

# A parameter given with no value is refused, not read as absent: "?ordering=" is no
# ordering the schema offers, and a client that sends it has a bug worth hearing about.
BLANK_MESSAGE = "Give a value, or leave the parameter out."

# RFC 3339's date-time, the OpenAPI "date-time" format: the offset is required.
RFC3339_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>\d{2}))"
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


class Rfc3339DateTimeField(forms.Field):
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": "Enter an RFC 3339 date-time with a UTC offset, e.g. 2025-01-31T09:30:00Z.",
        "blank": BLANK_MESSAGE,
    }

    def to_python(self, value: Any) -> datetime | None:
        if value is None:
            return None
        # An empty parameter is not a date-time: refused, not silently ignored.
        if value == "":
            raise forms.ValidationError(self.error_messages["blank"], code="blank")
        try:
            return parse_rfc3339(str(value))
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class Rfc3339DateTimeFilter(django_filters.Filter):
    field_class = Rfc3339DateTimeField


class NonBlankMixin:
    def to_python(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(BLANK_MESSAGE, code="blank")
        return super().to_python(value)  # type: ignore[misc]


class NonBlankChoiceField(NonBlankMixin, ChoiceField):
    pass


class NonBlankTypedChoiceField(NonBlankMixin, forms.TypedChoiceField):
    pass


class ChoiceFilter(django_filters.ChoiceFilter):
    """One of the choices; a blank value is refused."""

    field_class = NonBlankChoiceField


class TypedChoiceFilter(django_filters.TypedChoiceFilter):
    """One of the choices, coerced; a blank value is refused."""

    field_class = NonBlankTypedChoiceField
