"""The update path: a project rendered from an older template commit takes the current
template with `cruft update`, keeps its own changes, and still passes its own suite.

The template is copied into a throwaway git repository with two commits — the older one
(exported from this repository's history) and the working tree as it is now — so the test
runs against uncommitted changes too and never touches this checkout's git state.
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from prodstarter_tools.harness import TEMPLATE_DIR, run, uv_env
from prodstarter_tools.matrix import PROJECT_PRESETS, variants
from prodstarter_tools.services import RENDERED_SUITE_PROCESSES, database_url_for, redis_url_for

# The first commit whose renders record the template for cruft. Moving it forward (at a
# template release, say) keeps the update this test performs the one users will make.
OLDER_TEMPLATE_COMMIT = "674ac11a66e20cacc030bfcfcc69bed44bc41834"
ANSWERS = variants()["default"]
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Update Test",
    "GIT_AUTHOR_EMAIL": "update-test@example.com",
    "GIT_COMMITTER_NAME": "Update Test",
    "GIT_COMMITTER_EMAIL": "update-test@example.com",
}
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)


def git(cwd: Path, *args: str) -> str:
    return run(["git", *args], cwd, {**uv_env(ANSWERS["python_version"]), **GIT_IDENTITY}).strip()


def commit_everything(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--message", message)
    return git(repo, "rev-parse", "HEAD")


def working_tree_files() -> list[str]:
    """The template's files as they are now: tracked and new, minus what git ignores."""
    listed = git(TEMPLATE_DIR, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return [name for name in listed.split("\0") if name and (TEMPLATE_DIR / name).is_file()]


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory) -> tuple[Path, str, str]:
    """A git repository holding the older template commit and, on top, the current one."""
    repo = tmp_path_factory.mktemp("template") / "prodstarter"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch", "main")
    archive = subprocess.run(
        ["git", "-C", str(TEMPLATE_DIR), "archive", OLDER_TEMPLATE_COMMIT],
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"commit {OLDER_TEMPLATE_COMMIT} is missing: the update test needs the template's "
        f"history (a full clone, not a shallow one)\n{archive.stderr.decode()}"
    )
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive.stdout, check=True)
    older = commit_everything(repo, "Older template")
    git(repo, "rm", "--quiet", "-r", ".")
    for name in working_tree_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE_DIR / name, repo / name)
    current = commit_everything(repo, "Current template")
    return repo, older, current


def render_at(repo: Path, commit: str, output_dir: Path) -> Path:
    """Render with plain cookiecutter from the template repository checked out at ``commit``."""
    git(repo, "checkout", "--quiet", commit)
    try:
        project = cookiecutter(str(repo), no_input=True, extra_context=ANSWERS, output_dir=str(output_dir))
    finally:
        git(repo, "checkout", "--quiet", "main")
    return Path(project)


def files_under(root: Path, ignored: set[str]) -> set[str]:
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file()
        and not ({".git", ".venv"} | ignored) & set(path.relative_to(root).parts)
        and str(path.relative_to(root)) not in ignored
    }


def public_answers(cruft_state: dict) -> dict[str, str]:
    context = cruft_state["context"]["cookiecutter"]
    return {key: value for key, value in context.items() if not key.startswith("_")}


def test_cruft_link_records_what_the_post_gen_hook_records(template_repo, tmp_path):
    repo, older, _ = template_repo
    project = render_at(repo, older, tmp_path)
    recorded = json.loads((project / ".cruft.json").read_text())
    (project / ".cruft.json").unlink()

    run(
        [
            str(TEMPLATE_DIR / ".venv/bin/cruft"),
            "link",
            str(repo),
            "--checkout",
            older,
            "--no-input",
            "--extra-context",
            json.dumps(ANSWERS),
        ],
        project,
        uv_env(ANSWERS["python_version"]),
    )
    linked = json.loads((project / ".cruft.json").read_text())

    assert (
        (linked["template"], linked["commit"])
        == (recorded["template"], recorded["commit"])
        == (
            str(repo),
            older,
        )
    )
    assert public_answers(linked) == public_answers(recorded)
    # The older template asked only the questions it had then.
    options_then = json.loads(git(repo, "show", f"{older}:cookiecutter.json"))
    answered_then = {name: value for name, value in ANSWERS.items() if name in options_then}
    assert answered_then.items() <= public_answers(recorded).items()


