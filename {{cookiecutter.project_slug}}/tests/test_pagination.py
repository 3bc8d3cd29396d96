"""DefaultPagination: the shape and limits every list endpoint shares."""

import pytest
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


@pytest.mark.parametrize(("page_size", "expected"), [("5", 5), ("100", 100), ("1000", 100)])
def test_clients_choose_the_page_size_up_to_a_hundred(page_size: str, expected: int) -> None:
    body = paginate(f"?page_size={page_size}&page=2")

    assert body["results"] == list(range(expected, 2 * expected))
