"""Structured logs: one access line per request, crashes logged once, all with the request id."""

import base64
import logging
from typing import Any

import pytest
import structlog
from django.conf import settings
from django.test import Client

from tests.support.logs import LogCapture

from {{ cookiecutter.project_slug }}.common.logging import processor_formatter
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = [pytest.mark.urls("tests.urls"), pytest.mark.django_db]


def test_each_request_writes_one_json_access_line(client: Client, json_logs: LogCapture) -> None:
    response = client.get("/test/echo/?page=2", HTTP_X_REQUEST_ID="req-1")

    [line] = json_logs.events("request_finished")
    assert response.status_code == 200
    assert line["request_id"] == "req-1"
    assert line["method"] == "GET"
    assert line["path"] == "/test/echo/"
    assert line["status"] == 200
    assert line["user_id"] is None
    assert line["level"] == "info"
    assert line["logger"] == "{{ cookiecutter.project_slug }}.common.middleware"
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].endswith("Z")


def test_the_access_line_names_the_authenticated_user(
    client: Client, json_logs: LogCapture
) -> None:
    user = UserFactory.create(password="correct-horse-battery-staple")

    response = client.get(
        "/test/private/", HTTP_AUTHORIZATION=basic_auth(user.email, "correct-horse-battery-staple")
    )

    [line] = json_logs.events("request_finished")
    assert response.status_code == 200
    assert line["user_id"] == str(user.pk)


def test_the_access_line_loads_no_user_the_view_did_not_ask_for(
    client: Client, json_logs: LogCapture, django_assert_num_queries: Any
) -> None:
    # A session nobody reads (an unknown address): looking it up would cost a query per
    # request, and fail the request when the database is down.
    client.cookies[settings.SESSION_COOKIE_NAME] = "an-unknown-session-key-0123456789"
    with django_assert_num_queries(0):
        response = client.get("/test/nowhere/")

    [line] = json_logs.events("request_finished")
    assert response.status_code == 404
    assert line["user_id"] is None


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_a_crash_is_logged_once_with_its_traceback_and_request_id(
    crash_client: Client, json_logs: LogCapture
) -> None:
    crash_client.get("/test/raise/crash/", HTTP_X_REQUEST_ID="req-crash")

    records = json_logs.records()
    [crash] = [record for record in records if "exception" in record]
    assert crash["event"] == "unhandled_exception"
    assert crash["level"] == "error"
    assert crash["request_id"] == "req-crash"
    assert "RuntimeError: boom" in crash["exception"]
    assert "Traceback" in crash["exception"]
    assert not [record for record in records if record["logger"] == "django.request"]
    [access] = json_logs.events("request_finished")
    assert access["status"] == 500
    assert access["level"] == "error"


def test_lines_logged_while_handling_a_request_carry_its_id(
    client: Client, json_logs: LogCapture
) -> None:
    client.get("/test/log/", HTTP_X_REQUEST_ID="req-2")
    structlog.get_logger("after").info("outside_any_request")

    by_event = {record["event"]: record for record in json_logs.records()}
    assert by_event["widget_inspected"]["request_id"] == "req-2"
    assert by_event["widget_inspected"]["widget_id"] == "w-1"
    assert by_event["widget w-1 is running low"]["request_id"] == "req-2"
    assert by_event["request_finished"]["request_id"] == "req-2"
    assert "request_id" not in by_event["outside_any_request"]


def test_standard_library_records_are_rendered_as_json_too(json_logs: LogCapture) -> None:
    logging.getLogger("django.security.Test").warning("plain %s message", "stdlib")

    [record] = json_logs.records()
    assert record["event"] == "plain stdlib message"
    assert record["logger"] == "django.security.Test"
    assert record["level"] == "warning"


def test_the_development_console_format_is_readable_text() -> None:
    record = logging.LogRecord("demo", logging.INFO, __file__, 1, "request_finished", None, None)

    rendered = processor_formatter(json=False).format(record)

    assert "request_finished" in rendered
    assert not rendered.lstrip().startswith("{")
