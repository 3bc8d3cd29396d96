"""A Supabase user's local account: linked on their first request, found by the link after,
its roles kept in step with the token's, and the service-role key as an opt-in credential.

The sign-in itself (token checks, the 401 challenge) is test_auth_apis' subject.
"""

import threading
import uuid
from typing import Any, cast

import jwt
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path
from pytest_django.fixtures import Settings
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView
from structlog.testing import capture_logs

from tests.support.auth_server import SupabaseAuthServer
from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.users import services
from {{ cookiecutter.project_slug }}.users.authentication import (
    IsSupabaseServiceRole,
    SupabaseServiceRoleAuthentication,
)
from {{ cookiecutter.project_slug }}.users.models import IdentityLink, Role, User
from {{ cookiecutter.project_slug }}.users.selectors import identity_link_get, user_held_roles
from {{ cookiecutter.project_slug }}.users.services import (
    IdentityRefusedError,
    user_deactivate,
    user_for_identity,
    user_set_roles,
)
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

ME_URL = "/api/v1/auth/me/"
SERVICE_URL = "/test/service-role/"
ROLE_GROUPS_TABLE = User.groups.through._meta.db_table


def first_request(
    subject: uuid.UUID,
    email: str = "ada@example.com",
    *,
    email_verified: bool = False,
    roles: set[str] | None = None,
) -> User:
    """What SupabaseAuthentication asks for a verified token with these claims."""
    return user_for_identity(
        subject=subject,
        email=email,
        email_verified=email_verified,
        roles=frozenset(roles) if roles is not None else None,
    )


def refusal_of(subject: uuid.UUID, email: str, *, email_verified: bool) -> str:
    with pytest.raises(IdentityRefusedError) as refused:
        first_request(subject, email, email_verified=email_verified)
    return refused.value.reason


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# Linking and finding the account.


@pytest.mark.django_db
def test_a_new_subject_gets_a_new_linked_account_with_the_default_role(
    settings: Settings,
) -> None:
    # The setting, not a hard-coded role: read_only is not the default default.
    settings.DEFAULT_USER_ROLE = "read_only"
    subject = uuid.uuid4()

    with capture_logs() as logs:
        user = first_request(subject, " Ada@Example.COM ")

    assert user.email == "ada@example.com"
    assert not user.has_usable_password()  # Supabase holds the credentials, not this service
    assert user_held_roles(user=user) == {Role.READ_ONLY}
    link = identity_link_get(subject=subject)
    assert link is not None
    assert link.user == user
    assert {"event": "user.identity_linked", "subject": str(subject)}.items() <= logs[-1].items()


