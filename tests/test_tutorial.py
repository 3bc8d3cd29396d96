"""TUTORIAL.md, followed to the letter: its files written, its edits applied, its commands run.

The tutorial's fenced blocks are its steps, in order:

- ```sh: commands, run in the project's folder;
- ```python title="path": a new file, written whole;
- ```diff title="path": a change to an existing file: the lines starting with a space are
  what the file already holds (they must occur exactly once), those starting with "+"
  are added and those starting with "-" removed.

No other kind of block is allowed, so every line of code the tutorial shows is run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import VARIANTS
from harness import BUILD_DIR, render, run, uv_env

FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
TITLE = re.compile(r'title="(?P<path>[^"]+)"')
# The presets the tutorial is followed in: the default answers, and the one without the
# example app (the tutorial must not lean on it), with session auth and another slug.
PRESETS = ["default", "minimal"]
# What the tutorial promises to pass at the end.
GATES = "make lint typecheck check test"


@dataclass
class Step:
    kind: str  # "sh", "file" or "edit"
    body: str
    path: str = ""


def steps(tutorial: str) -> list[Step]:
    found = []
    for block in FENCE.finditer(tutorial):
        language, _, attributes = block["info"].partition(" ")
        title = TITLE.search(attributes)
        if language == "sh" and not title:
            found.append(Step("sh", block["body"]))
        elif language == "python" and title:
            found.append(Step("file", block["body"], title["path"]))
        elif language == "diff" and title:
            found.append(Step("edit", block["body"], title["path"]))
        else:
            raise AssertionError(f"TUTORIAL.md: a block this test cannot follow: {block['info']!r}")
        if title:
            # The reader sees the path in the text, not in the fence's info string.
            before = tutorial[: block.start()].rstrip().rsplit("\n\n", 1)[-1]
            assert f"`{title['path']}`" in before, f"the text before the block names {title['path']}"
    return found


def apply_edit(path: Path, diff: str) -> None:
    old, new = [], []
    for line in diff.splitlines():
        marker, text = line[:1], line[1:]
        assert marker in {" ", "+", "-"}, f"{path.name}: a diff line must start with ' ', '+' or '-'"
        if marker != "+":
            old.append(text)
        if marker != "-":
            new.append(text)
    before, after = "\n".join(old) + "\n", "\n".join(new) + "\n"
    content = path.read_text()
    assert content.count(before) == 1, f"{path} should hold this exactly once:\n{before}"
    path.write_text(content.replace(before, after))


def follow(project: Path, env: dict[str, str] | None) -> dict[str, str]:
    """Apply the tutorial's steps to ``project``; run its commands only when given an env.
    Returns each command block's output."""
    outputs = {}
    for step in steps((project / "TUTORIAL.md").read_text()):
        if step.kind == "sh":
            if env is not None:
                outputs[step.body] = run(["bash", "-euo", "pipefail", "-c", step.body], project, env)
        elif step.kind == "file":
            target = project / step.path
            assert not target.exists(), f"the tutorial writes {step.path}, which exists already"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.body)
        else:
            apply_edit(project / step.path, step.body)
    return outputs


@pytest.mark.render
@pytest.mark.parametrize("variant", VARIANTS)
def test_the_tutorial_applies_cleanly_in_every_variant(rendered, tmp_path, variant):
    """Static and quick, for every variant (the longest slug included): the edits find their
    place, and the code it adds passes ruff as the project configures it."""
    source = rendered(variant)
    project = Path(shutil.copytree(source, tmp_path / source.name))
    follow(project, env=None)
    notes = project / "src" / project.name / "notes"
    assert (notes / "apis.py").exists()
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, str(notes)],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"ruff {command[0]}:\n{result.stdout}{result.stderr}"


@pytest.mark.project
@pytest.mark.parametrize("preset", PRESETS)
def test_following_the_tutorial_keeps_every_gate_green(preset):
    answers = VARIANTS[preset]
    project = render(answers, BUILD_DIR / "tutorial" / preset)
    # SQLite and in-process stand-ins: the new resource needs no service, and a shared
    # DATABASE_URL or REQUIRE_SERVICES=1 from the caller would point the suite at
    # databases other presets use, or fail the service tests of the untouched code.
    env = uv_env(answers["python_version"])
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "RABBITMQ_URL", "REQUIRE_SERVICES"):
        env.pop(name, None)
    run(["uv", "sync", "--all-groups"], project, env)

    outputs = follow(project, env)

    slug = project.name
    assert (project / "src" / slug / "notes" / "migrations" / "0001_initial.py").exists()
    own_tests = next(output for command, output in outputs.items() if "pytest" in command)
    assert re.search(r"\d+ passed", own_tests), own_tests[-2000:]
    assert "skipped" not in own_tests
    gates = next(output for command, output in outputs.items() if GATES in command)
    assert re.search(r"\d+ passed", gates), gates[-2000:]
