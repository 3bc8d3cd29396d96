import pytest
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory


def _client_for(user: User) -> APIClient:
    # Authentication itself is covered by the real login tests of the users app; every
    # other test only needs a request made as someone.
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def api_client() -> APIClient:
    """An unauthenticated client."""
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    """A user with the member role."""
    return UserFactory.create(role=Role.MEMBER)


@pytest.fixture
def read_only_user(db: None) -> User:
    return UserFactory.create(role=Role.READ_ONLY)


@pytest.fixture
def admin_user(db: None) -> User:
    """A user with the admin role (not a superuser); replaces pytest-django's fixture."""
    return UserFactory.create(role=Role.ADMIN)


@pytest.fixture
def member_client(user: User) -> APIClient:
    return _client_for(user)


@pytest.fixture
def read_only_client(read_only_user: User) -> APIClient:
    return _client_for(read_only_user)


@pytest.fixture
def admin_client(admin_user: User) -> APIClient:
    """An API client of an admin-role user; replaces pytest-django's admin-site client."""
    return _client_for(admin_user)
