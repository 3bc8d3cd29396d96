from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from structlog.testing import capture_logs

from tests.support.problems import assert_problem

from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.services import user_deactivate
from {{ cookiecutter.project_slug }}.users.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
)

CSRF_URL = "/api/v1/auth/csrf/"
LOGIN_URL = "/api/v1/auth/login/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/auth/me/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> APIClient:
    """A client that, like a browser, has its unsafe requests checked for a CSRF token."""
    return APIClient(enforce_csrf_checks=True)


def fetch_csrf_token(client: APIClient) -> str:
    """The CSRF token as a page script gets it (it cannot read the HttpOnly cookie)."""
    token: str = client.get(CSRF_URL).json()["csrf_token"]
    return token


def log_in(client: APIClient, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    token = fetch_csrf_token(client)
    return client.post(LOGIN_URL, {"email": email, "password": password}, HTTP_X_CSRFTOKEN=token)


def test_session_lifecycle(browser: APIClient, user: User) -> None:
    csrf = browser.get(CSRF_URL)
    assert csrf.status_code == 200
    assert csrf.json()["csrf_token"]
    assert settings.CSRF_COOKIE_NAME in csrf.cookies

    with capture_logs() as logs:
        login = browser.post(
            LOGIN_URL,
            {"email": user.email, "password": DEFAULT_PASSWORD},
            HTTP_X_CSRFTOKEN=csrf.json()["csrf_token"],
        )
    assert login.status_code == 200
    assert login.json() == {
        "id": str(user.pk),
        "email": user.email,
        "full_name": user.full_name,
        "roles": ["member"],
    }
    assert settings.SESSION_COOKIE_NAME in login.cookies
    assert "user.logged_in" in [log["event"] for log in logs]

    me = browser.get(ME_URL)
    assert me.status_code == 200
    assert me.json()["id"] == str(user.pk)

    # Logging in rotates the CSRF token: the one from before the login is spent.
    assert_problem(browser.post(LOGOUT_URL, HTTP_X_CSRFTOKEN=csrf.json()["csrf_token"]), 403)
    new_token = fetch_csrf_token(browser)
    assert browser.post(LOGOUT_URL, HTTP_X_CSRFTOKEN=new_token).status_code == 204

    assert_problem(browser.get(ME_URL), 401)


def test_login_without_a_csrf_token_is_refused(browser: APIClient, user: User) -> None:
    browser.get(CSRF_URL)

    response = browser.post(LOGIN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})

    body = assert_problem(response, 403)
    assert "CSRF" in body["detail"]
    assert browser.get(ME_URL).status_code == 401


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "not-the-password"), ("nobody@example.com", DEFAULT_PASSWORD)],
)
def test_bad_credentials_are_a_401_problem(browser: APIClient, email: str, password: str) -> None:
    UserFactory.create(email="ada@example.com")

    with capture_logs() as logs:
        response = log_in(browser, email, password)

    assert_problem(response, 401)
    assert "WWW-Authenticate" in response
    assert "user.login_failed" in [log["event"] for log in logs]
    assert browser.get(ME_URL).status_code == 401


def test_inactive_users_cannot_log_in(browser: APIClient) -> None:
    UserFactory.create(email="ada@example.com", is_active=False)

    assert_problem(log_in(browser, "ada@example.com"), 401)


def test_login_ignores_the_case_of_the_email(browser: APIClient) -> None:
    UserFactory.create(email="ada@example.com")

    response = log_in(browser, "Ada@Example.COM")

    assert response.status_code == 200


def test_login_reports_field_errors(browser: APIClient) -> None:
    token = fetch_csrf_token(browser)

    response = browser.post(LOGIN_URL, {"email": ""}, HTTP_X_CSRFTOKEN=token)

    assert set(assert_problem(response, 400)["errors"]) == {"email", "password"}


def test_anonymous_requests_are_a_401_with_a_session_challenge(api_client: APIClient) -> None:
    for response in (api_client.get(ME_URL), api_client.post(LOGOUT_URL)):
        assert_problem(response, 401)
        assert response["WWW-Authenticate"] == 'Session realm="api"'


@pytest.fixture
def login_rate_of_two_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "2/minute")


@pytest.mark.usefixtures("login_rate_of_two_per_minute")
def test_logins_are_throttled_by_the_login_rate(api_client: APIClient) -> None:
    credentials = {"email": "nobody@example.com", "password": "guess"}

    statuses = [api_client.post(LOGIN_URL, credentials).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


@pytest.mark.usefixtures("login_rate_of_two_per_minute")
def test_a_forged_forwarded_for_header_does_not_escape_the_login_rate(
    api_client: APIClient,
) -> None:
    credentials = {"email": "nobody@example.com", "password": "guess"}

    statuses = [
        api_client.post(LOGIN_URL, credentials, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]


def test_a_password_change_ends_the_other_sessions(user: User) -> None:
    """Django keeps a hash of the password in each session and compares it on every request."""
    laptop, phone = APIClient(enforce_csrf_checks=True), APIClient(enforce_csrf_checks=True)
    for browser in (laptop, phone):
        assert log_in(browser, user.email).status_code == 200

    user.set_password("a-new-and-unguessable-passphrase")
    user.save()

    for browser in (laptop, phone):
        assert_problem(browser.get(ME_URL), 401)


def test_a_deactivated_user_is_logged_out_at_the_next_request(
    browser: APIClient, user: User
) -> None:
    assert log_in(browser, user.email).status_code == 200

    user_deactivate(user=user)

    assert_problem(browser.get(ME_URL), 401)
