"""Every operation of the live OpenAPI document, fuzzed as a logged-in member (as an
admin where only admins may call it).

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
from datetime import timedelta
from importlib import import_module
{%- endif %}
from typing import Any

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
from django.urls import Resolver404, resolve
{%- if cookiecutter.auth == "session" %}
from django.utils import timezone
{%- endif %}
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
{%- if cookiecutter.auth == "supabase" %}
from pytest_django.fixtures import Settings
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from rest_framework_simplejwt.tokens import AccessToken
{%- endif %}
{%- if cookiecutter.credits == "y" %}
from schemathesis.config import SchemathesisConfig
{%- endif %}
{%- if cookiecutter.auth == "supabase" %}

from tests.support.auth_server import SupabaseAuthServer
{%- endif %}

from {{ cookiecutter.project_slug }}.users.models import {% if cookiecutter.auth == "supabase" %}IdentityLink, {% endif %}Role, User
from {{ cookiecutter.project_slug }}.users.permissions import HasAdminRole
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

# The document /api/schema/ serves, built at collection time, before the test database
# exists (fetching it would pass the rate limit, which may count in the database).
document = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
{%- if cookiecutter.credits == "y" %}
# Any request to a charged operation may get 402, valid or not: like a missing login, a
# caller without the credits is refused before its input is read (schemathesis's lists
# of the statuses each kind of request may get, and 402).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "402", "403", "404", "409", "429", "5xx"]
            },
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "402", "403", "404", "405", "406", "409"),
                    *("415", "422", "428", "429", "5xx"),
                ]
            },
        }
    }
)
schema = schemathesis.openapi.from_dict(json.loads(document), config=CONFIG)
{%- else %}
schema = schemathesis.openapi.from_dict(json.loads(document))
{%- endif %}
schema.app = get_wsgi_application()

# The users the fuzzer acts as, by role. Their credentials exist before the database does:
# schemathesis builds some requests while it collects the tests. Each test creates the
# users{% if cookiecutter.auth == "session" %} and their sessions{% endif %} anew, in the transaction it rolls back.
FUZZ_USERS = {
    role: User(id=uuid.UUID(f"0f0f0f0f-0000-4000-8000-00000000000{number}"), email=email)
    for number, (role, email) in enumerate(
        [(Role.MEMBER, "fuzz@example.com"), (Role.ADMIN, "boss@example.com")], start=1
    )
}
{%- if cookiecutter.auth == "session" %}
FUZZ_SESSION_KEYS = {role: f"fuzzsession{index:022d}" for index, role in enumerate(FUZZ_USERS)}
FUZZ_CSRF_SECRET = "FuzzCsrfSecret000000000000000001"
{%- elif cookiecutter.auth == "supabase" %}
# The stand-in Supabase Auth that signs the fuzzer's tokens, made with the module: the
# requests built at collection carry tokens too. It serves its keys while the tests run.
FUZZ_AUTH = SupabaseAuthServer()
{%- endif %}
FUZZ_EXAMPLES = os.environ.get("FUZZ_EXAMPLES")


{%- if cookiecutter.auth == "supabase" %}


@pytest.fixture(scope="module")
def fuzz_auth_serving() -> Iterator[SupabaseAuthServer]:
    with FUZZ_AUTH:
        yield FUZZ_AUTH


@pytest.fixture
def fuzz_auth(fuzz_auth_serving: SupabaseAuthServer, settings: Settings) -> SupabaseAuthServer:
    """The service trusts the fuzzer's Supabase Auth while a test runs."""
    settings.SUPABASE_URL = fuzz_auth_serving.url
    settings.SUPABASE_JWT_SECRET = fuzz_auth_serving.jwt_secret
    return fuzz_auth_serving
{%- endif %}


