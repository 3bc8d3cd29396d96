"""Project tier: rendered presets install, pass their own gates and serve real HTTP."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from prodstarter_tools.generated_client import check_generated_client
from prodstarter_tools.harness import BUILD_DIR, render, run, uv_env
from prodstarter_tools.matrix import PROJECT_PRESETS, VARIANTS
from prodstarter_tools.services import (
    RENDERED_SUITE_PROCESSES,
    database_url_for,
    recreate_database,
    redis_url_for,
    service_url,
)
from prodstarter_tools.smoke import (
    SUPERUSER,
    Browser,
    check_export_runs_on_the_worker,
    free_port,
    log_in,
    supabase_auth,
)

# The one Celery preset whose smoke test runs against RabbitMQ instead of Redis.
RABBITMQ_PRESET = "py312"
# Operational secrets the smoke test's production environment sets.
HEALTH_TOKEN = secrets.token_urlsafe(32)
METRICS_TOKEN = secrets.token_urlsafe(32)
GIT_COMMIT = "0123456789abcdef0123456789abcdef01234567"


class Project:
    """One rendered preset, installed with uv into its own .venv."""

    def __init__(self, preset: str) -> None:
        self.preset = preset
        self.answers = VARIANTS[preset]
        self.path = render(self.answers, BUILD_DIR / "project" / preset)
        self.env = uv_env(self.answers["python_version"])
        run(["uv", "sync", "--all-groups"], self.path, self.env)
        self.service_env = self.services()

    @property
    def tasks(self) -> str:
        return self.answers["task_queue"]

    @property
    def needs_redis(self) -> bool:
        return self.answers["cache"] == "redis" or self.tasks == "celery"

    def empty_redis(self) -> str | None:
        """Empty this preset's own Redis databases; the URL of the first (None without Redis)."""
        first = 1 + RENDERED_SUITE_PROCESSES * PROJECT_PRESETS.index(self.preset)
        return redis_url_for(first, numbers=RENDERED_SUITE_PROCESSES) if self.needs_redis else None

    def services(self) -> dict[str, str]:
        """REDIS_URL / CELERY_BROKER_URL for the options chosen, on this preset's own Redis db."""
        redis_url = self.empty_redis()
        env = {}
        if redis_url and self.answers["cache"] == "redis":
            env["REDIS_URL"] = redis_url
        if redis_url and self.tasks == "celery":
            env["CELERY_BROKER_URL"] = redis_url
        return env

    def smoke_broker_url(self) -> str | None:
        """The broker the smoke test uses: RabbitMQ for the preset chosen to prove it, else Redis."""
        if self.tasks != "celery":
            return None
        if self.preset == RABBITMQ_PRESET:
            rabbitmq = service_url("RABBITMQ_URL", "RabbitMQ")
            if rabbitmq:
                return rabbitmq
        return self.service_env.get("CELERY_BROKER_URL")

    def make(self, *targets: str, **env: str) -> str:
        return run(["make", *targets], self.path, {**self.env, **env})

    def manage(self, *args: str, env: dict[str, str]) -> str:
        return run([str(self.path / ".venv/bin/python"), "manage.py", *args], self.path, env)

    def production_env(self, database_url: str) -> dict[str, str]:
        return {
            **self.env,
            **self.service_env,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "HEALTH_TOKEN": HEALTH_TOKEN,
            "GIT_COMMIT": GIT_COMMIT,
            **({"METRICS_TOKEN": METRICS_TOKEN} if self.answers["use_prometheus"] == "y" else {}),
            # Production requires it; the server fixture points it at a local stand-in.
            **(
                {"SUPABASE_URL": "https://project-ref.supabase.co"}
                if self.answers["auth"] == "supabase"
                else {}
            ),
        }

    def database_url(self, purpose: str) -> str:
        url = database_url_for(f"prodstarter_{self.preset}_{purpose}")
        if url is None:
            return f"sqlite:///{self.path / f'{purpose}.sqlite3'}"
        recreate_database(url)
        return url


