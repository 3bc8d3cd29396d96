"""/metrics: closed unless configured, reachable at the pod's address, never redirected."""

import ipaddress

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings

from tests.support.problems import assert_problem

TOKEN = "a-metrics-token-long-enough-to-be-a-secret-1234"


@pytest.fixture(autouse=True)
def _closed(settings: Settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]


def scrape(client: Client, **headers: str) -> dict[str, list[str]]:
    """The metric families of a successful scrape: name -> sample names."""
    response = client.get("/metrics", headers=headers, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        family.name: [sample.name for sample in family.samples]
        for family in text_string_to_metric_families(response.content.decode())
    }


@pytest.mark.django_db
def test_the_token_opens_it(client: Client) -> None:
    families = scrape(client, Authorization=f"Bearer {TOKEN}")

    assert "django_http_requests_before_middlewares" in families
    assert "{{ cookiecutter.project_slug }}_readiness_check_success" in families


@pytest.mark.parametrize(
    "authorization",
    ["", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer ", TOKEN],
    ids=["missing", "wrong", "other-scheme", "empty", "no-scheme"],
)
def test_without_the_token_it_is_not_there(client: Client, authorization: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers, REMOTE_ADDR="192.0.2.1")

    body = assert_problem(response, 404)
    assert body["instance"] == "/metrics"
    assert b"django_http" not in response.content


@pytest.mark.django_db
def test_an_allowed_network_needs_no_token(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200


def test_other_networks_need_the_token(client: Client) -> None:
    assert_problem(client.get("/metrics", REMOTE_ADDR="192.0.2.1"), 404)


def test_a_proxied_request_never_counts_as_from_an_allowed_network(client: Client) -> None:
    # Behind an ingress the peer is the proxy, inside the cluster whatever the client is.
    response = client.get(
        "/metrics", REMOTE_ADDR="10.1.2.3", headers={"X-Forwarded-For": "10.9.9.9"}
    )

    assert_problem(response, 404)


def test_with_neither_token_nor_networks_nobody_gets_in(client: Client, settings: Settings) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []

    assert_problem(client.get("/metrics", headers={"Authorization": "Bearer "}), 404)
    assert_problem(client.get("/metrics", REMOTE_ADDR="127.0.0.1"), 404)


@pytest.mark.django_db
def test_it_answers_whatever_the_host_header(client: Client) -> None:
    # Prometheus scrapes the pod's address, which ALLOWED_HOSTS does not list.
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200


@pytest.mark.django_db
def test_it_is_not_redirected_to_https(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/api/schema/", REMOTE_ADDR="10.1.2.3").status_code == 301


@pytest.mark.django_db
def test_it_is_never_throttled(client: Client, settings: Settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": "1/minute", "login": "1/minute"},
    }

    statuses = {client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code for _ in range(3)}

    assert statuses == {200}


def test_it_only_reads(client: Client) -> None:
    response = client.post("/metrics", REMOTE_ADDR="10.1.2.3")

    assert_problem(response, 405)
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_it_is_not_part_of_the_api_schema(client: Client) -> None:
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()

    assert not any("metrics" in path for path in schema["paths"])


@pytest.mark.django_db
def test_readiness_is_measured_when_scraped(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")

    [family] = [
        family
        for family in text_string_to_metric_families(response.content.decode())
        if family.name == "{{ cookiecutter.project_slug }}_readiness_check_success"
    ]
    values = {sample.labels["check"]: sample.value for sample in family.samples}
    assert values["database"] == 1.0
    assert set(values) >= {"database", "cache"}
