"""Deployment checks and the security headers every response carries."""

import gzip
import importlib
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import clear_url_caches
from pytest_django.fixtures import Settings

import config.urls
from tests.support.subprocesses import production_env, run_python


def test_production_passes_the_deployment_checks_without_a_warning() -> None:
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production_env()
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_deployment_checks_catch_a_weak_secret_key() -> None:
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(DJANGO_SECRET_KEY="short"),
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_responses_carry_the_security_headers(client: Client) -> None:
    response = client.get("/livez")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


def test_only_allowed_origins_may_call_the_api_from_a_browser(
    client: Client, settings: Settings
) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]

    allowed = client.get("/livez", HTTP_ORIGIN="https://app.example.org")
    other = client.get("/livez", HTTP_ORIGIN="https://attacker.example.net")

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Access-Control-Allow-Origin" not in other


@pytest.mark.django_db
def test_large_responses_are_compressed_for_clients_that_accept_it(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).startswith(b"openapi:")


def reload_urls() -> None:
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def custom_admin_url(settings: Settings) -> Iterator[str]:
    original = settings.ADMIN_URL
    settings.ADMIN_URL = "backstage-7f3a/"
    reload_urls()
    yield "/backstage-7f3a/"
    settings.ADMIN_URL = original
    reload_urls()


@pytest.mark.django_db
def test_the_admin_lives_at_the_configured_path(client: Client, custom_admin_url: str) -> None:
    assert client.get(f"{custom_admin_url}login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
