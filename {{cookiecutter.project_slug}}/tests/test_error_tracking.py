"""Sentry: each unhandled error reaches it exactly once, tagged with the request id."""

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from pytest_django.fixtures import Settings
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

{% if cookiecutter.task_queue == "celery" -%}
from tests import tasks
{% endif -%}
from tests.support.subprocesses import production_env, run_python

from {{ cookiecutter.project_slug }}.common.error_tracking import init_error_tracking, sample_rate

# The API views count requests for the rate limits, in the database when it is the cache.
pytestmark = [pytest.mark.urls("tests.urls"), pytest.mark.django_db]


class CapturingTransport(Transport):
    """Keeps what the SDK would send to Sentry."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict[str, Any]]:
        return [dict(event) for envelope in self.envelopes if (event := envelope.get_event())]


@pytest.fixture
def sentry(settings: Settings) -> Iterator[CapturingTransport]:
    settings.SENTRY_DSN = "https://public@sentry.invalid/1"
    transport = CapturingTransport()
    assert init_error_tracking(transport=transport) is True
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.parametrize("path", ["/test/crash/", "/test/raise/crash/"])
def test_an_unhandled_error_in_a_view_is_one_event_tagged_with_the_request_id(
    sentry: CapturingTransport, crash_client: Client, path: str
) -> None:
    response = crash_client.get(path, HTTP_X_REQUEST_ID="req-crash-1")

    assert response.status_code == 500
    [event] = sentry.events()
    assert event["tags"]["request_id"] == "req-crash-1"
    # The last is the exception raised; any before it are those it was raised during.
    exception = event["exception"]["values"][-1]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "boom")
    assert exception["mechanism"]["handled"] is False


def test_events_carry_no_personal_data(
    sentry: CapturingTransport, crash_client: Client, settings: Settings
) -> None:
    crash_client.cookies["preferences"] = "secret-cookie"
    crash_client.post(
        "/test/crash/",
        {"note": "secret-body"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic c2VjcmV0",
    )

    [event] = sentry.events()
    request = event["request"]
    assert "secret-cookie" not in str(request)
    assert "secret-body" not in str(request)
    assert "c2VjcmV0" not in str(request)
    assert "user" not in event
    assert event["environment"] == settings.SENTRY_ENVIRONMENT
    assert event["release"] == settings.SENTRY_RELEASE


def test_handled_errors_and_failing_probes_are_not_reported(
    sentry: CapturingTransport, client: Client
) -> None:
    client.get("/test/raise/conflict/")
    client.get("/no/such/page/")

    assert sentry.events() == []
{%- if cookiecutter.task_queue == "celery" %}


def test_a_failing_task_is_one_event(
    sentry: CapturingTransport, tmp_path: Any, settings: Settings
) -> None:
    with pytest.raises(ValueError, match="the widget is broken"):
        tasks.broken.delay(str(tmp_path / "journal"))

    [event] = sentry.events()
    assert event["exception"]["values"][-1]["type"] == "ValueError"
{%- endif %}


def test_without_a_dsn_nothing_is_set_up(settings: Settings) -> None:
    settings.SENTRY_DSN = ""

    assert init_error_tracking() is False
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.parametrize(("value", "rate"), [("0", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_a_sample_rate_is_a_number_from_0_to_1(value: str, rate: float) -> None:
    assert sample_rate(value, variable="SENTRY_SAMPLE_RATE") == rate


@pytest.mark.parametrize("value", ["1.5", "-0.1", "half", ""])
def test_a_bad_sample_rate_names_its_variable(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SENTRY_TRACES_SAMPLE_RATE"):
        sample_rate(value, variable="SENTRY_TRACES_SAMPLE_RATE")


def test_production_refuses_to_start_with_a_bad_sample_rate() -> None:
    result = run_python("manage.py", "check", env=production_env(SENTRY_SAMPLE_RATE="10%"))

    assert result.returncode != 0
    assert "SENTRY_SAMPLE_RATE must be a number from 0 to 1, not '10%'" in result.stderr
