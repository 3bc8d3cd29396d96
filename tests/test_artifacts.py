"""Artifacts tier: generated and shipped artifacts pass their real validators."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness import TEMPLATE_DIR

pytestmark = pytest.mark.artifacts

TEMPLATE_WORKFLOWS = sorted((TEMPLATE_DIR / ".github" / "workflows").glob("*.yml"))


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is a dev dependency of the template; run `make setup`"
    return path


def check(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("workflow", TEMPLATE_WORKFLOWS, ids=lambda path: path.name)
def test_template_workflows_pass_actionlint(workflow: Path):
    check([tool("actionlint"), "-no-color", str(workflow)])


@pytest.mark.parametrize("workflow", TEMPLATE_WORKFLOWS, ids=lambda path: path.name)
def test_template_workflows_match_the_workflow_schema(workflow: Path):
    check([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)])


def test_template_has_workflows():
    assert [path.name for path in TEMPLATE_WORKFLOWS] == ["ci.yml"]
