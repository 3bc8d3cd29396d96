"""Prune the paths of option values not chosen, give the project its host ports, write .env
with fresh secrets, record the template for `cruft update`, print next steps.

The manifest (which paths belong to which option) travels inside the rendered folder,
because cookiecutter runs this hook from a temporary copy that cannot locate the
template; the hook reads it and removes it. Safe to run again: pruning skips missing
paths, the ports follow from the slug alone, an existing .env is kept, since its
secrets may already be in use, and .cruft.json describes the render just made.
"""

import hashlib
import json
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

# tojson escapes quotes, so no answer can close the raw string early.
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
PROJECT_DIR = Path.cwd()
MANIFEST_FILE = PROJECT_DIR / ".prodstarter-manifest.json"

# The host ports compose publishes, each at a fixed offset in the project's block. Every
# project gets a block of its own, chosen from its slug, so that several projects run
# side by side on one machine; the range stays clear of the well-known and the usual
# development ports.
PUBLISHED_PORTS = [
    "WEB_PORT",
    "POSTGRES_PORT",
    "REDIS_PORT",
    "PROMETHEUS_PORT",
    "GRAFANA_PORT",
    "OTEL_COLLECTOR_PORT",
]
FIRST_PORT, LAST_PORT = 54320, 65535
BLOCK_SIZE = 10


def wanted(conditions: dict) -> bool:
    """Whether any option named in ``conditions`` has one of the values listed for it."""
    return any(ANSWERS[option] in values for option, values in conditions.items())


def paths_to_remove(manifest: dict) -> list[Path]:
    slug = ANSWERS["project_slug"]
    # Helm chart names take dashes, not underscores.
    return [
        PROJECT_DIR / path.format(slug=slug, chart=slug.replace("_", "-"))
        for path, conditions in manifest["paths"].items()
        if not path.startswith("_") and not wanted(conditions)
    ]


def prune(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        # A folder left empty (charts/ without its chart) is a trace of the option too.
        parent = path.parent
        while parent != PROJECT_DIR and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def host_ports(slug: str) -> dict[str, int]:
    """The project's block of host ports: the same for the same slug, on every machine."""
    blocks = (LAST_PORT - FIRST_PORT + 1) // BLOCK_SIZE
    block = int.from_bytes(hashlib.sha256(slug.encode()).digest(), "big") % blocks
    first = FIRST_PORT + block * BLOCK_SIZE
    return {name: first + offset for offset, name in enumerate(PUBLISHED_PORTS)}


def assign_host_ports(ports: dict[str, int]) -> None:
    """Write the ports into .env.example (``NAME=port``) and compose.yaml's defaults
    (``${NAME:-port}``), which the template renders with the services' usual ports."""
    # Concatenated rather than f-strings: doubled braces would be Jinja to cookiecutter.
    for name, port in ports.items():
        default = "${" + name + ":-"
        for file, pattern, replacement in [
            (".env.example", rf"(?m)^{name}=\d+$", f"{name}={port}"),
            ("compose.yaml", re.escape(default) + r"\d+\}", default + str(port) + "}"),
        ]:
            path = PROJECT_DIR / file
            path.write_text(re.sub(pattern, replacement, path.read_text()))


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


def template_source() -> tuple[str, str | None]:
    """Where the template came from and its commit, as cruft would record them: a git URL
    (abbreviations such as gh: expanded) or the absolute path of a local template."""
    from cookiecutter.config import BUILTIN_ABBREVIATIONS
    from cookiecutter.repository import expand_abbreviations, is_repo_url

    template = ANSWERS["_template"]
    repo_dir = ANSWERS.get("_repo_dir") or template
    if is_repo_url(template):
        url = expand_abbreviations(template, BUILTIN_ABBREVIATIONS)
    else:
        url = str(Path(repo_dir).resolve())
    head = subprocess.run(
        ["git", "-C", repo_dir, "rev-parse", "--verify", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return url, head.stdout.strip() if head.returncode == 0 else None


def write_cruft_state() -> None:
    """.cruft.json in cruft's own format, so `cruft update` and `cruft check` work on a
    project rendered by plain cookiecutter. cruft itself (create, or the renders it diffs
    during update) passes `_commit` and writes the file on its own: leave it alone then,
    or its update would patch the file it is about to rewrite."""
    if "_commit" in ANSWERS:
        return
    url, commit = template_source()
    # Paths of the machine that rendered the project mean nothing to the next one.
    context = {key: value for key, value in ANSWERS.items() if key not in {"_output_dir", "_repo_dir"}}
    context.update(_template=url, _commit=commit)
    state = {
        "template": url,
        "commit": commit,
        "checkout": ANSWERS.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": None,
    }
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": "))
    (PROJECT_DIR / ".cruft.json").write_text(text + "\n")


def main() -> int:
    slug = ANSWERS["project_slug"]
    ports = host_ports(slug)
    if MANIFEST_FILE.exists():
        manifest = json.loads(MANIFEST_FILE.read_text())
        prune(paths_to_remove(manifest))
        # Before .env is written: it starts as a copy of .env.example.
        assign_host_ports(ports)
        write_env(manifest["generated_secrets"])
        MANIFEST_FILE.unlink()
    write_cruft_state()
    print(
        f"""
Created {slug}/. Next steps:
  cd {slug}
  make install   # uv sync: creates .venv and uv.lock (commit it: CI and the image need it)
  git init && git add -A && git commit -m "Initial commit"
  make migrate   # SQLite by default; set DATABASE_URL in .env for PostgreSQL
  make run       # then open http://127.0.0.1:8000/api/docs/
  make test      # the test suite, failing below 90% coverage (make lint typecheck: the rest)
  make up        # the image, built and run in Docker Compose: http://127.0.0.1:{ports["WEB_PORT"]}/
.env holds freshly generated secrets and is git-ignored: keep it out of version control."""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
