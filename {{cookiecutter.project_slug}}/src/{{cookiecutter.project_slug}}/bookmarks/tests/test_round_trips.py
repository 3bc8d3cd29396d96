"""What the bookmark list costs the database: the pinned round trips.

A page that is the last one is counted from its own rows (common.pagination): the list
of 20 bookmarks reads the user, the user's roles and the page, and makes no COUNT query.
The rate limit's counter is left out: it is one round trip to the cache.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory
from {{ cookiecutter.project_slug }}.users.tests.test_round_trips import (
    USER_TABLE,
    logged_in,
    tables_read,
)

LIST_URL = "/api/v1/bookmarks/"

{% if cookiecutter.auth == "supabase" -%}
# Users authenticate with tokens of a stand-in Supabase Auth.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("supabase_auth")]
{%- else -%}
pytestmark = pytest.mark.django_db
{%- endif %}


{%- if cookiecutter.auth != "session" %}
AUTHENTICATION: list[str] = []
{%- else %}
# The session, unless the session engine found it in the cache.
AUTHENTICATION = ["django_session"]
{%- endif %}


def list_queries(user: User, query: str = "") -> tuple[dict[str, object], list[str]]:
    client = logged_in(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL + query)
    assert response.status_code == 200, response.content
    return response.json(), [table for table in tables_read(queries) if table not in AUTHENTICATION]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_a_full_last_page_reads_the_user_the_roles_and_the_page(role: Role) -> None:
    user = UserFactory.create(role=role)
    BookmarkFactory.create_batch(20, owner=user)

    body, tables = list_queries(user)

    assert (body["count"], len(body["results"]), body["next"]) == (20, 20, None)  # type: ignore[arg-type]
    assert tables == [USER_TABLE, "auth_group", "bookmarks_bookmark"]


def test_a_page_with_more_after_it_also_counts_them(user: User) -> None:
    BookmarkFactory.create_batch(21, owner=user)

    body, tables = list_queries(user)

    assert (body["count"], len(body["results"])) == (21, 20)  # type: ignore[arg-type]
    assert tables == [USER_TABLE, "auth_group", "bookmarks_bookmark", "bookmarks_bookmark"]


def test_the_last_page_of_several_is_counted_from_its_rows(user: User) -> None:
    BookmarkFactory.create_batch(45, owner=user)

    body, tables = list_queries(user, "?page=3")

    assert (body["count"], len(body["results"]), body["next"]) == (45, 5, None)  # type: ignore[arg-type]
    assert tables == [USER_TABLE, "auth_group", "bookmarks_bookmark"]
