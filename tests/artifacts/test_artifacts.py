"""Artifacts tier: generated and shipped artifacts pass their real validators."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from prodstarter_tools import workflow_checks
from prodstarter_tools.harness import TEMPLATE_DIR

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
    assert [path.name for path in TEMPLATE_WORKFLOWS] == ["bootstrap.yml", "ci.yml"]


@pytest.mark.parametrize("workflow", TEMPLATE_WORKFLOWS, ids=lambda path: path.name)
def test_template_workflows_grant_least_privilege(workflow: Path):
    assert workflow_checks.permission_problems(workflow) == []


@pytest.mark.parametrize("workflow", TEMPLATE_WORKFLOWS, ids=lambda path: path.name)
def test_template_workflows_use_supported_action_majors(workflow: Path):
    assert workflow_checks.unsupported_actions(workflow) == []


def test_template_ci_runs_every_tier():
    """Each tier of `make test` has a job; the heavy ones run on main, nightly and on demand."""
    ci = workflow_checks.load_workflow(TEMPLATE_DIR / ".github" / "workflows" / "ci.yml")
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(ci["on"])
    targets = {
        name: [step["run"] for step in job["steps"] if "make test" in step.get("run", "")]
        for name, job in ci["jobs"].items()
    }
    assert targets == {
        "static": ["make test-fast"],
        "project": ["make test-project"],
        "image": ['sudo --preserve-env env "PATH=$PATH" make test-image'],
    }
    for heavy in ("project", "image"):
        condition = ci["jobs"][heavy]["if"]
        assert "pull_request" not in condition, heavy
        assert "refs/heads/main" in condition, heavy
        assert ci["jobs"][heavy]["needs"] == "static"


def test_otel_collector_pipelines_use_only_defined_components(rendered):
    """No collector binary comes from PyPI: check what `otelcol validate` would reject first."""
    config = yaml.safe_load((rendered("default") / "observability" / "otel-collector.yaml").read_text())
    pipelines = config["service"]["pipelines"]

    assert set(pipelines) == {"traces", "metrics"}
    used = {"receivers": set(), "processors": set(), "exporters": set()}
    for pipeline in pipelines.values():
        assert pipeline["processors"][0] == "memory_limiter", "memory_limiter must come first"
        assert "batch" in pipeline["processors"]
        assert "debug" in pipeline["exporters"]
        for kind in used:
            assert pipeline[kind], f"a pipeline without {kind}"
            used[kind] |= set(pipeline[kind])
    for kind, names in used.items():
        assert names == set(config[kind]), f"{kind}: defined and used differ"
    assert set(config["service"]["extensions"]) == set(config["extensions"])
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    backends = [exporter["endpoint"] for name, exporter in config["exporters"].items() if name != "debug"]
    assert backends == ["${env:TRACES_BACKEND_ENDPOINT}", "${env:METRICS_BACKEND_ENDPOINT}"]
