"""DefaultPagination: the shape and limits every list endpoint shares."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from {{ cookiecutter.project_slug }}.common.pagination import DefaultPagination
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

ITEMS = list(range(250))


def paginate(query: str) -> dict[str, object]:
    pagination = DefaultPagination()
    request = Request(APIRequestFactory().get(f"/items/{query}"))
    page = pagination.paginate_queryset(ITEMS, request)
    assert page is not None
    return dict(pagination.get_paginated_response(page).data)


def test_pages_hold_twenty_items_by_default() -> None:
    body = paginate("")

    assert body["count"] == 250
    assert body["results"] == list(range(20))
    assert body["previous"] is None
    assert body["next"] == "http://testserver/items/?page=2"


@pytest.mark.parametrize(("page_size", "expected"), [("5", 5), ("100", 100), ("0005", 5)])
def test_clients_choose_the_page_size_up_to_a_hundred(page_size: str, expected: int) -> None:
    body = paginate(f"?page_size={page_size}&page=2")

    assert body["results"] == list(range(expected, 2 * expected))


@pytest.mark.parametrize(
    "query",
    ["?page_size=1000", "?page_size=0", "?page_size=ten", "?page=0", "?page=-1", "?page=1.0"],
)
def test_a_parameter_outside_the_schema_is_refused_by_name(query: str) -> None:
    name = query[1:].split("=")[0]

    with pytest.raises(ValidationError) as refused:
        paginate(query)

    assert set(refused.value.detail) == {name}


def test_a_page_past_the_last_is_not_found() -> None:
    with pytest.raises(NotFound):
        paginate("?page=14")


def test_the_schema_states_the_limits() -> None:
    page, page_size = DefaultPagination().get_schema_operation_parameters(view=None)  # type: ignore[arg-type]

    assert page["schema"] == {"type": "integer", "minimum": 1}
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}


def page_of_users(query: str) -> tuple[dict[str, object], list[str]]:
    """A page of a real queryset, and the SQL it took."""
    pagination = DefaultPagination()
    request = Request(APIRequestFactory().get(f"/users/{query}"))
    with CaptureQueriesContext(connection) as queries:
        page = pagination.paginate_queryset(User.objects.order_by("email"), request)
        assert page is not None
        body = dict(pagination.get_paginated_response([user.email for user in page]).data)
    return body, [query["sql"] for query in queries.captured_queries]


@pytest.fixture
def users(db: None) -> list[str]:
    return sorted(UserFactory.create(email=f"user{n:02}@example.com").email for n in range(25))


def test_the_last_page_is_counted_without_a_count_query(users: list[str]) -> None:
    first, first_sql = page_of_users("?page_size=25")
    last, last_sql = page_of_users("?page_size=10&page=3")

    assert (first["count"], first["next"], first["results"]) == (25, None, users)
    assert (last["count"], last["next"], last["results"]) == (25, None, users[20:])
    assert len(first_sql) == len(last_sql) == 1, first_sql + last_sql
    assert "COUNT(" not in first_sql[0] + last_sql[0]


def test_a_page_with_more_after_it_counts_them(users: list[str]) -> None:
    body, sql = page_of_users("?page_size=10&page=2")

    assert (body["count"], body["results"]) == (25, users[10:20])
    assert str(body["next"]).endswith("page=3&page_size=10")
    assert len(sql) == 2
    assert sum("COUNT(" in statement for statement in sql) == 1


def test_a_page_past_the_last_of_a_queryset_is_not_found_in_one_query(users: list[str]) -> None:
    with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
        page_of_users("?page=2&page_size=25")

    assert len(queries.captured_queries) == 1


def test_an_empty_queryset_has_one_empty_page(db: None) -> None:
    body, sql = page_of_users("")

    assert (body["count"], body["next"], body["results"]) == (0, None, [])
    assert len(sql) == 1


def test_a_page_number_beyond_any_offset_is_not_found(users: list[str]) -> None:
    with pytest.raises(NotFound):
        page_of_users(f"?page={10**18}&page_size=100")
