"""Query-parameter filters that accept exactly what the OpenAPI schema says they accept."""

from datetime import datetime
from typing import Any, ClassVar

import django_filters
from django import forms
from django_filters.fields import ChoiceField

from {{ cookiecutter.project_slug }}.common.fields import RFC3339_INVALID_MESSAGE, parse_rfc3339

# A parameter given with no value is refused, not read as absent: "?ordering=" is no
# ordering the schema offers, and a client that sends it has a bug worth hearing about.
BLANK_MESSAGE = "Give a value, or leave the parameter out."


class Rfc3339DateTimeField(forms.Field):
    default_error_messages: ClassVar[dict[str, Any]] = {
        "invalid": RFC3339_INVALID_MESSAGE,
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