@pytest.mark.django_db
def test_the_link_not_the_email_finds_the_account_on_later_requests() -> None:
    subject = uuid.uuid4()
    user = first_request(subject, "ada@example.com")

    # The address changed in Supabase since: the subject still names the same account.
    again = first_request(subject, "ada.lovelace@example.org")

    assert again == user
    assert (User.objects.count(), IdentityLink.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_an_existing_account_is_linked_when_the_token_vouches_for_its_address() -> None:
    existing = UserFactory.create(email="ada@example.com", role=Role.ADMIN)
    subject = uuid.uuid4()

    # The address as Supabase may spell it: one account whatever the case.
    user = first_request(subject, "ADA@Example.Com", email_verified=True)

    assert user == existing
    assert existing.identity_link.subject == subject
    # Linking an account keeps the roles it had; the default role is for new accounts.
    assert user_held_roles(user=user) == {Role.ADMIN}
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_unverified_address_does_not_take_over_an_existing_account() -> None:
    # Anyone can sign up to Supabase with someone else's address; until they confirm it,
    # the account with that address is not theirs.
    existing = UserFactory.create(email="ada@example.com")

    assert refusal_of(uuid.uuid4(), "ada@example.com", email_verified=False) == "email_unverified"
    assert not IdentityLink.objects.exists()
    assert list(User.objects.all()) == [existing]


@pytest.mark.django_db
def test_an_account_linked_to_another_subject_is_not_linked_again() -> None:
    owner = first_request(uuid.uuid4(), "ada@example.com")
    newcomer = uuid.uuid4()

    assert refusal_of(newcomer, "ada@example.com", email_verified=True) == "email_linked"
    assert identity_link_get(subject=newcomer) is None
    assert list(User.objects.all()) == [owner]


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["", "   "])
def test_a_token_without_an_address_creates_no_account(email: str) -> None:
    assert refusal_of(uuid.uuid4(), email, email_verified=True) == "email_missing"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_token_without_an_address_is_a_401_naming_the_reason(
    supabase_auth: SupabaseAuthServer,
) -> None:
    claims = supabase_auth.user_claims(subject=uuid.uuid4(), email="ada@example.com")
    del claims["email"]

    response = bearer(supabase_auth.sign(claims)).get(ME_URL)

    assert_problem(response, 401)
    assert "email_missing" in response["WWW-Authenticate"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_deactivated_account_is_refused_whether_linked_or_found_by_email() -> None:
    subject = uuid.uuid4()
    user_deactivate(user=first_request(subject, "ada@example.com"))
    UserFactory.create(email="grace@example.com", is_active=False)

    assert refusal_of(subject, "ada@example.com", email_verified=True) == "inactive"
    assert refusal_of(uuid.uuid4(), "grace@example.com", email_verified=True) == "inactive"


@pytest.mark.django_db
@pytest.mark.parametrize("email_verified", [True, False])
def test_a_request_that_looked_up_the_link_before_another_made_it_gets_the_same_account(
    monkeypatch: pytest.MonkeyPatch, email_verified: bool
) -> None:
    # Two first requests at once (an app firing its first calls together): the second
    # looked up the link, found none, and reaches the account after the first has linked
    # it. The account it finds is its own user's, not someone else's to refuse.
    subject = uuid.uuid4()
    user = first_request(subject, "ada@example.com")
    looked_up = threading.Event()

    def stale_lookup(*, subject: uuid.UUID) -> IdentityLink | None:
        # The first look-up is the one made before the link existed.
        if not looked_up.is_set():
            looked_up.set()
            return None
        return identity_link_get(subject=subject)

    monkeypatch.setattr(services, "identity_link_get", stale_lookup)

    again = first_request(subject, "ada@example.com", email_verified=email_verified)

    assert again == user
    assert (User.objects.count(), IdentityLink.objects.count()) == (1, 1)


# Roles from the token.


@pytest.mark.django_db
def test_the_tokens_roles_become_exactly_the_accounts_roles() -> None:
    user = UserFactory.create(role=Role.MEMBER)
    newsletter = Group.objects.create(name="newsletter")
    user.groups.add(newsletter)
    subject = uuid.uuid4()
    IdentityLink.objects.create(subject=subject, user=user)

    synced = first_request(subject, roles={"admin", "read_only", "wizard"})

    # Unknown names are ignored; the group that is not a role stays.
    assert user_held_roles(user=User.objects.get(pk=synced.pk)) == {Role.ADMIN, Role.READ_ONLY}
    assert set(user.groups.values_list("name", flat=True)) == {"admin", "read_only", "newsletter"}


@pytest.mark.django_db
def test_roles_on_the_first_request_replace_the_default_role() -> None:
    user = first_request(uuid.uuid4(), roles={"admin"})

    assert user_held_roles(user=User.objects.get(pk=user.pk)) == {Role.ADMIN}


@pytest.mark.django_db
def test_an_empty_role_list_takes_every_role() -> None:
    # Supabase is where roles are granted: a token listing none means none are granted.
    subject = uuid.uuid4()
    user = first_request(subject)
    assert user_held_roles(user=user) == {Role.MEMBER}

    first_request(subject, roles=set())

    assert user_held_roles(user=User.objects.get(pk=user.pk)) == set()


@pytest.mark.django_db
def test_a_token_without_roles_leaves_the_roles_as_they_are() -> None:
    subject = uuid.uuid4()
    user = first_request(subject)
    user_set_roles(user=user, roles={Role.ADMIN, Role.READ_ONLY})

    first_request(subject, roles=None)

    assert user_held_roles(user=User.objects.get(pk=user.pk)) == {Role.ADMIN, Role.READ_ONLY}


@pytest.mark.django_db
def test_roles_that_already_match_are_not_written_again() -> None:
    # Every request carries the roles: matching ones must cost a read, not writes and locks.
    subject = uuid.uuid4()
    first_request(subject, roles={"member", "read_only"})

    with CaptureQueriesContext(connection) as queries, capture_logs() as logs:
        first_request(subject, roles={"read_only", "member", "wizard"})

    writes = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert writes == []
    assert len(queries.captured_queries) == 2  # the link with its account, then its groups
    assert logs == []


@pytest.mark.django_db
def test_roles_from_app_metadata_reach_the_api(supabase_auth: SupabaseAuthServer) -> None:
    subject = uuid.uuid4()

    def me(**app_metadata: Any) -> list[str]:
        token = supabase_auth.token(
            subject=subject, app_metadata={"provider": "email", **app_metadata}
        )
        response = bearer(token).get(ME_URL)
        assert response.status_code == 200, response.content
        roles: list[str] = response.json()["roles"]
        return roles

    assert me(roles=["read_only", "wizard"]) == ["read_only"]
    # The roles are the app's to set: a user cannot grant themselves one in user_metadata.
    assert me(roles=["read_only"], user_metadata={"roles": ["admin"]}) == ["read_only"]
    assert me() == ["read_only"]
    assert me(roles=["admin", "member"]) == ["admin", "member"]


# Concurrent first requests, on the database the service runs on.


@pytest.fixture
def role_groups(transactional_db: None) -> None:
    """Transactional tests empty the database after them, the migrated role groups too."""
    for role in Role:
        Group.objects.get_or_create(name=role)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
@pytest.mark.parametrize("email_verified", [True, False])
def test_concurrent_first_requests_of_a_new_user_share_one_account(
    monkeypatch: pytest.MonkeyPatch, email_verified: bool
) -> None:
    threads = 4
    subject = uuid.uuid4()
    lined_up = threading.Barrier(threads, timeout=10)
    looked_up = threading.Barrier(threads, timeout=10)
    users: list[User] = []
    errors: list[BaseException] = []

    first_lookup = threading.local()

    def lookup_then_wait(*, subject: uuid.UUID) -> IdentityLink | None:
        # Every request has found no link before any makes one: the race, every time.
        link = identity_link_get(subject=subject)
        if not getattr(first_lookup, "done", False):
            first_lookup.done = True
            looked_up.wait()
        return link

    def request() -> None:
        try:
            lined_up.wait()
            users.append(first_request(subject, "ada@example.com", email_verified=email_verified))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    monkeypatch.setattr(services, "identity_link_get", lookup_then_wait)
    started = [threading.Thread(target=request) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=20)

    assert errors == []
    assert len(users) == threads
    assert {user.pk for user in users} == {User.objects.get().pk}
    link = IdentityLink.objects.get()
    assert (link.subject, link.user_id) == (subject, users[0].pk)
    assert user_held_roles(user=users[0]) == {Role.MEMBER}


# The service-role key, for the server-to-server endpoints that opt in.


class ServiceRoleApi(APIView):
    """A server-to-server endpoint, as a project would write one."""

    authentication_classes = (SupabaseServiceRoleAuthentication,)
    permission_classes = (IsSupabaseServiceRole,)

    def get(self, request: Request) -> Response:
        claims = cast(dict[str, Any], request.auth)
        return Response({"role": claims["role"], "user": request.user.is_authenticated})


urlpatterns = [path(SERVICE_URL.strip("/") + "/", ServiceRoleApi.as_view())]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_service_role_key_is_let_in_as_a_caller_not_a_user(
    supabase_auth: SupabaseAuthServer,
) -> None:
    response = bearer(supabase_auth.api_key("service_role")).get(SERVICE_URL)

    assert response.status_code == 200, response.content
    assert response.json() == {"role": "service_role", "user": False}
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("credential", "reason"),
    [
        ("anon", "not_service_role"),
        ("user", "not_service_role"),
        ("forged", "invalid_signature"),
    ],
)
def test_other_credentials_are_refused_by_the_service_role_endpoint(
    supabase_auth: SupabaseAuthServer, credential: str, reason: str
) -> None:
    tokens = {
        "anon": supabase_auth.api_key("anon"),
        "user": supabase_auth.token(app_metadata={"roles": ["admin"]}),
        # The service-role claims, signed with a secret that is not the project's.
        "forged": jwt.encode(
            jwt.decode(supabase_auth.api_key("service_role"), options={"verify_signature": False}),
            "not-the-project-secret-but-long-enough",
            algorithm="HS256",
        ),
    }

    response = bearer(tokens[credential]).get(SERVICE_URL)

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')
    assert f'error_description="{reason}: ' in response["WWW-Authenticate"]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.usefixtures("supabase_auth")
def test_the_service_role_endpoint_without_credentials_is_a_401_with_a_challenge() -> None:
    response = APIClient().get(SERVICE_URL)

    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
