"""Run Django in a fresh process, with exactly the environment a test gives it."""

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


def production_env(**overrides: str) -> dict[str, str]:
    """What a deployment sets, and nothing from the developer's shell or .env."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "api.{{ cookiecutter.domain_name }}",
        "DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/production-checks.sqlite3",
{%- if cookiecutter.cache == "redis" %}
        # Connected to only when the cache is used, which these checks never do.
        "REDIS_URL": "redis://127.0.0.1:6379/0",
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
        # Connected to only when a task is sent, which these checks never do.
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
{%- endif %}
    }
    env.update(overrides)
    return env


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
