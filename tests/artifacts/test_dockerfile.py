"""Artifacts tier: every variant's Dockerfile passes hadolint and checkov."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from prodstarter_tools.matrix import VARIANTS


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is a dev dependency of the template; run `make setup`"
    return path


@pytest.mark.parametrize("variant", VARIANTS)
def test_dockerfile_passes_hadolint(rendered, variant):
    # Errors fail the build; so do warnings: the Dockerfile has none, and a new one
    # deserves a fix or an ignore comment that says why.
    dockerfile = rendered(variant) / "Dockerfile"
    result = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "warning", "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{variant}:\n{result.stdout}{result.stderr}"


def test_every_dockerfile_passes_checkov(rendered, tmp_path: Path):
    """checkov takes seconds to start: one run over a folder of every variant's Dockerfile."""
    for variant in VARIANTS:
        folder = tmp_path / variant
        folder.mkdir()
        shutil.copy(rendered(variant) / "Dockerfile", folder / "Dockerfile")
    command = [tool("checkov"), "--directory", str(tmp_path), "--framework", "dockerfile"]
    result = subprocess.run(
        [*command, "--quiet", "--compact", "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    assert summary["resource_count"] == len(VARIANTS), summary
    assert summary["parsing_errors"] == 0, summary
    failures = [
        f"{check['file_path'].strip('/').split('/')[0]}: {check['check_id']} {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]
    assert failures == [], "\n".join(failures)
