"""DefaultPagination: the shape and limits every list endpoint shares."""

import pytest
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from {{ cookiecutter.project_slug }}.common.pagination import DefaultPagination

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