def test_cruft_update_brings_an_older_project_to_the_current_template(template_repo, tmp_path):
    repo, older, current = template_repo
    project = render_at(repo, older, tmp_path / "older")
    env = uv_env(ANSWERS["python_version"])
    git(project, "init", "--quiet", "--initial-branch", "main")
    commit_everything(project, "Render the service")
    assert json.loads((project / ".cruft.json").read_text())["commit"] == older
    behind = subprocess.run(["make", "template-check"], cwd=project, env=env, capture_output=True, text=True)
    assert behind.returncode != 0, "template-check must fail while the project is behind"
    assert "out of date" in behind.stdout + behind.stderr, behind.stdout + behind.stderr

    # The team's own changes since the render: a file of theirs and one they deleted.
    (project / "docs").mkdir(exist_ok=True)
    (project / "docs" / "team.md").write_text("# On call\n\nThe platform team.\n")
    (project / ".editorconfig").unlink()
    secrets_before = (project / ".env").read_text()
    commit_everything(project, "Team changes")
    # What the project tells cruft to leave alone, as it says before the update.
    skipped = set(tomllib.loads((project / "pyproject.toml").read_text())["tool"]["cruft"]["skip"])
    assert ".env" in skipped

    output = run([str(TEMPLATE_DIR / ".venv/bin/cruft"), "update", "--skip-apply-ask"], project, env)

    assert not list(project.rglob("*.rej")), output
    conflicted = [
        name
        for name in files_under(project, ignored=set())
        if CONFLICT_MARKER.search((project / name).read_text(errors="replace"))
    ]
    assert conflicted == [], f"conflict markers left in {conflicted}"
    assert json.loads((project / ".cruft.json").read_text())["commit"] == current
    assert (project / ".env").read_text() == secrets_before, "an update must keep the project's secrets"
    assert (project / "docs" / "team.md").exists()
    assert not (project / ".editorconfig").exists(), "a file the team deleted must stay deleted"

    # Apart from the team's changes and the skipped paths, the project is now what the
    # current template renders.
    fresh = render_at(repo, current, tmp_path / "fresh")
    own = {".cruft.json", "docs/team.md", ".editorconfig"} | skipped
    updated_files, fresh_files = files_under(project, own), files_under(fresh, own)
    assert updated_files == fresh_files, updated_files ^ fresh_files
    _, differing, errors = filecmp.cmpfiles(project, fresh, sorted(fresh_files), shallow=False)
    assert (differing, errors) == ([], [])

    # Projects rendered at OLDER_TEMPLATE_COMMIT also told cruft to skip CHANGELOG.md (the
    # template stopped that right after): what a project skips, its team takes by hand.
    for name in sorted(skipped - {".env"}):
        if (fresh / name).exists() and not (project / name).exists():
            shutil.copy2(fresh / name, project / name)
    commit_everything(project, "Update from the template")
    run(["make", "template-check"], project, env)

    run(["uv", "sync", "--all-groups"], project, env)
    services = {}
    database_url = database_url_for("prodstarter_update")
    if database_url:
        services["DATABASE_URL"] = database_url
    # The numbers after the project tier's presets.
    first = 1 + RENDERED_SUITE_PROCESSES * len(PROJECT_PRESETS)
    redis_url = redis_url_for(first, numbers=RENDERED_SUITE_PROCESSES)
    if redis_url:
        services.update(REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url)
    output = run(["make", "test"], project, {**env, **services})
    assert re.search(r"\d+ passed", output), output[-2000:]
