"""Every error the service answers with is RFC 9457 problem+json carrying the request id."""

import json
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.utils.html import escape
from pytest_django.fixtures import Settings
from rest_framework.throttling import AnonRateThrottle

from tests.support.logs import LogCapture

from {{ cookiecutter.project_slug }}.common.exceptions import (
    HTTP_PROBLEMS,
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    flatten_errors,
)
from {{ cookiecutter.project_slug }}.common.parsers import MAX_DEPTH, nesting_exceeds

pytestmark = [pytest.mark.urls("tests.urls"), pytest.mark.django_db]

PROBLEM_TYPES = "/problems/"


def assert_problem(response: Any, status: int, type_slug: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["type"] == PROBLEM_TYPES + type_slug
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert problem["instance"] == response.wsgi_request.path
    assert problem["request_id"] == response["X-Request-ID"]
    assert_type_is_described(response.client, problem, answered_at=response.wsgi_request.path)
    return problem


def assert_type_is_described(client: Client, problem: dict[str, Any], *, answered_at: str) -> None:
    """The type URI, resolved as a client resolves it, is this service's page on the type."""
    type_uri = urlsplit(urljoin(f"http://testserver{answered_at}", problem["type"]))
    page = client.get(type_uri.path)

    assert type_uri.netloc == "testserver"
    assert page.status_code == 200
    assert f"<h1>{escape(problem['title'])}</h1>" in page.content.decode()


def test_invalid_fields_are_listed_by_field(client: Client) -> None:
    response = client.post(
        "/test/echo/", {"name": "far too long a name", "tags": ["ok", "long"]}, "application/json"
    )

    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"] == {
        "name": ["Ensure this field has no more than 10 characters."],
        "tags.1": ["Ensure this field has no more than 3 characters."],
    }
    assert problem["detail"] == "One or more fields are invalid."


def test_a_service_validation_error_without_field_is_a_non_field_error(client: Client) -> None:
    problem = assert_problem(
        client.get("/test/raise/django-validation-plain/"), 400, "validation-error"
    )

    assert problem["errors"] == {"non_field_errors": ["Closed for the day."]}
    assert problem["detail"] == "Closed for the day."


def test_a_service_validation_error_by_field_keeps_its_fields(client: Client) -> None:
    problem = assert_problem(client.get("/test/raise/django-validation/"), 400, "validation-error")

    assert problem["errors"] == {"name": ["This name is taken."]}


def test_malformed_json_is_a_bad_request(client: Client) -> None:
    problem = assert_problem(
        client.post("/test/echo/", "{not json", "application/json"), 400, "bad-request"
    )

    assert "JSON parse error" in problem["detail"]
    # The same shape as any invalid input: the schema's ValidationProblem.
    assert problem["errors"] == {"non_field_errors": [problem["detail"]]}


def nested(depth: int) -> str:
    """{"name": [[...]]}: ``depth`` levels of arrays and objects in all."""
    return '{"name": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def test_deeply_nested_json_is_a_bad_request_and_cheap(
    client: Client, settings: Settings, json_logs: LogCapture
) -> None:
    # What DRF's parser answered with a 500 and a traceback: Python's decoder recurses
    # once per level. As large as the body limit lets it be.
    body = nested((settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 20) // 2)

    started = time.perf_counter()
    response = client.post("/test/echo/", body, "application/json")
    elapsed = time.perf_counter() - started

    problem = assert_problem(response, 400, "bad-request")
    assert f"more than {MAX_DEPTH} levels" in problem["detail"]
    assert problem["errors"] == {"non_field_errors": [problem["detail"]]}
    assert [record for record in json_logs.records() if "exception" in record] == []
    # Refusing it costs a few milliseconds of C loops, less than reading a valid body of
    # that size; the bound is loose for a busy test machine.
    assert elapsed < 0.5


def test_json_nested_up_to_the_limit_is_read(client: Client) -> None:
    at_limit = client.post("/test/echo/", nested(MAX_DEPTH), "application/json")
    over_limit = client.post("/test/echo/", nested(MAX_DEPTH + 1), "application/json")

    # Read, and refused by the serializer: the name is no string.
    assert assert_problem(at_limit, 400, "validation-error")["errors"] == {
        "name": ["Not a valid string."]
    }
    assert assert_problem(over_limit, 400, "bad-request")["errors"]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("0", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}], "c": {}}', 4),
        (r'["[[[[", "]]]]]]", "\\"]', 1),
        (r'[{"a": "\\"}, ["\\\"[[["]]', 2),
        ("[[], [[]], [[[]]], []]", 4),
    ],
)
def test_the_depth_is_measured_on_the_structure_only(text: str, depth: int) -> None:
    json.loads(text)  # each case is valid JSON
    assert not nesting_exceeds(text, max(depth, 1))
    if depth > 1:
        assert nesting_exceeds(text, depth - 1)


def test_missing_credentials_are_challenged(client: Client) -> None:
    response = client.get("/test/private/")

    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def test_an_error_detail_given_as_a_dict_is_reduced_to_its_message(client: Client) -> None:
    problem = assert_problem(client.get("/test/raise/detail-dict/"), 401, "not-authenticated")

    assert problem["detail"] == "The credentials have expired."


