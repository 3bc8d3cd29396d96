"""Choose and prune files by the manifest, give the project its host ports, write .env
with fresh secrets, record the template for `cruft update`, print next steps.

The manifest (which paths belong to which option) travels inside the rendered folder,
because cookiecutter runs this hook from a temporary copy that cannot locate the
template; the hook reads it and removes it. Safe to run again: missing paths are
skipped, the ports follow from the slug alone, an existing .env is kept, since its
secrets may already be in use, and .cruft.json describes the render just made.

Importable: cookiecutter renders the answers into main() only, so the template's tests
import this module and call its functions directly.
"""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

MANIFEST_NAME = ".prodstarter-manifest.json"

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


def manifest_path(path: str, slug: str) -> str:
    """A manifest path with its placeholders filled in: ``{slug}``, and ``{chart}``, the
    Helm chart's name, which takes dashes where the slug has underscores."""
    return path.format(slug=slug, chart=slug.replace("_", "-"))


def wanted(conditions: dict[str, list[str]], answers: dict) -> bool:
    """Whether any option named in ``conditions`` has one of the values listed for it."""
    return any(answers[option] in values for option, values in conditions.items())


def variant_source(target: str, value: str) -> str:
    """Where the template keeps the version of ``target`` for an option's ``value``:
    beside it, the value between its name and its suffix (``cache.py`` -> ``cache.redis.py``)."""
    path = Path(target)
    return str(path.with_name(f"{path.stem}.{value}{path.suffix}"))


def choose_alternatives(alternatives: dict, answers: dict, project_dir: Path) -> None:
    """Rename the chosen version of each file into place and delete the others. A value
    the manifest lists no version for gives no file."""
    slug = answers["project_slug"]
    for target, conditions in alternatives.items():
        ((option, values),) = conditions.items()
        for value in values:
            source = project_dir / manifest_path(variant_source(target, value), slug)
            if not source.exists():
                continue  # Already chosen, or a version this template does not ship.
            if value == answers[option]:
                source.rename(project_dir / manifest_path(target, slug))
            else:
                source.unlink()


def paths_to_remove(paths: dict, answers: dict, project_dir: Path) -> list[Path]:
    slug = answers["project_slug"]
    return [
        project_dir / manifest_path(path, slug)
        for path, conditions in paths.items()
        if not wanted(conditions, answers)
    ]


def prune(paths: list[Path], project_dir: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        # A folder left empty (charts/ without its chart) is a trace of the option too.
        parent = path.parent
        while parent != project_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


NOTE = "_about"


def without_notes(node):
    """The manifest without its ``_about`` notes (conditions may name private answers,
    such as ``__has_task_queue``, which start with an underscore too)."""
    if isinstance(node, dict):
        return {key: without_notes(value) for key, value in node.items() if key != NOTE}
    return node


def host_ports(slug: str) -> dict[str, int]:
    """The project's block of host ports: the same for the same slug, on every machine."""
    blocks = (LAST_PORT - FIRST_PORT + 1) // BLOCK_SIZE
    block = int.from_bytes(hashlib.sha256(slug.encode()).digest(), "big") % blocks
    first = FIRST_PORT + block * BLOCK_SIZE
    return {name: first + offset for offset, name in enumerate(PUBLISHED_PORTS)}


def assign_host_ports(ports: dict[str, int], project_dir: Path) -> None:
    """Write the ports into .env.example (``NAME=port``) and compose.yaml's defaults
    (``${NAME:-port}``), which the template renders with the services' usual ports."""
    # Concatenated rather than f-strings: doubled braces would be Jinja to cookiecutter.
    for name, port in ports.items():
        default = "${" + name + ":-"
        for file, pattern, replacement in [
            (".env.example", rf"(?m)^{name}=\d+$", f"{name}={port}"),
            ("compose.yaml", re.escape(default) + r"\d+\}", default + str(port) + "}"),
        ]:
            path = project_dir / file
            path.write_text(re.sub(pattern, replacement, path.read_text()))


def write_env(project_dir: Path) -> None:
    """.env from .env.example with fresh secrets, by the project's own `make env`
    (scripts/write_env.py, run as that target runs it), so that the two never disagree on
    what a secret is."""
    subprocess.run(
        [sys.executable, str(project_dir / "scripts" / "write_env.py")],
        cwd=project_dir,
        check=True,
        capture_output=True,
        text=True,
    )


# Cookiecutter's rules for a template's location (cookiecutter.repository's is_repo_url and
# expand_abbreviations, with its built-in abbreviations), restated here: importing that
# module pulls in requests, which would cost every render half a second.
# tests/test_hooks.py holds the two to the same answers.
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}
REPO_URL = re.compile(r"(((git|hg)\+)?(git|ssh|file|https?):(//)?|\w+@[\w.]+)")


