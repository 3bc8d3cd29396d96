"""Tests that need a service are skipped, visibly, without it, and fail under REQUIRE_SERVICES=1."""

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import require_services
from tests.support.subprocesses import PROJECT_DIR, no_services_env

MISSING = {"postgresql": "needs PostgreSQL, the tests run on SQLite"}

APPS = "src/{{ cookiecutter.project_slug }}"
# A real test for each service marker.
MARKED_TESTS = {
    "postgresql": "tests/test_database.py::test_connections_come_from_the_pool_and_go_back_to_it",
{%- if cookiecutter.cache == "redis" %}
    "redis": f"{APPS}/common/tests/test_cache.py::test_the_cache_is_redis",
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
    "celery_broker": (
        f"{APPS}/health/tests/test_readiness.py::test_a_running_broker_passes_the_broker_check"
    ),
{%- endif %}
}
REASONS = {
    "postgresql": "needs PostgreSQL",
{%- if cookiecutter.cache == "redis" %}
    "redis": "needs Redis: set REDIS_URL",
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
    "celery_broker": "needs a Celery broker: set CELERY_BROKER_URL",
{%- endif %}
}


def test_a_test_whose_service_is_missing_is_skipped_with_the_reason() -> None:
    with pytest.raises(pytest.skip.Exception, match="needs PostgreSQL, the tests run on SQLite"):
        require_services({"postgresql", "django_db"}, MISSING, required=False)


def test_with_require_services_it_fails_instead() -> None:
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_SERVICES=1, but this test needs"):
        require_services({"postgresql"}, MISSING, required=True)


def test_a_test_whose_services_are_there_runs() -> None:
    require_services({"django_db", "urls"}, MISSING, required=True)


def run_marked_tests_without_services(tmp_path: Path, **variables: str) -> dict[str, str]:
    """Run MARKED_TESTS in a fresh pytest with no service configured; each one's outcome."""
    report = tmp_path / "report.xml"
    environment = {
        **os.environ,
        **no_services_env(tmp_path),
    }
    environment.pop("REQUIRE_SERVICES", None)
    environment.update(variables)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--junit-xml={report}",
            *MARKED_TESTS.values(),
        ],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        timeout=120,
        check=False,
    )
    outcomes = {}
    # The report of the pytest just run, not outside input.
    for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314
        [result] = [child for child in case if child.tag in {"skipped", "failure", "error"}]
        outcomes[case.attrib["name"]] = f"{result.tag}: {result.attrib['message']}"
    return outcomes


def test_without_their_services_the_marked_tests_are_skipped(tmp_path: Path) -> None:
    outcomes = run_marked_tests_without_services(tmp_path)

    for marker, test in MARKED_TESTS.items():
        assert outcomes[test.rpartition("::")[2]].startswith(f"skipped: {REASONS[marker]}")


def test_with_require_services_the_marked_tests_fail(tmp_path: Path) -> None:
    outcomes = run_marked_tests_without_services(tmp_path, REQUIRE_SERVICES="1")

    for marker, test in MARKED_TESTS.items():
        outcome = outcomes[test.rpartition("::")[2]]
        assert outcome.startswith("error: ")
        assert f"REQUIRE_SERVICES=1, but this test {REASONS[marker]}" in outcome
