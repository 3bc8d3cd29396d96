"""Refresh tokens are spent once, even by concurrent requests, and die with the password."""

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.problems import PROBLEM_JSON, assert_problem
from tests.support.subprocesses import (
    PROJECT_DIR,
    Server,
    production_env,
    run_python,
    running_gunicorn,
)

from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.services import user_deactivate
from {{ cookiecutter.project_slug }}.users.tests.factories import DEFAULT_PASSWORD, UserFactory
from {{ cookiecutter.project_slug }}.users.tokens import (
    FINGERPRINT_CLAIM,
    refresh_token_issue,
    refresh_token_spend,
)

TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
ME_URL = "/api/v1/auth/me/"
NEW_PASSWORD = "a-new-and-unguessable-passphrase"


def refresh(client: APIClient, token: str) -> Any:
    return client.post(REFRESH_URL, {"refresh": token})


@pytest.mark.django_db
def test_a_token_two_requests_checked_at_once_is_spent_by_one(user: User) -> None:
    """The interleaving of a race, step by step: both requests found the token unspent."""
    issued = str(refresh_token_issue(user=user))
    first, second = RefreshToken(issued), RefreshToken(issued)  # type: ignore[arg-type]

    refresh_token_spend(token=first)

    with pytest.raises(TokenError, match="blacklisted"):
        refresh_token_spend(token=second)
    assert BlacklistedToken.objects.filter(token__jti=first["jti"]).count() == 1


def database_url() -> str:
    """The test database, for a server in another process."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    return f"postgres://{credentials}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


def call(url: str, body: dict[str, str] | None = None, access: str = "") -> tuple[int, str, Any]:
    """One request as the TLS-terminating proxy forwards it: status, content type, body."""
    headers = {"X-Forwarded-Proto": "https", "Content-Type": "application/json"}
    if access:
        headers["Authorization"] = "Bearer " + access
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


def serving(tmp_path: Path, database_url: str) -> AbstractContextManager[Server]:
    """gunicorn with production settings and twenty requests' worth of threads."""
    environment = production_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the key that signs the tokens
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
{%- if cookiecutter.cache == "redis" %}
        REDIS_URL=settings.REDIS_URL,
{%- endif %}
        # Twenty requests in flight at once: two processes of ten threads.
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="10",
        THROTTLE_ANON_RATE="1000/minute",
    )
    return running_gunicorn(environment, tmp_path / "gunicorn.log")


def assert_one_winner(url: str, stolen: str) -> None:
    """Twenty requests refresh ``stolen`` at the same moment: one pair, nineteen 401s."""
    start = threading.Barrier(20)
    results: list[tuple[int, str, Any]] = []

    def replay() -> None:
        start.wait()
        results.append(call(url + REFRESH_URL, {"refresh": stolen}))

    threads = [threading.Thread(target=replay) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [body for status, _, body in results if status == 200]
    assert len(winners) == 1, [status for status, _, _ in results]
    losers = {(status, kind) for status, kind, _ in results if status != 200}
    assert losers == {(401, PROBLEM_JSON)}
    [pair] = winners
    assert call(url + ME_URL, access=pair["access"])[0] == 200
    assert call(url + REFRESH_URL, {"refresh": pair["refresh"]})[0] == 200


@pytest.mark.postgresql
{%- if cookiecutter.cache == "redis" %}
@pytest.mark.redis
{%- endif %}
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_with_one_token_have_one_winner(tmp_path: Path) -> None:
    """A stolen refresh token replayed in parallel must not become several sessions."""
    # Issued here: the test settings hash passwords with a hasher production lacks.
    stolen = str(refresh_token_issue(user=UserFactory.create()))

    with serving(tmp_path, database_url()) as server:
        assert_one_winner(server.url, stolen)

{% if cookiecutter.cache == "redis" %}
@pytest.mark.redis
{%- endif %}
def test_concurrent_refreshes_on_sqlite_have_one_winner(tmp_path: Path) -> None:
    """The development database: one writer at a time, each waiting for its turn."""
    environment = production_env(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert run_python("manage.py", "migrate", "--verbosity=0", env=environment).returncode == 0
    issue = (
        "from {{ cookiecutter.project_slug }}.users.models import User;"
        "from {{ cookiecutter.project_slug }}.users.tokens import refresh_token_issue;"
        "print(refresh_token_issue(user=User.objects.create_user('ada@example.com')))"
    )
    issued = run_python("manage.py", "shell", "--command", issue, env=environment)
    assert issued.returncode == 0, issued.stderr
    stolen = issued.stdout.split()[-1]

    with serving(tmp_path, environment["DATABASE_URL"]) as server:
        assert_one_winner(server.url, stolen)


@pytest.mark.django_db
def test_a_password_change_ends_the_refresh_tokens_issued_before_it(
    api_client: APIClient, user: User
) -> None:
    before = api_client.post(TOKEN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})
    tokens = before.json()

    user.set_password(NEW_PASSWORD)
    user.save()

    problem = assert_problem(refresh(api_client, tokens["refresh"]), 401)
    assert "password has changed" in problem["detail"]
    # Access tokens are not revoked: they expire on their own, minutes from now.
    api_client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens["access"])
    assert api_client.get(ME_URL).status_code == 200
    api_client.credentials()
    after = api_client.post(TOKEN_URL, {"email": user.email, "password": NEW_PASSWORD})
    assert refresh(api_client, after.json()["refresh"]).status_code == 200


