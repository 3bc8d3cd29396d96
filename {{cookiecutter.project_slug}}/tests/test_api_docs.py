"""OpenAPI schema, Swagger UI and ReDoc: valid, served from this origin, working under the CSP."""

import json
import os
import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


def csp(response: Any) -> dict[str, list[str]]:
    policy: str = response["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_the_schema_is_valid_and_complete_without_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_schema_describes_this_service(schema: dict[str, Any], settings: Settings) -> None:
    assert schema["info"]["title"] == {{ cookiecutter.__project_name_literal }}
    assert schema["info"]["version"] == settings.SERVICE_VERSION


def test_the_schema_leaves_out_the_probes(schema: dict[str, Any]) -> None:
    assert not {"/livez", "/readyz", "/healthz"} & set(schema["paths"])
    assert "/api/v1/auth/me/" in schema["paths"]


def test_the_schema_documents_the_problem_responses(schema: dict[str, Any]) -> None:
    me = schema["paths"]["/api/v1/auth/me/"]["get"]["responses"]
    problem_ref = {"$ref": "#/components/schemas/Problem"}

    assert set(schema["components"]["schemas"]) >= {"Problem", "ValidationProblem"}
    assert me["403"]["content"]["application/problem+json"]["schema"] == problem_ref
    assert me["429"]["content"]["application/problem+json"]["schema"] == problem_ref
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            assert "429" in operation["responses"]
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(operation["responses"])


def test_api_responses_forbid_loading_anything(client: Client) -> None:
    policy = csp(client.get("/livez"))

    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_swagger_ui_loads_only_local_assets_without_inline_scripts(client: Client) -> None:
    page = client.get("/api/docs/")
    html = page.content.decode()
    script_urls = re.findall(r'<script src="([^"]+)"', html)
    init_script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    assert "https://" not in html
    assert not re.search(r"<script>", html), "an inline script would need 'unsafe-inline'"
    assert init_script.status_code == 200
    assert "SwaggerUIBundle" in init_script.content.decode()
    assert all(url.startswith("/") for url in script_urls)
    assert_static_files_exist(html)
    policy = csp(page)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-eval'" not in page["Content-Security-Policy"]


def test_swagger_ui_keeps_the_authorization_across_reloads(client: Client) -> None:
    init_script = client.get("/api/docs/?script=").content.decode()
    settings = re.search(r"const swaggerSettings = (\{.*?\});", init_script, re.DOTALL)

    assert settings, init_script
    assert json.loads(settings[1])["persistAuthorization"] is True


def test_redoc_loads_only_local_assets(client: Client) -> None:
    page = client.get("/api/redoc/")
    html = page.content.decode()

    assert page.status_code == 200
    assert "https://" not in html
    assert "<redoc spec-url=" in html
    # Before ReDoc, which would otherwise ask its CDN for Redocly's logo.
    assert re.findall(r'<script src="([^"]+)"', html) == [
        static("api_docs/redoc_offline.js"),
        static("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ]
    assert_static_files_exist(html)
    policy = csp(page)
    assert policy["script-src"] == ["'self'"]
    assert policy["worker-src"] == ["blob:"]


def test_the_favicon_is_no_icon_rather_than_a_404(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 204
    assert response.content == b""
    assert "max-age=86400" in response["Cache-Control"]


def assert_static_files_exist(html: str) -> None:
    static_paths = re.findall(r'(?:src|href)="/static/([^"?]+)', html)
    assert static_paths
    for path in static_paths:
        assert finders.find(path), f"{path} is not among the static files"