class ProjectChecks:
    """The gates every project preset must pass.

    One subclass per preset (generated below): pytest-xdist's ``--dist loadscope`` keeps a
    class on one worker, so a preset's render and virtualenv are never touched by two
    processes at once.
    """

    preset: str

    @pytest.fixture(scope="class")
    @classmethod
    def project(cls) -> Project:
        return Project(cls.preset)

    def test_lint_and_types(self, project):
        project.make("lint", "typecheck")

    def test_check_deploy_with_production_env(self, project):
        env = project.production_env(project.database_url("deploy"))
        output = project.make("check-deploy", **env)
        assert "no issues" in output

    def test_django_checks_and_migrations_match_models(self, project):
        """`make check`: system checks, makemigrations --check, the OpenAPI schema."""
        project.make("check")

    def test_security_checks(self, project):
        """`make security` (bandit, hadolint, checkov) as CI runs it. pip-audit needs PyPI's
        per-release advisories, which this machine cannot reach (it then fails, with
        --strict): `make audit` runs dry here, proving the locked export it audits."""
        project.make("security")
        output = project.make("audit", PIP_AUDIT_FLAGS="--dry-run")
        assert re.search(r"would have audited \d+ packages", output), output[-2000:]

    def test_rendered_suite_passes_with_coverage_floor(self, project):
        url = database_url_for(f"prodstarter_{project.preset}")
        env = {**project.service_env, **({"DATABASE_URL": url} if url else {})}
        output = project.make("test", **env)
        assert re.search(r"\d+ passed", output), output[-2000:]
        if url:
            assert "database: PostgreSQL at" in output, "the suite should report it ran on PostgreSQL"

    def test_gunicorn_serves_the_api(self, project, server):
        check_served_api(project, *server)
        # `make smoke`, what CI probes the compose service with, against this server.
        browser, _ = server
        output = project.make("smoke", WEB_PORT=str(browser.client.base_url.port))
        assert json.loads(output.splitlines()[-1])["status"] == "ok", output

    def test_a_client_generated_from_the_schema_works(self, project, server, tmp_path):
        browser, _ = server
        package = f"client_{project.preset.replace('-', '_')}"
        check_generated_client(browser, tmp_path, package, project.answers)

    def test_smoke_target_fails_without_a_ready_service(self, project):
        # curl's exit 7: nothing listens on the port.
        with pytest.raises(AssertionError, match=r"curl: \(7\)"):
            project.make("smoke", WEB_PORT=str(free_port()))


for _preset in PROJECT_PRESETS:
    _name = f"TestPreset{_preset.title().replace('-', '')}"
    globals()[_name] = type(_name, (ProjectChecks,), {"preset": _preset})


