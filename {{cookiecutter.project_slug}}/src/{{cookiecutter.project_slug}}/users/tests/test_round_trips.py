"""What one authenticated request costs the database: the pinned round trips.

Each request loads its user once and the user's roles once (users.selectors.user_roles
keeps them on the user object for the permission check, the selectors and the response).
A regression, say the roles read again by another caller, fails here. The rate limit's
counter is left out: it is one round trip to the cache, whichever backend that is.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.users.models import User
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.project_slug }}.users.tests.factories import DEFAULT_PASSWORD
{%- endif %}

ME_URL = "/api/v1/auth/me/"
FIRST_TABLE = re.compile(r'\bFROM "(\w+)"')

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> APIClient:
    """A client that authenticates each request as a real client would."""
    client = APIClient()
{%- if cookiecutter.auth == "jwt" %}
    tokens = client.post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
{%- else %}
    client.force_login(user)
{%- endif %}
    return client


def tables_read(queries: CaptureQueriesContext) -> list[str]:
    """The table each query reads first, the rate limit's counter left out."""
    statements = [query["sql"] for query in queries.captured_queries]
    tables = [match.group(1) if (match := FIRST_TABLE.search(sql)) else sql for sql in statements]
    return [table for table in tables if "throttle" not in table]


def test_me_reads_the_user_and_the_roles_once(user: User) -> None:
    client = logged_in(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["roles"] == ["member"]
{%- if cookiecutter.auth == "jwt" %}
    assert tables_read(queries) == ["users_user", "auth_group"]
{%- else %}
    assert tables_read(queries)[-2:] == ["users_user", "auth_group"]
    assert set(tables_read(queries)[:-2]) <= {"django_session"}
{%- endif %}
