"""Artifacts tier: the rendered project's GitHub Actions workflows and Dependabot config.

For every variant with ci=github: actionlint and the JSON schemas pass, each job holds
only the permissions it needs, every action is on a supported major, every `make`
target a workflow runs exists in that variant's Makefile, and the test job's service
containers are the ones the variant uses.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prodstarter_tools import workflow_checks
from prodstarter_tools.harness import render
from prodstarter_tools.matrix import VARIANTS

GITHUB_VARIANTS = [name for name, answers in VARIANTS.items() if answers["ci"] == "github"]
WORKFLOWS = ["ci.yml", "release.yml"]
MAKE_COMMAND = re.compile(r"(?:^|[\s;&|(])make((?:\s+[a-z][a-z-]*)+)")


def workflows(project: Path) -> list[Path]:
    return [project / ".github" / "workflows" / name for name in WORKFLOWS]


def steps_of(job: dict) -> list[dict]:
    return job.get("steps", [])


def make_targets(workflow: dict) -> dict[str, list[str]]:
    """job -> the Makefile targets its `run:` steps call, in order."""
    return {
        name: [
            target
            for step in steps_of(job)
            for match in MAKE_COMMAND.finditer(step.get("run", ""))
            for target in match.group(1).split()
        ]
        for name, job in workflow["jobs"].items()
    }


def needs_redis(answers: dict[str, str]) -> bool:
    return answers["cache"] == "redis" or answers["task_queue"] == "celery"


@pytest.mark.parametrize("variant", GITHUB_VARIANTS)
def test_workflows_pass_actionlint_and_the_schemas(rendered, variant):
    project = rendered(variant)
    workflow_checks.actionlint(workflows(project))
    workflow_checks.check_schema(workflows(project), "vendor.github-workflows")
    workflow_checks.check_schema([project / ".github" / "dependabot.yml"], "vendor.dependabot")


@pytest.mark.parametrize("variant", GITHUB_VARIANTS)
def test_jobs_hold_least_privilege(rendered, variant):
    project = rendered(variant)
    for path in workflows(project):
        assert workflow_checks.permission_problems(path) == []
    granted = {
        (path.name, name): job["permissions"]
        for path in workflows(project)
        for name, job in workflow_checks.load_workflow(path)["jobs"].items()
    }
    read_only = {"contents": "read"}
    assert granted == {
        ("ci.yml", "lint"): read_only,
        ("ci.yml", "test"): read_only,
        ("ci.yml", "security"): read_only,
        ("ci.yml", "image"): read_only,
        ("ci.yml", "template-check"): read_only,
        # Pushing the image and signing its attestation; nothing else may write.
        ("release.yml", "image"): {
            "contents": "read",
            "packages": "write",
            "id-token": "write",
            "attestations": "write",
        },
        ("release.yml", "release"): {"contents": "write"},
    }


@pytest.mark.parametrize("variant", GITHUB_VARIANTS)
def test_actions_are_on_supported_majors(rendered, variant):
    project = rendered(variant)
    for path in workflows(project):
        assert workflow_checks.unsupported_actions(path) == []


@pytest.mark.parametrize("variant", GITHUB_VARIANTS)
def test_workflows_run_makefile_targets_that_exist(rendered, variant):
    """What CI runs is what a developer runs: each job's commands are Makefile targets."""
    project = rendered(variant)
    ci = workflow_checks.load_workflow(project / ".github" / "workflows" / "ci.yml")
    assert make_targets(ci) == {
        "lint": ["install", "lint", "typecheck"],
        "test": ["install", "test", "check", "check-deploy"],
        "security": ["audit", "security"],
        "image": ["env", "up", "smoke", "down"],
        "template-check": ["template-check"],
    }
    targets = sorted({target for job in make_targets(ci).values() for target in job})
    # make --dry-run fails on a target the Makefile does not define.
    result = subprocess.run(
        ["make", "--dry-run", *targets], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variant", GITHUB_VARIANTS)
def test_test_job_services_match_the_variant(rendered, variant):
    answers = VARIANTS[variant]
    project = rendered(variant)
    job = workflow_checks.load_workflow(project / ".github" / "workflows" / "ci.yml")["jobs"]["test"]

    assert set(job["services"]) == ({"postgres", "redis"} if needs_redis(answers) else {"postgres"})
    for name, service in job["services"].items():
        assert "--health-cmd" in service["options"], f"{name} needs a healthcheck to be waited for"
    assert job["services"]["postgres"]["image"] == "postgres:17"
    if needs_redis(answers):
        assert job["services"]["redis"]["image"] == "redis:7"
    expected_env = {"DATABASE_URL", "REQUIRE_SERVICES"}
    if answers["cache"] == "redis":
        expected_env.add("REDIS_URL")
    if answers["task_queue"] == "celery":
        expected_env.add("CELERY_BROKER_URL")
    assert set(job["env"]) == expected_env


def test_template_check_never_blocks_a_push_or_pull_request(rendered):
    ci = workflow_checks.load_workflow(rendered("default") / ".github" / "workflows" / "ci.yml")
    condition = ci["jobs"]["template-check"]["if"]
    assert condition == "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"
    assert {"schedule", "workflow_dispatch"} <= set(ci["on"])
    for name, job in ci["jobs"].items():
        if name != "template-check":
            assert "if" not in job, f"{name} should run on every event"


def test_release_publishes_a_lowercase_ghcr_image_with_sbom_and_provenance(tmp_path):
    """GHCR refuses uppercase names, which GitHub owners may have."""
    answers = {**VARIANTS["default"], "github_repository": "Acme-Corp/Orders-API"}
    project = render(answers, tmp_path)
    release = workflow_checks.load_workflow(project / ".github" / "workflows" / "release.yml")

    assert release["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert release["env"]["IMAGE"] == "ghcr.io/acme-corp/orders-api"
    steps = {step.get("uses", "").split("@")[0]: step for step in steps_of(release["jobs"]["image"])}
    metadata = steps["docker/metadata-action"]["with"]
    assert metadata["flavor"] == "latest=false"
    assert metadata["tags"].splitlines() == [
        "type=semver,pattern={{version}}",
        "type=semver,pattern={{major}}.{{minor}}",
        "type=raw,value=latest,enable=${{ steps.latest.outputs.latest }}",
    ]
    build = steps["docker/build-push-action"]["with"]
    assert (build["push"], build["sbom"], build["provenance"]) == (True, True, "mode=max")
    attest = steps["actions/attest-build-provenance"]["with"]
    assert attest["subject-name"] == "${{ env.IMAGE }}"
    assert attest["push-to-registry"] is True
    assert (project / ".github" / "CODEOWNERS").read_text().splitlines()[-1] == "* @Acme-Corp"


@pytest.mark.parametrize("variant", GITHUB_VARIANTS)
def test_dependabot_updates_every_ecosystem_the_project_has(rendered, variant):
    dependabot = yaml.safe_load((rendered(variant) / ".github" / "dependabot.yml").read_text())
    ecosystems = {update["package-ecosystem"] for update in dependabot["updates"]}
    assert ecosystems == {"uv", "github-actions", "docker-compose", "pre-commit"}
    for update in dependabot["updates"]:
        assert update["schedule"]["interval"] == "weekly"
        assert [group["update-types"] for group in update["groups"].values()] == [["minor", "patch"]]


def test_every_workflow_passes_checkov(rendered, tmp_path: Path):
    """`make security` runs checkov's github_actions checks: one run over every variant."""
    for variant in GITHUB_VARIANTS:
        shutil.copytree(rendered(variant) / ".github", tmp_path / variant / ".github")
    command = [workflow_checks.tool("checkov"), "--directory", str(tmp_path), "--framework", "github_actions"]
    result = subprocess.run(
        [*command, "--quiet", "--compact", "--output", "json"], capture_output=True, text=True, check=False
    )
    report = json.loads(result.stdout)
    report = report if isinstance(report, dict) else report[0]
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, summary
    assert summary["passed"] > 0, summary
    failures = [
        f"{check['file_path']}: {check['check_id']} {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("variant", VARIANTS)
def test_make_env_fills_the_secrets_the_post_gen_hook_fills(rendered, variant, tmp_path):
    """CI's compose smoke test (and a new clone) writes .env with scripts/write_env.py;
    it must generate the same secrets as the render did (the hook calls that script)."""
    project = rendered(variant)
    shutil.copytree(project / "scripts", tmp_path / "scripts")
    shutil.copy(project / ".env.example", tmp_path)
    write_env = tmp_path / "scripts" / "write_env.py"
    subprocess.run([sys.executable, str(write_env)], check=True, capture_output=True)

    def values(path: Path) -> dict[str, str]:
        lines = path.read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))

    written, example = values(tmp_path / ".env"), values(tmp_path / ".env.example")
    generated = {name for name in written if written[name] != example[name]}
    rendered_env = values(project / ".env")
    assert generated == {name for name in rendered_env if rendered_env[name] != example[name]}
    assert "DJANGO_SECRET_KEY" in generated
