"""Prune the paths of option values not chosen, write .env with fresh secrets, print next steps.

The manifest (which paths belong to which option) travels inside the rendered folder,
because cookiecutter runs this hook from a temporary copy that cannot locate the
template; the hook reads it and removes it. Safe to run again: pruning skips missing
paths and an existing .env is kept, since its secrets may already be in use.
"""

import json
import secrets
import shutil
import sys
from pathlib import Path

# tojson escapes quotes, so no answer can close the raw string early.
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
PROJECT_DIR = Path.cwd()
MANIFEST_FILE = PROJECT_DIR / ".prodstarter-manifest.json"


def wanted(conditions: dict) -> bool:
    """Whether any option named in ``conditions`` has one of the values listed for it."""
    return any(ANSWERS[option] in values for option, values in conditions.items())


def paths_to_remove(manifest: dict) -> list[Path]:
    return [
        PROJECT_DIR / path.format(slug=ANSWERS["project_slug"])
        for path, conditions in manifest["paths"].items()
        if not path.startswith("_") and not wanted(conditions)
    ]


def prune(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_env(generated_secrets: dict) -> None:
    env_file = PROJECT_DIR / ".env"
    if env_file.exists():
        return
    lines = []
    for line in (PROJECT_DIR / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        if name in generated_secrets and not name.startswith("_"):
            line = f"{name}={secrets.token_urlsafe(generated_secrets[name])}"
        lines.append(line)
    env_file.write_text("\n".join(lines) + "\n")
    env_file.chmod(0o600)


def main() -> int:
    if MANIFEST_FILE.exists():
        manifest = json.loads(MANIFEST_FILE.read_text())
        prune(paths_to_remove(manifest))
        write_env(manifest["generated_secrets"])
        MANIFEST_FILE.unlink()
    slug = ANSWERS["project_slug"]
    print(
        f"""
Created {slug}/. Next steps:
  cd {slug}
  git init && git add -A && git commit -m "Initial commit"
  make install   # uv sync: creates .venv and uv.lock
  make migrate   # SQLite by default; set DATABASE_URL in .env for PostgreSQL
  make run       # then open http://127.0.0.1:8000/api/docs/
  make test      # the test suite, failing below 90% coverage (make lint typecheck: the rest)
.env holds freshly generated secrets and is git-ignored: keep it out of version control."""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
