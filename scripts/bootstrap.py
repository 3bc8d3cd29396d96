"""Turn a repository created with GitHub's "Use this template" into the rendered project.

Such a repository starts as a copy of the template. This script renders the project from
that copy, named after the repository, replaces the repository's content with it and
commits the result once; pushing is left to the caller (.github/workflows/bootstrap.yml).
Run again on a repository that holds the project already, it says so and changes nothing.

The project records the template it came from in .cruft.json, for `cruft update`. The
post-gen hook records the folder it was rendered from, which here is the copy about to be
replaced, so this script records the template repository and commit given to it instead.

Usage (from the repository's root, with cookiecutter installed for this interpreter):
    python scripts/bootstrap.py --repository acme/order-service \\
        --template-url https://github.com/acme/prodstarter --template-commit <sha>
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE_FOLDER = "{{cookiecutter.project_slug}}"
# Answers that follow from the repository's name: --answers cannot contradict them.
DERIVED = {"project_slug", "github_repository"}
COMMIT_SHA = re.compile(r"[0-9a-f]{40}")


class BootstrapError(Exception):
    """A problem the user can fix; its message says how."""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BootstrapError(f"`git {' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def is_template_copy(repo: Path) -> bool:
    return (repo / "cookiecutter.json").is_file() and (repo / TEMPLATE_FOLDER).is_dir()


def answers_for(repository: str, extra: dict[str, str], template_options: dict) -> dict[str, str]:
    """The answers for ``owner/name``: the slug and the project name from the name."""
    owner, _, name = repository.partition("/")
    if not owner or not name or "/" in name:
        raise BootstrapError(f"--repository {repository!r} is not of the form owner/name")
    unknown = sorted(set(extra) - set(template_options))
    if unknown:
        raise BootstrapError(f"unknown answers {unknown}: the template's options are in cookiecutter.json")
    if derived := sorted(DERIVED & set(extra)):
        raise BootstrapError(f"{derived} follow from the repository's name; rename the repository instead")
    words = [word for word in re.split(r"[-_.]+", name) if word]
    answers = {"project_name": " ".join(word.capitalize() for word in words) or name}
    answers.update(extra)
    # project_slug and github_repository last: nothing overrides what the name decides.
    answers.update(project_slug=name.lower().replace("-", "_"), github_repository=repository)
    return answers


def render(repo: Path, answers: dict[str, str], output_dir: Path) -> Path:
    """Render the template held in ``repo``; on refused answers, say what to rename."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "--output-dir", str(output_dir), str(repo)]
    command += [f"{key}={value}" for key, value in answers.items()]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # The pre-gen hook prints one "ERROR: ..." line per refused answer.
        refused = [
            line.removeprefix("ERROR: ") for line in result.stderr.splitlines() if line.startswith("ERROR:")
        ]
        if refused:
            reasons = "\n".join(f"  {reason}" for reason in refused)
            hint = ""
            if any(reason.startswith("project_slug") for reason in refused):
                name = answers["github_repository"].partition("/")[2]
                hint = (
                    f"\nThe project slug is the repository name {name!r} in lowercase with '-' turned into "
                    "'_'. Rename the repository (lowercase letters, digits and single hyphens, starting "
                    "with a letter, e.g. 'order-service') and run the bootstrap again."
                )
            raise BootstrapError(f"the template refuses these answers:\n{reasons}{hint}")
        raise BootstrapError(f"rendering failed:\n{result.stdout}{result.stderr}")
    return output_dir / answers["project_slug"]


def record_template(project: Path, url: str, commit: str) -> None:
    """Point .cruft.json at the template repository instead of the copy it was rendered from."""
    state_file = project / ".cruft.json"
    state = json.loads(state_file.read_text())
    state.update(template=url, commit=commit, checkout=None)
    state["context"]["cookiecutter"].update(_template=url, _commit=commit)
    state_file.write_text(json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n")


def replace_content(repo: Path, project: Path) -> None:
    """Remove every tracked file of the template, then copy the project in."""
    for name in git(repo, "ls-files", "-z").split("\0"):
        if name:
            (repo / name).unlink(missing_ok=True)
    folders = []
    for folder, subfolders, _ in os.walk(repo):
        subfolders[:] = [name for name in subfolders if name != ".git"]
        folders.append(Path(folder))
    # The folders the template's files lived in, deepest first, once they are empty.
    for folder in sorted(folders, reverse=True):
        if folder != repo and not any(folder.iterdir()):
            folder.rmdir()
    # Merged into the folders that remain (git-ignored files may keep one alive).
    shutil.copytree(project, repo, symlinks=True, dirs_exist_ok=True)


def bootstrap(repo: Path, repository: str, url: str, commit: str, extra: dict[str, str]) -> str:
    """Render, replace and commit; return what was done, for the log."""
    if not is_template_copy(repo):
        if (repo / ".cruft.json").is_file():
            return f"{repo} holds the rendered project already (.cruft.json is there): nothing to do."
        raise BootstrapError(f"{repo} is neither a copy of the template nor a project rendered from it")
    if not COMMIT_SHA.fullmatch(commit):
        raise BootstrapError(f"--template-commit {commit!r} is not a full 40-character commit sha")
    if git(repo, "status", "--porcelain", "--untracked-files=all").strip():
        raise BootstrapError(f"{repo} has uncommitted changes: commit or remove them first")
    options = json.loads((repo / "cookiecutter.json").read_text())
    answers = answers_for(repository, extra, options)
    # Everything that can fail happens in a scratch folder before the repository is touched.
    with tempfile.TemporaryDirectory(prefix="bootstrap-") as scratch:
        project = render(repo, answers, Path(scratch))
        record_template(project, url, commit)
        replace_content(repo, project)
    git(repo, "add", "--all")
    message = (
        f"Render {answers['project_slug']} from the Prodstarter template\n\n"
        f"Template: {url} at {commit}\n"
        f"Answers: the template's defaults, with {json.dumps(answers, ensure_ascii=False, sort_keys=True)}\n"
    )
    git(repo, "commit", "--quiet", "--no-verify", "--message", message)
    return f"Rendered {answers['project_slug']} for {repository} and committed it; push to publish it."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", required=True, help="owner/name of the repository being bootstrapped")
    parser.add_argument("--template-url", required=True, help="the template repository's URL, for cruft")
    parser.add_argument(
        "--template-commit", required=True, help="the template commit this copy was made from"
    )
    parser.add_argument(
        "--answers", default="{}", help='more answers as a JSON object, e.g. {"auth": "session"}; default {}'
    )
    parser.add_argument("--repo-dir", type=Path, default=Path.cwd(), help="the repository (default: here)")
    args = parser.parse_args()
    try:
        try:
            extra = json.loads(args.answers or "{}")
        except json.JSONDecodeError as error:
            raise BootstrapError(f"--answers is not valid JSON: {error}") from error
        if not isinstance(extra, dict) or not all(isinstance(value, str) for value in extra.values()):
            raise BootstrapError('--answers must be a JSON object of strings, e.g. {"auth": "session"}')
        print(
            bootstrap(
                args.repo_dir.resolve(), args.repository, args.template_url, args.template_commit, extra
            )
        )
    except BootstrapError as error:
        print(f"bootstrap: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
