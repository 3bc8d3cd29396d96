"""Every operation of the live OpenAPI document, fuzzed as a logged-in member.

schemathesis reads the schema the service serves, generates requests from it, valid
and invalid alike, and sends them through the WSGI application to the test database.
Every one of its checks applies: no 5xx, and each response matches the schema (status
code, content type, headers, body); valid input is accepted and invalid input refused.
`make test` runs a bounded, repeatable number of examples per operation; `make fuzz`
sets FUZZ_EXAMPLES to run many more, with a fresh seed each time.
"""

import json
import os
import uuid
from collections.abc import Iterator
{%- if cookiecutter.auth == "session" %}
from importlib import import_module
{%- endif %}

import pytest
import schemathesis
{%- if cookiecutter.auth == "session" %}
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
{%- endif %}
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
{%- if cookiecutter.auth == "jwt" %}
from rest_framework_simplejwt.tokens import AccessToken
{%- endif %}

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

# The document /api/schema/ serves, built at collection time, before the test database
# exists (fetching it would pass the rate limit, which may count in the database).
document = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
schema = schemathesis.openapi.from_dict(json.loads(document))
schema.app = get_wsgi_application()

# The member the fuzzer acts as. Its credentials exist before the database does:
# schemathesis builds some requests while it collects the tests. Each test creates the
# member{% if cookiecutter.auth == "session" %} and its session{% endif %} anew, in the transaction it rolls back.
FUZZ_MEMBER = User(id=uuid.UUID("0f0f0f0f-0000-4000-8000-000000000001"), email="fuzz@example.com")
{%- if cookiecutter.auth == "session" %}
FUZZ_SESSION_KEY = "fuzzsession0000000000000000000001"
FUZZ_CSRF_SECRET = "FuzzCsrfSecret000000000000000001"
{%- endif %}
FUZZ_EXAMPLES = os.environ.get("FUZZ_EXAMPLES")


@pytest.fixture(autouse=True)
def fuzz_member(db: None) -> User:
    member = UserFactory.create(id=FUZZ_MEMBER.id, email=FUZZ_MEMBER.email, role=Role.MEMBER)
{%- if cookiecutter.auth == "session" %}
    # What django.contrib.auth.login() stores, under a key known in advance.
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=FUZZ_SESSION_KEY)
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save(must_create=True)
{%- endif %}
    return member


@pytest.fixture(autouse=True)
def keep_the_test_connection(db: None) -> Iterator[None]:
    """As Django's test client does: a request must not close the test's connection,
    which holds the transaction the test runs in."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Applied to every request the fuzzer makes.
@schema.auth(refresh_interval=None)
class MemberCredentials:
    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> dict[str, str]:
{%- if cookiecutter.auth == "jwt" %}
        return {"Authorization": f"Bearer {AccessToken.for_user(FUZZ_MEMBER)}"}
{%- else %}
        cookies = {
            settings.SESSION_COOKIE_NAME: FUZZ_SESSION_KEY,
            settings.CSRF_COOKIE_NAME: FUZZ_CSRF_SECRET,
        }
        return {
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            "X-CSRFToken": FUZZ_CSRF_SECRET,
        }
{%- endif %}

    def set(
        self, case: schemathesis.Case, data: dict[str, str], context: schemathesis.AuthContext
    ) -> None:
        case.headers.update(data)


@schema.parametrize()
@hypothesis_settings(
    max_examples=int(FUZZ_EXAMPLES or 25),
    derandomize=FUZZ_EXAMPLES is None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_every_operation_keeps_to_the_schema(case: schemathesis.Case) -> None:
    # Rate limits would turn most generated requests into 429s, which test nothing.
    cache.clear()
    # schemathesis reads WSGI responses as they come: gzip (GZipMiddleware) would reach
    # its checks undecoded. The service's compression has tests of its own.
    case.call_and_validate(headers={"Accept-Encoding": "identity"})
