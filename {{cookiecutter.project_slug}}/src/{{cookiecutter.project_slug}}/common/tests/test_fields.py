"""The strict serializer fields: what they accept is what the schema says, nothing more."""

from datetime import UTC, datetime

import pytest
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.common.fields import (
    Rfc3339DateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictURLField,
    parse_rfc3339,
)


@pytest.mark.parametrize(
    ("text", "in_utc"),
    [
        ("2025-01-31T09:30:00Z", datetime(2025, 1, 31, 9, 30, tzinfo=UTC)),
        ("2025-01-31t09:30:00z", datetime(2025, 1, 31, 9, 30, tzinfo=UTC)),
        ("2025-01-31T09:30:00+02:00", datetime(2025, 1, 31, 7, 30, tzinfo=UTC)),
        # Beyond PostgreSQL's 15:59, within RFC 3339's 23:59.
        ("2025-01-31T09:30:00+23:59", datetime(2025, 1, 30, 9, 31, tzinfo=UTC)),
        ("2025-01-31T09:30:00-23:59", datetime(2025, 2, 1, 9, 29, tzinfo=UTC)),
        # Python keeps microseconds; further digits are dropped, not rounded.
        ("2025-01-31T09:30:00.1234569Z", datetime(2025, 1, 31, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2025-01-31T09:30:00.5Z", datetime(2025, 1, 31, 9, 30, 0, 500000, tzinfo=UTC)),
    ],
)
def test_an_rfc3339_date_time_is_read_in_utc(text: str, in_utc: datetime) -> None:
    parsed = parse_rfc3339(text)

    assert parsed == in_utc
    assert parsed.utcoffset() is not None
    assert parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # No offset: which moment it names is unknown.
        ("2025-01-31T09:30:00", "not an RFC 3339 date-time"),
        ("2025-01-31 09:30:00Z", "not an RFC 3339 date-time"),
        ("2025-01-31", "not an RFC 3339 date-time"),
        ("", "not an RFC 3339 date-time"),
        ("2025-01-31T09:30:00+24:00", "the UTC offset is out of range"),
        ("2025-01-31T09:30:00+02:60", "the UTC offset is out of range"),
        ("2025-02-30T09:30:00Z", "day is out of range"),
        ("0001-01-01T00:00:00+00:01", "the date-time is out of range"),
        ("9999-12-31T23:59:59-00:01", "the date-time is out of range"),
    ],
)
def test_anything_else_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rfc3339(text)


def test_the_date_time_field_names_the_format_it_wants() -> None:
    field = Rfc3339DateTimeField()

    assert field.run_validation("2025-01-31T09:30:00+01:00") == datetime(
        2025, 1, 31, 8, 30, tzinfo=UTC
    )
    for value in ("2025-01-31T09:30:00", 1738315800):
        with pytest.raises(serializers.ValidationError) as refused:
            field.run_validation(value)
        assert "RFC 3339" in str(refused.value.detail[0])  # type: ignore[index]
    assert field.to_representation(datetime(2025, 1, 31, 9, 30, tzinfo=UTC)) == (
        "2025-01-31T09:30:00+00:00"
    )


@pytest.mark.parametrize("value", [0, 1.5, True, None, ["a"], {"a": 1}])
def test_a_string_field_takes_only_strings(value: object) -> None:
    with pytest.raises(serializers.ValidationError):
        StrictCharField(allow_null=False).run_validation(value)


@pytest.mark.parametrize("value", ["", "   ", "a\x00b"])
def test_a_string_field_refuses_blank_and_nul(value: str) -> None:
    with pytest.raises(serializers.ValidationError) as refused:
        StrictCharField().run_validation(value)

    assert len(refused.value.detail) == 1


def test_a_string_field_may_allow_blank_but_never_nul() -> None:
    field = StrictCharField(allow_blank=True)

    assert field.run_validation("") == ""
    with pytest.raises(serializers.ValidationError):
        field.run_validation("a\x00b")


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("https://example.com/a/b?c=d#e", True),
        ("http://sub.example.co.uk:8080/", True),
        ("https://xn--bcher-kva.example/%C3%A4", True),
        ("mailto:someone@example.com", False),
        ("https://localhost/", False),
        ("https://127.0.0.1/", False),
        ("https://bücher.example/", False),
        ("ftp://example.com/", False),
    ],
)
def test_a_url_field_takes_web_urls_with_a_domain_name(value: str, accepted: bool) -> None:
    field = StrictURLField()

    if accepted:
        assert field.run_validation(value) == value
    else:
        with pytest.raises(serializers.ValidationError):
            field.run_validation(value)


def test_a_boolean_field_takes_only_json_booleans() -> None:
    field = StrictBooleanField()

    assert field.run_validation(True) is True
    assert field.run_validation(False) is False
    for value in ("true", "yes", 1, 0, "1"):
        with pytest.raises(serializers.ValidationError):
            field.run_validation(value)


def test_an_integer_field_takes_only_json_integers_within_its_limits() -> None:
    field = StrictIntegerField(min_value=1, max_value=10)

    assert field.run_validation(10) == 10
    for value in ("5", 5.0, True, None, 0, 11):
        with pytest.raises(serializers.ValidationError):
            field.run_validation(value)
