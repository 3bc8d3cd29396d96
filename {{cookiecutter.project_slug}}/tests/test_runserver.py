"""The development server (make run) says each thing once at start-up.

runserver runs Django in two processes, the autoreloader and the server it starts; what
the server reports must not come from both.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

{% if cookiecutter.cache == "redis" or cookiecutter.task_queue != "none" -%}
import pytest
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

{% endif -%}
from tests.support.subprocesses import PROJECT_DIR, free_port, no_services_env
{%- if cookiecutter.cache == "redis" or cookiecutter.task_queue != "none" %}

from {{ cookiecutter.project_slug }}.common.startup import is_autoreloader
{%- endif %}

# With nothing configured, as on a bare laptop: what runs in-process says so.
START_UP_LINES = [
{%- if cookiecutter.task_queue == "celery" %}
    "tasks_in_process",
{%- elif cookiecutter.task_queue == "postgres" %}
    "tasks_run_in_process",
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
    "cache_in_process",
{%- endif %}
    "Watching for file changes with StatReloader",
    "Starting development server at",
]
COLOURS = re.compile(r"\x1b\[[0-9;]*m")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+Z ")


def start_up_output(tmp_path: Path) -> list[str]:
    """The lines runserver prints until it serves, without colours and timestamps."""
    log_path = tmp_path / "runserver.log"
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.development",
        **no_services_env(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    with log_path.open("w") as log:
        # A session of its own, so that stopping it stops the server it starts too.
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{free_port()}"],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "Quit the server with" not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    lines = (TIMESTAMP.sub("", COLOURS.sub("", line)).strip() for line in log_path.open())
    return [line for line in lines if line]


def test_the_development_server_prints_each_start_up_line_once(tmp_path: Path) -> None:
    lines = start_up_output(tmp_path)

    assert [line for line, count in Counter(lines).items() if count > 1] == []
    for expected in START_UP_LINES:
        assert len([line for line in lines if expected in line]) == 1, lines
{%- if cookiecutter.cache == "redis" or cookiecutter.task_queue != "none" %}


@pytest.mark.parametrize(
    ("argv", "reloaded", "autoreloader"),
    [
        (["manage.py", "runserver"], False, True),
        (["manage.py", "runserver", "127.0.0.1:8001"], False, True),
        # The server the autoreloader starts: it serves, and reports.
        (["manage.py", "runserver"], True, False),
        # One process, which serves.
        (["manage.py", "runserver", "--noreload"], False, False),
        (["manage.py", "migrate"], False, False),
        (["gunicorn", "--config", "gunicorn.conf.py"], False, False),
    ],
)
def test_only_the_autoreloader_of_runserver_keeps_its_reports(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], reloaded: bool, autoreloader: bool
) -> None:
    monkeypatch.setattr(sys, "argv", argv)
    if reloaded:
        monkeypatch.setenv(DJANGO_AUTORELOAD_ENV, "true")
    else:
        monkeypatch.delenv(DJANGO_AUTORELOAD_ENV, raising=False)

    assert is_autoreloader() is autoreloader
{%- endif %}
