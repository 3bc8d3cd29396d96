"""The preflight the image runs before each role: settings that cannot load stop it with 78."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import preflight
from tests.support.subprocesses import production_env, run_python


def test_a_missing_production_variable_exits_78_with_one_line_naming_it() -> None:
    env = production_env()
    del env["DATABASE_URL"]

    result = run_python("-m", "config.preflight", env=env)

    assert result.returncode == 78
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: ")
    assert "DATABASE_URL" in lines[0]


def test_complete_production_settings_pass() -> None:
    result = run_python("-m", "config.preflight", env=production_env())

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_the_preflight_turns_a_settings_refusal_into_exit_78(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse() -> None:
        raise ImproperlyConfigured("Set the REQUIRED_SETTING environment variable.")

    monkeypatch.setattr(preflight.django, "setup", refuse)

    assert preflight.main() == preflight.EX_CONFIG == 78
    assert capsys.readouterr().err == (
        "configuration error: Set the REQUIRED_SETTING environment variable.\n"
    )


def test_settings_that_load_pass_the_preflight() -> None:
    assert preflight.main() == 0
