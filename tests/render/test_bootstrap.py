"""GitHub's "Use this template": scripts/bootstrap.py turns a copy of the template into the project.

Each test builds what GitHub creates: a fresh repository whose one commit holds the
template's files (this checkout's tracked and new files, so uncommitted work is tested
too), then runs the script the way .github/workflows/bootstrap.yml does, minus the push.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from prodstarter_tools.harness import TEMPLATE_DIR

SCRIPT = TEMPLATE_DIR / "scripts" / "bootstrap.py"
BOOTSTRAP_WORKFLOW = TEMPLATE_DIR / ".github" / "workflows" / "bootstrap.yml"
TEMPLATE_URL = "https://github.com/acme/prodstarter"
TEMPLATE_COMMIT = "0123456789abcdef0123456789abcdef01234567"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Bootstrap Test",
    "GIT_AUTHOR_EMAIL": "bootstrap-test@example.com",
    "GIT_COMMITTER_NAME": "Bootstrap Test",
    "GIT_COMMITTER_EMAIL": "bootstrap-test@example.com",
}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, env=git_env()
    )
    assert result.returncode == 0, f"git {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def git_env() -> dict[str, str]:
    # Nothing from the machine's git configuration (hooks, signing, identity) leaks in.
    return {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **GIT_IDENTITY}


def tracked(repo: Path) -> set[str]:
    return {name for name in git(repo, "ls-files", "-z").split("\0") if name}


def bootstrap(repo: Path, repository: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--repository", repository]
    command += ["--template-url", TEMPLATE_URL, "--template-commit", TEMPLATE_COMMIT, *extra]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False, env=git_env())


@pytest.fixture
def template_copy(tmp_path) -> Path:
    """A repository as "Use this template" creates it: the template's files, one commit."""
    repo = tmp_path / "order-service"
    repo.mkdir()
    listed = git(TEMPLATE_DIR, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        source = TEMPLATE_DIR / name
        if source.is_file():  # a file deleted but not yet committed is still listed
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "--quiet", "--initial-branch", "main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--message", "Initial commit")
    return repo


def test_bootstrap_replaces_the_template_with_the_project_in_one_commit(template_copy, tmp_path):
    repo = template_copy
    initial = git(repo, "rev-parse", "HEAD").strip()
    answers = {"project_name": "Order Service", "project_slug": "order_service", "author_name": "Acme Ltd"}
    # What plain cookiecutter renders from the same copy with the same answers.
    plain = Path(
        cookiecutter(
            str(repo),
            no_input=True,
            extra_context={**answers, "github_repository": "acme/order-service"},
            output_dir=str(tmp_path / "plain"),
        )
    )

    result = bootstrap(repo, "acme/order-service", "--answers", '{"author_name": "Acme Ltd"}')

    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-list", "--count", f"{initial}..HEAD").strip() == "1"
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    files = tracked(repo)
    # The project at the root, named after the repository.
    assert {"manage.py", "pyproject.toml", "src/order_service/__init__.py", ".cruft.json"} <= files
    # Not one file of the template left, its own workflows included.
    leftovers = {"cookiecutter.json", "uv.lock", ".github/workflows/bootstrap.yml", "scripts/bootstrap.py"}
    leftovers |= {"docs/maintainers.md", "docs/options.md", "tests/render/test_bootstrap.py"}
    assert not leftovers & files
    assert not [name for name in files if name.startswith(("hooks/", "{{cookiecutter.project_slug}}/"))]
    assert not (repo / "hooks").exists()
    assert not (repo / "{{cookiecutter.project_slug}}").exists()
    # Exactly the rendered project, file for file; only .cruft.json says where it came from.
    assert files == {str(path.relative_to(plain)) for path in plain.rglob("*") if path.is_file()} - {".env"}
    differing = [name for name in files if (repo / name).read_bytes() != (plain / name).read_bytes()]
    assert differing == [".cruft.json"]
    # .env holds its fresh secrets but stays out of version control.
    assert (repo / ".env").is_file()
    assert ".env" not in files
    assert git(repo, "check-ignore", ".env").strip() == ".env"
    # The answers and the template, as `cruft update` needs them.
    state = json.loads((repo / ".cruft.json").read_text())
    assert (state["template"], state["commit"]) == (TEMPLATE_URL, TEMPLATE_COMMIT)
    context = state["context"]["cookiecutter"]
    assert (context["_template"], context["_commit"]) == (TEMPLATE_URL, TEMPLATE_COMMIT)
    assert {key: context[key] for key in answers} == answers
    assert context["github_repository"] == "acme/order-service"
    assert str(tmp_path) not in (repo / ".cruft.json").read_text(), "a path of the machine leaked"


def test_bootstrap_twice_changes_nothing(template_copy):
    repo = template_copy
    assert bootstrap(repo, "acme/order-service").returncode == 0
    head = git(repo, "rev-parse", "HEAD")

    again = bootstrap(repo, "acme/order-service")

    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


@pytest.mark.parametrize(
    ("repository", "answers", "message"),
    [
        (
            "acme/123",
            "{}",
            r"project_slug '123' is not a lowercase Python identifier.*\n.*Rename the repository",
        ),
        ("acme/django", "{}", r"project_slug 'django' would shadow.*\n.*Rename the repository"),
        ("acme/order-service", '{"project_slug": "orders"}', r"follow from the repository's name"),
        ("acme/order-service", '{"colour": "red"}', r"unknown answers \['colour'\]"),
    ],
    ids=["digits", "shadowing", "slug-answer", "unknown-answer"],
)
def test_refused_input_says_why_and_leaves_the_repository_untouched(
    template_copy, repository, answers, message
):
    repo = template_copy
    head = git(repo, "rev-parse", "HEAD")

    result = bootstrap(repo, repository, "--answers", answers)

    assert result.returncode == 1
    assert re.search(message, result.stderr), result.stderr
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored") == ""


def test_bootstrap_workflow_renders_with_the_tested_cookiecutter():
    """The workflow pins the cookiecutter these tests render with (uv.lock), so what the
    bootstrap renders is what the matrix proved."""
    lock = (TEMPLATE_DIR / "uv.lock").read_text()
    locked = re.search(r'\[\[package\]\]\nname = "cookiecutter"\nversion = "([^"]+)"', lock)
    assert locked, "cookiecutter is missing from uv.lock"
    pins = re.findall(r"cookiecutter==(\S+)", BOOTSTRAP_WORKFLOW.read_text())
    assert pins == [locked[1]]