@pytest.fixture(autouse=True)
def fuzz_users(db: None{% if cookiecutter.auth == "supabase" %}, fuzz_auth: SupabaseAuthServer{% endif %}) -> dict[Role, User]:
    users = {
        role: UserFactory.create(id=unsaved.id, email=unsaved.email, role=role)
        for role, unsaved in FUZZ_USERS.items()
    }
{%- if cookiecutter.auth == "session" %}
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for role, user in users.items():
        # What django.contrib.auth.login() stores, under a key known in advance. Written
        # as a row: a SessionStore given a key it cannot load drops the key for a new one.
        login = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        store.get_model_class().objects.create(
            session_key=FUZZ_SESSION_KEYS[role],
            session_data=store().encode(login),
            expire_date=timezone.now() + timedelta(hours=1),
        )
{%- endif %}
{%- if cookiecutter.auth == "supabase" %}
    # Each one's Supabase identity is their id, linked as on their first request.
    for user in users.values():
        IdentityLink.objects.create(subject=user.id, user=user)
{%- endif %}
    return users


def role_for(path: str) -> Role:
    """Admin for the operations only admins may call: as a member they would only ever
    answer 403, and what they do with their input would go untested."""
    try:
        view = resolve(path).func
    except Resolver404:
        return Role.MEMBER
    permissions = getattr(getattr(view, "view_class", None), "permission_classes", ())
    return Role.ADMIN if HasAdminRole in permissions else Role.MEMBER


@schemathesis.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    """An admin's operation on a user named by email names the member: an address that
    nobody has would only ever get a 404 (which tests of their own cover)."""
    operation = context.operation
    if (
        operation is not None
        and role_for(operation.path) == Role.ADMIN
        and isinstance(body, dict)
        and isinstance(body.get("email"), str)
    ):
        return {**body, "email": FUZZ_USERS[Role.MEMBER].email}
    return body


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
class FuzzCredentials:
{%- if cookiecutter.auth != "session" %}
    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> dict[str, str]:
        user = FUZZ_USERS[role_for(case.formatted_path)]
{%- if cookiecutter.auth == "jwt" %}
        return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
{%- else %}
        token = FUZZ_AUTH.token(subject=user.id, email=user.email)
        return {"Authorization": f"Bearer {token}"}
{%- endif %}

    def set(
        self, case: schemathesis.Case, data: dict[str, str], context: schemathesis.AuthContext
    ) -> None:
        case.headers.update(data)
{%- else %}
    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> dict[str, str]:
        return {
            settings.SESSION_COOKIE_NAME: FUZZ_SESSION_KEYS[role_for(case.formatted_path)],
            settings.CSRF_COOKIE_NAME: FUZZ_CSRF_SECRET,
        }

    def set(
        self, case: schemathesis.Case, data: dict[str, str], context: schemathesis.AuthContext
    ) -> None:
        # As cookies, not a Cookie header: the WSGI client sends its own cookies in the
        # header's place, and without any it drops the header (no session would arrive).
        case.cookies.update(data)
        case.headers["X-CSRFToken"] = FUZZ_CSRF_SECRET
{%- endif %}


def signed_in(path: str, method: str, **parts: Any) -> schemathesis.Case:
    """A request to ``path`` with the credentials the fuzzer gives it."""
    case = schema[path][method].Case(**parts)
    credentials = FuzzCredentials()
    context = schemathesis.AuthContext(operation=case.operation, app=schema.app)
    credentials.set(case, credentials.get(case, context), context)
    return case


# Were its credentials refused, every operation would only answer 401, and pass.
def test_the_fuzzer_is_signed_in_as_the_member() -> None:
    response = signed_in("/api/v1/auth/me/", "GET").call(headers={"Accept-Encoding": "identity"})

    assert response.status_code == 200, response.text
    assert response.json()["email"] == FUZZ_USERS[Role.MEMBER].email
{%- if cookiecutter.credits == "y" %}


def test_the_fuzzer_is_an_admin_where_only_admins_may_act() -> None:
    case = signed_in(
        "/api/v1/credits/grants/", "POST", body={"email": "fuzz@example.com", "amount": 1}
    )

    response = case.call(headers={"Accept-Encoding": "identity"})

    assert response.status_code == 201, response.text
{%- endif %}


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
