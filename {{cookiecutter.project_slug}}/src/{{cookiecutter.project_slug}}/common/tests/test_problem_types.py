"""Each problem type URI leads to a page, served by the service, that says what it means.

common/tests/test_errors.py follows the type URI of every problem it provokes; these tests
cover the types themselves.
"""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils.html import escape
from rest_framework.throttling import AnonRateThrottle

from {{ cookiecutter.project_slug }}.common.exceptions import (
    HTTP_PROBLEMS,
    PROBLEM_TYPES,
    UNKNOWN_PROBLEM,
    ApplicationError,
)

pytestmark = [pytest.mark.urls("tests.urls"), pytest.mark.django_db]


def application_errors(error_class: type[ApplicationError]) -> Iterator[type[ApplicationError]]:
    """The application's subclasses of error_class, not those the tests define."""
    for subclass in error_class.__subclasses__():
        if not subclass.__module__.startswith("tests.") and ".tests." not in subclass.__module__:
            yield subclass
        yield from application_errors(subclass)


@pytest.mark.parametrize("type_slug", PROBLEM_TYPES)
def test_each_problem_type_has_a_page(client: Client, type_slug: str) -> None:
    title, description = PROBLEM_TYPES[type_slug]

    page = client.get(f"/problems/{type_slug}")

    assert page.status_code == 200
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert f"<h1>{escape(title)}</h1>" in page.content.decode()
    assert f"<p>{escape(description)}</p>" in page.content.decode()
    assert "public" in page["Cache-Control"]


def test_every_type_the_api_can_answer_with_is_described() -> None:
    # Loading every view loads the services, and with them their errors.
    assert get_resolver().url_patterns
    emitted = dict(HTTP_PROBLEMS.values())
    emitted[UNKNOWN_PROBLEM[0]] = UNKNOWN_PROBLEM[1]
    emitted.update({error.type_slug: error.title for error in application_errors(ApplicationError)})

    assert {slug: PROBLEM_TYPES[slug][0] for slug in emitted if slug in PROBLEM_TYPES} == emitted


def test_an_unknown_problem_type_is_not_found(client: Client) -> None:
    response = client.get("/problems/no-such-problem")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-found"


def test_the_list_links_every_problem_type(client: Client) -> None:
    page = client.get("/problems/")

    assert page.status_code == 200
    links = re.findall(r'<a href="(/problems/[^"]+)">', page.content.decode())
    assert sorted(links) == sorted(f"/problems/{slug}" for slug in PROBLEM_TYPES)


def test_the_pages_cost_no_rate_and_need_no_credentials(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "1/minute")

    pages = [client.get("/problems/throttled").status_code for _ in range(3)]
    api = [client.get("/test/echo/").status_code for _ in range(2)]

    assert pages == [200, 200, 200]
    assert api == [200, 429], "the anonymous rate applies to the API meanwhile"


def test_the_pages_stay_out_of_the_api_schema(client: Client) -> None:
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert not [path for path in schema["paths"] if path.startswith("/problems")]
