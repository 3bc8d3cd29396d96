"""The container image's figures for `make bench`: size, layers, rebuild time, start-up time.

- the runtime image's size and each layer's, for the default project
- the build time with a warm cache after a change to one source file (what a developer
  waits for between commits: the dependency layer is reused)
- the time from `docker run` of the web role to the first 200 from /readyz (preflight,
  gunicorn start, workers booted, database and cache reachable), median of a few starts

Builds on the Debian base image the image tier uses (prodstarter_tools/image.py), with the
host's network.
"""

from __future__ import annotations

import secrets
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from prodstarter_tools.image import (
    add_host_ca_certificates,
    base_image,
    build_image,
    docker,
    ensure_engine,
    image_size,
    layer_sizes,
)
from prodstarter_tools.smoke import free_port

STARTS = 5


def wait_for_ready(url: str, container: str, timeout: float = 60) -> float:
    """Seconds until ``url`` answers 200 (polling every 20 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    logs = docker("logs", container, check=False)
    raise RuntimeError(f"{url} never answered 200:\n{logs.stdout}{logs.stderr}")


def run_options(env: dict[str, str]) -> list[str]:
    options = ["--network", "host", "--read-only", "--tmpfs", "/tmp"]
    for name, value in env.items():
        options += ["--env", f"{name}={value}"]
    return options


def image_figures(
    installed: Callable[[str, dict[str, str]], tuple[Path, dict[str, str]]], answers: dict[str, str]
) -> dict[str, object]:
    ensure_engine()
    base = base_image()
    # Rendered, locked (uv sync writes uv.lock) and given a database and Redis of its own.
    project, project_env = installed("image", answers)
    add_host_ca_certificates(project)
    tag = f"prodstarter-bench-image:{uuid.uuid4().hex[:8]}"
    containers: list[str] = []
    try:
        first_build = build_image(project, tag, base=base, git_commit="bench")
        with (project / "src" / "config" / "wsgi.py").open("a") as source:
            source.write(f"# changed by the benchmark: {uuid.uuid4().hex}\n")
        rebuild = build_image(project, tag, base=base, git_commit="bench")

        env = {
            name: project_env[name]
            for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
            if name in project_env
        }
        env.update(
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        )
        docker("run", "--rm", *run_options(env), tag, "migrate", timeout=300)
        start_seconds = []
        for _ in range(STARTS):
            name = f"prodstarter-bench-web-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            docker("run", "--detach", "--name", name, *run_options(env), tag, "web")
            containers.append(name)
            wait_for_ready(f"http://{env['GUNICORN_BIND']}/readyz", name)
            start_seconds.append(time.perf_counter() - started)
            docker("rm", "--force", name)
            containers.remove(name)
        return {
            "size_mb": round(image_size(tag) / 1e6, 1),
            "layers": [{"size": size, "instruction": instruction} for size, instruction in layer_sizes(tag)],
            "first_build_seconds": round(first_build, 1),
            "rebuild_after_code_change_seconds": round(rebuild, 1),
            "start_to_ready_median_seconds": round(statistics.median(start_seconds), 2),
            "start_to_ready_seconds": [round(seconds, 2) for seconds in start_seconds],
        }
    finally:
        for name in containers:
            docker("rm", "--force", name, check=False)
        docker("rmi", "--force", tag, check=False)