def expand_abbreviations(template: str) -> str:
    if template in ABBREVIATIONS:
        return ABBREVIATIONS[template]
    prefix, separator, rest = template.partition(":")
    if separator and prefix in ABBREVIATIONS:
        return ABBREVIATIONS[prefix].format(rest)
    return template


def is_repo_url(value: str) -> bool:
    return REPO_URL.match(value) is not None


def template_source(answers: dict) -> tuple[str, str | None]:
    """Where the template came from and its commit, as cruft would record them: a git URL
    (abbreviations such as gh: expanded) or the absolute path of a local template."""
    template = answers["_template"]
    repo_dir = answers.get("_repo_dir") or template
    url = expand_abbreviations(template)
    if not is_repo_url(url):
        url = str(Path(repo_dir).resolve())
    head = subprocess.run(
        ["git", "-C", repo_dir, "rev-parse", "--verify", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return url, head.stdout.strip() if head.returncode == 0 else None


def write_cruft_state(answers: dict, project_dir: Path) -> None:
    """.cruft.json in cruft's own format, so `cruft update` and `cruft check` work on a
    project rendered by plain cookiecutter. cruft itself (create, or the renders it diffs
    during update) passes `_commit` and writes the file on its own: leave it alone then,
    or its update would patch the file it is about to rewrite."""
    if "_commit" in answers:
        return
    url, commit = template_source(answers)
    # Paths of the machine that rendered the project mean nothing to the next one, and the
    # files copied without rendering are the template's business (cookiecutter.json).
    unrecorded = {"_output_dir", "_repo_dir", "_copy_without_render"}
    context = {key: value for key, value in answers.items() if key not in unrecorded}
    context.update(_template=url, _commit=commit)
    state = {
        "template": url,
        "commit": commit,
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": None,
    }
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": "))
    (project_dir / ".cruft.json").write_text(text + "\n")


def shape_project(answers: dict, project_dir: Path) -> None:
    """Everything the manifest decides: the chosen versions, the pruned paths, the host
    ports and .env. Nothing to do once the manifest is gone (a second run)."""
    manifest_file = project_dir / MANIFEST_NAME
    if not manifest_file.exists():
        return
    manifest = without_notes(json.loads(manifest_file.read_text()))
    choose_alternatives(manifest["alternatives"], answers, project_dir)
    prune(paths_to_remove(manifest["paths"], answers, project_dir), project_dir)
    # Before .env is written: it starts as a copy of .env.example.
    assign_host_ports(host_ports(answers["project_slug"]), project_dir)
    write_env(project_dir)
    manifest_file.unlink()


def next_steps(slug: str) -> str:
    return f"""
Created {slug}/. Next steps:
  cd {slug}
  make install   # uv sync: creates .venv and uv.lock (commit it: CI and the image need it)
  git init && git add -A && git commit -m "Initial commit"
  make migrate   # SQLite by default; set DATABASE_URL in .env for PostgreSQL
  make run       # then open http://127.0.0.1:8000/api/docs/
  make test      # the test suite, failing below 90% coverage (make lint typecheck: the rest)
  make up        # the image, built and run in Docker Compose: http://127.0.0.1:{host_ports(slug)["WEB_PORT"]}/
.env holds freshly generated secrets and is git-ignored: keep it out of version control."""


def main() -> int:
    # tojson escapes quotes, so no answer can close the raw string early.
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    project_dir = Path.cwd()
    shape_project(answers, project_dir)
    write_cruft_state(answers, project_dir)
    print(next_steps(answers["project_slug"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
