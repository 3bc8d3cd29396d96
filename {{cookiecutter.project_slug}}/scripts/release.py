"""What the release workflow needs to know about a version tag, from git alone.

  python3 scripts/release.py notes v1.2.0
      The release notes: every commit since the previous release, newest first.
  python3 scripts/release.py latest v1.2.0 origin/main
      latest=true when the tag is a final release (no -rc.1 or the like) on that branch,
      else latest=false: a line for $GITHUB_OUTPUT, deciding the image's `latest` tag.

Version tags look like v1.2.3, or v1.2.3-rc.1 for a pre-release.
"""

import re
import shutil
import subprocess
import sys

VERSION_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)(?:-(.+))?$")
GIT = shutil.which("git") or "git"


class ReleaseError(Exception):
    """Bad input; its message says what to fix."""


def git(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    # A fixed program and arguments built here, no shell.
    return subprocess.run(  # noqa: S603
        [GIT, *args], capture_output=True, text=True, check=check
    )


def version_key(tag: str) -> tuple[int, int, int, int, str]:
    """Orders version tags: a pre-release before the final release of its version."""
    match = VERSION_TAG.match(tag)
    if match is None:
        raise ReleaseError(f"{tag!r} is not a version tag such as v1.2.3 or v1.2.3-rc.1")
    major, minor, patch, pre = match.groups()
    return int(major), int(minor), int(patch), 0 if pre else 1, pre or ""


def is_prerelease(tag: str) -> bool:
    return version_key(tag)[3] == 0


def previous_release(tag: str) -> str | None:
    """The highest earlier version tag in the tag's history; a final release skips
    pre-releases, so its notes cover everything since the previous final release."""
    key = version_key(tag)
    merged = git("tag", "--merged", tag).stdout.split()
    earlier = [
        other
        for other in merged
        if VERSION_TAG.match(other)
        and version_key(other) < key
        and (is_prerelease(tag) or not is_prerelease(other))
    ]
    return max(earlier, key=version_key, default=None)


def notes(tag: str) -> str:
    previous = previous_release(tag)
    revisions = f"{previous}..{tag}" if previous else tag
    log = git("log", "--no-merges", "--format=%h %s", revisions).stdout.splitlines()
    heading = f"## Changes since {previous}" if previous else "## Changes"
    changes = [
        f"- {subject} ({commit})" for commit, subject in (line.split(" ", 1) for line in log)
    ]
    return "\n".join([heading, "", *(changes or ["No changes."])]) + "\n"


def latest(tag: str, branch: str) -> str:
    on_branch = git("merge-base", "--is-ancestor", tag, branch, check=False).returncode == 0
    return f"latest={'true' if on_branch and not is_prerelease(tag) else 'false'}\n"


def main(argv: list[str]) -> int:
    command, arguments = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if (command, len(arguments)) not in (("notes", 1), ("latest", 2)):
        print(__doc__, file=sys.stderr)
        return 2
    tag = arguments[0]
    try:
        if git("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", check=False).returncode:
            raise ReleaseError(f"no tag {tag!r} in this repository")
        sys.stdout.write(notes(tag) if command == "notes" else latest(tag, arguments[1]))
    except ReleaseError as error:
        print(f"release.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
