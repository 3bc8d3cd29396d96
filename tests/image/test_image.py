"""Image tier: the rendered Dockerfile builds, and its image runs every role against real services.

Per preset: render, `uv lock`, build on the Debian base image (prodstarter_tools/image.py)
with this machine's CA certificates in deploy/ca-certificates/, then run the roles with the
host's network against the machine's PostgreSQL and Redis: migrate, web (read-only root file
system, /tmp a tmpfs, as Kubernetes runs it), worker, and for Celery the scheduler.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from prodstarter_tools.harness import BUILD_DIR, render, run, uv_env
from prodstarter_tools.image import (
    BASE_PYTHON_VERSION,
    DOCKER,
    DOCKER_ENV,
    add_host_ca_certificates,
    base_image,
    build_image,
    describe_image,
    docker,
    ensure_engine,
    unavailable,
)
from prodstarter_tools.matrix import COOKIECUTTER_JSON, PROJECT_PRESETS, variants
from prodstarter_tools.services import database_url_for, recreate_database, redis_url_for
from prodstarter_tools.smoke import (
    SUPERUSER,
    Browser,
    check_export_runs_on_the_worker,
    free_port,
    log_in,
    supabase_auth,
)

VARIANTS = variants()
IMAGE_PRESETS = ["default", "postgres-only"]
# Redis databases: the project tier uses 1-12, `make bench` (never run beside it) 1-8.
REDIS_DATABASE = 14
GIT_COMMIT = "fedcba9876543210fedcba9876543210fedcba98"
HEALTH_TOKEN = secrets.token_urlsafe(32)
APP_UID = "10001"


class Deployment:
    """One preset's image and the containers started from it; removes them all at the end."""

    def __init__(self, preset: str, tmp_path: Path) -> None:
        self.preset = preset
        self.answers = VARIANTS[preset]
        assert self.answers["python_version"] == BASE_PYTHON_VERSION, "the Debian base has Python 3.13 only"
        self.logs = tmp_path
        self.tag = f"prodstarter-image-test:{preset}-{uuid.uuid4().hex[:8]}"
        self.containers: list[str] = []
        self.log_followers: list[subprocess.Popen] = []
        # auth=supabase: the render's own stand-in Supabase Auth, on the host's loopback,
        # which the containers (on the host's network) fetch the signing keys from.
        self.stand_ins = ExitStack()
        self.supabase_auth = None

    @property
    def tasks(self) -> str:
        return self.answers["task_queue"]

    def build(self) -> None:
        project = self.project = render(self.answers, BUILD_DIR / "image" / self.preset)
        run(["uv", "lock"], project, uv_env(BASE_PYTHON_VERSION))
        add_host_ca_certificates(project)
        seconds = build_image(project, self.tag, base=base_image(), git_commit=GIT_COMMIT)
        # The figures the tier records (pytest -rP shows them).
        print(f"{self.preset}: built in {seconds:.1f} s\n{describe_image(self.tag)}")

    def environment(self) -> dict[str, str]:
        database_url = database_url_for(f"prodstarter_image_{self.preset.replace('-', '_')}")
        if database_url is None:
            unavailable("the image tier needs PostgreSQL: set DATABASE_URL")
        recreate_database(database_url)
        env = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "HEALTH_TOKEN": HEALTH_TOKEN,
            "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
            # The host's network: the workers' /livez port must be free on it too.
            "GUNICORN_LIVENESS_PORT": str(free_port()),
            "WEB_CONCURRENCY": "2",
        }
        if self.answers["use_prometheus"] == "y" and self.tasks != "none":
            env["WORKER_METRICS_PORT"] = str(free_port())
        if self.answers["auth"] == "supabase":
            self.supabase_auth = self.stand_ins.enter_context(supabase_auth(self.project))
            env["SUPABASE_URL"] = self.supabase_auth.url
        if self.answers["cache"] == "redis" or self.tasks == "celery":
            redis_url = redis_url_for(REDIS_DATABASE)
            if redis_url is None:
                unavailable("the image tier needs Redis for this preset: set REDIS_URL")
            if self.answers["cache"] == "redis":
                env["REDIS_URL"] = redis_url
            if self.tasks == "celery":
                env["CELERY_BROKER_URL"] = redis_url
        self.env = env
        self.base_url = f"http://{env['GUNICORN_BIND']}"
        return env

    def browser(self) -> Browser:
        """A client of the web container, with the stand-in Supabase Auth when there is one."""
        browser = Browser(self.base_url)
        browser.supabase_auth = self.supabase_auth
        return browser

    def run_options(self, env: dict[str, str]) -> list[str]:
        """The host's network (the services listen on its loopback), a read-only root
        file system with a tmpfs on /tmp, and ``env``."""
        options = ["--network", "host", "--read-only", "--tmpfs", "/tmp"]
        for name, value in env.items():
            options += ["--env", f"{name}={value}"]
        return options

    def run_once(self, *command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """Run a container to completion (removed afterwards); return its result."""
        return docker("run", "--rm", *self.run_options(env), self.tag, *command, timeout=300, check=False)

    def start(self, role: str, *extra: str) -> str:
        """Start a detached container for ``role``; its output is followed into a log file."""
        name = f"{self.tag.replace(':', '-')}-{role}"
        docker("run", "--detach", "--name", name, *extra, *self.run_options(self.env), self.tag, role)
        self.containers.append(name)
        log = (self.logs / f"{role}.log").open("w")
        self.log_followers.append(
            subprocess.Popen(
                [str(DOCKER), "logs", "--follow", name],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=DOCKER_ENV,
            )
        )
        return name

    def log(self, role: str) -> str:
        return (self.logs / f"{role}.log").read_text()

    def wait_until_ready(self, container: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            state = docker("inspect", "--format", "{{.State.Status}}", container).stdout.strip()
            assert state == "running", f"the web container is {state}:\n{self.log('web')}"
            assert time.monotonic() < deadline, f"/readyz never answered 200:\n{self.log('web')}"
            time.sleep(0.5)

    def remove(self) -> None:
        for container in self.containers:
            docker("rm", "--force", container, check=False)
        for follower in self.log_followers:
            follower.wait(timeout=30)
        docker("rmi", "--force", self.tag, check=False)
        self.stand_ins.close()


def health_status(container: str) -> str:
    return docker("inspect", "--format", "{{.State.Health.Status}}", container).stdout.strip()


def healthcheck(container: str, role: str) -> subprocess.CompletedProcess[str]:
    """The health command compose and Kubernetes run in the container."""
    return docker("exec", container, "python", "/app/deploy/healthcheck.py", role, check=False)


class ImageChecks:
    """What a deployment relies on, for one preset (one subclass per preset, below)."""

    preset: str

    @pytest.fixture(scope="class")
    @classmethod
    def deployment(cls, tmp_path_factory):
        ensure_engine()
        deployment = Deployment(cls.preset, tmp_path_factory.mktemp(f"image-{cls.preset}"))
        try:
            deployment.build()
            env = deployment.environment()
            migrated = deployment.run_once("migrate", env=env)
            assert migrated.returncode == 0, migrated.stdout + migrated.stderr
            deployment.migrate_output = migrated.stdout
            # Any other command runs as given.
            superuser = deployment.run_once(
                "python",
                "manage.py",
                "createsuperuser",
                "--noinput",
                env={
                    **env,
                    "DJANGO_SUPERUSER_EMAIL": SUPERUSER["email"],
                    "DJANGO_SUPERUSER_PASSWORD": SUPERUSER["password"],
                },
            )
            assert superuser.returncode == 0, superuser.stdout + superuser.stderr
            # Frequent health checks, so that the status turns healthy within the test.
            deployment.web = deployment.start("web", "--health-interval", "2s", "--health-start-period", "0s")
            if deployment.tasks != "none":
                deployment.worker = deployment.start("worker")
            deployment.wait_until_ready(deployment.web)
            yield deployment
        finally:
            deployment.remove()

    def test_migrate_role_applies_the_migrations_and_exits_0(self, deployment):
        assert "Applying users.0001_initial... OK" in deployment.migrate_output
        again = deployment.run_once("migrate", env=deployment.env)
        assert again.returncode == 0, again.stderr
        assert "No migrations to apply." in again.stdout

    def test_web_serves_the_api_as_the_unprivileged_user(self, deployment):
        uid = docker("exec", deployment.web, "id", "-u").stdout.strip()
        assert uid == APP_UID
        browser = deployment.browser()
        ready = browser.request("GET", "/readyz")
        assert ready.status_code == 200, ready.text
        log_in(browser, deployment.answers["auth"])
        # Static files were collected at build time: WhiteNoise serves the fingerprinted copies.
        docs = browser.request("GET", "/api/docs/")
        assert docs.status_code == 200
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text)
        assert assets, "Swagger UI should load its assets from /static/"
        for asset in assets:
            assert browser.request("GET", asset).status_code == 200, asset

    def test_build_commit_reaches_the_service_and_the_labels(self, deployment):
        report = httpx.get(
            f"{deployment.base_url}/health/detailed",
            headers={"X-Forwarded-Proto": "https", "Authorization": f"Bearer {HEALTH_TOKEN}"},
            timeout=10,
        )
        assert report.status_code == 200, report.text
        assert report.json()["commit"] == GIT_COMMIT
        labels = json.loads(docker("inspect", "--format", "{{json .Config.Labels}}", deployment.tag).stdout)
        assert labels["org.opencontainers.image.revision"] == GIT_COMMIT
        assert labels["org.opencontainers.image.version"] == COOKIECUTTER_JSON["version"]
        assert labels["org.opencontainers.image.licenses"] == deployment.answers["license"]

    def test_worker_runs_a_task_the_api_enqueues(self, deployment):
        if deployment.tasks == "none" or deployment.answers["example_app"] != "y":
            pytest.fail("the image presets must have a task queue and the example app")
        browser = deployment.browser()
        log_in(browser, deployment.answers["auth"])
        created = browser.request(
            "POST", "/api/v1/bookmarks/", json={"title": "Django", "url": "https://djangoproject.com"}
        )
        assert created.status_code == 201, created.text
        check_export_runs_on_the_worker(browser, deployment.logs / "worker.log", "https://djangoproject.com")

    def test_health_commands_report_healthy(self, deployment):
        deadline = time.monotonic() + 60
        while (status := health_status(deployment.web)) != "healthy":
            assert status == "starting", f"the web container is {status}:\n{deployment.log('web')}"
            assert time.monotonic() < deadline, "the image's HEALTHCHECK never reported healthy"
            time.sleep(1)
        worker = healthcheck(deployment.worker, "worker")
        assert worker.returncode == 0, worker.stderr
        if deployment.tasks == "celery":
            scheduler = deployment.start("scheduler")
            deadline = time.monotonic() + 60
            while (check := healthcheck(scheduler, "scheduler")).returncode != 0:
                assert time.monotonic() < deadline, f"{check.stderr}\n{deployment.log('scheduler')}"
                time.sleep(1)

    def test_runtime_image_has_no_compiler_or_build_tools(self, deployment):
        command = "command -v gcc cc make uv"
        found = docker("run", "--rm", "--entrypoint", "sh", deployment.tag, "-c", command, check=False)
        assert found.stdout == "", f"the runtime image should not contain: {found.stdout}"

    def test_a_missing_database_url_stops_the_container_with_78_naming_it(self, deployment):
        env = {name: value for name, value in deployment.env.items() if name != "DATABASE_URL"}
        result = deployment.run_once("web", env=env)
        assert result.returncode == 78, result.stdout + result.stderr
        output = (result.stdout + result.stderr).strip().splitlines()
        assert len(output) == 1, output
        assert "DATABASE_URL" in output[0]


for _preset in IMAGE_PRESETS:
    assert _preset in PROJECT_PRESETS, f"{_preset} must also pass the project tier"
    _name = f"TestImage{_preset.title().replace('-', '')}"
    globals()[_name] = type(_name, (ImageChecks,), {"preset": _preset})
