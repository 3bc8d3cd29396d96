"""scripts/release.py, which the release workflow runs: the notes of a release and
whether its image is tagged `latest`, on a real git history."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "release.py"
GIT = shutil.which("git") or "git"
# No user configuration: a signing key or a hook of the developer's must not interfere.
GIT_ENV = {
    "PATH": os.environ["PATH"],
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Release Test",
    "GIT_AUTHOR_EMAIL": "release@example.com",
    "GIT_COMMITTER_NAME": "Release Test",
    "GIT_COMMITTER_EMAIL": "release@example.com",
}

Git = Callable[..., str]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git_in(tmp_path)("init", "--quiet", "--initial-branch", "main")
    return tmp_path


def git_in(repo: Path) -> Git:
    def git(*args: str) -> str:
        result = subprocess.run(
            [GIT, *args], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    return git


def commit(repo: Path, subject: str) -> str:
    git = git_in(repo)
    git("commit", "--quiet", "--allow-empty", "--message", subject)
    return git("rev-parse", "--short", "HEAD")


def release(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=repo,
        env=GIT_ENV,
        capture_output=True,
        text=True,
        check=False,
    )


def notes(repo: Path, tag: str) -> str:
    result = release(repo, "notes", tag)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_first_release_lists_every_commit(repo: Path) -> None:
    first = commit(repo, "Initial commit")
    second = commit(repo, "Add the orders API")
    git_in(repo)("tag", "v0.1.0")

    assert notes(repo, "v0.1.0") == (
        f"## Changes\n\n- Add the orders API ({second})\n- Initial commit ({first})\n"
    )


def test_notes_list_the_commits_since_the_previous_release(repo: Path) -> None:
    git = git_in(repo)
    commit(repo, "Initial commit")
    git("tag", "--annotate", "--message", "First", "v1.0.0")
    fix = commit(repo, "Fix the pagination links")
    feature = commit(repo, "Add CSV export")
    git("tag", "v1.1.0")
    commit(repo, "Work after the release")

    assert notes(repo, "v1.1.0") == (
        "## Changes since v1.0.0\n\n"
        f"- Add CSV export ({feature})\n"
        f"- Fix the pagination links ({fix})\n"
    )


def test_a_final_release_covers_its_pre_releases(repo: Path) -> None:
    git = git_in(repo)
    commit(repo, "Initial commit")
    git("tag", "v1.0.0")
    early = commit(repo, "Early change")
    git("tag", "v1.1.0-rc.1")
    late = commit(repo, "Late fix")
    git("tag", "v1.1.0")

    assert "since v1.0.0" in notes(repo, "v1.1.0")
    assert f"({early})" in notes(repo, "v1.1.0")
    assert notes(repo, "v1.1.0-rc.1") == f"## Changes since v1.0.0\n\n- Early change ({early})\n"
    assert f"({late})" not in notes(repo, "v1.1.0-rc.1")


def test_a_merge_commit_is_not_a_change_of_its_own(repo: Path) -> None:
    git = git_in(repo)
    commit(repo, "Initial commit")
    git("tag", "v1.0.0")
    git("switch", "--quiet", "--create", "feature")
    feature = commit(repo, "Add search")
    git("switch", "--quiet", "main")
    git("merge", "--quiet", "--no-ff", "--message", "Merge branch feature", "feature")
    git("tag", "v1.1.0")

    assert notes(repo, "v1.1.0") == f"## Changes since v1.0.0\n\n- Add search ({feature})\n"


def test_latest_marks_a_final_release_on_the_default_branch(repo: Path) -> None:
    git = git_in(repo)
    commit(repo, "Initial commit")
    git("tag", "v1.0.0")
    commit(repo, "Next")
    git("tag", "v1.1.0-rc.1")
    # A fix released from a maintenance branch the default branch does not contain.
    git("switch", "--quiet", "--create", "release-1.0", "v1.0.0")
    commit(repo, "Backported fix")
    git("tag", "v1.0.1")

    assert release(repo, "latest", "v1.0.0", "main").stdout == "latest=true\n"
    assert release(repo, "latest", "v1.1.0-rc.1", "main").stdout == "latest=false\n"
    assert release(repo, "latest", "v1.0.1", "main").stdout == "latest=false\n"


@pytest.mark.parametrize(
    ("tag", "message"),
    [("v9.9.9", "no tag 'v9.9.9'"), ("nightly", "'nightly' is not a version tag")],
)
def test_a_wrong_tag_is_refused(repo: Path, tag: str, message: str) -> None:
    commit(repo, "Initial commit")
    git_in(repo)("tag", "nightly")

    result = release(repo, "notes", tag)

    assert result.returncode == 1
    assert message in result.stderr