@pytest.mark.django_db
def test_a_password_changed_in_the_admin_ends_the_refresh_tokens(
    api_client: APIClient, client: Client, user: User
) -> None:
    tokens = refresh_token_issue(user=user)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content
    assert_problem(refresh(api_client, str(tokens)), 401)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_password_changed_by_the_changepassword_command_ends_the_refresh_tokens(
    api_client: APIClient,
) -> None:
    user = UserFactory.create()
    issued = str(refresh_token_issue(user=user))

    # As an operator types it: getpass reads the standard input when there is no terminal.
    changed = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "manage.py", "changepassword", user.email],
        cwd=PROJECT_DIR,
        env=production_env(DATABASE_URL=database_url()),
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )

    assert changed.returncode == 0, changed.stderr
    assert_problem(refresh(api_client, issued), 401)


@pytest.mark.django_db
def test_a_user_deactivated_in_the_admin_loses_every_refresh_token_for_good(
    api_client: APIClient, client: Client, user: User
) -> None:
    issued = [refresh_token_issue(user=user) for _ in range(2)]
    tokens = [str(token) for token in issued]
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    page = reverse("admin:users_user_change", args=[user.pk])
    form = {"email": user.email, "full_name": user.full_name}

    assert client.post(page, {**form, "is_active": ""}).status_code == 302
    assert_problem(refresh(api_client, tokens[0]), 401)
    # Access tokens too: the authentication reads the user, active or not, on each request.
    api_client.credentials(HTTP_AUTHORIZATION="Bearer " + str(issued[0].access_token))
    assert_problem(api_client.get(ME_URL), 401)
    api_client.credentials()

    # Reactivated, the account needs a new login: the old tokens stay revoked.
    assert client.post(page, {**form, "is_active": "on"}).status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert_problem(refresh(api_client, tokens[1]), 401)


@pytest.mark.django_db
def test_deactivation_revokes_the_refresh_tokens(api_client: APIClient, user: User) -> None:
    issued = str(refresh_token_issue(user=user))

    user_deactivate(user=user)
    user.is_active = True
    user.save()

    assert_problem(refresh(api_client, issued), 401)


@pytest.mark.django_db
def test_the_refresh_token_of_a_deleted_user_is_a_401(api_client: APIClient) -> None:
    user = UserFactory.create()
    issued = str(refresh_token_issue(user=user))
    user.delete()

    assert_problem(refresh(api_client, issued), 401)


@pytest.mark.django_db
def test_a_refresh_token_without_the_password_fingerprint_is_refused(
    api_client: APIClient, user: User
) -> None:
    token = refresh_token_issue(user=user)
    del token[FINGERPRINT_CLAIM]

    assert_problem(refresh(api_client, str(token)), 401)


@pytest.mark.django_db
def test_the_admin_action_deactivates_and_revokes(
    api_client: APIClient, client: Client, user: User
) -> None:
    issued = str(refresh_token_issue(user=user))
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:users_user_changelist"),
        {"action": "deactivate", "_selected_action": [str(user.pk)]},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    user.is_active = True
    user.save()
    assert_problem(refresh(api_client, issued), 401)
