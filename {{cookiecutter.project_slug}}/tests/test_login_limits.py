"""Login guessing is limited per client address and per account, {% if cookiecutter.auth == "supabase" %}at the admin (the API's
users sign in with Supabase Auth, which limits its own logins).{% else %}at the API and the admin.{% endif %}

The limits live in the authentication backend (users.backends), so every password check
counts, wherever it is made. Guesses spread over many addresses still lock the account
they aim at, until its window ends; successful logins do not count against it.
"""

{% if cookiecutter.auth != "supabase" %}import time
{% endif %}from typing import TYPE_CHECKING

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import aauthenticate
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings
from rest_framework.throttling import SimpleRateThrottle

{% if cookiecutter.auth != "supabase" %}from tests.support.logs import LogCapture
{% endif %}from tests.support.settings_layers import load_base

from {{ cookiecutter.project_slug }}.common.rates import parse_rate
from {{ cookiecutter.project_slug }}.users.backends import LoginThrottled
from {{ cookiecutter.project_slug }}.users.tests.factories import DEFAULT_PASSWORD, UserFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db
{%- if cookiecutter.auth == "jwt" %}

LOGIN_URL = "/api/v1/auth/token/"
{%- elif cookiecutter.auth == "session" %}

LOGIN_URL = "/api/v1/auth/login/"
{%- endif %}
EMAIL = "ada@example.com"
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def behind_one_proxy(settings: Settings) -> None:
    """The load balancer names each client in X-Forwarded-For, as in production."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def set_rate(monkeypatch: pytest.MonkeyPatch, scope: str, rate: str) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)


def admin_login(client: Client, *, password: str, email: str, address: str) -> "TestResponse":
    return client.post(
        reverse("admin:login"),
        {"username": email, "password": password, "next": "/"},
        HTTP_X_FORWARDED_FOR=address,
    )
{%- if cookiecutter.auth != "supabase" %}


def api_login(client: Client, *, password: str, email: str = EMAIL, address: str) -> "TestResponse":
    return client.post(
        LOGIN_URL,
        {"email": email, "password": password},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR=address,
    )


def assert_refused(response: "TestResponse", *, at_most: int) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/throttled")
    assert 0 < int(response["Retry-After"]) <= at_most


def test_guesses_from_many_addresses_lock_the_account_until_its_window_ends(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    set_rate(monkeypatch, "login_account", "3/3s")
    UserFactory.create(email=EMAIL)
    started = time.monotonic()

    guesses = [api_login(client, password=WRONG, address=f"203.0.113.{n}") for n in range(4)]

    assert [guess.status_code for guess in guesses[:3]] == [401, 401, 401]
    assert_refused(guesses[3], at_most=3)
    # Locked: the right password is refused too, from yet another address.
    assert_refused(api_login(client, password=DEFAULT_PASSWORD, address="198.51.100.9"), at_most=3)

    # Trying on does not extend the window: once it ends, the right password is accepted.
    while (
        response := api_login(client, password=DEFAULT_PASSWORD, address="198.51.100.9")
    ).status_code == 429:
        assert time.monotonic() - started < 5, "the lock outlasted its window"
        time.sleep(0.2)
    assert response.status_code == 200


def test_a_name_is_limited_alike_whether_or_not_its_account_exists(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    set_rate(monkeypatch, "login_account", "2/minute")
    UserFactory.create(email=EMAIL)

    def answers(email: str) -> list[tuple[int, str, bool]]:
        responses = [
            api_login(client, email=email, password=WRONG, address="203.0.113.1") for _ in range(3)
        ]
        return [(r.status_code, r.json()["type"], "Retry-After" in r) for r in responses]

    assert answers(EMAIL) == answers("nobody@example.com")
    assert answers(EMAIL)[-1][0] == 429


def test_the_account_limit_counts_failures_only(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    set_rate(monkeypatch, "login_account", "2/minute")
    UserFactory.create(email=EMAIL)

    successes = [
        api_login(client, password=DEFAULT_PASSWORD, address="203.0.113.1") for _ in range(4)
    ]
    failures = [api_login(client, password=WRONG, address="203.0.113.1") for _ in range(3)]

    assert [response.status_code for response in successes] == [200] * 4
    assert [response.status_code for response in failures] == [401, 401, 429]


def test_the_name_is_normalised_before_it_is_counted(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    set_rate(monkeypatch, "login_account", "2/minute")

    for email in ("ada@example.com", " ADA@example.com"):
        api_login(client, email=email, password=WRONG, address="203.0.113.1")

    assert_refused(
        api_login(client, email="Ada@Example.com", password=WRONG, address="203.0.113.2"),
        at_most=60,
    )


def test_one_address_is_held_to_the_login_rate_across_accounts(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    set_rate(monkeypatch, "login", "2/minute")
    UserFactory.create(email=EMAIL)

    statuses = [
        api_login(
            client, email=f"user{n}@example.com", password=WRONG, address="203.0.113.1"
        ).status_code
        for n in range(2)
    ]
    refused = api_login(client, password=DEFAULT_PASSWORD, address="203.0.113.1")
    elsewhere = api_login(client, password=DEFAULT_PASSWORD, address="203.0.113.2")

    assert statuses == [401, 401]
    assert_refused(refused, at_most=60)
    assert elsewhere.status_code == 200


def test_a_lock_out_is_logged_once_per_window(
    monkeypatch: pytest.MonkeyPatch, client: Client, json_logs: LogCapture
) -> None:
    set_rate(monkeypatch, "login_account", "1/minute")

    statuses = [
        api_login(client, password=WRONG, address=f"203.0.113.{n}").status_code for n in range(4)
    ]

    assert statuses == [401, 429, 429, 429]
    [locked] = json_logs.events("user.login_locked")
    assert locked["limit"] == "account"
    assert 0 < locked["retry_after"] <= 60
    assert EMAIL not in str(locked), "the log names no address the attacker chose"
{%- endif %}


def test_the_admin_login_is_limited_per_account(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    set_rate(monkeypatch, "login_account", "2/minute")
    UserFactory.create(email=EMAIL, is_staff=True)

    for n in range(2):
        wrong = admin_login(client, email=EMAIL, password=WRONG, address=f"203.0.113.{n}")
        assert b"Please enter the correct email" in wrong.content
    refused = admin_login(client, email=EMAIL, password=DEFAULT_PASSWORD, address="198.51.100.9")

    assert refused.status_code == 200  # the form again, not the redirect of a login
    assert b"Too many login attempts" in refused.content
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_limited_per_address(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    set_rate(monkeypatch, "login", "2/minute")
    UserFactory.create(email=EMAIL, is_staff=True)

    for n in range(2):
        admin_login(client, email=f"user{n}@example.com", password=WRONG, address="203.0.113.1")
    refused = admin_login(client, email=EMAIL, password=DEFAULT_PASSWORD, address="203.0.113.1")
    accepted = admin_login(client, email=EMAIL, password=DEFAULT_PASSWORD, address="203.0.113.2")

    assert b"Too many login attempts" in refused.content
    assert accepted.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db(transaction=True)
def test_asynchronous_logins_are_limited_too(monkeypatch: pytest.MonkeyPatch) -> None:
    set_rate(monkeypatch, "login_account", "2/minute")
    UserFactory.create(email=EMAIL)
    login = async_to_sync(aauthenticate)

    assert [login(email=EMAIL, password=WRONG) for _ in range(2)] == [None, None]
    with pytest.raises(LoginThrottled):
        login(email=EMAIL, password=DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("5/minute", (5, 60)), ("10/15m", (10, 900)), ("3/5seconds", (3, 5)), ("100/d", (100, 86400))],
)
def test_a_rate_may_give_a_multiple_of_its_period(rate: str, parsed: tuple[int, int]) -> None:
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["5", "5/fortnight", "five/minute", "5/0m", ""])
def test_a_malformed_rate_is_refused_with_the_format_to_use(rate: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="<count>/<period>"):
        parse_rate(rate)


@pytest.mark.parametrize("variable", ["THROTTLE_LOGIN_RATE", "THROTTLE_LOGIN_ACCOUNT_RATE"])
def test_the_settings_refuse_a_malformed_rate_naming_its_variable(
    environment: dict[str, str], variable: str
) -> None:
    environment[variable] = "10 per minute"

    with pytest.raises(ImproperlyConfigured, match=f"{variable}: '10 per minute' is not a rate"):
        load_base()