@pytest.fixture
def server(project, tmp_path):
    """Migrate a fresh database and serve the project with gunicorn under production settings."""
    # Redis afresh too: the rate limits the rendered suite counted there (logins from
    # 127.0.0.1 in the same window) would otherwise refuse the smoke test's logins.
    project.empty_redis()
    env = project.production_env(project.database_url("smoke"))
    if project.tasks == "celery":
        env["CELERY_BROKER_URL"] = project.smoke_broker_url()
    project.manage("migrate", "--noinput", env=env)
    project.manage("collectstatic", "--noinput", env=env)
    project.manage(
        "createsuperuser",
        "--noinput",
        env={
            **env,
            "DJANGO_SUPERUSER_EMAIL": SUPERUSER["email"],
            "DJANGO_SUPERUSER_PASSWORD": SUPERUSER["password"],
        },
    )
    stand_ins = ExitStack()
    stand_in = (
        stand_ins.enter_context(supabase_auth(project.path))
        if project.answers["auth"] == "supabase"
        else None
    )
    if stand_in is not None:
        env["SUPABASE_URL"] = stand_in.url
    # Presets run side by side: each worker's metrics endpoint needs a port of its own.
    worker = start_worker(project, {**env, "WORKER_METRICS_PORT": str(free_port())}, tmp_path / "worker.log")
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(project.path / ".venv/bin/gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "config.wsgi:application",
            ],
            cwd=project.path,
            # Presets run side by side: each gunicorn's /livez port must be its own.
            env={**env, "GUNICORN_LIVENESS_PORT": str(free_port())},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log_path.read_text()}"
            try:
                if httpx.get(f"{base_url}/livez", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"gunicorn never answered:\n{log_path.read_text()}"
            time.sleep(0.2)
        browser = Browser(base_url)
        browser.supabase_auth = stand_in
        yield browser, log_path
    finally:
        for child in (process, worker):
            if child is not None:
                child.terminate()
                child.wait(timeout=30)
        stand_ins.close()


def start_worker(project: Project, env: dict[str, str], log_path: Path) -> subprocess.Popen | None:
    """Start the preset's real task worker (None when it has no task queue)."""
    python = str(project.path / ".venv/bin/python")
    if project.tasks == "celery":
        command = [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
        command += ["--concurrency", "1"]
    elif project.tasks == "postgres":
        command = [python, "manage.py", "procrastinate", "worker"]
    else:
        return None
    with log_path.open("w") as log:
        return subprocess.Popen(command, cwd=project.path, env=env, stdout=log, stderr=subprocess.STDOUT)


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def check_detailed_health(browser: Browser) -> None:
    """Staff-only health: refused without the token, complete with it."""
    anonymous = browser.client.get("/health/detailed", headers={"X-Forwarded-Proto": "https"})
    assert anonymous.status_code == 401, anonymous.text
    report = browser.client.get(
        "/health/detailed",
        headers={"X-Forwarded-Proto": "https", "Authorization": f"Bearer {HEALTH_TOKEN}"},
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["commit"] == GIT_COMMIT
    assert all(check["status"] == "ok" for check in body["checks"].values()), body


def check_metrics(browser: Browser) -> None:
    """/metrics is closed without the token, and what it serves is valid exposition format."""
    proxy = {"X-Forwarded-Proto": "https"}
    refused = browser.client.get("/metrics", headers=proxy)
    assert refused.status_code in (403, 404), refused.text
    scraped = browser.client.get("/metrics", headers={**proxy, "Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200, scraped.text
    assert "django_http_requests_total" in scraped.text
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make promtool` installs Debian's prometheus package"
    result = subprocess.run(
        [promtool, "check", "metrics"], input=scraped.text, capture_output=True, text=True, check=False
    )
    # Exit 1: not parsable; exit 3: parsable but with lint findings (names, help texts).
    assert result.returncode == 0, result.stdout + result.stderr


def check_served_api(project: Project, browser: Browser, log_path: Path) -> None:
    assert browser.request("GET", "/livez").status_code == 200
    ready = browser.request("GET", "/readyz")
    assert ready.status_code == 200, ready.text
    schema = browser.request("GET", "/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")

    docs = browser.request("GET", "/api/docs/")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text)
    assert assets, "Swagger UI should load its assets from our own /static/"
    for asset in assets:
        assert browser.request("GET", asset).status_code == 200, asset
    assert "cdn" not in docs.text.lower()

    assert_problem(browser.request("GET", "/api/v1/auth/me/"), 401)
    log_in(browser, project.answers["auth"])

    if project.answers["example_app"] == "y":
        created = browser.request(
            "POST", "/api/v1/bookmarks/", json={"title": "Django", "url": "https://djangoproject.com"}
        )
        assert created.status_code == 201, created.text
        bookmark_id = created.json()["id"]
        listed = browser.request("GET", "/api/v1/bookmarks/")
        assert listed.status_code == 200
        assert [item["id"] for item in listed.json()["results"]] == [bookmark_id]
        fetched = browser.request("GET", f"/api/v1/bookmarks/{bookmark_id}/")
        assert fetched.json()["title"] == "Django"
        assert_problem(browser.request("GET", f"/api/v1/bookmarks/{uuid.uuid4()}/"), 404)
        invalid = browser.request("POST", "/api/v1/bookmarks/", json={"title": "", "url": "nope"})
        errors = assert_problem(invalid, 400)["errors"]
        assert {"title", "url"} <= set(errors)
        if project.tasks != "none":
            check_export_runs_on_the_worker(
                browser,
                log_path.parent / "worker.log",
                "https://djangoproject.com",
                credits=project.answers["credits"] == "y",
            )
    else:
        assert_problem(browser.request("GET", "/api/v1/no-such-resource/"), 404)
        if project.answers["auth"] != "supabase":  # Supabase Auth, not the API, takes passwords
            login_path = "/api/v1/auth/token/" if project.answers["auth"] == "jwt" else "/api/v1/auth/login/"
            errors = assert_problem(browser.request("POST", login_path, json={}), 400)["errors"]
            assert {"email", "password"} <= set(errors)

    check_detailed_health(browser)
    if project.answers["use_prometheus"] == "y":
        check_metrics(browser)

    request_id = f"smoke-{uuid.uuid4().hex}"
    traced = browser.request("GET", "/livez", headers={"X-Request-ID": request_id})
    assert traced.headers["X-Request-ID"] == request_id
    time.sleep(0.5)  # let the worker flush its log line
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    traced_lines = [line for line in lines if line.get("request_id") == request_id]
    assert traced_lines, "the request's JSON log line should carry its X-Request-ID"
    access = traced_lines[-1]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/livez", 200)
    assert {"timestamp", "level", "event", "logger", "duration_ms"} <= set(access)
