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


# The one table of action majors our workflows (the template's and the rendered ones)
# may use: the newest major of each action as of November 2026. Checked by hand against
# each action's releases and Dependabot's "Bump <action> from N to N+1" pull requests;
# actionlint only knows older majors. setup-uv publishes no moving major tag since v8
# (immutable releases): it is pinned to a full version, whose major counts.
# Update this table with the workflows when Dependabot proposes a new major.
SUPPORTED_MAJORS = {
    "actions/attest-build-provenance": 4,
    "actions/checkout": 7,
    "actions/setup-python": 7,
    "astral-sh/setup-uv": 8,
    "docker/build-push-action": 7,
    "docker/login-action": 4,
    "docker/metadata-action": 6,
    "docker/setup-buildx-action": 4,
}


def unsupported_actions(path: Path) -> list[str]:
    """Each action a workflow uses that is not in SUPPORTED_MAJORS or not on its major."""
    problems = []
    for action in used_actions(path):
        name, _, ref = action.partition("@")
        major = SUPPORTED_MAJORS.get(name)
        if major is None:
            problems.append(f"{path.name}: {action} is not in SUPPORTED_MAJORS")
        elif ref.split(".")[0] != f"v{major}":
            problems.append(f"{path.name}: {action} is not on v{major}")
    return problems
