"""Rendering and subprocess helpers shared by the test tiers, `make demo` and `make bench`."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from cookiecutter.main import cookiecutter

from prodstarter_tools.find_python import find_python
from prodstarter_tools.matrix import with_derived

# The checkout this package lives in: uv installs it editable (`make setup`), so this is
# the template's root, not site-packages.
TEMPLATE_DIR = Path(__file__).resolve().parent.parent
BUILD_DIR = TEMPLATE_DIR / "build"
MANIFEST_FILE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / ".prodstarter-manifest.json"


def load_manifest() -> dict:
    """The manifest as the post-gen hook reads it, without its `_about` notes: the hook's
    own rule, so the two never disagree on what a note is."""
    return POST_GEN_HOOK.without_notes(json.loads(MANIFEST_FILE.read_text()))


def load_hook(name: str) -> ModuleType:
    """A hook of ``hooks/`` (``pre_gen_project`` or ``post_gen_project``) imported as a module,
    under its own name, without running its ``main()``."""
    spec = importlib.util.spec_from_file_location(name, TEMPLATE_DIR / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


POST_GEN_HOOK = load_hook("post_gen_project")


def chart_name(slug: str) -> str:
    """The Helm chart's name (and folder): Helm allows lowercase letters, digits and dashes."""
    return slug.replace("_", "-")


def manifest_path(path: str, slug: str) -> str:
    """A path of the manifest, its `{slug}` and `{chart}` filled in for a project: the hook's rule."""
    return POST_GEN_HOOK.manifest_path(path, slug)


def wanted(conditions: dict[str, list[str]], answers: dict[str, str]) -> bool:
    """The manifest's rule, applied as the hook applies it: to the answers with the private
    ones cookiecutter.json derives from them (``__has_task_queue``, ...)."""
    return POST_GEN_HOOK.wanted(conditions, with_derived(answers))


def render(answers: dict[str, str], output_dir: Path) -> Path:
    """Render the template with ``answers`` into a fresh ``output_dir``; return the project."""
    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.mkdir(parents=True)
    return Path(
        cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=str(output_dir))
    )


def uv_env(python_version: str, **extra: str) -> dict[str, str]:
    """Environment for running uv (and the rendered Makefile) on this machine."""
    interpreter = find_python(python_version)
    if interpreter is None:
        raise RuntimeError(f"Python {python_version} is required but no interpreter was found")
    # The rendered Makefile runs as a top-level make: without the flags of the `make test`
    # that started the tier (MAKELEVEL makes it print "Entering directory" lines).
    inherited = ("VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    env = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    # The rendered Makefile calls `uv`; make sure the harness's own uv is on PATH.
    uv_bin = Path(shutil.which("uv") or sys.executable).parent
    env["PATH"] = f"{uv_bin}{os.pathsep}{env.get('PATH', '')}"
    env.pop("UV_PROJECT_ENVIRONMENT", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(UV_PYTHON=interpreter, UV_PYTHON_DOWNLOADS="never", **extra)
    return env


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    """Run ``command``; fail with its full output if it exits non-zero."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise AssertionError(f"`{' '.join(command)}` exited {result.returncode} in {cwd}:\n{output}")
    return output