@pytest.mark.parametrize("error", ["api-forbidden", "django-forbidden"])
def test_permission_denied(client: Client, error: str) -> None:
    assert_problem(client.get(f"/test/raise/{error}/"), 403, "permission-denied")


@pytest.mark.parametrize("error", ["http404", "does-not-exist"])
def test_missing_objects_are_not_found_without_naming_the_model(client: Client, error: str) -> None:
    problem = assert_problem(client.get(f"/test/raise/{error}/"), 404, "not-found")

    assert "Widget" not in problem["detail"]


def test_an_application_error_keeps_its_detail(client: Client) -> None:
    problem = assert_problem(client.get("/test/raise/application-not-found/"), 404, "not-found")

    assert problem["title"] == "Not found"
    assert problem["detail"] == "No such widget."


def test_an_application_error_carries_its_extension_members(client: Client) -> None:
    problem = assert_problem(client.get("/test/raise/conflict/"), 409, "conflict")

    assert problem["detail"] == "The widget exists already."
    assert problem["widget_id"] == "w-1"


@pytest.mark.parametrize(
    "error_class", [ApplicationError, NotFoundError, ConflictError, PermissionDeniedError]
)
def test_application_errors_take_type_and_title_from_their_status(
    error_class: type[ApplicationError],
) -> None:
    assert (error_class.type_slug, error_class.title) == HTTP_PROBLEMS[error_class.status_code]


def test_a_new_application_error_needs_only_its_status() -> None:
    class PayloadTooLargeError(ApplicationError):
        status_code = 413

    class TeapotError(ApplicationError):
        status_code = 418
        type_slug = "teapot"
        title = "I'm a teapot"

    assert PayloadTooLargeError.type_slug == "request-too-large"
    assert PayloadTooLargeError.title == "Request body too large"
    assert (TeapotError.type_slug, TeapotError.title) == ("teapot", "I'm a teapot")


def test_an_unknown_path_is_not_found(client: Client) -> None:
    assert_problem(client.get("/no/such/path/"), 404, "not-found")


def test_an_unsupported_method_names_the_allowed_ones(client: Client) -> None:
    response = client.delete("/test/echo/")

    assert_problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_an_unacceptable_media_type_is_refused(client: Client) -> None:
    assert_problem(client.get("/test/echo/", HTTP_ACCEPT="text/html"), 406, "not-acceptable")


@pytest.mark.parametrize("path", ["/test/echo/", "/test/form/"])
def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: Client, settings: Settings, path: str
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = client.post(path, {"name": "x" * 200}, "application/json")

    problem = assert_problem(response, 413, "request-too-large")
    assert "100 bytes" in problem["detail"]


def test_a_browser_on_an_allowed_origin_can_read_the_413(
    client: Client, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]

    response = client.post(
        "/test/echo/",
        {"name": "x" * 200},
        "application/json",
        HTTP_ORIGIN="https://app.example.org",
    )

    assert_problem(response, 413, "request-too-large")
    assert response["Access-Control-Allow-Origin"] == "https://app.example.org"


def test_a_body_at_the_limit_is_accepted(client: Client, settings: Settings) -> None:
    body = '{"name": "0123456789"}'
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)

    assert client.post("/test/echo/", body, "application/json").status_code == 201


def test_a_body_that_is_not_json_is_an_unsupported_media_type(client: Client) -> None:
    response = client.post("/test/echo/", "name=x", "application/x-www-form-urlencoded")

    assert_problem(response, 415, "unsupported-media-type")


def test_too_many_requests_say_when_to_retry(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "2/minute")

    statuses = [client.get("/test/echo/").status_code for _ in range(2)]
    response = client.get("/test/echo/")

    assert statuses == [200, 200]
    assert_problem(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.parametrize("path", ["/test/raise/crash/", "/test/crash/"])
def test_a_crash_is_an_internal_server_error_that_reveals_nothing(
    crash_client: Client, path: str
) -> None:
    problem = assert_problem(crash_client.get(path), 500, "server-error")

    assert "boom" not in str(problem)


def test_a_disallowed_host_is_a_bad_request(client: Client) -> None:
    assert_problem(client.get("/test/echo/", HTTP_HOST="attacker.invalid"), 400, "bad-request")


def test_permission_denied_outside_the_api(client: Client) -> None:
    assert_problem(client.get("/test/forbidden/"), 403, "permission-denied")


def test_a_failed_csrf_check_outside_the_api() -> None:
    response = Client(enforce_csrf_checks=True).post("/test/form/", {"a": "b"})

    problem = assert_problem(response, 403, "permission-denied")
    assert problem["detail"].startswith("CSRF verification failed")


def test_errors_of_nested_inputs_are_keyed_by_their_path() -> None:
    detail = {"items": [{}, {"url": ["Enter a valid URL."]}], "owner": {"email": ["Required."]}}

    assert flatten_errors(detail) == {
        "items.1.url": ["Enter a valid URL."],
        "owner.email": ["Required."],
    }
