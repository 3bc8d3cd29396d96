"""What one authenticated request costs the database: the pinned round trips.

Each request loads its user once and the user's roles once (users.selectors.user_roles
keeps them on the user object for the permission check, the selectors and the response).
A regression, say the roles read again by another caller, fails here. The rate limit's
counter is left out: it is one round trip to the cache, whichever backend that is.
"""

import re
{%- if cookiecutter.auth == "supabase" %}
import uuid
{%- endif %}

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
{%- if cookiecutter.auth == "supabase" %}

from tests.support.auth_server import trusted_auth
{%- endif %}

from {{ cookiecutter.project_slug }}.users.models import {% if cookiecutter.auth == "supabase" %}IdentityLink, {% endif %}User
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.project_slug }}.users.tests.factories import DEFAULT_PASSWORD
{%- endif %}

ME_URL = "/api/v1/auth/me/"
FIRST_TABLE = re.compile(r'\bFROM "(\w+)"')
{%- if cookiecutter.auth == "supabase" %}
# Where a request finds its user: the token's identity link, joined with the user.
USER_TABLE = "users_identitylink"

# Users authenticate with tokens of a stand-in Supabase Auth.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("supabase_auth")]
{%- else %}
# Where a request finds its user.
USER_TABLE = "users_user"

pytestmark = pytest.mark.django_db
{%- endif %}


def logged_in(user: User) -> APIClient:
    """A client that authenticates each request as a real client would."""
    client = APIClient()
{%- if cookiecutter.auth == "jwt" %}
    tokens = client.post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
{%- elif cookiecutter.auth == "supabase" %}
    # Linked already: this counts a returning user's requests, not the first one's.
    link, _ = IdentityLink.objects.get_or_create(user=user, defaults={"subject": uuid.uuid4()})
    token = trusted_auth().token(subject=link.subject, email=user.email)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
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
{%- if cookiecutter.auth != "session" %}
    assert tables_read(queries) == [USER_TABLE, "auth_group"]
{%- else %}
    assert tables_read(queries)[-2:] == [USER_TABLE, "auth_group"]
    assert set(tables_read(queries)[:-2]) <= {"django_session"}
{%- endif %}
