"""Checks shared by every GitHub Actions workflow we ship: the template's own and the
rendered projects'. Each returns nothing and fails with the validator's own output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

# Jobs may ask for more than this only through their own `permissions:` block.
READ_ONLY_DEFAULTS = ({}, {"contents": "read"})


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is a dev dependency of the template; run `make setup`"
    return path


def check(command: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"


def actionlint(workflows: list[Path]) -> None:
    """actionlint must report nothing (it also knows which action majors are too old)."""
    check([tool("actionlint"), "-no-color", *map(str, workflows)])


def check_schema(files: list[Path], schema: str) -> None:
    """``schema``: a check-jsonschema builtin, e.g. vendor.github-workflows or vendor.dependabot."""
    check([tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)])


def load_workflow(path: Path) -> dict:
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    return {("on" if key is True else key): value for key, value in yaml.safe_load(path.read_text()).items()}


def permission_problems(path: Path) -> list[str]:
    """Least privilege: the workflow's default token is read-only (or nothing), and every
    job states the permissions it needs."""
    workflow = load_workflow(path)
    problems = []
    if workflow.get("permissions") not in READ_ONLY_DEFAULTS:
        problems.append(f"{path.name}: top-level permissions must be {{}} or contents: read")
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions")
        if permissions is None:
            problems.append(f"{path.name}: job {name!r} does not state its permissions")
        elif not isinstance(permissions, dict):
            problems.append(f"{path.name}: job {name!r} uses {permissions!r}; list each permission")
    return problems


def used_actions(path: Path) -> list[str]:
    """Every ``owner/repo@ref`` a workflow uses (local ``./`` actions excluded)."""
    workflow = load_workflow(path)
    uses = []
    for job in workflow["jobs"].values():
        if "uses" in job:  # a reusable workflow
            uses.append(job["uses"])
        uses.extend(step["uses"] for step in job.get("steps", []) if "uses" in step)
    return [action for action in uses if not action.startswith("./")]
