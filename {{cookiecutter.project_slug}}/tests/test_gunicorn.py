"""gunicorn.conf.py: tuned from the environment, and a real server logging JSON only."""

import json
import os
import runpy
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.subprocesses import PROJECT_DIR, production_env, running_gunicorn

CONFIG_FILE = str(PROJECT_DIR / "gunicorn.conf.py")


def load_config(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in [
        "GUNICORN_BIND",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "GUNICORN_TIMEOUT",
        "GUNICORN_GRACEFUL_TIMEOUT",
        "GUNICORN_FORWARDED_ALLOW_IPS",
        "GUNICORN_LIVENESS_PORT",
        "LOG_LEVEL",
    ]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(CONFIG_FILE)


def test_defaults_suit_a_container(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(monkeypatch)

    assert config["wsgi_app"] == "config.wsgi:application"
    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == min(2 * len(os.sched_getaffinity(0)) + 1, 8)
    assert (config["threads"], config["timeout"], config["graceful_timeout"]) == (2, 30, 30)
    assert config["liveness_port"] == 8001
    assert config["accesslog"] is None
    assert config["control_socket_disable"] is True
    assert config["errorlog"] == "-"
    assert config["loglevel"] == "info"
    shm = "/dev/shm"  # noqa: S108
    assert config["worker_tmp_dir"] == (shm if os.path.isdir(shm) else None)


def test_the_environment_tunes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(
        monkeypatch,
        GUNICORN_BIND="127.0.0.1:9000",
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="4",
        GUNICORN_TIMEOUT="60",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_FORWARDED_ALLOW_IPS="*",
        GUNICORN_LIVENESS_PORT="9001",
        LOG_LEVEL="WARNING",
    )

    assert config["bind"] == "127.0.0.1:9000"
    assert (config["workers"], config["threads"]) == (3, 4)
    assert (config["timeout"], config["graceful_timeout"]) == (60, 20)
    assert config["forwarded_allow_ips"] == "*"
    assert config["liveness_port"] == 9001
    assert config["loglevel"] == "warning"
    assert config["logconfig_dict"]["root"]["level"] == "WARNING"


def one_worker_env() -> dict[str, str]:
    return production_env(WEB_CONCURRENCY="1", DJANGO_ALLOWED_HOSTS="127.0.0.1")


def test_a_real_server_writes_json_lines_only_and_one_access_line_per_request(
    tmp_path: Path,
) -> None:
    log = tmp_path / "gunicorn.log"
    with running_gunicorn(one_worker_env(), log) as server:
        request = urllib.request.Request(f"{server.url}/livez", headers={"X-Request-ID": "smoke-1"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert response.headers["X-Request-ID"] == "smoke-1"
            # gunicorn would name itself in a Server header: gunicorn.conf.py drops it.
            assert "Server" not in response.headers

    records = [json.loads(line) for line in log.read_text().splitlines()]

    assert any(record["event"].startswith("Booting worker") for record in records)
    assert not any("Control socket" in record["event"] for record in records)
    [access] = [record for record in records if record.get("request_id") == "smoke-1"]
    assert access["event"] == "request_finished"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/livez", 200)


def get_status(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status


def test_a_real_server_answers_probes_sent_to_the_pod_address(tmp_path: Path) -> None:
    with running_gunicorn(one_worker_env(), tmp_path / "gunicorn.log") as server:
        assert get_status(f"{server.url}/livez", Host="10.1.2.3:8000") == 200
        assert get_status(f"{server.url}/api/schema/", Host="10.1.2.3:8000") == 400


def test_each_worker_answers_livez_on_the_liveness_port_and_nothing_else(tmp_path: Path) -> None:
    environment = production_env(WEB_CONCURRENCY="2", DJANGO_ALLOWED_HOSTS="127.0.0.1")
    with running_gunicorn(environment, tmp_path / "gunicorn.log") as server:
        # Either worker may take each connection (SO_REUSEPORT).
        answers = [urllib.request.urlopen(server.liveness_url, timeout=5) for _ in range(6)]  # noqa: S310
        other = server.liveness_url.replace("/livez", "/readyz")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(other, timeout=5)  # noqa: S310

    for answer in answers:
        assert (answer.status, json.loads(answer.read())) == (200, {"status": "ok"})
        assert answer.headers["Cache-Control"] == "no-store"
    assert refused.value.code == 404
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert json.loads(refused.value.read())["status"] == 404
