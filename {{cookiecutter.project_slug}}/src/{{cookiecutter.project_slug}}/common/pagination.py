import re
from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

DIGITS = re.compile(r"[0-9]+")
# Larger numbers are all past any last page; int() of thousands of digits is refused.
LARGEST_NUMBER = 10**18
# The largest OFFSET a database takes (a signed 64-bit integer).
LARGEST_OFFSET = 2**63 - 1


class CountWhenNeededPaginator(Paginator):
    """Django's paginator, but it reads the page first and counts only when it must.

    It reads one row more than the page holds. When that row is missing the page is the
    last one, and the count is its offset plus its length; an empty page after the first
    is past the last one (a 404). Either way no COUNT query is made: only a page with
    more rows after it needs one, for the total.
    """

    def page(self, number: int | str) -> Page:
        if (
            not isinstance(number, int)
            or number < 1
            or self.orphans
            or not self.allow_empty_first_page
        ):
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + 1 > LARGEST_OFFSET:
            return super().page(number)
        rows = list(self.object_list[bottom : top + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        if len(rows) <= self.per_page:
            # Paginator.count is a cached_property: this is the value it would compute.
            self.__dict__["count"] = bottom + len(rows)
        return Page(rows[: self.per_page], number, self)


class DefaultPagination(PageNumberPagination):
    """Every list endpoint's pagination: {"count", "next", "previous", "results"}.

    DRF's own reads a page size it cannot use as the default and answers a bad page
    number with 404. Here both parameters take exactly what the schema documents, and
    anything else is a 400 naming the parameter. A page past the last one is a 404: the
    number is well-formed, there is just no such page. The rows are counted only when
    more follow the page (CountWhenNeededPaginator): the last page's count is known.
    """

    django_paginator_class = CountWhenNeededPaginator

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    # Only numbers: DRF would also take "last", which the schema does not offer.
    last_page_strings = ()

    def positive_int_param(self, request: Request, name: str, maximum: int | None) -> int | None:
        value = request.query_params.get(name)
        if value is None:
            return None
        number = 0
        if DIGITS.fullmatch(value):
            digits = value.lstrip("0") or "0"
            number = int(digits) if len(digits) <= len(str(LARGEST_NUMBER)) else LARGEST_NUMBER
        if number < 1 or (maximum is not None and number > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise ValidationError({name: [f"Give a whole number of at least 1{upper}."]})
        return number

    def get_page_size(self, request: Request) -> int:
        size = self.positive_int_param(request, self.page_size_query_param, self.max_page_size)
        return size or self.page_size

    def get_page_number(self, request: Request, paginator: Paginator) -> int:
        return self.positive_int_param(request, self.page_query_param, None) or 1

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1; a page past the last one is a 404.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, {self.page_size} by default.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def paginated_response(
    *,
    queryset: QuerySet[Any],
    serializer_class: type[serializers.Serializer[Any]],
    request: Request,
    view: APIView,
) -> Response:
    """The page ``request`` asks for, as every list endpoint answers: count, next, previous
    and the results, each given by ``serializer_class``. The view names its
    pagination_class, which the OpenAPI schema reads too."""
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(queryset, request, view=view)
    results = serializers.ListSerializer(page, child=serializer_class())
    return paginator.get_paginated_response(results.data)  # type: ignore[no-any-return]
